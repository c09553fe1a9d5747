#!/usr/bin/env python3
"""http_stats.py - ducopool's REST side, accounting, stats dumps and CLI.

Mines real shares over loopback (solved with hashlib), then checks every REST
endpoint's JSON envelope and fields against the live counts, the Kolka reward
arithmetic, mining-key answers, the /miners row expiry, the stats JSON on
SIGUSR1, in the --stats file and at exit (SIGTERM, SIGINT, --duration), and
the command-line contract (--help, bad options). Prints TAP.
"""
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from poolkit import POOL, Pool, tap, parse_job, solve, user_row  # noqa: E402

MINER_FIELDS = ("threadid", "username", "hashrate", "sharetime", "accepted", "rejected",
                "diff", "software", "identifier", "algorithm", "pool", "wd", "ki")
BALANCE_FIELDS = ("username", "balance", "verified", "created", "stake_date",
                  "stake_amount", "last_login")


def worker(stats, wid):
    return [w for w in stats["workers"] if w["id"] == wid][0]


def close_to(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def test_rest_and_rewards():
    div = 100.0
    with Pool("--key", "alice:secret", "--key", "bob:pw", "--reward-div", div,
              "--block-chance", 0, "--name", "testpool", "--seed", 11, http=True) as p:
        st, body = p.http("/getPool")
        tap.ok(st == 200 and body.get("success") is True and body.get("name") == "testpool"
               and body.get("ip") == "127.0.0.1" and body.get("port") == p.port and
               isinstance(body.get("server"), str) and isinstance(body.get("client"), str),
               "/getPool points at this pool's TCP port", body)

        a1 = p.connect()
        a1.banner()
        for _ in range(10):
            a1.share(key="secret", software="ducorig-test AVR I2C", rig="rigA")
        s = p.usr1()
        w1 = worker(s, 1)
        tap.ok(w1["accepted"] == 10 and w1["reward"] == 0 and w1["unpaid"] == 10,
               "no reward for a connection's first 10 shares", w1)
        a1.share(key="secret", software="ducorig-test AVR I2C", rig="rigA")
        s = p.usr1()
        w1 = worker(s, 1)
        want = 2 * math.log(w1["hashrate"]) / div
        tap.ok(w1["ki"] == 1 and close_to(w1["reward"], want),
               "11th share pays 2*ln(H/s)/div (ki 1): %.6f" % want, w1)
        tap.ok(w1["hashrate"] > 0 and w1["share_time_s"] > 0 and
               w1["reported_hashrate"] == 300, "server hashrate and share time recorded", w1)

        a2 = p.connect()
        a2.banner()
        for _ in range(11):
            a2.share(key="secret", rig="rigB", ducoid="DUCOID8899AABBCCDDEEFF")
        s = p.usr1()
        w2 = worker(s, 2)
        want = 2 * math.log(w2["hashrate"]) / div * 0.96
        tap.ok(w2["ki"] == 2 and close_to(w2["reward"], want),
               "second worker of the user has ki 2 and earns *0.96", w2)
        alice = user_row(s, "alice")
        tap.ok(close_to(alice["balance"], w1["reward"] + w2["reward"]),
               "user balance is the sum of its workers' rewards", alice)

        b = p.connect()
        b.banner()
        for _ in range(12):
            b.share(user="bob", key="wrong")
        s = p.usr1()
        bob = user_row(s, "bob")
        tap.ok(bob["accepted"] == 12 and bob["balance"] == 0 and bob["rejected"] == 0 and
               worker(s, 3)["key_ok"] is False,
               "a wrong mining key is accepted but silently unpaid", bob)

        st, body = p.http("/balances/alice")
        res = body.get("result", {})
        tap.ok(st == 200 and body.get("success") is True and body.get("server") == "testpool"
               and all(k in res for k in BALANCE_FIELDS) and res["username"] == "alice" and
               close_to(res["balance"], alice["balance"]),
               "/balances/<user>: envelope, fields, live balance", body)
        st, body = p.http("/miners/alice")
        rows = body.get("result", [])
        tap.ok(st == 200 and body.get("success") is True and len(rows) == 2 and
               all(all(k in r for k in MINER_FIELDS) for r in rows),
               "/miners/<user>: one row per worker with the API's fields", body)
        by_rig = {r["identifier"]: r for r in rows}
        ra = by_rig.get("rigA", {})
        tap.ok(ra.get("accepted") == 11 and ra.get("rejected") == 0 and ra.get("ki") == 1 and
               ra.get("diff") == 10 and ra.get("algorithm") == "DUCO-S1" and
               ra.get("pool") == "testpool" and ra.get("software") == "ducorig-test AVR I2C"
               and ra.get("username") == "alice" and
               close_to(ra.get("hashrate", -1), w1["hashrate"]),
               "/miners row matches the worker's live accounting", ra)
        tap.ok(by_rig.get("rigB", {}).get("ki") == 2, "/miners shows each ki", rows)
        st, body = p.http("/users/alice")
        res = body.get("result", {})
        tap.ok(st == 200 and body.get("success") is True and
               all(k in res for k in ("balance", "miners", "transactions")) and
               res["balance"].get("username") == "alice" and len(res["miners"]) == 2 and
               res["transactions"] == [],
               "/users/<user>: balance, miners and transactions", body)

        for q, want, desc in (
                ("u=alice&k=secret", {"success": True, "has_key": True}, "right key"),
                ("u=alice&k=nope", {"success": False, "has_key": True}, "wrong key"),
                ("u=carol&k=x", {"success": True, "has_key": False}, "no key set")):
            st, body = p.http("/mining_key?" + q)
            tap.ok(st == 200 and body == want, "/mining_key, %s: %s" % (desc, want), body)

        st, body = p.http("/balances/nobody")
        tap.ok(body.get("success") is False and isinstance(body.get("message"), str),
               "unknown user: {message, success: false}", body)
        st, body = p.http("/nonsense")
        tap.ok(st == 404 and body.get("success") is False, "unknown endpoint: 404 JSON",
               (st, body))
        for c in (a1, a2, b):
            c.close()
        rc = p.stop()
        tap.ok(rc == 0 and p.final is not None and
               user_row(p.final, "alice")["accepted"] == 22 and
               p.final["pool"]["accepted"] == 34,
               "SIGTERM: exit 0 with the final stats on stdout", (rc, p.final and p.final["pool"]))


def test_miner_ttl():
    with Pool("--miner-ttl", 0.8, http=True) as p:
        c = p.connect()
        c.banner()
        t0 = time.monotonic()           # the share's time is later than this
        c.share()
        c.close()
        _, before = p.http("/miners/alice")
        after = tap.wait_until(lambda: p.http("/miners/alice")[1].get("result") == [], 10)
        dt = time.monotonic() - t0
        tap.ok(len(before.get("result", [])) == 1 and after and dt >= 0.8,
               "a closed worker's row leaves /miners after --miner-ttl (%.2f s after its share)"
               % dt, (before, after, dt))


def test_non_ascii():
    with Pool("--block-chance", 0, http=True) as p:
        c = p.connect()
        c.banner()
        last, exp, diff = parse_job(c.job())
        c.send(b"%d,300,caf\xc3\xa9 \xff\x00miner,rig\x01,DUCOID0011223344556677"
               % solve(last, exp, diff))
        verdict = c.line()
        c.close()
        st, body = p.http("/miners/alice")
        rows = body.get("result", [])
        tap.ok(verdict == "GOOD\n" and len(rows) == 1 and
               rows[0]["software"] == "caf?? ??miner" and rows[0]["identifier"] == "rig?",
               "non-ASCII bytes from a client become '?' in the JSON", (verdict, rows))


def test_stats_file_and_exit():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "stats.json")
        with Pool("--stats", path, "--stats-interval", 0.2) as p:
            c = p.connect()
            c.banner()
            c.share()

            def read_stats():
                try:
                    with open(path) as f:
                        return json.load(f)
                except (OSError, ValueError) as e:
                    return {"error": repr(e)}
            tap.wait_until(lambda: read_stats().get("pool", {}).get("accepted") == 1, 10)
            periodic = read_stats()
            tap.ok(periodic.get("pool", {}).get("accepted") == 1,
                   "--stats file rewritten periodically with live counts", periodic)
            c.close()
            p.proc.send_signal(signal.SIGINT)
            rc = p.stop()
            with open(path) as f:
                last = json.load(f)
            tap.ok(rc == 0 and p.final is not None and last["pool"]["accepted"] == 1 and
                   p.final["pool"]["connections"] == 1 and
                   not os.path.exists(path + ".tmp"),
                   "SIGINT: exit 0, final stats on stdout and in the file", (rc, last["pool"]))
    t0 = time.monotonic()
    r = subprocess.run([POOL, "--listen", "127.0.0.1:0", "--duration", "0.5"],
                       capture_output=True, text=True, timeout=20)
    dt = time.monotonic() - t0
    lines = r.stdout.splitlines()
    tap.ok(r.returncode == 0 and lines[0].startswith("listening on 127.0.0.1:") and
           lines[-1].startswith("{") and 0.4 <= dt <= 10,
           "--duration 0.5 exits by itself with the stats (%.2f s)" % dt, r.stdout)


def test_verbose_log():
    """--verbose logs through the host library's logger: ISO 8601 UTC stamps,
    the program name, and JOB lines with the mining key masked."""
    with tempfile.TemporaryFile("w+") as log:
        with Pool("--verbose", "--key", "alice:s3cretkey", stderr=log) as p:
            c = p.connect()
            c.banner()
            c.share(key="s3cretkey")
            c.send("JOB,alice,AVR,s3cretkey\nJOB,alice,AVR,s3cretkey,x")
            c.line()
            c.close()
            p.stop()
        log.seek(0)
        text = log.read()
    lines = text.splitlines()
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info  ducopool: ")
    tap.ok(lines and all(stamp.match(l) for l in lines),
           "log lines: ISO 8601 UTC time with ms, level, program name", lines[:3])
    tap.ok("JOB,alice,AVR,***" in text and "s3cretkey" not in text,
           "the mining key of every JOB line is masked in the log", lines[:6])


def test_cli():
    r = subprocess.run([POOL, "--help"], capture_output=True, text=True, timeout=10)
    opts = ("--listen", "--http", "--help", "--stats", "--job-delay", "--verdict-delay",
            "--tiers", "--seed", "--duration", "--first-timeout", "--share-timeout",
            "--max-workers-user", "--max-workers-ip", "--max-shares-per-min",
            "--block-chance", "--drop-chance", "--garbage-chance", "--banner",
            "--banner-no-newline", "--motd", "--key", "--ban-user", "--reward-div")
    missing = [o for o in opts if o not in r.stdout]
    tap.ok(r.returncode == 0 and not missing, "--help documents every option", missing)
    for args, desc in ((["--bogus"], "unknown option"),
                       (["--job-delay", "abc"], "bad delay"),
                       (["--max-workers-user", "0"], "value out of bounds"),
                       (["--listen", "example.org:1"], "non-numeric address")):
        r = subprocess.run([POOL] + args, capture_output=True, text=True, timeout=10)
        tap.ok(r.returncode in (1, 2) and r.stderr.strip() != "" and r.stdout == "",
               "%s is refused with a message" % desc, (r.returncode, r.stderr))


for t in (test_rest_and_rewards, test_miner_ttl, test_non_ascii, test_stats_file_and_exit,
          test_verbose_log, test_cli):
    try:
        t()
    except Exception as e:
        tap.ok(False, "%s ran without an exception" % t.__name__, repr(e))
sys.exit(tap.done())
