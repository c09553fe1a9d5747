#!/usr/bin/env bash
# regen.sh - scripts/gen-hashcore-asm.py must reproduce the committed
# firmware-avr/hashcore_asm.S byte for byte (TAP on stdout).
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if python3 scripts/gen-hashcore-asm.py "$tmp/h.S" && cmp -s "$tmp/h.S" firmware-avr/hashcore_asm.S; then
	echo "ok 1 - generator reproduces firmware-avr/hashcore_asm.S"
else
	echo "not ok 1 - generator output differs from firmware-avr/hashcore_asm.S"
fi
