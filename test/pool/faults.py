#!/usr/bin/env python3
"""faults.py - ducopool under resource faults and clients that misbehave.

- Out of file descriptors: with RLIMIT_NOFILE 64 and 80 clients connecting,
  accept fails with EMFILE; the pool must not spin on its listening socket
  (CPU over 2 s well under a core) and must take new clients again once
  some of the old ones leave.
Prints TAP. Binds 127.0.0.1 only; every pool is stopped by pid.
"""
import os
import resource
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from poolkit import POOL, tap  # noqa: E402


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_emfile():
    def low_fd_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    proc = subprocess.Popen([POOL, "--listen", "127.0.0.1:0", "--first-timeout", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=low_fd_limit)
    clients = []
    try:
        line = proc.stdout.readline()
        port = int(line.strip().rsplit(":", 1)[1])
        for _ in range(80):
            s = socket.socket()
            s.settimeout(5)
            s.connect(("127.0.0.1", port))   # the kernel's backlog takes it
            clients.append(s)
        # wait until the pool has taken all it can (its fds are full)
        tap.wait_until(lambda: len(os.listdir("/proc/%d/fd" % proc.pid)) >= 64, 5)
        c0 = cpu_seconds(proc.pid)
        time.sleep(2.0)   # a measurement window, not a wait for an event
        used = cpu_seconds(proc.pid) - c0
        tap.ok(used < 0.5, "out of fds: the pool does not spin (%.2f s CPU in 2 s)" % used)
        tap.ok(proc.poll() is None, "out of fds: the pool is still running")
        for s in clients[:40]:
            s.close()
        del clients[:40]
        s = socket.socket()
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        clients.append(s)
        try:
            banner = s.recv(64).decode()
        except socket.timeout:
            banner = ""
        tap.ok(banner.strip() != "", "fds free again: a new client gets the banner (%r)" % banner)
    finally:
        for s in clients:
            s.close()
        proc.terminate()
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def main():
    test_emfile()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
