#!/bin/sh
# Installs the Debian packages that the build, `make run` and `make test` need,
# when any is missing. Safe to run again: it asks apt only when needed.
set -e
PKGS="build-essential pkg-config libncurses-dev libconfig-dev libyaml-dev
libreadline-dev libjansson-dev libzstd-dev zlib1g-dev libssl-dev libcmocka-dev
qemu-system-x86 qemu-utils lvm2 openssh-client openssh-server socat tmux
vncsnapshot tigervnc-tools busybox-static cpio zstd gzip ncurses-term
kmod xz-utils e2fsprogs procps iproute2 util-linux hyperfine jq xorriso
man-db groff-base systemd"
PKGS="$PKGS $*"   # extra packages one target needs (make fuzz: clang)
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "vmdeck: missing packages:$missing (run as root, or apt-get install them)" >&2
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q $missing
