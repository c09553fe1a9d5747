#!/usr/bin/env python3
"""test_ducosim.py - ducosim's command line and socket, end to end (TAP).

Runs build/host/ducosim against build/avr-nano/firmware.elf: one-shot mode
(--json keys, a job without solution, an 8-digit nonce via --start-nonce,
determinism of the cycle count, the firmware's timer against simulated
cycles, bad arguments), then rig mode with firmware and model slaves on a
Unix socket in a temporary directory: the "ready" line, INFO, address
assignment, identity, jobs to both kinds of slave, FAULT requests (NACK,
flipped bit, reset, silence) and --fault, real-time pacing (simulated time
never ahead of the wall clock), --fast, and a clean exit on SIGTERM that
removes the socket; --socket refusing a file or a live server's socket and
replacing a stale one; a client that never reads dropped without stalling
the bus for the others. Every ducosim started here is stopped by its pid.
Expected hashes are computed with hashlib, independently of common/.
"""
import hashlib
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("BUILD", "build")
DUCOSIM = os.path.join(BUILD, "host", "ducosim")
ELF = os.environ.get("DUCOSIM_TEST_ELF", os.path.join(BUILD, "avr-nano", "firmware.elf"))

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ducotest import (ok, diag, done, wait_until, job_frame, request_header,  # noqa: E402
                      OP_TRANSFER, OP_INFO, SimBus as Bus)


def expected_for(last, nonce):
    return hashlib.sha1((last + str(nonce)).encode()).hexdigest()


def rand_last(rng):
    return "".join(rng.choice("0123456789abcdef") for _ in range(40))


def oneshot(*args, timeout=120):
    p = subprocess.run([DUCOSIM, "--firmware", ELF] + list(args), capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def oneshot_json(*args):
    import json
    rc, out, err = oneshot(*args, "--json")
    if rc != 0:
        diag("ducosim failed: " + err.strip())
        return None
    return json.loads(out)


class Rig:
    def __init__(self, tmp, *args):
        self.path = os.path.join(tmp, "bus.sock")
        self.p = subprocess.Popen([DUCOSIM, "--firmware", ELF, "--socket", self.path] + list(args),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.ready = None
        deadline = time.monotonic() + 30
        line = self.p.stdout.readline()     # ducosim prints it flushed, or exits
        if line.startswith("ready ") and time.monotonic() < deadline:
            self.ready = line.split(" ", 1)[1].strip()

    def stop(self):
        if self.p.poll() is None:
            os.kill(self.p.pid, signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.p.pid, signal.SIGKILL)
            rc = self.p.wait()
        return rc


def test_oneshot(rng):
    r = oneshot_json("--job", "ba29a15896fd2d792d5c4b60668bf2b9feebc51d,"
                     "d0beba883d7e8cd119ea2b0e09b78f60f29e0968,10")
    ok(r is not None and all(k in r for k in ("found", "nonce", "elapsed_us", "cycles")),
       "one-shot --json has keys found, nonce, elapsed_us, cycles")
    if r is None:
        return
    ok(r["found"] is True and r["nonce"] == 50, "one-shot known answer: nonce %s" % r["nonce"])
    # the firmware's hardware timer against the simulator's cycle count
    fw_cycles = r["elapsed_us"] * 16
    ok(r["cycles"] > 0 and abs(fw_cycles - r["cycles"]) <= 0.02 * r["cycles"] + 2000,
       "firmware elapsed %d us matches %d simulated cycles at 16 MHz" % (r["elapsed_us"], r["cycles"]))
    diag("one-shot known answer: %d cycles for 51 nonces, max stretch %d cycles"
         % (r["cycles"], r["max_stretch_cycles"]))
    r2 = oneshot_json("--job", "ba29a15896fd2d792d5c4b60668bf2b9feebc51d,"
                      "d0beba883d7e8cd119ea2b0e09b78f60f29e0968,10")
    ok(r2 is not None and r2["cycles"] == r["cycles"] and r2["elapsed_us"] == r["elapsed_us"],
       "two identical runs give identical cycle counts (%s)" % (r2 and r2["cycles"]))

    last = rand_last(rng)
    bogus = hashlib.sha1(b"no nonce makes this").hexdigest()
    r = oneshot_json("--job", "%s,%s,5" % (last, bogus), "--start-nonce", "480")
    ok(r is not None and r["found"] is False and r["nonce"] == 500,
       "one-shot job without solution: not found, last nonce 500 (%s)" % (r and r["nonce"]))

    planted = rng.randrange(10000000, 99999999)
    last = rand_last(rng)
    diff = planted // 100 + 1
    r = oneshot_json("--job", "%s,%s,%d" % (last, expected_for(last, planted), diff),
                     "--start-nonce", str(planted - 12))
    ok(r is not None and r["found"] and r["nonce"] == planted,
       "one-shot 8-digit nonce %d via --start-nonce (%s)" % (planted, r and r["nonce"]))

    rc, out, err = oneshot("--job", "nothex,%s,10" % bogus)
    ok(rc == 2 and out == "", "a malformed --job is refused with status 2")
    rc, out, err = oneshot("--job", "%s,%s,5" % (last, bogus), "--bus-khz", "7")
    ok(rc == 2, "an out-of-range option is refused with status 2")

    p = subprocess.run([DUCOSIM, "--firmware", "/nonexistent/firmware.elf", "--job",
                        "%s,%s,5" % (last, bogus)], capture_output=True, text=True, timeout=30)
    ok(p.returncode == 1 and p.stdout == "" and "ducosim:" in p.stderr,
       "a missing firmware image: status 1, a message on stderr, nothing on stdout")

    # polls while hashing cost the slave cycles; the count is reported
    last = rand_last(rng)
    args = ("--job", "%s,%s,100" % (last, expected_for(last, 340)), "--start-nonce", "300")
    quiet = oneshot_json(*args)
    polled = oneshot_json(*args, "--poll-us", "2000", "--poll-bytes", "1")
    ok(quiet and polled and polled["nonce"] == 340 and polled["polls"] > 0 and
       polled["cycles"] > quiet["cycles"],
       "status polls during a job are counted and cost cycles (%s polls, %s more cycles)"
       % (polled and polled["polls"], polled and quiet and polled["cycles"] - quiet["cycles"]))


def test_rig(tmp, rng):
    rig = Rig(tmp, "--count", "2", "--first-addr", "0x10", "--model-slaves", "3",
              "--model-hashrate", "20000", "--fault", "0x14,nack,2")
    try:
        if not ok(rig.ready == rig.path, "rig mode prints 'ready <socket>' (%s)" % rig.ready):
            diag(rig.p.stderr.read() if rig.p.poll() is not None else "still running")
            return
        bus = Bus(rig.path)
        t0, hz, n, flags = bus.info()
        ok(hz == 100000 and n == 5 and flags & 1 == 0,
           "INFO: 100 kHz, 5 slaves, real time (%d Hz, %d slaves, flags %d)" % (hz, n, flags))

        ok(bus.xfer(0x14, b"", 2)[0] == 1 and bus.xfer(0x14, b"", 2)[0] == 1 and
           bus.status(0x14) is not None, "--fault 0x14,nack,2: two NACKs, then an answer")
        answers = [a for a in range(0x08, 0x78) if bus.xfer(a, b"", 1)[0] == 0]
        ok(answers == [0x10, 0x11, 0x12, 0x13, 0x14],
           "scan: slaves at 0x10..0x14 only (%s)" % " ".join("%02x" % a for a in answers))

        ids = [bus.identify(a) for a in (0x10, 0x11, 0x12)]
        ok(ids[0] and ids[1] and ids[0]["i2c_addr"] == 0x10 and ids[1]["i2c_addr"] == 0x11 and
           ids[0]["f_cpu"] == 16000000 and ids[0]["board_id"] != 100,
           "firmware copies took their assigned addresses 0x10, 0x11")
        ok(ids[2] and ids[2]["board_id"] == 100 and ids[2]["i2c_addr"] == 0x12,
           "0x12 is a host model slave (board id 100)")

        # a job to a model slave: 20000 H/s paced, exact answer
        last = rand_last(rng)
        planted = rng.randrange(1000, 3000)
        wall = time.monotonic()
        ok(bus.xfer(0x13, job_frame(7, 0, 10000, expected_for(last, planted), last))[0] == 0,
           "JOB to model slave 0x13 accepted on the bus")
        res = bus.wait_done(0x13, 10)
        wall = time.monotonic() - wall
        ok(res is not None and res[1:4] == (7, 1, planted),
           "model slave solves it: nonce %s (planted %d)" % (res and res[3], planted))
        ok(res is not None and wall >= planted / 20000.0 * 0.9,
           "model slave is paced to its hashrate (%.3f s for %d nonces at 20000 H/s)"
           % (wall, planted + 1))

        # a job to a firmware slave
        last = rand_last(rng)
        planted = rng.randrange(100, 100000)
        ok(bus.xfer(0x11, job_frame(9, planted - 15, 100000, expected_for(last, planted), last))[0] == 0,
           "JOB to firmware slave 0x11 accepted on the bus")
        res = bus.wait_done(0x11, 20)
        ok(res is not None and res[1:4] == (9, 1, planted),
           "firmware slave solves it: nonce %s (planted %d)" % (res and res[3], planted))

        # FAULT requests
        ok(bus.fault(0x10, 2, 1) == 0 and bus.xfer(0x10, b"", 2)[0] == 1 and
           bus.status(0x10) is not None, "FAULT NACK: one NACKed transfer, then normal")
        st0 = bus.status(0x10)
        ok(bus.fault(0x10, 1, 1) == 0 and
           bus.xfer(0x10, job_frame(3, 0, 100, "00" * 20, rand_last(rng)))[0] == 0,
           "FAULT FLIP_BIT: the corrupted JOB still goes over the bus")
        st1 = bus.status(0x10)
        ok(st0 is not None and st1 is not None and st1 & 0x08 and st1 >> 4 == st0 >> 4,
           "the firmware rejects the corrupted frame (status %s -> %s)" % (st0, st1))
        ok(bus.fault(0x11, 4, 0) == 0 and bus.xfer(0x11, b"", 2)[0] == 1 and
           bus.xfer(0x11, b"", 2)[0] == 1, "FAULT SILENT 0: the slave stops answering")
        ok(bus.fault(0x11, 5) == 0 and bus.status(0x11) is not None,
           "FAULT CLEAR: it answers again")
        ok(bus.fault(0x10, 3) == 0, "FAULT RESET accepted")
        # the firmware answers again once it has booted: sequence 0, idle
        def booted():
            st = bus.status(0x10)
            return st is not None and st >> 4 == 0
        wait_until(booted, 20)
        st = bus.status(0x10)
        ok(st is not None and st >> 4 == 0 and st & 7 == 0,
           "after the reset the firmware is back, idle, sequence 0 (status %s)" % st)
        ok(bus.fault(0x50, 3) == 4, "FAULT RESET at an empty address is a bad request")

        # a confused client is answered BAD_REQUEST and dropped; others go on
        bad = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        bad.settimeout(10)
        bad.connect(rig.path)
        bad.sendall(b"XYZW\x00\x00\x00\x00")
        rsp = bad.recv(8)
        rest = bad.recv(8)
        bad.close()
        ok(len(rsp) == 8 and rsp[0] == ord("s") and rsp[1] == 4 and rest == b"",
           "a request with a bad magic gets BAD_REQUEST and the connection is closed")
        half = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        half.connect(rig.path)
        half.sendall(request_header(OP_TRANSFER, 0x10, 70, 0) + b"\x01" * 10)
        half.close()        # hangs up in the middle of its request
        big = Bus(rig.path)
        try:
            res = big.request(1, 0x10, b"", 8193)[0]     # rlen over SIMBUS_MAX_DATA
        except (EOFError, OSError):
            res = None
        big.close()
        ok(res == 4, "a read longer than 8192 bytes (i2c-dev's limit) is a bad request (%s)" % res)
        flg = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        flg.connect(rig.path)
        flg.sendall(request_header(OP_TRANSFER, 0x10, 0, 1, flags=0x80))
        rsp = flg.recv(8)
        flg.close()
        ok(len(rsp) == 8 and rsp[1] == 4, "a TRANSFER with an unknown flag is a bad request")
        ok(bus.status(0x10) is not None, "after all that the first client is still served")

        # real time: simulated time does not run ahead of the wall clock
        t1, _, _, _ = bus.info()
        w1 = time.monotonic()
        time.sleep(0.3)     # the wall-clock interval measured, not a wait for anything
        t2, _, _, _ = bus.info()
        w2 = time.monotonic()
        ok(0 < t2 - t1 <= (w2 - w1) * 1e9 + 20e6,
           "real time: %.3f s simulated in %.3f s wall" % ((t2 - t1) / 1e9, w2 - w1))
        bus.close()
    finally:
        rc = rig.stop()
    ok(rc == 0, "SIGTERM: ducosim exits with status 0 (%s)" % rc)
    ok(not os.path.exists(rig.path), "and removes its socket")


def test_fast(tmp, rng):
    rig = Rig(tmp, "--count", "1", "--model-slaves", "1", "--model-hashrate", "50", "--fast")
    try:
        if not ok(rig.ready == rig.path, "--fast rig is ready"):
            return
        bus = Bus(rig.path)
        _, _, n, flags = bus.info()
        ok(n == 2 and flags & 1, "INFO reports fast mode")
        last = rand_last(rng)
        # 300 nonces at 50 H/s = 6 s of simulated time
        bus.xfer(0x09, job_frame(5, 0, 1000, expected_for(last, 299), last))
        res = bus.wait_done(0x09, 60)
        ok(res is not None and res[3] == 299, "slow model slave finishes in fast mode (nonce %s)"
           % (res and res[3]))
        bus.close()
    finally:
        rc = rig.stop()
    ok(rc == 0 and not os.path.exists(rig.path), "fast rig stops cleanly")


def test_socket_path(tmp):
    """--socket never removes what is not a stale socket: a regular file stays
    (ducosim refuses to start), a live ducosim's socket stays its own (the
    second refuses), a stale socket from a killed run is replaced."""
    path = os.path.join(tmp, "bus.sock")
    with open(path, "w") as f:
        f.write("precious\n")
    try:
        rc, out, err = oneshot("--socket", path, timeout=30)
    except subprocess.TimeoutExpired:
        rc, out, err = None, "", "still running after 30 s (run.kill()ed)"
    try:
        with open(path) as f:
            kept = f.read()
    except OSError as e:        # a socket in its place
        kept = str(e)
    ok(rc not in (0, None) and "ready" not in out and "other than a socket" in err and kept == "precious\n",
       "--socket on a regular file: refused, the file kept (rc %s, %s)" % (rc, err.strip()))
    if os.path.exists(path):
        os.unlink(path)

    first = Rig(tmp, "--model-slaves", "1", "--count", "0")
    try:
        if not ok(first.ready == path, "a first ducosim serves %s" % path):
            return
        try:
            rc, out, err = oneshot("--socket", path, "--count", "0", "--model-slaves", "1",
                                   timeout=30)
        except subprocess.TimeoutExpired:
            rc, out, err = None, "", "still running after 30 s (killed)"
        ok(rc not in (0, None) and "ready" not in out and "another server is listening" in err,
           "a second ducosim on a live socket refuses (rc %s, %s)" % (rc, err.strip()))
        try:
            bus = Bus(path, timeout=5)
            slaves = bus.info()[2]
            bus.close()
        except OSError as e:
            slaves = e
        ok(first.p.poll() is None and slaves == 1,
           "the first still answers on its socket (%s)" % slaves)
    finally:
        first.stop()

    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()           # the file stays, nobody listens: a killed run's
    rig = Rig(tmp, "--model-slaves", "1", "--count", "0")
    try:
        ok(rig.ready == path, "a stale socket is replaced (%s)" % rig.ready)
    finally:
        ok(rig.stop() == 0 and not os.path.exists(path), "and removed at exit")


def test_slow_client(tmp):
    """A client that sends requests and never reads the answers is dropped as
    soon as its socket is full, and the bus keeps serving another client
    meanwhile (it used to retry the send for seconds, freezing the bus)."""
    import threading
    rig = Rig(tmp, "--model-slaves", "1", "--count", "0")
    try:
        if not ok(rig.ready == rig.path, "rig with one model slave"):
            return
        hog = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        hog.connect(rig.path)
        hog.settimeout(60)
        flood = request_header(OP_INFO, 0, 0, 16) * 200000
        outcome = {}

        def send_all():
            try:
                hog.sendall(flood)
                outcome["sent"] = True
            except OSError as e:
                outcome["error"] = e.__class__.__name__

        th = threading.Thread(target=send_all)
        bus = Bus(rig.path, timeout=10)
        th.start()
        worst, served = 0.0, 0
        while th.is_alive() or served < 20:
            t = time.monotonic()
            try:
                answered = bus.status(0x08) is not None
            except OSError:         # includes the 10 s timeout
                answered = False
            worst = max(worst, time.monotonic() - t)
            if not answered:
                break
            served += 1
        th.join(60)
        ok("error" in outcome, "the client that never reads is dropped (%s)" % outcome)
        ok(served >= 20 and worst < 0.5,
           "another client is served meanwhile: %d transfers, slowest %.3f s" % (served, worst))
        hog.close()
        bus.close()
    finally:
        ok(rig.stop() == 0, "ducosim stops cleanly after dropping a client")


def main():
    seed = int(os.environ.get("DUCOSIM_TEST_SEED", "0")) or random.randrange(1, 1 << 30)
    diag("seed %d (set DUCOSIM_TEST_SEED to repeat)" % seed)
    rng = random.Random(seed)
    if not ok(os.access(DUCOSIM, os.X_OK) and os.path.exists(ELF), "ducosim and the firmware are built"):
        return done()
    test_oneshot(rng)
    with tempfile.TemporaryDirectory(prefix="ducosim-test-") as tmp:
        test_rig(tmp, rng)
        test_fast(tmp, rng)
        test_socket_path(tmp)
        test_slow_client(tmp)
    return done()


if __name__ == "__main__":
    sys.exit(main())
