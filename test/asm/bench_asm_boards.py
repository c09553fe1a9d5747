#!/usr/bin/env python3
"""bench_asm_boards.py - per-board hashing figures of the firmware images,
measured through ducosim one-shot runs (exact simulated cycles).

For each image: cycles per nonce at 3, 5 and 7 digits as the difference of
two runs whose planted nonces are 400 apart (so job set-up, the I2C transfer
and the result publication cancel out), the H/s at the board's clock, and
poll_cycles, the slave cycles one 2-byte status poll costs while hashing
(from a run with polls every 2 ms against the same run without). One JSON
line per image on stdout, keys as in the foundation benchmark
(cycles_per_nonce_3/5/7, hs_16mhz, poll_cycles) plus board, hash_impl,
f_cpu, hs_at_f_cpu and flash_bytes. The simulator models ATmega328P
instruction timings, so the LGT8F328P figure is ATmega cycles at 32 MHz
(the real LGT8F executes many instructions in fewer cycles).

Usage: bench_asm_boards.py --ducosim PATH IMAGE_SPEC...
  IMAGE_SPEC = board:hash_impl:mcu:f_cpu:elf
"""
import argparse
import hashlib
import json
import subprocess
import sys

LAST = '05b7406b3909071b2d85b2d2958ad07a0d52bd12'
GAP = 400


def sha(nonce):
    return hashlib.sha1((LAST + str(nonce)).encode()).hexdigest()


def run(ducosim, mcu, freq, elf, start, target, poll_us=None):
    cmd = [ducosim, '--firmware', elf, '--mcu', mcu, '--freq', str(freq),
           '--job', '%s,%s,%d' % (LAST, sha(target), target // 100 + 1),
           '--start-nonce', str(start), '--json']
    if poll_us:
        cmd += ['--poll-us', str(poll_us), '--poll-bytes', '2']
    out = subprocess.run(cmd, stdout=subprocess.PIPE, universal_newlines=True,
                         timeout=300, check=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    if not r.get('found') or r.get('nonce') != target:
        raise SystemExit('bench: %s did not find %d: %r' % (elf, target, r))
    return r


def flash_bytes(elf):
    out = subprocess.run(['avr-size', '-A', elf], stdout=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout
    total = 0
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and f[0] in ('.text', '.data'):
            total += int(f[1])
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ducosim', required=True)
    ap.add_argument('images', nargs='+')
    args = ap.parse_args()
    for spec in args.images:
        board, impl, mcu, freq, elf = spec.split(':', 4)
        freq = int(freq)
        res = {'board': board, 'hash_impl': impl, 'f_cpu': freq}
        for d in (3, 5, 7):
            start = 10 ** (d - 1)
            a = run(args.ducosim, mcu, freq, elf, start, start + 10)
            b = run(args.ducosim, mcu, freq, elf, start, start + 10 + GAP)
            res['cycles_per_nonce_%d' % d] = round((b['cycles'] - a['cycles']) / GAP, 1)
        c3 = res['cycles_per_nonce_3']
        res['hs_16mhz'] = round(16e6 / c3, 1)
        res['hs_at_f_cpu'] = round(freq / c3, 1)
        quiet = run(args.ducosim, mcu, freq, elf, 100, 100 + GAP)
        polled = run(args.ducosim, mcu, freq, elf, 100, 100 + GAP, poll_us=2000)
        if polled['polls']:
            res['poll_cycles'] = round((polled['cycles'] - quiet['cycles']) / polled['polls'], 1)
        res['max_stretch_cycles'] = polled['max_stretch_cycles']
        res['flash_bytes'] = flash_bytes(elf)
        print(json.dumps(res, sort_keys=False), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
