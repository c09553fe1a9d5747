#!/usr/bin/env python3
"""bench_asm_boards.py - per-board hashing figures of the firmware images.

Runs the foundation benchmark (test/sim/bench_fw.py: ducosim one-shot jobs,
per-nonce cycles as the difference of two planted nonces, exact simulated
cycles) on each image given, and prints its JSON line with two keys added:
hash_impl (asm or c, from boards.mk or the spec) and flash_bytes (.text +
.data of the image, by avr-size). The simulator models ATmega328P instruction
timings, so the LGT8F328P figure is ATmega cycles at 32 MHz (the real LGT8F
runs many instructions in fewer cycles).

Usage: bench_asm_boards.py --ducosim PATH IMAGE_SPEC...
  IMAGE_SPEC = board:hash_impl:mcu:f_cpu:elf
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH_FW = os.path.join(HERE, '..', 'sim', 'bench_fw.py')


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
        p = subprocess.run([sys.executable, BENCH_FW, '--ducosim', args.ducosim,
                            '--firmware', elf, '--board', board, '--mcu', mcu,
                            '--freq', freq], stdout=subprocess.PIPE,
                           universal_newlines=True, timeout=600)
        if p.returncode != 0:
            print('bench_asm_boards: bench_fw.py failed on %s' % elf, file=sys.stderr)
            return 1
        res = json.loads(p.stdout.strip().splitlines()[-1])
        res['hash_impl'] = impl
        res['flash_bytes'] = flash_bytes(elf)
        print(json.dumps(res), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
