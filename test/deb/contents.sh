#!/usr/bin/env bash
# contents.sh - what the packages make deb built must hold. TAP. Run by
# test/deb/run.sh after `make deb`, from the tree's root: lintian's report
# has no error, each package's files (dpkg-deb -c), the config's modes and
# conffile, the maintainer scripts debhelper generated, nothing of the
# development servers or the tests.
set -u
. "$(dirname "$0")/../lib/tap.sh"
D=build/deb
v=$(dpkg-parsechangelog -l debian/changelog -S Version)
a=$(dpkg --print-architecture)
m=$D/ducorig_${v}_$a.deb f=$D/ducorig-firmware_${v}_all.deb
[ -f "$m" ] && [ -f "$f" ]; ok $? "make deb: ducorig_${v}_$a.deb and ducorig-firmware_${v}_all.deb"
e=$(grep -c '^E:' $D/lintian-$a.txt 2>/dev/null); ok $([ "${e:-1}" -eq 0 ]; echo $?) "lintian: no errors (${e:-?})"
diag "$(grep -E '^[EW]:' $D/lintian-$a.txt | head -5)"
c=$(dpkg-deb -c "$m" 2>/dev/null | awk '{print $1, $2, $6}')
for p in ./usr/bin/ducomaster ./usr/bin/ducoctl ./usr/bin/ducoreport ./usr/bin/ducowatch ./usr/lib/sysusers.d/ducorig.conf \
	./usr/lib/tmpfiles.d/ducorig.conf ./usr/share/ducorig/ducomaster.sample.json \
	./usr/share/man/man8/ducomaster.8.gz ./usr/share/man/man5/ducomaster.json.5.gz \
	./usr/share/man/man1/ducoctl.1.gz ./usr/share/man/man1/ducoreport.1.gz \
	./usr/share/man/man1/ducowatch.1.gz; do
	grep -q " $p$" <<<"$c"; ok $? "ducorig has $p"
done
grep -qE 'systemd/system/ducomaster.service$' <<<"$c"; ok $? "ducorig has the unit"
grep -q '^drwxr-x--- root/root ./etc/ducorig/$' <<<"$c" &&
	grep -q '^-rw-r----- root/root ./etc/ducorig/ducomaster.json$' <<<"$c"
ok $? "config 0640 in a 0750 folder (postinst gives the group)"
! grep -qE 'ducosim|ducopool|i2cshim|/test' <<<"$c"; ok $? "no development server or test fixture packaged"
t=$(mktemp -d)
dpkg-deb -e "$m" "$t"
grep -qx '/etc/ducorig/ducomaster.json' "$t/conffiles"; ok $? "the config is a conffile"
grep -q 'systemd-sysusers .*ducorig.conf' "$t/postinst" && grep -q 'systemd-tmpfiles .*--create ducorig.conf' "$t/postinst"
ok $? "postinst creates the user (sysusers.d) and /var/lib/ducorig (tmpfiles.d)"
awk '/dh_installsysusers/{s=NR} /dpkg-statoverride --update/{o=NR} END{exit !(s && o && s < o)}' "$t/postinst"
ok $? "postinst: the group exists before dpkg-statoverride uses it"
# dh_installsystemd --no-enable: enable only under "debian-installed", i.e.
# on upgrades of a unit the admin had enabled, never on a first install.
grep -q "if deb-systemd-helper debian-installed 'ducomaster.service'" "$t/postinst"
ok $? "the unit is not enabled on a first install (only kept enabled on upgrades)"
rm -rf "$t"
cf=$(dpkg-deb -c "$f" | awk '{print $6}')
for b in $(sed -n 's/^BOARDS *:= *//p' boards.mk); do
	grep -qx "./usr/share/ducorig/firmware/$b.hex" <<<"$cf" || miss+=" $b"
done
[ -z "${miss:-}" ] && grep -qx ./usr/bin/ducorig-flash <<<"$cf" && grep -qx ./usr/share/ducorig/firmware/boards.txt <<<"$cf"
ok $? "ducorig-firmware: every board's image, boards.txt, ducorig-flash${miss:+ (missing:$miss)}"
tap_done
