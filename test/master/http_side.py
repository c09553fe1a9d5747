#!/usr/bin/env python3
"""http_side.py - ducomaster's HTTP side (lib/http on libmicrohttpd) on a
simulated rig: it serves from the daemon's one event loop on a port the
test lets the kernel pick; GET and HEAD only, every other method 405;
unknown paths 404; a huge URL, huge headers and a request body get a 4xx
and nothing else; with http_token set every request needs the bearer token
(401 otherwise; also as ?access_token=); the mining key never appears in any answer; `--http ""`
turns it off and an address that is not numeric ADDR:PORT is a config
error (exit 2). Prints TAP.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rigkit import KEY, Rig, tap  # noqa: E402

TOKEN = "t0ken-For-Tests_42"


def status_of(raw):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(m.group(1)) if m else None


def main():
    rig = Rig(count=2)
    bodies = []
    try:
        tap.ok(rig.start_pool_sim(), "ducopool and ducosim (2 firmware boards) started")
        tap.ok(rig.start_master(), "ducomaster serves HTTP on a kernel-chosen port",
               open(rig.log).read()[-2000:] if os.path.exists(rig.log) else "no log")
        if not rig.http:
            return
        tap.ok(rig.http.startswith("127.0.0.1:") and not rig.http.endswith(":0"),
               "bound to loopback on a real port (%s)" % rig.http)
        # A share first, so the answers carry real figures.
        tap.wait_until(lambda: len(rig.rows()) >= 2, 60, 0.1)
        st, hd, body = rig.get("/api/status")
        bodies.append(body)
        doc = json.loads(body) if st == 200 else {}
        tap.ok(st == 200 and hd.get("content-type") == "application/json" and
               len(doc.get("boards", [])) == 2, "GET /api/status: 200, JSON, both boards",
               body[:500])
        st, hd, body = rig.get("/api/status", method="HEAD")
        tap.ok(st == 200 and body == b"", "HEAD /api/status: 200 without a body")
        for m in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"):
            st, hd, body = rig.get("/api/status", method=m) if m != "CONNECT" else (
                status_of(rig.raw(b"CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\n\r\n")), {}, b"")
            bodies.append(body)
            tap.ok(st == 405 and b"{" not in body, "%s: 405 and no data" % m, (st, body[:200]))
        st, hd, body = rig.get("/nope")
        tap.ok(st == 404 and b"{" not in body, "unknown path: 404", (st, body))
        st, hd, body = rig.get("/api/status/../../etc/passwd")
        tap.ok(400 <= st < 500 and b"root" not in body, "path tricks: 4xx (%d)" % st)
        raw = rig.raw(b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        tap.ok(status_of(raw) is not None and 400 <= status_of(raw) < 500 and b"{" not in raw,
               "100 kB URL: 4xx (%s)" % status_of(raw), raw[:300])
        raw = rig.raw(b"GET /" + b"a" * 300 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        tap.ok(status_of(raw) == 414, "a path over 256 bytes: 414 (%s)" % status_of(raw))
        raw = rig.raw(b"GET /api/status HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 100000 +
                      b"\r\n\r\n")
        tap.ok(status_of(raw) is not None and 400 <= status_of(raw) < 500 and b"{" not in raw,
               "100 kB header: 4xx (%s)" % status_of(raw), raw[:300])
        raw = rig.raw(b"GET /api/status HTTP/1.1\r\nHost: x\r\n" +
                      b"".join(b"X-H%d: v\r\n" % i for i in range(3000)) + b"\r\n")
        tap.ok(status_of(raw) is not None and 400 <= status_of(raw) < 500,
               "3000 headers: 4xx (%s)" % status_of(raw))
        raw = rig.raw(b"GET /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        tap.ok(status_of(raw) is not None and 400 <= status_of(raw) < 500 and b"{" not in raw,
               "GET with a body: 4xx (%s)" % status_of(raw), raw[:300])
        raw = rig.raw(b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
        tap.ok(status_of(raw) is None or 400 <= status_of(raw) < 500,
               "not HTTP at all: 4xx or closed (%s)" % status_of(raw))
        st, hd, body = rig.get("/api/status")
        tap.ok(st == 200 and rig.master.poll() is None, "still serving after the bad input")
        bodies.append(body)
        rc = rig.stop_master()
        tap.ok(rc == 0, "SIGTERM: exit 0 with the HTTP side open (%s)" % rc)

        # With a token.
        tap.ok(rig.start_master(extra=["--http-token", TOKEN], name="mt"),
               "ducomaster with http_token started")
        st, hd, body = rig.get("/api/status")
        bodies.append(body)
        tap.ok(st == 401 and "bearer" in hd.get("www-authenticate", "").lower() and
               b"{" not in body, "no token: 401 with WWW-Authenticate: Bearer", (st, hd, body))
        st, hd, body = rig.get("/api/status", headers={"Authorization": "Bearer " + TOKEN + "x"})
        tap.ok(st == 401, "wrong token: 401")
        st, hd, body = rig.get("/api/status", headers={"Authorization": "Basic " + TOKEN})
        tap.ok(st == 401, "token in another scheme: 401")
        st, hd, body = rig.get("/api/status", headers={"Authorization": "Bearer " + TOKEN})
        bodies.append(body)
        tap.ok(st == 200 and b'"boards"' in body, "right token: 200")
        st, hd, body = rig.get("/?access_token=" + TOKEN)
        bodies.append(body)
        tap.ok(st == 200 and b"<html" in body, "token as ?access_token= (a dashboard link): 200")
        st, hd, body = rig.get("/?access_token=" + TOKEN[:-1])
        tap.ok(st == 401, "a wrong ?access_token=: 401")
        log = open(rig.log).read()
        tap.ok(TOKEN not in log and KEY not in log, "neither token nor key in the log")
        rig.stop_master()

        # Off, and refused addresses.
        rig.start_master(http="", name="moff")
        tap.wait_until(lambda: "rig:" in open(rig.log).read(), 30, 0.05)
        log = open(rig.log).read()
        tap.ok("serving on" not in log and rig.master.poll() is None,
               "--http \"\": no HTTP side, mining goes on")
        rig.stop_master()
        import subprocess
        for bad in ("localhost:9550", "127.0.0.1", "127.0.0.1:70000", "1.2.3.4.5:1"):
            p = subprocess.run(rig.master_argv(["--http", bad, "--duration", "1"]),
                               capture_output=True, text=True, timeout=30)
            tap.ok(p.returncode == 2 and "http" in p.stderr, "--http %s: exit 2 naming http" % bad,
                   p.stderr)
        p = subprocess.run(rig.master_argv(["--set", "http_token=a b", "--duration", "1"]),
                           capture_output=True, text=True, timeout=30)
        tap.ok(p.returncode == 2 and "http_token" in p.stderr, "a token with a space: exit 2")
        p = subprocess.run(rig.master_argv(["--http-token", TOKEN, "--check-config"]),
                           capture_output=True, text=True, timeout=30)
        tap.ok(p.returncode == 0 and TOKEN not in p.stdout + p.stderr,
               "--check-config masks the token")
        tap.ok(all(KEY.encode() not in b for b in bodies) and len(bodies) > 5,
               "the mining key is in no answer (%d answers)" % len(bodies))
    finally:
        rig.stop()


if __name__ == "__main__":
    main()
    sys.exit(tap.done())
