#!/bin/bash
# fetch-qemu.sh [DIR]: QEMU 10 from Debian's bookworm-backports, unpacked
# (apt-get download + dpkg -x, nothing installed, the machine's apt sources
# untouched: a private sources list and lists folder) into DIR (default
# build/qemu-bpo). Prints the qemu-system-x86_64 to give `make test QEMU=`.
set -eu
cd "$(dirname "$0")/.."
DIR=$(realpath -m "${1:-build/qemu-bpo}")
BIN="$DIR/bin/qemu-system-x86_64"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
mkdir -p "$DIR/lists/partial" "$DIR/debs"
cat > "$DIR/sources.list" <<LIST
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
LIST
APT=(-o Dir::Etc::SourceList="$DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o Dir::State::Lists="$DIR/lists" -o Dir::Cache::Archives="$DIR/debs" -q)
apt-get "${APT[@]}" update >&2
cd "$DIR/debs"
for p in qemu-system-x86 qemu-system-data qemu-system-common; do
    apt-get "${APT[@]}" download "$p/bookworm-backports" >&2
done
for d in "$DIR"/debs/*.deb; do dpkg -x "$d" "$DIR/root"; done
# Its own data files and modules first, then the machine's firmware
# (seabios, ipxe), as the installed package would find them.
mkdir -p "$DIR/bin"
cat > "$BIN.tmp" <<WRAP
#!/bin/sh
QEMU_MODULE_DIR="$DIR/root/usr/lib/x86_64-linux-gnu/qemu" exec "$DIR/root/usr/bin/qemu-system-x86_64" \\
    -L "$DIR/root/usr/share/qemu" -L /usr/share/qemu "\$@"
WRAP
chmod 755 "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
"$BIN" --version | head -1 >&2
echo "$BIN"
