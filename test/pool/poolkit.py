"""poolkit.py - shared helpers of ducopool's conformance tests.

Starts build/host/ducopool on 127.0.0.1 port 0, finds its ports from the
`listening on` / `http on` lines, talks the lock-step mining protocol over
loopback and solves DUCO-S1 jobs with hashlib; TAP output and waits come
from test/lib/ducotest.py (re-exported here as `tap`). Every pool a test
starts is stopped by pid (SIGTERM, then SIGKILL if it hangs); its final stats
JSON line is returned by stop(). Assumes python3 >= 3.8 and nothing else.
"""
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ducotest as tap  # noqa: E402,F401

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
POOL = os.environ.get("DUCOPOOL") or os.path.join(
    ROOT, os.environ.get("BUILD", "build"), "host", "ducopool")
JOB_RE = re.compile(r"^([0-9a-f]{40}),([0-9a-f]{40}),([0-9]+)\n$")


class Pool:
    """One ducopool process; use as a context manager so it always stops."""

    def __init__(self, *args, http=False, stderr=None):
        """stderr: an open file for the pool's log lines (default: dropped)."""
        argv = [POOL, "--listen", "127.0.0.1:0"]
        if http:
            argv += ["--http", "127.0.0.1:0"]
        argv += [str(a) for a in args]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=stderr or subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"^listening on (127\.0\.0\.1):(\d+)$", line.strip())
        if not m:
            self.stop()
            raise RuntimeError("no 'listening on' line: %r" % line)
        self.host, self.port = m.group(1), int(m.group(2))
        self.http_port = None
        if http:
            line = self.proc.stdout.readline()
            m = re.match(r"^http on 127\.0\.0\.1:(\d+)$", line.strip())
            if not m:
                self.stop()
                raise RuntimeError("no 'http on' line: %r" % line)
            self.http_port = int(m.group(1))
        self.final = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def usr1(self):
        """SIGUSR1: the pool prints one stats JSON line on stdout."""
        self.proc.send_signal(signal.SIGUSR1)
        return json.loads(self.proc.stdout.readline())

    def stop(self):
        """SIGTERM; returns the exit status and keeps the final stats."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, _ = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        lines = [l for l in (out or "").splitlines() if l.startswith("{")]
        if lines and self.final is None:
            self.final = json.loads(lines[-1])
        return self.proc.returncode

    def http(self, path):
        """GET path on the REST side: (status, parsed JSON)."""
        url = "http://127.0.0.1:%d%s" % (self.http_port, path)
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status, json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read().decode())

    def connect(self, timeout=5.0):
        return Client(self.port, timeout)


class Client:
    """A lock-step mining client: one send per message, waits for replies."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self):
        self.sock.close()

    def send(self, text):
        self.sock.sendall(text.encode() if isinstance(text, str) else text)

    def line(self, timeout=None):
        """Read up to and including '\\n'; '' when the pool closed first."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = self.sock.recv(1024)
            if not chunk:
                break
            buf += chunk
        return buf.decode(errors="replace")

    def closed(self, timeout=5.0):
        """True when the pool closes the connection within timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(1024):
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def banner(self):
        return self.line()

    def job(self, user="alice", tier="AVR", key="None", end=""):
        self.send("JOB,%s,%s,%s%s" % (user, tier, key, end))
        return self.line()

    def result(self, nonce, hashrate=300.0, software="ducorig-test AVR I2C",
               rig="rig1", ducoid="DUCOID0011223344556677", end="", extra=()):
        fields = [str(nonce), str(hashrate), software, rig, ducoid] + list(extra)
        self.send(",".join(fields) + end)
        return self.line()

    def share(self, user="alice", tier="AVR", key="None", **kw):
        """JOB, solve, submit: (job tuple, verdict line)."""
        job = parse_job(self.job(user, tier, key))
        return job, self.result(solve(*job), **kw)


def parse_job(line):
    m = JOB_RE.match(line)
    if not m:
        raise ValueError("not a job line: %r" % line)
    return m.group(1), m.group(2), int(m.group(3))


def solve(last, expected, diff):
    for nonce in range(0, 100 * diff + 1):
        if hashlib.sha1((last + str(nonce)).encode()).hexdigest() == expected:
            return nonce
    return -1


def reasons(stats, user="alice"):
    for u in stats["users"]:
        if u["username"] == user:
            return u["rejected_by_reason"]
    return {}


def user_row(stats, user):
    for u in stats["users"]:
        if u["username"] == user:
            return u
    return None
