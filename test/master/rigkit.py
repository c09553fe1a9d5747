"""rigkit.py - a simulated rig for the HTTP-side tests: ducopool and ducosim
(the real firmware in simavr) on loopback and temp paths, and ducomaster
against them with its HTTP side on a port the kernel picks (--http
127.0.0.1:0, read back from the log line "http: serving on ADDR:PORT").
Every child is started and stopped by this test, by pid; every wait is on
an event (a line, a file's rows, an answer) with a deadline.
"""
import http.client
import json
import os
import pty
import re
import socket
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ducotest as tap  # noqa: E402

BUILD = os.environ.get("BUILD", "build")
HOST = os.path.join(BUILD, "host")
FW = os.path.join(BUILD, "avr-nano", "firmware.elf")
KEY = "Sekr1tKeyQ7x"


class Rig:
    """ducopool + ducosim (count firmware boards from 0x08) + ducomaster."""

    def __init__(self, count=3, sim_args=(), master_args=(), tmp=None, pool_args=(), fast=True):
        self.tmp = tmp or tempfile.mkdtemp(prefix="ducorig-http.")
        self.fast = fast
        self.count = count
        self.sim_args = list(sim_args)
        self.pool_args = list(pool_args)
        self.master_args = list(master_args)
        self.procs = []
        self.http = None
        self.joblog = os.path.join(self.tmp, "job.log")
        self.log = os.path.join(self.tmp, "m.log")

    def _spawn(self, argv, out):
        f = open(os.path.join(self.tmp, out), "w")
        p = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT)
        f.close()
        self.procs.append(p)
        return p

    def _line(self, name, pattern, proc, timeout_s=30):
        path = os.path.join(self.tmp, name)

        def seen():
            try:
                m = re.search(pattern, open(path, errors="replace").read(), re.M)
            except OSError:
                return None
            return m or (proc.poll() is not None and "exited")
        m = tap.wait_until(seen, timeout_s, 0.05)
        return m if m and m != "exited" else None

    def start_pool_sim(self, pool_http=False):
        """With pool_http, ducopool's REST side too (self.pool_api)."""
        self.pool = self._spawn([os.path.join(HOST, "ducopool"), "--listen", "127.0.0.1:0",
                                 "--block-chance", "0", "--seed", "7"] + self.pool_args +
                                (["--http", "127.0.0.1:0"] if pool_http else []), "pool.out")
        m = self._line("pool.out", r"^listening on (\S+)", self.pool)
        self.pool_addr = m.group(1) if m else None
        self.pool_api = None
        if pool_http:
            m = self._line("pool.out", r"^http on (\S+)", self.pool)
            self.pool_api = "http://" + m.group(1) if m else None
        self.sock = os.path.join(self.tmp, "sim.sock")
        argv = [os.path.join(HOST, "ducosim"), "--socket", self.sock] + \
            (["--fast"] if self.fast else []) + ["--first-addr", "0x08"]
        if "--board" not in self.sim_args:
            argv += ["--firmware", FW, "--count", str(self.count)]
        self.sim = self._spawn(argv + self.sim_args, "sim.out")
        return self.pool_addr and self._line("sim.out", r"^ready", self.sim)

    def master_argv(self, extra=()):
        """Without --http in extra, the HTTP side is off: the default port
        (9550) may be a user's ducomaster or another test's."""
        addrs = ",".join("0x%02x" % (0x08 + i) for i in range(self.count))
        return [os.path.join(HOST, "ducomaster"), "--pool", self.pool_addr,
                "--bus", "sim:" + self.sock, "--slaves", addrs, "--user", "httptest",
                "--key", KEY, "--no-table", "--log-level", "debug"] + \
            ([] if "--http" in extra else ["--http", ""]) + list(extra)

    def start_master(self, http="127.0.0.1:0", extra=(), name="m", tty=False):
        """With tty, stdout is a pseudo-terminal (the live table is drawn)
        and everything written to it collects in self.tty_out."""
        self.log = os.path.join(self.tmp, name + ".log")
        argv = self.master_argv(["--joblog", self.joblog, "--log", self.log] +
                                (["--http", http] if http is not None else []) +
                                self.master_args + list(extra))
        if tty:
            argv.remove("--no-table")
            mfd, sfd = pty.openpty()
            self.master = subprocess.Popen(argv, stdout=sfd, stderr=subprocess.DEVNULL)
            os.close(sfd)
            self.procs.append(self.master)
            self.tty_out = b""
            self.tty_lock = threading.Lock()

            def reader():
                while True:
                    try:
                        chunk = os.read(mfd, 65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    with self.tty_lock:
                        self.tty_out += chunk
                os.close(mfd)
            threading.Thread(target=reader, daemon=True).start()
        else:
            self.master = self._spawn(argv, name + ".out")
        m = self._line(name + ".log", r"http: serving on (\S+)", self.master)
        self.http = m.group(1) if m else None
        return self.http

    def tty(self):
        with self.tty_lock:
            return self.tty_out

    def frame(self):
        """The last complete live-table frame on the terminal (text)."""
        frames = self.tty().split(b"\033[H\033[2J")
        # the terminal turns every newline into CR LF
        return frames[-2].decode(errors="replace").replace("\r\n", "\n") if len(frames) > 2 else ""

    def rows(self):
        try:
            recs = [json.loads(line) for line in open(self.joblog) if line.strip()]
        except OSError:
            return []
        # job records only: periodic records carry a "type" (lib/joblog)
        return [r for r in recs if "type" not in r]

    def get(self, path, method="GET", headers=None, timeout=10):
        """(status, headers dict, body bytes) from the master's HTTP side."""
        host, port = self.http.rsplit(":", 1)
        c = http.client.HTTPConnection(host, int(port), timeout=timeout)
        try:
            c.request(method, path, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def raw(self, data, timeout=10):
        """Send raw bytes; the whole answer (until the server closes)."""
        host, port = self.http.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=timeout)
        out = b""
        try:
            try:
                s.sendall(data)
            except OSError:
                pass            # the server may answer and close before it all went
            while True:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not chunk:
                    break
                out += chunk
        finally:
            s.close()
        return out

    def stop_master(self):
        return tap.stop_process(self.master)

    def stop(self):
        rcs = [tap.stop_process(p) for p in reversed(self.procs)]
        self.procs = []
        return rcs
