#!/usr/bin/env bash
# deps.sh - the Debian packages ducorig needs, in groups, checked or installed.
#
# Usage: scripts/deps.sh [--check] [GROUP...]   (no group: the developer's
# set, build firmware flash sim test). This is the one list of packages.
# Installing happens only where the README says so: `make run`, `make test`
# and `make deps` (and CI, which is `make test`). Every other make goal asks
# with --check, which never installs: it prints the exact apt-get line of
# what is missing and fails. Without --check, as root, it installs what is
# missing (adding the foreign architecture a cross group needs); as another
# user it prints the line and fails. Assumes Debian (dpkg, apt-get); on a
# system without dpkg-query it checks nothing.
#
# Groups (each make goal needs only its own):
#   build       what a Pi needs to build and run ducomaster and the user tools
#   firmware    the AVR toolchain (make firmware, make boards)
#   flash       avrdude (make flash)
#   sim         the development servers: ducosim (simavr) and ducopool
#   test        what the test scripts run besides the above
#   fuzz        clang and its libFuzzer runtime (make fuzz)
#   deb         Debian packaging (make deb)
#   profile     perf, for make profile only
#   cross-arm64, cross-armhf
#               cross-building for a Raspberry Pi (make deb ARCH=..., CI's
#               cross stages) and running the result under qemu-user
# A package marked with a trailing '?' is optional: installed with its group,
# but --check does not ask for it (libcairo2-dev: ducoreport builds without
# PNG charts when it is missing, and says so; libmicrohttpd-dev: ducomaster
# builds without its HTTP side, and says so).
set -euf   # -f: the optional marker "?" is no glob

group_packages() {
	case $1 in
	build) echo make gcc pkg-config libi2c-dev libcurl4-openssl-dev libcjson-dev libc-ares-dev 'libcairo2-dev?' \
		'libmicrohttpd-dev?' ;;
	firmware) echo make gcc-avr binutils-avr avr-libc ;;
	flash) echo avrdude ;;
	sim) echo simavr libsimavr-dev libelf-dev libmicrohttpd-dev ;;
	test) echo python3 man-db i2c-tools python3-smbus python3-smbus2 arduino-core-avr valgrind systemd strace \
		prometheus chromium chromium-driver ;;
	fuzz) echo clang libclang-rt-14-dev ;;
	deb) echo dpkg-dev debhelper fakeroot lintian ;;
	profile) echo linux-perf ;;
	cross-arm64 | cross-armhf)
		local a=${1#cross-}
		echo crossbuild-essential-$a qemu-user pkgconf:$a file \
			libi2c-dev:$a libcurl4-openssl-dev:$a libcjson-dev:$a libc-ares-dev:$a \
			"libcairo2-dev:$a?" libmicrohttpd-dev:$a ;;
	*) echo "deps.sh: unknown group '$1' (build firmware flash sim test fuzz deb profile cross-arm64 cross-armhf)" >&2
	   return 1 ;;
	esac
}

check=
[ "${1:-}" = --check ] && { check=1; shift; }
[ $# -gt 0 ] || set -- build firmware flash sim test
command -v dpkg-query >/dev/null || exit 0

arches=() packages=()
for g in "$@"; do
	list=$(group_packages "$g") || exit 2
	packages+=($list)
	case $g in cross-*) arches+=("${g#cross-}") ;; esac
done

missing=()
for p in $(printf '%s\n' "${packages[@]}" | awk '!seen[$0]++'); do
	case $p in *\?) p=${p%\?}; [ -z "$check" ] || continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# A foreign architecture must be known to dpkg before apt can install for it.
new_arches=()
for a in "${arches[@]+"${arches[@]}"}"; do
	[ "$a" = "$(dpkg --print-architecture)" ] && continue
	dpkg --print-foreign-architectures | grep -qx "$a" || new_arches+=("$a")
done

if [ -n "$check" ] || [ "$(id -u)" -ne 0 ]; then
	echo "ducorig needs these Debian packages (group: $*); install them with:" >&2
	for a in "${new_arches[@]+"${new_arches[@]}"}"; do
		echo "  sudo dpkg --add-architecture $a && sudo apt-get update" >&2
	done
	echo "  sudo apt-get install ${missing[*]}" >&2
	echo "or: sudo make deps GROUPS=\"$*\"" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
for a in "${new_arches[@]+"${new_arches[@]}"}"; do
	dpkg --add-architecture "$a"
done
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
native=() foreign=()
for p in "${missing[@]}"; do
	case $p in *:*) foreign+=("$p") ;; *) native+=("$p") ;; esac
done
[ ${#native[@]} -eq 0 ] || apt-get install -y -qq "${native[@]}" >&2
# Foreign-architecture packages without recommends: libi2c-dev:armhf
# recommends i2c-tools:armhf, which would replace the native i2c-tools the
# tests run.
[ ${#foreign[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${foreign[@]}" >&2
