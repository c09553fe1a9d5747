#!/usr/bin/env bash
# run.sh - CI's cross stage for one Raspberry Pi architecture (arm64, armhf).
#
# Usage: test/cross/run.sh ARCH
# Installs the cross-<arch> package group (scripts/deps.sh; CI runs as
# root), cross-builds with Debian's cross compiler and multiarch libraries
# into build/cross-<arch>/ what a Pi runs (make master), the unit tests that
# need no simulator (UNIT_TESTS) and the /dev/i2c stand-in, with -Werror
# (CI=true); then runs those unit tests under qemu-user (qemu-<cpu> -L
# /usr/<triplet>, no binfmt needed) and one end-to-end run of the cross
# ducomaster against this machine's ducopool and ducosim (e2e-qemu.sh),
# built natively if the native stage has not. Ends with the runner's
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
arch=${1:?usage: test/cross/run.sh arm64|armhf}
case $arch in
arm64) triplet=aarch64-linux-gnu qemu=qemu-aarch64 file_re='ARM aarch64' ;;
armhf) triplet=arm-linux-gnueabihf qemu=qemu-arm file_re='ARM, EABI5' ;;
*) echo "run.sh: unknown arch $arch" >&2; exit 2 ;;
esac
mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory "$@"; }

scripts/deps.sh cross-"$arch" build firmware sim test || { echo "0 passed, 1 failed"; exit 1; }
X=build/cross-$arch
cross=(BUILD="$X" CC="$triplet-gcc" AR="$triplet-ar" PKG_CONFIG="$triplet-pkg-config"
	DUCORIG_NO_DEPS=1 CI=true)
units=$(mk -pnq "${cross[@]}" help 2>/dev/null | sed -n 's/^UNIT_TESTS := //p')
t0=$(date +%s)
mkdir -p "$X"
if ! mk -j2 "${cross[@]}" master $units "$X/host/libducoi2cshim.so" >"$X.build.log" 2>&1; then
	tail -30 "$X.build.log"
	echo "cross $arch: build failed (log $X.build.log)"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "cross $arch: built master, $(wc -w <<<"$units") unit tests and the stand-in in $(( $(date +%s) - t0 )) s"
mk -j2 build/host/ducopool build/host/ducosim build/avr-nano/firmware.elf >/dev/null 2>&1 || {
	echo "cross $arch: native ducopool/ducosim/firmware failed to build"; echo "0 passed, 1 failed"; exit 1; }

export TEST_WRAPPER="$qemu -L /usr/$triplet" CROSS_QEMU="$qemu -L /usr/$triplet"
export CROSS_HOST=$X/host CROSS_FILE_RE=$file_re BUILD=build
scripts/run-tests.sh $units test/cross/e2e-qemu.sh
