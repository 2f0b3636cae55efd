#!/bin/bash
# `npm run demo`, as root: builds capexec if needed, installs it into a scratch prefix
# with cap_net_admin, and in a throwaway network and mount namespace shows user nobody
# failing to create a tap device directly and succeeding through capexec. Everything
# it makes (the installation, temporary directories, the namespace and its device) is
# gone when it ends, whether it succeeds or not.
set -euo pipefail

NOBODY=65534
DEVICE=capexec0

say() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }
as_nobody() { setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups --inh-caps=-all "$@"; }

# tunctl(8) where it is installed, else ip-tuntap(8); both create a persistent tap
# device owned by nobody, which needs CAP_NET_ADMIN (TUNSETIFF).
if command -v tunctl >/dev/null; then
  tap=("$(command -v tunctl)" -u "$NOBODY" -t "$DEVICE")
  tap_text="tunctl -u nobody -t $DEVICE"
else
  tap=("$(command -v ip)" tuntap add dev "$DEVICE" mode tap user "$NOBODY")
  tap_text="ip tuntap add dev $DEVICE mode tap user nobody"
fi

# Runs inside `unshare --net --mount`: the mounts and the device below vanish with it.
inside_namespace() {
  mount -t tmpfs -o mode=0755,size=64k tmpfs "$SCRATCH"
  mknod -m 0666 "$SCRATCH/tun" c 10 200
  mount --bind "$SCRATCH/tun" /dev/net/tun
  say "in a throwaway network namespace whose /dev/net/tun anyone may open:"
  ls -l /dev/net/tun

  say "user nobody, directly (fails: creating a device needs cap_net_admin)"
  show "$tap_text"
  if as_nobody "${tap[@]}"; then die "nobody created $DEVICE without capexec: this machine grants it some other way"; fi

  say "user nobody, through capexec (works)"
  show "capexec --cap net_admin -- $tap_text"
  as_nobody "$PREFIX/bin/capexec" --cap net_admin -- "${tap[@]}"
  show ip -d link show "$DEVICE"
  ip -d link show "$DEVICE"
}

if [ "${1:-}" = --inside-namespace ]; then
  PREFIX=$2 SCRATCH=$3
  inside_namespace
  exit 0
fi

self=$(realpath "$0")
cd "$(dirname "$self")/.."
[ "$(id -u)" = 0 ] || die "run it as root: sudo npm run demo"
for tool in setpriv unshare mount mknod ip; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
[ -c /dev/net/tun ] || die "/dev/net/tun is missing (modprobe tun)"

# Built by root from someone's checkout, the outputs are handed back to the
# checkout's owner, so a later build by them still works.
if [ ! -x dist/capexec ] || [ -n "$(find src scripts test/helpers/fake-libc.ts man package-lock.json -newer dist/capexec -print -quit)" ]; then
  say "building dist/capexec"
  npm run --silent build
  chown -R "$(stat -c %u:%g .)" build dist
fi

PREFIX=$(mktemp -d /tmp/capexec-demo.XXXXXX)
SCRATCH=$(mktemp -d /tmp/capexec-demo-dev.XXXXXX)
chmod 0755 "$PREFIX"
installed=
cleanup() {
  say "cleaning up"
  if [ -n "$installed" ]; then
    show "capexec --uninstall $PREFIX"
    dist/capexec --uninstall "$PREFIX" || true
  fi
  rmdir "$PREFIX" "$SCRATCH" 2>/dev/null || rm -rf "$PREFIX" "$SCRATCH"
}
trap cleanup EXIT

say "installing capexec into the scratch prefix $PREFIX"
show "dist/capexec --install $PREFIX --cap net_admin"
installed=yes
dist/capexec --install "$PREFIX" --cap net_admin

unshare --net --mount --propagation private -- bash "$self" --inside-namespace "$PREFIX" "$SCRATCH"
