#!/usr/bin/env bash
# deb.sh - build the Debian packages (make deb), natively or for a Pi.
#
# Usage: scripts/deb.sh OUTDIR [ARCH]
# Copies the tree (without build/ and .git) to OUTDIR/src/ducorig-<version>
# and runs dpkg-buildpackage there, so the build never writes into the
# source tree and dpkg's results never land in its parent. Natively it
# builds both packages, ducorig (this machine's architecture) and
# ducorig-firmware (all); with ARCH (arm64, armhf) it cross-builds ducorig
# for that Debian architecture with the multiarch packages of the
# cross-<arch> group (scripts/deps.sh), the arch-independent
# ducorig-firmware being the native build's. The .deb files end in OUTDIR,
# and lintian checks them (errors fail the build; its full report is
# OUTDIR/lintian-<arch>.txt). Assumes dpkg-dev, debhelper and lintian.
set -euo pipefail
out=$1 arch=${2:-}
cd "$(dirname "$0")/.."
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
native=$(dpkg --print-architecture)
[ -n "$arch" ] || arch=$native

src=$out/src-$arch
rm -rf "$src"
mkdir -p "$src/ducorig-$version"
tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$src/ducorig-$version"

if [ "$arch" = "$native" ]; then
	opts=(-b)
else
	# Cross: the arch-dependent package only; tests run under qemu in CI.
	opts=(-a"$arch" -B -Pnocheck)
fi
(cd "$src/ducorig-$version" && dpkg-buildpackage -us -uc "${opts[@]}") >"$src/build.log" 2>&1 || {
	tail -40 "$src/build.log" >&2
	echo "deb: dpkg-buildpackage failed, log: $src/build.log" >&2
	exit 1
}
changes=$(ls "$src"/ducorig_"$version"_*.changes)
mkdir -p "$out"
debs=()
for f in "$src"/*.deb; do
	cp "$f" "$out/"
	debs+=("$out/${f##*/}")
done
lrc=0
lintian --fail-on error --info --tag-display-limit 0 "$changes" >"$out/lintian-$arch.txt" 2>&1 || lrc=$?
for d in "${debs[@]}"; do echo "deb: $d"; done
echo "lintian ($arch): $(grep -c '^E:' "$out/lintian-$arch.txt" || true) errors," \
	"$(grep -c '^W:' "$out/lintian-$arch.txt" || true) warnings ($out/lintian-$arch.txt)"
exit $lrc
