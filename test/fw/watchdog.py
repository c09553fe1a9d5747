#!/usr/bin/env python3
"""watchdog.py - the firmware's watchdog and restart paths, in ducosim.

Runs the test images of two boards built with FW_TEST_HANG (CLEAR_ERR then
hangs the main loop with interrupts on; `make test` builds them as
build/avr-<board>-hang, test/fw/module.mk), each in ducosim's rig mode (real firmware in simavr, over the socket bus) and
checks: the status stays readable while the main loop hangs (the TWI handler
still runs); the watchdog brings the slave back; the reset cause tells how
(WATCHDOG, plus SOFT on boards whose bootloader cannot survive a watchdog
reset, which restart by jump); the RESET command restarts the slave the same
way and the address set before it persists. nano has WDT_RESET=yes,
promini16 WDT_RESET=no (boards.mk). Prints TAP. Talks only to the Unix
socket of the ducosim it starts (and stops, by pid).
"""
import os
import sys
import tempfile

BUILD = os.environ.get("BUILD", "build")
DUCOSIM = os.path.join(BUILD, "host", "ducosim")
RESET_WATCHDOG, RESET_SOFT = 0x08, 0x80

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ducotest import (ok, done, wait_until, read_ok, simple_frame, set_addr_frame,  # noqa: E402
                      reset_frame, start_ducosim, stop_process, SimBus, CMD_CLEAR_ERR)


class Bus(SimBus):
    def xfer(self, addr, w=b"", rlen=0):
        """(result, data read): these checks never look at the ACK count."""
        res, _, d = SimBus.xfer(self, addr, w, rlen)
        return res, d

    def identify(self, addr):
        """Identity (dict) or None, IDENTIFY and read in one transaction."""
        return SimBus.identify(self, addr, combined=True)


def wait_identity(bus, addr, pred, wall_s=20.0):
    def match():
        ident = bus.identify(addr)
        return ident if ident is not None and pred(ident) else None
    return wait_until(match, wall_s)


def run_board(tmp, board, hard):
    elf = os.path.join(BUILD, "avr-%s-hang" % board, "firmware.elf")
    sock = os.path.join(tmp, "%s.sock" % board)
    proc = start_ducosim(DUCOSIM, elf, sock, 0x08)
    try:
        bus = Bus(sock)
        want = RESET_WATCHDOG | (0 if hard else RESET_SOFT)
        how = "watchdog reset" if hard else "restart by jump"

        ident = wait_identity(bus, 0x08, lambda i: True)
        ok(ident is not None and not (ident["reset_cause"] & RESET_WATCHDOG),
           "%s: boots, identity read (reset cause %#x)"
           % (board, ident["reset_cause"] if ident else -1))

        res, d = bus.xfer(0x08, b"", 1)
        seq = (d[0] >> 4) if res == 0 and d else -1
        res, _ = bus.xfer(0x08, simple_frame(CMD_CLEAR_ERR))  # the test build hangs
        ok(res == 0, "%s: CLEAR_ERR accepted (test build hangs its main loop)" % board)
        stats = [bus.xfer(0x08, b"", 2) for _ in range(3)]
        ok(all(r == 0 and len(d) == 2 and read_ok(d) and (d[0] >> 4) == (seq + 1) & 15
               for r, d in stats),
           "%s: status still readable while the main loop hangs" % board)
        ident = wait_identity(bus, 0x08, lambda i: i["reset_cause"] & RESET_WATCHDOG)
        ok(ident is not None and ident["reset_cause"] == want,
           "%s: the watchdog brings it back by %s (cause %#x, want %#x)"
           % (board, how, ident["reset_cause"] if ident else -1, want))
        res, d = bus.xfer(0x08, b"", 2)
        ok(res == 0 and len(d) == 2 and read_ok(d) and d[0] & 7 == 0,
           "%s: idle and answering after the recovery (status %02x)"
           % (board, d[0] if d else -1))

        # SET_ADDR, then RESET: the address survives, cause as above
        res, _ = bus.xfer(0x08, set_addr_frame(0x2b))
        ident = wait_identity(bus, 0x2b, lambda i: i["i2c_addr"] == 0x2b)
        ok(ident is not None, "%s: SET_ADDR 0x2b applied" % board)
        res, _ = bus.xfer(0x2b, reset_frame())
        ok(res == 0, "%s: RESET accepted" % board)
        # the restart clears the sequence: wait for it, then identify
        def restarted():
            res, d = bus.xfer(0x2b, b"", 1)
            return res == 0 and d and (d[0] >> 4) == 0
        fresh = wait_identity(bus, 0x2b, lambda i: True) if wait_until(restarted, 20) else None
        ok(fresh is not None and fresh["reset_cause"] == want and fresh["i2c_addr"] == 0x2b,
           "%s: after RESET it answers at 0x2b again (cause %#x, want %#x)"
           % (board, fresh["reset_cause"] if fresh else -1, want))
    except (IOError, OSError) as e:
        ok(False, "%s: bus error %s" % (board, e))
    finally:
        stop_process(proc)


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    if not os.access(DUCOSIM, os.X_OK):
        ok(False, "%s is built" % DUCOSIM)
        return done()
    elfs = [os.path.join(BUILD, "avr-%s-hang" % b, "firmware.elf") for b in ("nano", "promini16")]
    if ok(all(os.path.exists(e) for e in elfs),
          "test images (FW_TEST_HANG) of nano and promini16 are built (make test builds them)"):
        with tempfile.TemporaryDirectory() as tmp:
            run_board(tmp, "nano", True)
            run_board(tmp, "promini16", False)
    return done()


if __name__ == "__main__":
    sys.exit(main())
