#!/usr/bin/env python3
"""twi_paths.py - every read and write shape through the real TWI handler.

The firmware serves status polls and frame bytes on an assembly fast path
in its TWI vector and everything else in C (firmware-avr/twi.c); both must
produce exactly the protocol of docs/i2c-protocol.md. This runs the nano
image in ducosim's rig mode (real firmware in simavr, over the socket bus)
and checks, byte for byte against common/'s encoder (through ducotest; its
bytes are pinned by test/unit's known-answer frames): reads of every
length from 1 to past the frame end in each view
(idle, busy, done with either half of the result double buffer, identity),
padding after the frame, write+repeated START+read transactions, frames of
every truncated length, an overlong frame, and the error counters they
leave; and the job queue's views (protocol version 2: hashing with a job
queued and/or a result kept, two results kept, every one of the three
result frames offered, DROP + repeated START + read of the next result). Prints TAP. Assumes `make` has built build/host/ducosim and
build/avr-nano/firmware.elf; talks only to the Unix socket of the ducosim
it starts (and stops, by pid).
"""
import hashlib
import os
import sys
import tempfile

DUCOSIM = "build/host/ducosim"
ELF = "build/avr-nano/firmware.elf"
ADDR = 0x08

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ducotest import (ok, done, wait_until, read_ok, simple_frame, job_frame,  # noqa: E402
                      read_frame, decode_result, decode_identity, start_ducosim, stop_process,
                      queue_frame, drop_frame, SimBus, CMD_ABORT, CMD_IDENTIFY,
                      IDENTITY_READ)


class Bus(SimBus):
    """The slave under test, at ADDR unless said otherwise."""

    def xfer(self, w=b"", rlen=0, addr=ADDR):
        return SimBus.xfer(self, addr, w, rlen)

    def read(self, n):
        res, _, d = self.xfer(b"", n)
        return d if res == 0 else None


def check_reads(bus, what, want_state, body_len):
    """Reads of 1..frame+3 bytes all agree with one encoded frame."""
    full = bus.read(3 + body_len + 1)
    good = full is not None and (full[0] & 7) == want_state and full[2] == body_len
    ok(good, "%s: full read is state %d with a %d-byte body" % (what, want_state, body_len))
    if not good:
        return None
    want = read_frame(full[0], full[3:3 + body_len])
    ok(full == want, "%s: the frame's CRCs are right" % what)
    bad = []
    for n in range(1, len(want) + 4):
        d = bus.read(n)
        exp = (want + b"\xff" * 8)[:n]
        if d != exp:
            bad.append(n)
    ok(not bad, "%s: reads of 1..%d bytes all match it, then 0xFF padding%s"
       % (what, len(want) + 3, (" (differ at lengths %s)" % bad[:5]) if bad else ""))
    return full


def counters(bus):
    """(crc_errors, frame_errors, overruns) from a plain read of the identity
    view, or None."""
    i = decode_identity(bus.read(IDENTITY_READ) or b"")
    return (i["crc_errors"], i["frame_errors"], i["overruns"]) if i else None


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    if not (os.access(DUCOSIM, os.X_OK) and os.path.exists(ELF)):
        ok(False, "%s and %s are built" % (DUCOSIM, ELF))
        return done()
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "bus")
        proc = start_ducosim(DUCOSIM, ELF, sock, ADDR)
        try:
            run(Bus(sock))
        except (IOError, OSError) as e:
            ok(False, "bus: %s" % e)
        finally:
            stop_process(proc)
    return done()


def wait_state(bus, state, wall_s=20.0):
    def reached():
        d = bus.read(1)
        return d and (d[0] & 7) == state
    return bool(wait_until(reached, wall_s))


def run(bus):
    wait_until(lambda: bus.read(1) is not None, 20)
    check_reads(bus, "idle", 0, 0)

    last = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d"
    res, wacked, _ = bus.xfer(job_frame(1, 0, 4000000, "00" * 20, last))
    ok(res == 0 and wacked == 73, "JOB written byte by byte (73 bytes ACKed)")
    check_reads(bus, "busy", 1, 0)

    # two solved jobs: the result double buffer is used in both halves
    for job_id, nonce in ((0x1234, 77), (0xbeef, 1234)):
        exp = hashlib.sha1((last + str(nonce)).encode()).hexdigest()
        bus.xfer(job_frame(job_id, 0, 2000, exp, last))
        ok(wait_state(bus, 2), "job %#x done" % job_id)
        full = check_reads(bus, "done (job %#x)" % job_id, 2, 11)
        if full:
            r = decode_result(full)
            ok(r and r["job_id"] == job_id and r["found"] == 1 and r["nonce"] == nonce,
               "result body: %s" % r)

    # identity, written and read in one transaction (STOP = repeated START)
    res, _, d = bus.xfer(simple_frame(CMD_IDENTIFY), IDENTITY_READ)
    ok(res == 0 and d[2] == 28 and d == read_frame(d[0], d[3:31]),
       "IDENTIFY + repeated START + read: checked identity frame")
    check_reads(bus, "identity", 2, 28)
    c1 = counters(bus)

    # truncated frames of every length: each rejected and counted
    jf = job_frame(7, 0, 10, "00" * 20, last)
    before = bus.read(1)[0]
    for n in range(1, len(jf)):
        bus.xfer(jf[:n])
    st = bus.read(1)[0]
    c2 = counters(bus)
    ok(st & 0x08 and (st >> 4) == (before >> 4) and (st & 7) == 2,
       "%d truncated JOB frames: REJECT, sequence and state unchanged (status %02x)"
       % (len(jf) - 1, st))
    ok(c2 and c1 and c2[1] - c1[1] == len(jf) - 1 and c2[0] == c1[0],
       "each counted once in frame_errors (%s -> %s)" % (c1, c2))

    # overlong frame: swallowed (every byte ACKed), counted as an overrun
    res, wacked, _ = bus.xfer(jf + b"\x55" * 40)
    c3 = counters(bus)
    ok(res == 0 and wacked == len(jf) + 40 and c3 and c3[2] == c2[2] + 1,
       "overlong frame: all %d bytes ACKed, overruns %s -> %s"
       % (len(jf) + 40, c2[2] if c2 else None, c3[2] if c3 else None))

    # and a good frame afterwards is taken: write + repeated START + 2-byte read
    res, _, d = bus.xfer(simple_frame(CMD_ABORT), 2)
    ok(res == 0 and (d[0] & 7) == 0 and not d[0] & 0x08 and read_ok(d),
       "ABORT + repeated START + checked status: idle, REJECT cleared (status %02x)" % d[0])

    # a rejected frame outside the identity view leaves the firmware's
    # rendered identity stale: IDENTIFY + repeated START + read must still
    # show the count (the interrupt renders it)
    bad = bytearray(simple_frame(CMD_ABORT))
    bad[-1] ^= 0x01
    bus.xfer(bytes(bad))
    res, _, d = bus.xfer(simple_frame(CMD_IDENTIFY), IDENTITY_READ)
    i = decode_identity(d) if res == 0 else None
    c4 = (i["crc_errors"], i["frame_errors"], i["overruns"]) if i else None
    ok(i and c4 and c3 and c4[0] == c3[0] + 1,
       "bad CRC, then IDENTIFY + repeated START + read: crc_errors %s -> %s"
       % (c3[0] if c3 else None, c4[0] if c4 else None))
    run_queue(bus, last)


def run_queue(bus, last):
    """Protocol version 2: each queue state's read frame, byte for byte."""
    never = "00" * 20                   # no nonce solves it: runs until dropped
    short = {}

    def solved(job_id, nonce):
        short[job_id] = nonce
        return queue_frame(job_id, 0, 2000, hashlib.sha1((last + str(nonce)).encode()).hexdigest(),
                           last)

    def result_is(full, job_id, what):
        r = decode_result(full) if full else None
        ok(r is not None and r["job_id"] == job_id and r["found"] == 1 and
           r["nonce"] == short.get(job_id), "%s: the result of %#x (%s)" % (what, job_id, r))

    bus.xfer(simple_frame(CMD_ABORT))
    bus.xfer(queue_frame(0x100, 0, 4000000, never, last))
    bus.xfer(queue_frame(0x101, 0, 4000000, never, last))
    check_reads(bus, "v2 hashing, one queued", 4, 0)
    bus.xfer(simple_frame(CMD_ABORT))

    bus.xfer(solved(0x110, 40))
    bus.xfer(queue_frame(0x111, 0, 4000000, never, last))
    ok(wait_state(bus, 5), "0x110 done, 0x111 runs: BUSY_DONE")
    result_is(check_reads(bus, "v2 hashing, a result kept", 5, 11), 0x110, "BUSY_DONE")
    bus.xfer(solved(0x112, 60))
    result_is(check_reads(bus, "v2 hashing, one queued, a result kept", 6, 11), 0x110,
              "BUSY_QUEUED_DONE")
    bus.xfer(drop_frame(0x111))         # the running one: 0x112 runs
    ok(wait_state(bus, 2), "DROP 0x111 (running): 0x112 runs and ends: DONE")
    result_is(check_reads(bus, "v2 two results kept", 2, 11), 0x110, "DONE, oldest first")
    bus.xfer(solved(0x113, 30))         # rendered while two are kept: the third frame
    ok(wait_state(bus, 2), "0x113 done: three results kept")
    res, _, d = bus.xfer(drop_frame(0x110), 15)
    ok(res == 0 and d == read_frame(d[0], d[3:14]) and (d[0] & 7) == 2,
       "DROP + repeated START + read: the next kept result at once")
    result_is(d if res == 0 else None, 0x112, "after DROP 0x110")
    bus.xfer(drop_frame(0x112))
    result_is(check_reads(bus, "v2 the third result frame", 2, 11), 0x113, "after DROP 0x112")
    res, _, d = bus.xfer(drop_frame(0x113), 2)
    ok(res == 0 and (d[0] & 7) == 0 and read_ok(d), "DROP 0x113: IDLE")
    check_reads(bus, "v2 idle after the queue", 0, 0)


if __name__ == "__main__":
    sys.exit(main())
