#!/usr/bin/python3
"""duco_wire_master.py - a Raspberry Pi master of the community kind, for
test/foreign/wire_slave.ino.

Written the way the Python I2C masters that Duino-Coin rigs run today are:
python-smbus (Debian's python3-smbus), one byte per transaction (SMBus send
byte for every character of the job, receive byte for every character of the
answer), a 50 ms poll while a board hashes, errors caught and retried after a
short sleep. Jobs are made up here (random last hash, a nonce planted in
0..100*diff, expected = SHA-1 of both), so every answer is checked: nonce,
CRC8, line format. With --block the job goes out in I2C block writes and the
answer comes back in one I2C block read, as the sketch also allows.
Against ducosim, run it under LD_PRELOAD=libducoi2cshim.so with
DUCORIG_I2C_SHIM mapping /dev/i2c-BUS to ducosim's socket.

Prints one line per job and, last, one JSON line:
  {"jobs": .., "good": .., "bad": .., "errors": .., "retries": .., "seconds": ..}
Exit status 0 when every job came back right, 1 otherwise. When the bus
goes away (ENODEV: the simulator stopped) it stops and reports what it has.
"""
import argparse
import errno
import hashlib
import json
import random
import sys
import time

import os

import smbus

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ducotest import crc8  # noqa: E402  (CRC-8, polynomial 0x07)

POLL_S = 0.05


class Board:
    def __init__(self, addr):
        self.addr = addr
        self.state = "idle"             # idle -> hashing -> idle
        self.nonce = None
        self.line = b""
        self.sent_at = 0.0


class BusGone(Exception):
    """The adapter went away (ENODEV): the simulator behind it stopped."""


class Master:
    def __init__(self, bus, block, log):
        self.bus = bus
        self.block = block
        self.log = log
        self.good = self.bad = self.errors = self.retries = 0

    def retry(self, fn, *args):
        """Call fn; on an I2C error sleep a little and try again (10 tries)."""
        for attempt in range(10):
            try:
                return fn(*args)
            except OSError as e:
                if e.errno == errno.ENODEV:
                    raise BusGone() from e
                self.errors += 1
                if attempt:
                    self.retries += 1
                self.log("  0x%02x: %s, retrying" % (args[0], e))
                time.sleep(0.01)
        raise RuntimeError("0x%02x does not answer" % args[0])

    def send_job(self, b, rng, diff):
        last = "%040x" % rng.getrandbits(160)
        b.nonce = rng.randint(0, 100 * diff)
        expected = hashlib.sha1((last + str(b.nonce)).encode()).hexdigest()
        text = ("%s,%s,%d\n" % (last, expected, diff)).encode()
        if self.block:
            for i in range(0, len(text), 32):
                chunk = list(text[i:i + 32])
                self.retry(self.bus.write_i2c_block_data, b.addr, chunk[0], chunk[1:])
        else:
            for c in text:
                self.retry(self.bus.write_byte, b.addr, c)
        b.state, b.line, b.sent_at = "hashing", b"", time.monotonic()

    def poll(self, b):
        """One poll; True once the board's answer line is complete."""
        if self.block:
            data = self.retry(self.bus.read_i2c_block_data, b.addr, ord("B"), 32)
            if data[0] in (0, 0xFF):
                return False
            b.line += bytes(data)
            if b"\n" in b.line:
                b.line = b.line[:b.line.index(b"\n") + 1]
                return True
            return False
        c = self.retry(self.bus.read_byte, b.addr)
        if c == 0:
            return False
        while True:
            b.line += bytes([c])
            if c == ord("\n") or len(b.line) > 40:
                return True
            c = self.retry(self.bus.read_byte, b.addr)

    def check(self, b):
        try:
            nonce_s, micros_s, crc_s = b.line.decode().strip().split(",")
            right = (crc8((nonce_s + "," + micros_s).encode()) == int(crc_s, 16)
                     and int(nonce_s) == b.nonce)
        except (ValueError, UnicodeDecodeError):
            right = False
        took = time.monotonic() - b.sent_at
        if right:
            self.good += 1
        else:
            self.bad += 1
        self.log("0x%02x %s nonce %d: %r (%.2f s)" % (b.addr, "good" if right else "BAD",
                                                      b.nonce, b.line, took))
        b.state = "idle"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bus", type=int, required=True, help="N of /dev/i2c-N")
    ap.add_argument("--addr", default="0x10", help="board addresses, comma separated")
    ap.add_argument("--jobs", type=int, default=0, help="stop after this many jobs (0: no limit)")
    ap.add_argument("--seconds", type=float, default=0, help="stop after this many seconds")
    ap.add_argument("--diff", type=int, default=2)
    ap.add_argument("--block", action="store_true", help="I2C block transfers instead of bytes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quiet", action="store_true", help="only the last line")
    a = ap.parse_args()

    def log(msg):
        if not a.quiet:
            print(msg, flush=True)

    rng = random.Random(a.seed)
    boards = [Board(int(x, 0)) for x in a.addr.split(",")]
    m = Master(smbus.SMBus(a.bus), a.block, log)
    t0 = time.monotonic()
    sent = 0
    try:
        while True:
            busy = False
            for b in boards:
                if b.state == "idle" and (not a.jobs or sent < a.jobs) and \
                        (not a.seconds or time.monotonic() - t0 < a.seconds):
                    m.send_job(b, rng, a.diff)
                    sent += 1
                if b.state == "hashing":
                    busy = True
                    if m.poll(b):
                        m.check(b)
            if not busy and (a.jobs and sent >= a.jobs or a.seconds and time.monotonic() - t0 >= a.seconds):
                break
            time.sleep(POLL_S)
    except RuntimeError as e:
        log("gave up: %s" % e)
        m.bad += 1
    except BusGone:
        log("the bus is gone (ENODEV): stopping")
    print(json.dumps({"jobs": m.good + m.bad, "good": m.good, "bad": m.bad, "errors": m.errors,
                      "retries": m.retries, "seconds": round(time.monotonic() - t0, 3)}), flush=True)
    return 0 if m.bad == 0 and m.good > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
