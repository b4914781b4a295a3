#!/usr/bin/env bash
# Builds Open vSwitch's own classifier benchmark (`ovstest test-classifier benchmark`) so that
# `npm run bench` can measure OVS's C classifier on this machine, in the same run as ovsim's
# (bench/ovs-baseline.ts), rather than quote figures measured elsewhere.
#
# Source: the OVS source tree in $OVS_SRC (e.g. a checkout of branch-3.1) if set, else Debian's
# source package of the installed openvswitch-switch release (`apt-get source`, through a
# private apt configuration; the system's is not touched).
#
# Output, in .cache/ovs-bench/ (not committed):
#   ovstest            test-classifier as shipped;
#   ovstest-subtables  the same with one change, made here with sed: make_rule() honours its
#                      wc_fields argument (OVS 3.1 ignores it, so the shipped benchmark builds
#                      a single subtable whatever <n_subtables> says); the 8- and 32-subtable
#                      figures need it;
#   VERSION            the OVS version built.
# Takes 5-10 minutes on 2 cores; installs the build tools with apt-get (root or sudo) when
# missing. Nothing from the OVS source is copied into this repository.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/.cache/ovs-bench"
WORK="$OUT/src"
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

if [ -x "$OUT/ovstest" ] && [ -x "$OUT/ovstest-subtables" ]; then
  echo "build-ovs-classifier-bench: already built (OVS $(cat "$OUT/VERSION")) in $OUT"
  exit 0
fi

need=()
for p in gcc make autoconf automake libtool python3 dpkg-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
fi

mkdir -p "$WORK"
cd "$WORK"
rm -rf openvswitch-*/
if [ -n "${OVS_SRC:-}" ]; then
  VERSION="$(sed -n 's/^AC_INIT(openvswitch, *\([^,)]*\).*/\1/p' "$OVS_SRC/configure.ac")"
  # Built in a copy: the sed below changes a test file.
  cp -a "$OVS_SRC" "openvswitch-$VERSION"
  SRC="openvswitch-$VERSION"
else
  mkdir -p apt/lists/partial
  SUITE="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  printf 'deb-src http://deb.debian.org/debian %s main\ndeb-src http://deb.debian.org/debian-security %s-security main\n' \
    "$SUITE" "$SUITE" >apt/sources.list
  APT=(-o "Dir::Etc::SourceList=$WORK/apt/sources.list" -o "Dir::Etc::SourceParts=-"
    -o "Dir::State::Lists=$WORK/apt/lists" -o "APT::Get::List-Cleanup=0")
  apt-get "${APT[@]}" update
  # The release of the installed switch when there is one, else the suite's.
  VERSION="$(dpkg-query -W -f='${Version}' openvswitch-switch 2>/dev/null || true)"
  if ! apt-get "${APT[@]}" source "openvswitch${VERSION:+=$VERSION}"; then
    echo "build-ovs-classifier-bench: no source package of openvswitch${VERSION:+ $VERSION} from the Debian mirror;" >&2
    echo "  set OVS_SRC to an OVS source tree of that release (e.g. git archive v3.1.0 of openvswitch/ovs, unpacked)" >&2
    exit 1
  fi
  SRC="$(ls -d openvswitch-*/ | head -1)"
  VERSION="${VERSION:-$(basename "$SRC")}"
fi
cd "$SRC"

./boot.sh
./configure --disable-ssl CFLAGS="-O2 -g"
# Generated headers first: the ovstest target alone does not pull them in.
printf 'print-built-sources:\n\t@echo $(BUILT_SOURCES)\n' >print-built-sources.mk
BUILT="$(make -s -f Makefile -f print-built-sources.mk print-built-sources)"
# shellcheck disable=SC2086
make -j"$(nproc)" $BUILT
make -j"$(nproc)" tests/ovstest
cp tests/ovstest "$OUT/ovstest"

# The variant: a rule leaves the fields outside its wc_fields wildcarded.
sed -i 's|^\(        int f_idx = f - cls_fields;\)$|\1\n        if (!(wc_fields \& (1u << f_idx))) { continue; }|' tests/test-classifier.c
grep -q 'if (!(wc_fields & (1u << f_idx))) { continue; }' tests/test-classifier.c
make -j"$(nproc)" tests/ovstest
cp tests/ovstest "$OUT/ovstest-subtables"
echo "$VERSION" >"$OUT/VERSION"
echo "build-ovs-classifier-bench: built OVS $VERSION's classifier benchmark in $OUT"
