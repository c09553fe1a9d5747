"""ducotest.py - shared pieces of ducorig's Python test scripts.

The one Python TAP helper (ok, diag, done), waiting on events (wait_until
polls a condition with a deadline, wait_line reads a child's output for a
line), starting and stopping children by pid, the I2C frames and ducosim's
socket headers, encoded and decoded by the project's own C code
(common/duco_proto.c, common/simbus_proto.c, loaded with ctypes from
$BUILD/host/libducocommon.so, which `make test` builds), and a client for
ducosim's bus socket. Scripts add test/lib to sys.path and import this;
`import ducotest as tap` reads well.
"""
import ctypes
import os
import re
import selectors
import socket
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


# --- the protocol, from common/ (docs/i2c-protocol.md) -------------------------
class _Job(ctypes.Structure):           # struct duco_job
    _fields_ = [("job_id", ctypes.c_uint16), ("start_nonce", ctypes.c_uint32),
                ("end_nonce", ctypes.c_uint32), ("expected", ctypes.c_uint8 * 20),
                ("last_hash", ctypes.c_char * 40)]


class _Result(ctypes.Structure):        # struct duco_result
    _fields_ = [("job_id", ctypes.c_uint16), ("found", ctypes.c_uint8),
                ("nonce", ctypes.c_uint32), ("elapsed_us", ctypes.c_uint32)]


class _Identity(ctypes.Structure):      # struct duco_identity
    _fields_ = [("proto_version", ctypes.c_uint8), ("fw_version", ctypes.c_uint16),
                ("board_id", ctypes.c_uint8), ("f_cpu", ctypes.c_uint32),
                ("ducoid", ctypes.c_uint8 * 8), ("reset_cause", ctypes.c_uint8),
                ("hash_impl", ctypes.c_uint8), ("crc_errors", ctypes.c_uint16),
                ("frame_errors", ctypes.c_uint16), ("overruns", ctypes.c_uint16),
                ("jobs_done", ctypes.c_uint16), ("i2c_addr", ctypes.c_uint8),
                ("slots", ctypes.c_uint8)]


class _SimReq(ctypes.Structure):        # struct simbus_req
    _fields_ = [("op", ctypes.c_uint8), ("addr", ctypes.c_uint8), ("flags", ctypes.c_uint8),
                ("wlen", ctypes.c_uint16), ("rlen", ctypes.c_uint16)]


class _SimRsp(ctypes.Structure):        # struct simbus_rsp
    _fields_ = [("result", ctypes.c_uint8), ("wacked", ctypes.c_uint16), ("rlen", ctypes.c_uint16)]


class _SimInfo(ctypes.Structure):       # struct simbus_info
    _fields_ = [("sim_time_ns", ctypes.c_uint64), ("bus_hz", ctypes.c_uint32),
                ("slaves", ctypes.c_uint16), ("flags", ctypes.c_uint16)]


_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _header_constants(*headers):
    """The integer constants of common/'s headers, read from the headers
    themselves (enum members and object-like or one-argument #defines), so
    a command number or a size is defined once, in C. Returns the values by
    name and a function that evaluates a C expression of them."""
    out, funcs = {}, {}
    for h in headers:
        with open(os.path.join(_REPO, "common", h)) as f:
            text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
        for m in re.finditer(r"^\s*([A-Z][A-Z0-9_]+)\s*=\s*([^,\n}]+)", text, re.M):
            out.setdefault(m.group(1), m.group(2))
        for m in re.finditer(r"^#define\s+([A-Z][A-Z0-9_]+)(\(\w+\))?[ \t]+(.+)$", text, re.M):
            if m.group(2):
                funcs[m.group(1)] = (m.group(2)[1:-1], m.group(3))
            else:
                out[m.group(1)] = m.group(3)
    values = {}

    def value(expr, depth=0):
        expr = re.sub(r"(?<=[0-9a-fA-F])[UL]+\b", "", expr)
        for name, (arg, body) in funcs.items():      # one-argument macros
            expr = re.sub(name + r"\(([^()]*)\)",
                          lambda m: "(" + re.sub(r"\b%s\b" % arg, "(" + m.group(1) + ")", body) + ")",
                          expr)
        expr = re.sub(r"\b[A-Z][A-Z0-9_]+\b",
                      lambda m: str(value(out[m.group(0)], depth + 1)) if depth < 8 else "x", expr)
        return int(eval(expr, {"__builtins__": {}}))

    for name, expr in out.items():
        try:
            values[name] = value(expr)
        except Exception:       # not an integer constant (a char, a cast): not needed here
            pass
    return values, value


_K, _cexpr = _header_constants("duco_proto.h", "simbus_proto.h")
_lib = None
MAX_WRITE_FRAME = _K["DUCO_MAX_WRITE_FRAME"]    # a buffer size only
SIMBUS_HDR = _K["SIMBUS_HDR_SIZE"]
SIMBUS_INFO, SIMBUS_FAULT = _K["SIMBUS_INFO_SIZE"], _K["SIMBUS_FAULT_SIZE"]


def _c():
    """libducocommon.so, loaded once; the structures above are checked
    against it by a round trip, so a layout that drifted fails loudly."""
    global _lib
    if _lib is not None:
        return _lib
    repo = _REPO
    path = os.path.join(repo, os.environ.get("BUILD", "build"), "host", "libducocommon.so")
    lib = ctypes.CDLL(path)
    P, U8, U16 = ctypes.c_char_p, ctypes.c_uint8, ctypes.c_uint16
    for name, res, args in (
            ("duco_crc8", U8, [P, U16]),
            ("duco_encode_frame", U8, [P, U8, P, U8]),
            ("duco_encode_job", U8, [P, ctypes.POINTER(_Job)]),
            ("duco_encode_queue", U8, [P, ctypes.POINTER(_Job)]),
            ("duco_encode_drop", U8, [P, U16]),
            ("duco_encode_simple", U8, [P, U8]),
            ("duco_encode_set_addr", U8, [P, U8]),
            ("duco_encode_reset", U8, [P]),
            ("duco_decode_job", None, [P, ctypes.POINTER(_Job)]),
            ("duco_encode_read", U8, [P, U8, P, U8]),
            ("duco_read_check", ctypes.c_int, [P, U8]),
            ("duco_encode_identity_body", None, [P, ctypes.POINTER(_Identity)]),
            ("duco_decode_result", ctypes.c_int, [P, U8, ctypes.POINTER(_Result)]),
            ("duco_decode_identity", ctypes.c_int, [P, U8, ctypes.POINTER(_Identity)]),
            ("duco_encode_result_body", None, [P, ctypes.POINTER(_Result)]),
            ("simbus_encode_req", None, [P, ctypes.POINTER(_SimReq)]),
            ("simbus_decode_req", ctypes.c_int, [P, ctypes.POINTER(_SimReq)]),
            ("simbus_encode_rsp", None, [P, ctypes.POINTER(_SimRsp)]),
            ("simbus_decode_rsp", ctypes.c_int, [P, ctypes.POINTER(_SimRsp)]),
            ("simbus_encode_fault", None, [P, U8, ctypes.c_uint32]),
            ("simbus_decode_info", None, [P, ctypes.POINTER(_SimInfo)])):
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    _lib = lib
    # every structure through a C encoder and back
    same = []
    j, back = _Job(0xbeef, 7, 123456789, (ctypes.c_uint8 * 20)(*range(20)), b"a" * 39 + b"Z"), _Job()
    buf = ctypes.create_string_buffer(MAX_WRITE_FRAME)
    n = lib.duco_encode_job(buf, ctypes.byref(j))
    lib.duco_decode_job(buf.raw[:n], ctypes.byref(back))
    same.append(bytes(back) == bytes(j))
    ident = _Identity(1, 0x0102, 3, 16000000, (ctypes.c_uint8 * 8)(*range(8)), 4, 5, 6, 7, 8, 9, 10, 11)
    body = ctypes.create_string_buffer(28)
    lib.duco_encode_identity_body(body, ctypes.byref(ident))
    same.append(decode_identity(read_frame(0, body.raw)) ==
                {k: (list(getattr(ident, k)) if k == "ducoid" else getattr(ident, k))
                 for k, _ in _Identity._fields_})
    res = _Result(0xbeef, 1, 0x01020304, 0x0a0b0c0d)
    body = ctypes.create_string_buffer(11)
    lib.duco_encode_result_body(body, ctypes.byref(res))
    same.append(decode_result(read_frame(2, body.raw)) ==
                {k: getattr(res, k) for k, _ in _Result._fields_})
    hdr = ctypes.create_string_buffer(SIMBUS_HDR)
    q, q2 = _SimReq(1, 0x12, 0, 300, 400), _SimReq()
    lib.simbus_encode_req(hdr, ctypes.byref(q))
    same.append(lib.simbus_decode_req(hdr.raw, ctypes.byref(q2)) == 0 and bytes(q2) == bytes(q))
    r, r2 = _SimRsp(2, 300, 400), _SimRsp()
    lib.simbus_encode_rsp(hdr, ctypes.byref(r))
    same.append(lib.simbus_decode_rsp(hdr.raw, ctypes.byref(r2)) == 0 and bytes(r2) == bytes(r))
    if not all(same):
        _lib = None
        raise RuntimeError("ducotest: ctypes structures do not match %s (%s)" % (path, same))
    return lib


def crc8(data):
    return _c().duco_crc8(bytes(data), len(data))


def frame(cmd, payload=b""):
    """Write frame: cmd, len, payload, crc (any command and payload)."""
    buf = ctypes.create_string_buffer(len(payload) + 3)
    n = _c().duco_encode_frame(buf, cmd, bytes(payload), len(payload))
    return buf.raw[:n]


# Command numbers (enum duco_cmd in common/duco_proto.h, never renumbered).
CMD_JOB, CMD_ABORT, CMD_IDENTIFY, CMD_SET_ADDR, CMD_RESET, CMD_CLEAR_ERR = (
    _K["DUCO_CMD_" + n] for n in ("JOB", "ABORT", "IDENTIFY", "SET_ADDR", "RESET", "CLEAR_ERR"))
CMD_QUEUE, CMD_DROP = _K["DUCO_CMD_QUEUE"], _K["DUCO_CMD_DROP"]     # protocol version 2


def simple_frame(cmd):
    """ABORT, IDENTIFY or CLEAR_ERR: duco_encode_simple."""
    buf = ctypes.create_string_buffer(MAX_WRITE_FRAME)
    n = _c().duco_encode_simple(buf, cmd)
    return buf.raw[:n]


def set_addr_frame(addr):
    buf = ctypes.create_string_buffer(MAX_WRITE_FRAME)
    n = _c().duco_encode_set_addr(buf, addr)
    return buf.raw[:n]


def reset_frame():
    buf = ctypes.create_string_buffer(MAX_WRITE_FRAME)
    n = _c().duco_encode_reset(buf)
    return buf.raw[:n]


def job_frame(job_id, start, end, expected_hex, last):
    j = _Job(job_id, start, end, (ctypes.c_uint8 * 20)(*bytes.fromhex(expected_hex)), last.encode())
    buf = ctypes.create_string_buffer(MAX_WRITE_FRAME)
    n = _c().duco_encode_job(buf, ctypes.byref(j))
    return buf.raw[:n]


def queue_frame(job_id, start, end, expected_hex, last):
    """Protocol version 2: the job as a QUEUE frame (duco_encode_queue)."""
    j = _Job(job_id, start, end, (ctypes.c_uint8 * 20)(*bytes.fromhex(expected_hex)), last.encode())
    buf = ctypes.create_string_buffer(MAX_WRITE_FRAME)
    n = _c().duco_encode_queue(buf, ctypes.byref(j))
    return buf.raw[:n]


def drop_frame(job_id):
    """Protocol version 2: DROP job_id (duco_encode_drop)."""
    buf = ctypes.create_string_buffer(MAX_WRITE_FRAME)
    n = _c().duco_encode_drop(buf, job_id)
    return buf.raw[:n]


def read_frame(status, body):
    """The read frame a slave sends: status, crc(status), len, body, crc."""
    buf = ctypes.create_string_buffer(len(body) + 4)
    n = _c().duco_encode_read(buf, status, bytes(body), len(body))
    return buf.raw[:n]


def read_ok(data):
    """duco_read_check: a 1-byte read, a checked status (2 bytes) or a whole
    frame with its CRCs."""
    return len(data) > 0 and _c().duco_read_check(bytes(data), len(data)) == 0


def decode_result(data):
    """The result of a whole read frame as a dict, or None."""
    r = _Result()
    if _c().duco_decode_result(bytes(data), len(data), ctypes.byref(r)) != 0:
        return None
    return {k: getattr(r, k) for k, _ in _Result._fields_}


def decode_identity(data):
    """The identity of a whole read frame as a dict (field names of struct
    duco_identity, ducoid as a list of bytes), or None."""
    r = _Identity()
    if _c().duco_decode_identity(bytes(data), len(data), ctypes.byref(r)) != 0:
        return None
    return {k: (list(getattr(r, k)) if k == "ducoid" else getattr(r, k)) for k, _ in _Identity._fields_}


IDENTITY_READ = _cexpr("DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY)")
RESULT_READ = _cexpr("DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY)")


# --- ducosim's bus socket (common/simbus_proto.h) -----------------------------
OP_TRANSFER, OP_INFO, OP_FAULT = _K["SIMBUS_OP_TRANSFER"], _K["SIMBUS_OP_INFO"], _K["SIMBUS_OP_FAULT"]


def request_header(op, addr, wlen, rlen, flags=0):
    """The 8-byte header of a request to ducosim's socket."""
    hdr = ctypes.create_string_buffer(SIMBUS_HDR)
    _c().simbus_encode_req(hdr, ctypes.byref(_SimReq(op, addr, flags, wlen, rlen)))
    return hdr.raw


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
        self.s.sendall(request_header(op, addr, len(w), rlen) + bytes(w))
        rsp = _SimRsp()
        if _c().simbus_decode_rsp(self.recv_exact(SIMBUS_HDR), ctypes.byref(rsp)) != 0:
            raise IOError("ducosim: bad response header")
        return rsp.result, rsp.wacked, self.recv_exact(rsp.rlen)

    def xfer(self, addr, w=b"", rlen=0):
        return self.request(OP_TRANSFER, addr, w, rlen)

    def info(self):
        """(sim ns, bus Hz, slaves, flags)"""
        _, _, d = self.request(OP_INFO, 0, b"", SIMBUS_INFO)
        i = _SimInfo()
        _c().simbus_decode_info(d, ctypes.byref(i))
        return i.sim_time_ns, i.bus_hz, i.slaves, i.flags

    def fault(self, addr, kind, param=0):
        p = ctypes.create_string_buffer(SIMBUS_FAULT)
        _c().simbus_encode_fault(p, kind, param)
        return self.request(OP_FAULT, addr, p.raw)[0]

    def status(self, addr):
        """Checked status byte, or None."""
        res, _, d = self.request(OP_TRANSFER, addr, b"", 2)
        return d[0] if res == 0 and read_ok(d) else None

    def result(self, addr):
        """(status, job id, found, nonce, elapsed us) of a DONE slave, or None."""
        res, _, d = self.request(OP_TRANSFER, addr, b"", RESULT_READ)
        r = decode_result(d) if res == 0 else None
        if r is None:
            return None
        return d[0], r["job_id"], r["found"], r["nonce"], r["elapsed_us"]

    def identity_frame(self, addr, combined=False):
        """The whole identity read frame (checked), or None. combined: IDENTIFY
        and the read in one transaction (repeated START) instead of two."""
        if combined:
            res, _, d = self.request(OP_TRANSFER, addr, simple_frame(CMD_IDENTIFY), IDENTITY_READ)
        else:
            if self.request(OP_TRANSFER, addr, simple_frame(CMD_IDENTIFY))[0] != 0:
                return None
            res, _, d = self.request(OP_TRANSFER, addr, b"", IDENTITY_READ)
        return d if res == 0 and decode_identity(d) is not None else None

    def identify(self, addr, combined=False):
        """The slave's identity as a dict (decode_identity), or None."""
        d = self.identity_frame(addr, combined)
        return decode_identity(d) if d is not None else None

    def wait_done(self, addr, timeout_s):
        def done_status():
            st = self.status(addr)
            return st is not None and st & 7 == 2
        return self.result(addr) if wait_until(done_status, timeout_s, 0.01) else None

    def close(self):
        self.s.close()
