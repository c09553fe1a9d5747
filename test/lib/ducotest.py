"""ducotest.py - shared pieces of ducorig's Python test scripts.

The one Python TAP helper (ok, diag, done), waiting on events (wait_until
polls a condition with a deadline, wait_line reads a child's output for a
line), starting and stopping children by pid, the I2C frame format
(docs/i2c-protocol.md) encoded from the document, independently of common/,
and a client for ducosim's bus socket (common/simbus_proto.h). Scripts add
test/lib to sys.path and import this; `import ducotest as tap` reads well.
"""
import os
import re
import selectors
import socket
import struct
import subprocess
import time

# --- TAP ----------------------------------------------------------------------
_counts = {"n": 0, "failed": 0}


def ok(cond, text, detail=None):
    """One TAP line; on failure detail (any value) follows as comments.
    Returns cond so callers can chain on it."""
    _counts["n"] += 1
    if not cond:
        _counts["failed"] += 1
    print("%sok %d - %s" % ("" if cond else "not ", _counts["n"], text), flush=True)
    if not cond and detail is not None:
        for line in str(detail).splitlines() or [""]:
            print("#   " + line, flush=True)
    return cond


def diag(msg):
    for line in str(msg).splitlines():
        print("# " + line, flush=True)


def relay(tap_text):
    """Renumber a child's TAP output into ours (its plan dropped, comments kept);
    returns how many of its checks failed."""
    failed = 0
    for line in tap_text.splitlines():
        if line.startswith("ok ") or line.startswith("not ok "):
            good = line.startswith("ok ")
            failed += not good
            ok(good, line.split(" - ", 1)[1] if " - " in line else line)
        elif line.startswith("#"):
            print(line, flush=True)
    return failed


def done():
    """Print the plan; the exit status for sys.exit()."""
    print("1..%d" % _counts["n"], flush=True)
    return 1 if _counts["failed"] else 0


# --- waiting on events --------------------------------------------------------
def wait_until(cond, timeout_s, interval_s=0.02):
    """Poll cond() until it returns something true (returned) or the
    deadline passes (None). A wait on an event, never a fixed delay."""
    end = time.monotonic() + timeout_s
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= end:
            return None
        time.sleep(interval_s)


def wait_line(stream, pattern, timeout_s):
    """Read a child's output pipe until a line matches the regex: the match,
    or None at EOF or when the deadline passes. Reads the file descriptor
    directly (no buffer that select cannot see); what follows the matching
    line in the same read is dropped."""
    end = time.monotonic() + timeout_s
    fd = stream.fileno()
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                m = re.search(pattern, line.decode(errors="replace"))
                if m:
                    return m
            left = end - time.monotonic()
            if left <= 0 or not sel.select(left):
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            buf += chunk


def start_ducosim(ducosim, elf, sock, first_addr=0x08, count=1, wait_s=30):
    """ducosim in fast rig mode; returns the process once it has printed its
    'ready' line (or exited, or the deadline passed: the first connect then
    fails). Stop it with stop_process."""
    proc = subprocess.Popen([ducosim, "--firmware", elf, "--count", str(count), "--first-addr",
                             "0x%02x" % first_addr, "--socket", sock, "--fast"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wait_line(proc.stdout, r"^ready ", wait_s)
    return proc


def stop_process(proc, wait_s=10):
    """SIGTERM a child this test started, SIGKILL it if it does not exit;
    its exit status."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(wait_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for f in (proc.stdout, proc.stderr):
        if f is not None:
            f.close()
    return proc.returncode


# --- wire frames (docs/i2c-protocol.md) ---------------------------------------
def crc8(data):
    c = 0
    for x in data:
        c ^= x
        for _ in range(8):
            c = ((c << 1) ^ 7) & 0xff if c & 0x80 else (c << 1) & 0xff
    return c


def frame(cmd, payload=b""):
    f = bytes([cmd, len(payload)]) + payload
    return f + bytes([crc8(f)])


def job_frame(job_id, start, end, expected_hex, last):
    payload = struct.pack("<HII", job_id, start, end) + bytes.fromhex(expected_hex) + last.encode()
    return frame(0x01, payload)


def read_frame(status, body):
    """The read frame a slave sends: status, crc(status), len, body, crc."""
    head = bytes([status, crc8(bytes([status])), len(body)]) + body
    return head + bytes([crc8(head)])


# --- ducosim's bus socket (common/simbus_proto.h) -----------------------------
OP_TRANSFER, OP_INFO, OP_FAULT = 1, 2, 3


class SimBus:
    """Its own helpers go through request(), so a test may redefine xfer()."""

    def __init__(self, path, timeout=30):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)

    def recv_exact(self, n):
        d = b""
        while len(d) < n:
            k = self.s.recv(n - len(d))
            if not k:
                raise EOFError("ducosim closed the connection")
            d += k
        return d

    def request(self, op, addr, w=b"", rlen=0):
        """(result, write bytes ACKed, data read)"""
        self.s.sendall(struct.pack("<BBBBHH", ord("S"), op, addr, 0, len(w), rlen) + w)
        magic, result, wacked, n, _ = struct.unpack("<BBHHH", self.recv_exact(8))
        assert magic == ord("s")
        return result, wacked, self.recv_exact(n)

    def xfer(self, addr, w=b"", rlen=0):
        return self.request(OP_TRANSFER, addr, w, rlen)

    def info(self):
        _, _, d = self.request(OP_INFO, 0, b"", 16)
        return struct.unpack("<QIHH", d)        # sim ns, bus Hz, slaves, flags

    def fault(self, addr, kind, param=0):
        return self.request(OP_FAULT, addr, struct.pack("<BI", kind, param))[0]

    def status(self, addr):
        """Checked status byte, or None."""
        res, _, d = self.request(OP_TRANSFER, addr, b"", 2)
        if res != 0 or crc8(d[:1]) != d[1]:
            return None
        return d[0]

    def result(self, addr):
        """(status, job id, found, nonce, elapsed us) of a DONE slave, or None."""
        res, _, d = self.request(OP_TRANSFER, addr, b"", 15)
        if res != 0 or crc8(d[:1]) != d[1] or d[2] != 11 or crc8(d[:14]) != d[14]:
            return None
        job_id, found, nonce, elapsed = struct.unpack("<HBII", d[3:14])
        return d[0], job_id, found, nonce, elapsed

    def identity_body(self, addr, combined=False):
        """The 28-byte identity body, or None. combined: IDENTIFY and the read in
        one transaction (repeated START) instead of two."""
        if combined:
            res, _, d = self.request(OP_TRANSFER, addr, frame(0x03), 32)
        else:
            if self.request(OP_TRANSFER, addr, frame(0x03))[0] != 0:
                return None
            res, _, d = self.request(OP_TRANSFER, addr, b"", 32)
        if res != 0 or len(d) < 32 or d[2] != 28 or crc8(d[:31]) != d[31]:
            return None
        return d[3:31]

    def identify(self, addr):
        body = self.identity_body(addr)
        if body is None:
            return None
        return {"proto": body[0], "board": body[3], "f_cpu": struct.unpack("<I", body[4:8])[0],
                "addr": body[26], "reset_cause": body[16]}

    def wait_done(self, addr, timeout_s):
        def done_status():
            st = self.status(addr)
            return st is not None and st & 7 == 2
        return self.result(addr) if wait_until(done_status, timeout_s, 0.01) else None

    def close(self):
        self.s.close()
