#!/bin/bash
# remote_edit_moved.sh: e on another host's guest asks that host twice
# (hostinfo, then show) before its form opens. An admin who meanwhile opened
# another form (here: the edit of a guest of this host) keeps it: the late
# answer never replaces what is on the screen, so keys typed there cannot
# land in the other host's guest; the status line says to press e again.
# An answer about another guest than the one asked for opens no form. The
# same for n with the table on another host (its new-guest form) and for c
# on another host's guest (its ISO picker, whose Enter acts on that guest).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

write_conf <<'EOF2'
heartbeat = 1.0;
host_name = "alpha";
EOF2
mkguest here < /dev/null
peer_start kvm2 <<< "heartbeat = 1.0;"
mkguest_on kvm2 web
mkguest_on kvm2 decoy
# kvm2 answers `show` slowly (a loaded host, a slow link); with $T/lie, for another guest
cat > "$T/slow" <<EOF2
#!/bin/sh
case " \$* " in *" hostinfo "*) [ -e "$T/slowinfo" ] && sleep 3 ;; esac
case " \$* " in *" show "*) sleep 3
    [ -e "$T/lie" ] && { "\$@" | sed -E 's/"name": ?"web"/"name": "decoy"/'; exit; } ;; esac
exec "\$@"
EOF2
chmod +x "$T/slow"
echo "hosts = ( ${PEER_HOSTS//vmdeck = \"/vmdeck = \"$T/slow } );" >> "$CONF"
host_select() {
    local i keys=(Home)
    tui_wait "^ $1 " 10
    i=$(tui_screen | sed -n '/^ NAME  /,$p' | tail -n +2 | grep -nE "^ $1 " | cut -d: -f1)
    for _ in $(seq 2 "${i:-1}"); do keys+=(Down); done
    tui_keys "${keys[@]}"
    sleep 0.2
}

tui_start
host_select web
tui_keys e
check_screen "e on kvm2's web: asking kvm2" 'asking kvm2 for its definition' 10
host_select here
tui_keys e
check_screen "e on this host's here opens its form meanwhile" 'Edit here' 5
sleep 4
check_screen "kvm2's late answer leaves it on the screen" 'Edit here' 1
check_nomatch "... no form of kvm2's web over it" 'Edit web' "$(tui_screen)"
check_screen "the status line says to press e again" 'web: kvm2 answered; press e again' 3
tui_keys Escape
check_screen "Esc: the table, no stale form below" '^ NAME +' 3
check_nomatch "... and no form of web" 'Edit web' "$(tui_screen)"

# Nothing else open: the answer opens the form, as before
host_select web
tui_keys e
check_screen "e on web with nothing else open: its form" 'Edit web' 15
tui_keys Escape

touch "$T/lie"
tui_keys e
check_screen "kvm2 answers for decoy when asked for web: refused" 'web: kvm2 answered for another guest' 15
check_nomatch "... no form opens" 'Edit (web|decoy)' "$(tui_screen)"
rm -f "$T/lie"
touch "$T/slowinfo"
tui_keys : 'host kvm2' Enter
tui_wait '^ web +kvm2' 5
tui_keys n
check_screen "n for kvm2: asking kvm2" 'asking kvm2 for its bridges' 5
tui_keys : 'host all' Enter
host_select here
tui_keys e
check_screen "this host's here's form opens meanwhile" 'Edit here' 5
sleep 4
check_screen "kvm2's late hostinfo leaves it on the screen" 'Edit here' 1
check_nomatch "... no new-guest form for kvm2 over it" 'New guest on kvm2' "$(tui_screen)"
tui_keys Escape
check_screen "Esc: the table" '^ NAME +' 3
check_nomatch "... no stale new-guest form" 'New guest on kvm2' "$(tui_screen)"

host_select web
tui_keys c
check_screen "c on kvm2's web: asking kvm2" 'asking kvm2 for its ISO images' 5
host_select here
tui_keys e
check_screen "this host's here's form opens meanwhile" 'Edit here' 5
sleep 4
check_screen "kvm2's late ISO list leaves it on the screen" 'Edit here' 1
check_nomatch "... no ISO picker for web over it" 'Insert CD: web' "$(tui_screen)"
tui_keys Escape
check_screen "Esc: the table" '^ NAME +' 3
tui_stop
finish
