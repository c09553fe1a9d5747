#!/usr/bin/env bash
# make.sh - the make interface a packager and a Pi user rely on. TAP.
#
# `make help` lists the goals and every board; every goal named like a folder
# is phony; `make master` and `make install` reach for no AVR toolchain, no
# simulator and no development server; no goal but run, test and deps ever
# calls apt-get, even as root (dpkg-query and apt-get are stand-ins on PATH
# that report every package missing and log any call); CC, CFLAGS,
# CPPFLAGS, LDFLAGS, AR and PKG_CONFIG are honoured without losing the
# include paths; the built ducomaster is hardened (fortified calls, stack
# protector, full RELRO, BIND_NOW). Dry runs (make -n) on fresh build trees
# under /tmp, so nothing in build/ is touched; the hardening is read from
# the programs `make test` built.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${BUILD:-build}
tmp=$(mktemp -d /tmp/ducorig-make.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# The caller's make variables (a package build exports CFLAGS, DUCORIG_NO_DEPS)
# must not leak into the makes asked here.
clean_env=(-u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u DUCORIG_NO_DEPS -u CFLAGS -u CPPFLAGS
	-u LDFLAGS -u HARDEN -u SANITIZE -u CC -u AR -u PKG_CONFIG -u PREFIX -u DESTDIR)
mk() { env "${clean_env[@]}" make --no-print-directory "$@"; }
boards=$(sed -n 's/^BOARDS *:= *//p' boards.mk)

out=$(mk help 2>&1)
rc=$?
missing=
for w in master install install-dev sim firmware boards flash run test test-unit deb deps $boards; do
	grep -qw -- "$w" <<<"$out" || missing+=" $w"
done
[ $rc -eq 0 ] && [ -z "$missing" ]
ok $? "make help lists the goals and the boards${missing:+ (missing:$missing)}"

# Every target that is also a top-level folder must be phony.
db=$(mk -pnq -f Makefile help 2>/dev/null)
phony=" $(sed -n 's/^\.PHONY: //p' <<<"$db" | tr '\n' ' ') "
bad=
for d in */; do
	d=${d%/}
	grep -q "^$d:" <<<"$db" || continue
	[[ $phony == *" $d "* ]] || bad+=" $d"
done
[ -z "$bad" ]; ok $? "goals named like a folder are phony${bad:+ (not:$bad)}"

# What a Pi builds and installs: no AVR toolchain, simulator or dev server
# (libmicrohttpd only if it is there, for ducomaster's HTTP side: below).
out=$(mk -n install BUILD="$tmp/pi" DESTDIR="$tmp/dest" DUCORIG_NO_DEPS=1 2>&1)
rc=$?
hits=$(grep -E 'avr-gcc|simavr|ducosim|ducopool|firmware\.elf' <<<"$out" | head -3)
[ $rc -eq 0 ] && [ -z "$hits" ] && grep -q 'ducomaster' <<<"$out" && grep -q 'ducoreport' <<<"$out"
ok $? "make install builds and installs only the Pi's programs${hits:+ ($hits)}"

# apt-get is never called outside run/test/deps, root or not.
fake=$tmp/fakebin
mkdir -p "$fake"
printf '#!/bin/sh\necho "apt-get $*" >>%s/apt.log\nexit 1\n' "$tmp" >"$fake/apt-get"
printf '#!/bin/sh\nexit 1\n' >"$fake/dpkg-query"
chmod +x "$fake/apt-get" "$fake/dpkg-query"
nap() { env "${clean_env[@]}" PATH="$fake:$PATH" make --no-print-directory "$@"; }
nap help >/dev/null 2>&1
nap -n flash BOARD=nano PORT=/dev/ttyUSB7 BUILD="$tmp/n1" >/dev/null 2>&1
nap -n install BUILD="$tmp/n2" >/dev/null 2>&1
nap -n test BUILD="$tmp/n3" >/dev/null 2>&1
nap -n run BUILD="$tmp/n4" >/dev/null 2>&1
out=$(nap master BUILD="$tmp/n5" 2>&1)
rc=$?
[ ! -e "$tmp/apt.log" ]
ok $? "make help, -n flash, -n install, -n test, -n run, master: no apt-get$([ -e "$tmp/apt.log" ] && echo " ($(head -1 "$tmp/apt.log"))")"
[ $rc -ne 0 ] && grep -q 'sudo apt-get install .*libcjson-dev' <<<"$out" && ! grep -q 'gcc-avr' <<<"$out"
ok $? "make master with a package missing names the build group's apt-get line and fails"
diag "$(grep -A1 'install them with' <<<"$out" | head -2)"

# ducomaster's HTTP side: HTTP=no, or auto where pkg-config finds no
# libmicrohttpd (a Pi without libmicrohttpd-dev), builds lib/http_none.c
# and links no libmicrohttpd; HTTP=yes without it stops make, naming the
# package; a build without HTTP refuses --http with exit 2, naming it too.
nohttp_pc=$tmp/fakebin/nohttp-pkg-config
printf '#!/bin/sh\ncase "$*" in *libmicrohttpd*) exit 1 ;; esac\nexec pkg-config "$@"\n' >"$nohttp_pc"
chmod +x "$nohttp_pc"
out=$(mk -n master BUILD="$tmp/hx" DUCORIG_NO_DEPS=1 2>&1)
grep -q 'lib/http\.c' <<<"$out" && grep -q -- '-lmicrohttpd' <<<"$out" &&
	grep -q 'built with the HTTP server' <<<"$out"
ok $? "HTTP=auto with libmicrohttpd: lib/http.c, -lmicrohttpd, the notice says so"
for v in "HTTP=no" "PKG_CONFIG=$nohttp_pc"; do
	out=$(mk -n master BUILD="$tmp/hn" DUCORIG_NO_DEPS=1 "$v" 2>&1)
	grep -q 'lib/http_none\.c' <<<"$out" && ! grep -q 'microhttpd\.' <<<"$out" &&
		! grep -q -- '-lmicrohttpd' <<<"$out" && grep -q 'built without the HTTP server' <<<"$out"
	ok $? "${v##*/}: no libmicrohttpd, lib/http_none.c, the notice says so"
done
out=$(mk -n master BUILD="$tmp/hy" DUCORIG_NO_DEPS=1 HTTP=yes PKG_CONFIG="$nohttp_pc" 2>&1)
rc=$?
[ $rc -ne 0 ] && grep -q 'libmicrohttpd-dev' <<<"$out"
ok $? "HTTP=yes without libmicrohttpd: make stops, naming libmicrohttpd-dev"
if mk -j2 BUILD="$tmp/nohttp" DUCORIG_NO_DEPS=1 HTTP=no "$tmp/nohttp/host/ducomaster" \
	>"$tmp/nohttp.log" 2>&1; then
	out=$("$tmp/nohttp/host/ducomaster" --bus sim:/nonexistent --pool 127.0.0.1:1 --user u \
		--http 127.0.0.1:0 --duration 1 2>&1)
	rc=$?
	[ $rc -eq 2 ] && grep -q 'libmicrohttpd-dev' <<<"$out"
	ok $? "built with HTTP=no: --http exits 2 naming libmicrohttpd-dev ($rc: $out)"
	"$tmp/nohttp/host/ducomaster" --bus sim:/nonexistent --pool 127.0.0.1:1 --user u \
		--check-config >/dev/null 2>&1
	ok $? "built with HTTP=no: the default http setting is no error"
else
	ok 1 "HTTP=no build failed: $(tail -3 "$tmp/nohttp.log")"
fi

# The usual variables.
pc=$tmp/fakebin/my-pkg-config
printf '#!/bin/sh\necho "$*" >>%s/pc.log\nexec pkg-config "$@"\n' "$tmp" >"$pc"
chmod +x "$pc"
out=$(mk -n master BUILD="$tmp/vars" DUCORIG_NO_DEPS=1 CC=my-cc AR=my-ar PKG_CONFIG="$pc" \
	CFLAGS=-DMARK_CFLAGS CPPFLAGS=-DMARK_CPPFLAGS LDFLAGS=-Wl,--mark-ldflags 2>&1)
compiles=$(grep -E '^my-cc .* -c ' <<<"$out")
links=$(grep -E '^my-cc .* -o [^ ]*/(ducomaster|ducoctl|ducoreport) ' <<<"$out")
[ -n "$compiles" ] && ! grep -vq -- '-DMARK_CFLAGS' <<<"$compiles" &&
	! grep -vq -- '-DMARK_CPPFLAGS' <<<"$compiles" && ! grep -vq -- '-Icommon' <<<"$compiles"
ok $? "CC, CFLAGS and CPPFLAGS reach every compile, the include paths stay"
[ -n "$links" ] && ! grep -vq -- '-Wl,--mark-ldflags' <<<"$links"
ok $? "LDFLAGS reach every link"
grep -q '^rm -f .* && my-ar rcs ' <<<"$out"; ok $? "AR makes the archives"
grep -q 'libcjson' "$tmp/pc.log" 2>/dev/null && grep -q 'libcurl' "$tmp/pc.log" 2>/dev/null
ok $? "PKG_CONFIG answers for cJSON, c-ares and curl"
line=$(grep -m1 -E '^cc .* -c ' < <(mk -n master BUILD="$tmp/h1" DUCORIG_NO_DEPS=1 2>&1))
grep -q -- '-D_FORTIFY_SOURCE=2' <<<"$line" && grep -q -- '-fstack-protector-strong' <<<"$line"
ok $? "hardened by default (fortify, stack protector)"
line=$(mk -n master BUILD="$tmp/h2" DUCORIG_NO_DEPS=1 CPPFLAGS=-D_FORTIFY_SOURCE=3 2>&1 | grep -m1 -E '^cc .* -c ')
grep -q -- '-D_FORTIFY_SOURCE=3' <<<"$line" && ! grep -q -- '-D_FORTIFY_SOURCE=2' <<<"$line"
ok $? "the user's _FORTIFY_SOURCE wins (no redefinition)"
line=$(mk -n master BUILD="$tmp/h3" DUCORIG_NO_DEPS=1 HARDEN=no 2>&1 | grep -m1 -E '^cc .* -o [^ ]*/ducomaster ')
! grep -q -- '-z,now' <<<"$line"; ok $? "HARDEN=no drops the hardening flags"

line=$(mk -n master BUILD="$tmp/h4" DUCORIG_NO_DEPS=1 SANITIZE=address,undefined 2>&1 |
	grep -m1 -E '^cc .* -c ')
grep -q -- '-fsanitize=address,undefined -fno-sanitize-recover=all' <<<"$line" &&
	! grep -q -- '-D_FORTIFY_SOURCE' <<<"$line"
ok $? "SANITIZE=address,undefined: sanitizers on, fortify off"

# The programs make test built (a sanitizer build is not hardened on purpose).
m=$B/host/ducomaster
if [ -n "${DUCORIG_SANITIZE:-}" ]; then
	for c in BIND_NOW "RELRO segment" "stack protector in use" "fortified libc calls"; do
		skip "ducomaster: $c" "built with SANITIZE=$DUCORIG_SANITIZE"
	done
else
	dyn=$(readelf -d "$m" 2>/dev/null)
	grep -qE 'BIND_NOW|FLAGS_1.*NOW' <<<"$dyn"; ok $? "ducomaster: BIND_NOW"
	readelf -lW "$m" 2>/dev/null | grep -q GNU_RELRO; ok $? "ducomaster: RELRO segment"
	syms=$(readelf --dyn-syms -W "$m" 2>/dev/null)
	grep -q '__stack_chk_fail' <<<"$syms"; ok $? "ducomaster: stack protector in use"
	grep -qE '__[a-z_]+_chk@' <<<"$syms"; ok $? "ducomaster: fortified libc calls"
fi
tap_done
