#!/usr/bin/env bash
# regen.sh - scripts/gen-hashcore-asm.py must reproduce the committed
# firmware-avr/hashcore_asm.S byte for byte (TAP on stdout).
set -u
. "$(dirname "$0")/../lib/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 scripts/gen-hashcore-asm.py "$tmp/h.S" && cmp -s "$tmp/h.S" firmware-avr/hashcore_asm.S
ok $? "generator reproduces firmware-avr/hashcore_asm.S"
tap_done
