#!/usr/bin/env bash
# test_health.sh - the firmware's HEALTH answer in ducosim, read by ducoctl.
#
# Boards with known analog inputs (ducosim's vcc=, temp=, bandgap=, which
# feed simavr's ADC as the datasheet's bandgap and sensor voltages): the
# raw counts must be the ADC's quantisation of those inputs (within one
# count), Vcc and the temperature of a chip with the typical 1.1 V bandgap
# within a count's worth of the truth; the ATmega2560 has no temperature
# sensor and the LGT8F328P image no reading at all, and both say so
# instead of a number; the version-1 image and firmware without HEALTH
# say n/a; the uptime counts simulated seconds. TAP on stdout.
set -u
B=${BUILD:-build}
. "$(dirname "$0")/../lib/tap.sh"
tap_workdir ducorig-health
tmp=$T
ctl() { "$B/host/ducoctl" --bus "sim:$1" health "$2" 2>&1; }
field() { sed -n "s/^$1: *//p"; }
# the count a 10-bit ADC gives for vin against vref (truncating, as simavr's model)
count() { python3 -c "import sys; print(int(float(sys.argv[1]) * 1024 / float(sys.argv[2])))" "$1" "$2"; }
near() { python3 -c "import sys; sys.exit(0 if abs(float(sys.argv[1]) - float(sys.argv[2])) <= float(sys.argv[3]) else 1)" "$@"; }
# the datasheet's sensor voltage at a temperature (mV)
sensor_mv() { python3 -c "import sys; c = float(sys.argv[1]); print(314 + (c - 25) * ((314 - 242) / 70 if c < 25 else (380 - 314) / 60))" "$1"; }

# the first reading of every channel is a round (4 timer ticks) after boot
measured() { wait_until 30 sh -c "'$B/host/ducoctl' --bus 'sim:$1' health $2 | grep -q '^samples: *[1-9]'"; }

spawn "$B/host/ducosim" --board "0x08:$B/avr-nano/firmware.elf,vcc=4.7,temp=60,bandgap=1.05" \
	--board "0x09:$B/avr-nano/firmware.elf,vcc=3.3,temp=-10" \
	--board "0x0a:$B/avr-lgt8f328p/firmware.elf" --board "0x0b:$B/avr-nano-v1/firmware.elf" \
	--model-slaves 1 --first-addr 0x0c --socket "$tmp/rig.sock" >"$tmp/rig.out" 2>"$tmp/rig.err"
wait_for "$tmp/rig.out" '^ready' 30 "$SPAWNED"; ok $? "ducosim with four firmware boards and a model slave"
rig=$tmp/rig.sock
measured "$rig" 0x08 && measured "$rig" 0x09; ok $? "0x08 and 0x09 have measured a whole round"

out=$(ctl "$rig" 0x08); echo "$out" | sed 's/^/# /'
vbg=$(echo "$out" | field supply | sed -n 's/.*reads \([0-9]*\) of.*/\1/p')
tc=$(echo "$out" | field die | sed -n 's/.*reads \([0-9]*\) of.*/\1/p')
want_vbg=$(count 1050 4700); want_t=$(count "$(sensor_mv 60)" 1050)
near "${vbg:-0}" "$want_vbg" 1; ok $? "0x08 (bandgap 1.05 V, Vcc 4.7 V): bandgap count $vbg, ADC of 1.05 V against 4.7 V $want_vbg"
near "${tc:-0}" "$want_t" 1; ok $? "0x08 at 60 C: sensor count $tc, ADC of $(sensor_mv 60) mV against 1.05 V $want_t"
v=$(echo "$out" | field supply | cut -d' ' -f1)
near "${v:-0}" "$(python3 -c 'print(4.7 * 1.1 / 1.05)')" 0.03
ok $? "0x08 uncalibrated (1100 mV assumed): $v V, the true 4.7 V times 1.1 / 1.05 as the datasheet's spread predicts"

out=$(ctl "$rig" 0x09); echo "$out" | sed 's/^/# /'
v=$(echo "$out" | field supply | cut -d' ' -f1); t=$(echo "$out" | field die | cut -d' ' -f1)
near "${v:-0}" 3.3 0.02; ok $? "0x09 (typical bandgap): Vcc $v V for 3.3 V (one count is 0.014 V there)"
near "${t:-99}" -10 1.2; ok $? "0x09: die $t C for -10 C (one count is about 1 C)"
s1=$(echo "$out" | field samples)

out=$(ctl "$rig" 0x0a); echo "$out" | sed 's/^/# /'
echo "$out" | grep -q '^supply: *n/a' && echo "$out" | grep -q '^die: *n/a'
ok $? "LGT8F328P image: no supply or temperature reading, said so"
out=$(ctl "$rig" 0x0b); echo "$out" | sed 's/^/# /'
echo "$out" | grep -q 'health n/a (protocol 1'; ok $? "version-1 image: health n/a"
out=$(ctl "$rig" 0x0c); echo "$out" | sed 's/^/# /'
echo "$out" | grep -q '^supply: *n/a' && echo "$out" | grep -q '^uptime:'
ok $? "model slave: uptime, no readings"

# the readings go on: later rounds, uptime in simulated seconds
wait_until 30 sh -c "'$B/host/ducoctl' --bus 'sim:$rig' health 0x09 | grep -q '^uptime: *[1-9]'"
ok $? "0x09's uptime reaches a second"
out=$(ctl "$rig" 0x09)
s2=$(echo "$out" | field samples)
[ "${s2:-0}" -gt "${s1:-0}" ]; ok $? "the measurement rounds go on ($s1 -> $s2)"
stop_pid "$SPAWNED"

# no --mcu: each image is simulated as the part it was linked for (its
# avr-libc device note), a Mega beside a Nano on one bus
spawn "$B/host/ducosim" --board "0x08:$B/avr-mega2560/firmware.elf,vcc=3.3" \
	--board "0x09:$B/avr-nano/firmware.elf,vcc=4.7" \
	--socket "$tmp/mega.sock" >"$tmp/mega.out" 2>"$tmp/mega.err"
wait_for "$tmp/mega.out" '^ready' 30 "$SPAWNED" && measured "$tmp/mega.sock" 0x08 &&
	measured "$tmp/mega.sock" 0x09
ok $? "ducosim with the ATmega2560 image beside a nano and no --mcu, a round measured on both"
out=$(ctl "$tmp/mega.sock" 0x08); echo "$out" | sed 's/^/# /'
v=$(echo "$out" | field supply | cut -d' ' -f1)
near "${v:-0}" 3.3 0.02 && echo "$out" | grep -q '^die: *n/a'
ok $? "ATmega2560: Vcc $v V from its bandgap channel, no temperature sensor (n/a)"
"$B/host/ducoctl" --bus "sim:$tmp/mega.sock" identify 0x08 | grep -q '^board: *mega2560' &&
	ctl "$tmp/mega.sock" 0x09 | grep -qE '^die: *-?[0-9]'
ok $? "0x08 identifies as the mega2560 and the nano beside it reads its temperature"
stop_pid "$SPAWNED"
! grep -q 'simulated as' "$tmp/mega.err"; ok $? "no part mismatch said"
spawn "$B/host/ducosim" --mcu atmega328p --firmware "$B/avr-mega2560/firmware.elf" \
	--socket "$tmp/wrong.sock" >"$tmp/wrong.out" 2>"$tmp/wrong.err"
wait_for "$tmp/wrong.err" 'linked for atmega2560; simulated as --mcu atmega328p' 30 "$SPAWNED"
ok $? "an explicit --mcu that is not the image's part is honoured and said"
stop_pid "$SPAWNED"
tap_done
