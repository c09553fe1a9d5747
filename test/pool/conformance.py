#!/usr/bin/env python3
"""conformance.py - drive ducopool over loopback like a miner would.

Covers the banner, MOTD, every BAD reason string of the pool (JOB refusals,
result verdicts, limits), tier moves, the hash chain, DUCOID rules, framing
(missing newline, pipelined messages), shortened idle timeouts and fault
injection. The default rules are the official pool's (docs/ducopool.md cites
duino-coin-pools' lines for each; test_official_* check them one by one);
the checks of the stricter older rules run with --strict. Prints TAP; each
check compares the pool's answers with what the protocol requires, computed
here independently with hashlib.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from poolkit import POOL, Pool, tap, parse_job, solve, reasons, user_row, JOB_RE  # noqa: E402



def test_banner_and_motd():
    with Pool("--seed", 1) as p:
        c = p.connect()
        tap.ok(c.banner() == "4.3\n", "banner is '4.3\\n' by default")
        c.send("MOTD")
        motd = c.line()
        tap.ok(len(motd) > 1 and not motd.startswith("BAD"), "MOTD answered with text",
               repr(motd))
        job = c.job()
        tap.ok(JOB_RE.match(job) is not None, "JOB after MOTD gets a job line", repr(job))
        c.close()
    with Pool("--banner", "2.7", "--banner-no-newline") as p:
        # Everything up to the first newline after a JOB request: the banner
        # exactly as sent, then the job line.
        c = p.connect()
        got = c.job()
        tap.ok(got.startswith("2.7") and JOB_RE.match(got[3:]) is not None,
               "--banner-no-newline sends the bare version", repr(got))
        c.close()


def test_job_format_and_chain():
    with Pool("--seed", 7, "--block-chance", 0) as p:
        c = p.connect()
        c.banner()
        line = c.job(end="\n")
        ok = JOB_RE.match(line) is not None
        tap.ok(ok, "job line is <40 hex>,<40 hex>,<diff>\\n", repr(line))
        if not ok:
            return
        last, exp, diff = parse_job(line)
        tap.ok(diff == 10, "AVR difficulty defaults to 10", diff)
        nonce = solve(last, exp, diff)
        tap.ok(1 <= nonce <= 100 * diff, "job's nonce lies in 1..=100*diff", nonce)
        verdict = c.result(nonce, end="\n")
        tap.ok(verdict == "GOOD\n", "correct nonce -> GOOD", repr(verdict))
        last2, exp2, diff2 = parse_job(c.job())
        tap.ok(last2 == last, "after the 1st accepted share the chain stays",
               "%s vs %s" % (last2, last))
        # Many jobs: nonces spread over the range, never outside it.
        nonces = [nonce]
        verdict = c.result(solve(last2, exp2, diff2))
        last3, exp3, diff3 = parse_job(c.job())
        tap.ok(verdict == "GOOD\n" and last3 == exp2,
               "after the 2nd it moves to that share's expected hash", (last3, exp2))
        # A rejected share while the count is even moves it too (the
        # official pool's every-2nd-share block runs after any verdict).
        verdict = c.result((solve(last3, exp3, diff3) + 1) % 1001)
        last4, exp4, diff4 = parse_job(c.job())
        tap.ok(verdict == "BAD,Incorrect result\n" and last4 == exp3,
               "a rejection at an even count moves it to the rejected job's hash",
               (verdict, last4, exp3))
        verdict = c.result(solve(last4, exp4, diff4))
        job5 = parse_job(c.job())
        tap.ok(verdict == "GOOD\n" and job5[0] == last4, "the 3rd accepted share leaves it",
               (verdict, job5[0], last4))
        c.result(solve(*job5))
        for _ in range(30):
            job, verdict = c.share()
            nonces.append(solve(*job))
        tap.ok(all(1 <= n <= 1000 for n in nonces) and len(set(nonces)) > 20,
               "31 nonces all in 1..=1000 and spread out", nonces)
        c.close()
    with Pool("--seed", 7, "--block-chance", 0, "--strict") as p:
        c = p.connect()
        c.banner()
        last, exp, diff = parse_job(c.job())
        c.result(solve(last, exp, diff))
        last2 = parse_job(c.job())[0]
        tap.ok(last2 == exp, "--strict: the chain moves on every accepted share",
               "%s vs %s" % (last2, exp))
        c.close()
    # The same seed replays the same first job; another seed does not.
    firsts = []
    for seed in (5, 5, 6):
        with Pool("--seed", seed) as p:
            c = p.connect()
            c.banner()
            firsts.append(c.job())
            c.close()
    tap.ok(firsts[0] == firsts[1] and firsts[0] != firsts[2],
           "--seed makes jobs reproducible", firsts)


def test_good_and_block():
    with Pool("--block-chance", 1) as p:
        c = p.connect()
        c.banner()
        job, verdict = c.share()
        tap.ok(verdict == "BLOCK\n", "--block-chance 1: correct nonce -> BLOCK", repr(verdict))
        c.close()
        stats = p.usr1()
        u = user_row(stats, "alice")
        tap.ok(u is not None and u["blocks"] == 1 and u["accepted"] == 1,
               "BLOCK counted as accepted and as a block", u)


def test_job_refusals():
    with Pool("--ban-user", "mallory", "--strict") as p:
        cases = [
            ("JOB,alice,AVR,None,sensor,x,y", "BAD,Incorrect data\n",
             "7 fields -> BAD,Incorrect data"),
            ("JOB,,AVR,None", "BAD,No username specified\n",
             "empty user -> BAD,No username specified"),
            ("JOB", "BAD,No username specified\n",
             "bare JOB -> BAD,No username specified"),
            ("JOB,mallory,AVR,None", "BAD,User banned\n",
             "--ban-user -> BAD,User banned"),
            ("HELLO", "BAD,Incorrect data\n",
             "--strict: unknown request -> BAD,Incorrect data"),
        ]
        for msg, want, desc in cases:
            c = p.connect()
            c.banner()
            c.send(msg)
            got = c.line()
            tap.ok(got == want and c.closed(), desc + ", then close", repr(got))
            c.close()
        # 6 fields (sensor text plus one) are still accepted.
        c = p.connect()
        c.banner()
        got = c.job(key="None,temp 21.5C,x")
        tap.ok(JOB_RE.match(got) is not None, "JOB with 6 fields is accepted", repr(got))
        c.close()
        stats = p.usr1()
        by = stats["pool"]["rejected_by_reason"]
        tap.ok(by["Incorrect data"] == 2 and by["No username specified"] == 2 and
               by["User banned"] == 1, "refusals counted by reason", by)


def test_result_verdicts():
    with Pool("--block-chance", 0, "--strict") as p:
        c = p.connect()
        c.banner()
        last, exp, diff = parse_job(c.job())
        nonce = solve(last, exp, diff)
        got = c.result(nonce, hashrate=0)
        tap.ok(got == "BAD,Invalid data\n", "hashrate 0 -> BAD,Invalid data", repr(got))
        last, exp, diff = parse_job(c.job())
        got = c.result(solve(last, exp, diff), hashrate=-3.5)
        tap.ok(got == "BAD,Invalid data\n", "negative hashrate -> BAD,Invalid data", repr(got))
        last, exp, diff = parse_job(c.job())
        got = c.result(solve(last, exp, diff), hashrate="fast")
        tap.ok(got == "BAD,Invalid data\n", "--strict: non-numeric hashrate -> BAD,Invalid data",
               repr(got))
        last, exp, diff = parse_job(c.job())
        wrong = (solve(last, exp, diff) + 1) % 1001
        got = c.result(wrong)
        tap.ok(got == "BAD,Incorrect result\n", "wrong nonce -> BAD,Incorrect result",
               repr(got))
        last, exp, diff = parse_job(c.job())
        got = c.result("0" + str(solve(last, exp, diff)))
        tap.ok(got == "BAD,Incorrect result\n",
               "--strict: nonce with a leading zero -> Incorrect result",
               repr(got))
        # Tier moves: AVR max is 380 -> moved up to MEGA (diff 24).
        last, exp, diff = parse_job(c.job())
        got = c.result(solve(last, exp, diff), hashrate=380)
        tap.ok(got == "BAD,Too low starting difficulty\n",
               "hashrate at the AVR max -> BAD,Too low starting difficulty", repr(got))
        last, exp, diff = parse_job(c.job())
        tap.ok(diff == 24, "then moved up: next job has MEGA's diff 24", diff)
        # MEGA min is 250 -> moved back down to AVR.
        got = c.result(solve(last, exp, diff), hashrate=100)
        tap.ok(got == "BAD,Too high starting difficulty\n",
               "hashrate below the MEGA min -> BAD,Too high starting difficulty", repr(got))
        last, exp, diff = parse_job(c.job())
        tap.ok(diff == 10, "then moved down: next job has AVR's diff 10", diff)
        # Check order: a wrong nonce with a too-high hashrate is a tier move first.
        got = c.result((solve(last, exp, diff) + 1) % 1001, hashrate=5000)
        tap.ok(got == "BAD,Too low starting difficulty\n",
               "hashrate checks come before the nonce check", repr(got))
        c.close()
        stats = p.usr1()
        by = reasons(stats)
        tap.ok(by["Invalid data"] == 3 and by["Incorrect result"] == 2 and
               by["Too low starting difficulty"] == 2 and
               by["Too high starting difficulty"] == 1 and
               user_row(stats, "alice")["rejected"] == 8,
               "rejections counted by reason for the user", by)


def test_worker_limits():
    with Pool("--max-workers-user", 2, "--max-workers-ip", 3, "--strict") as p:
        a, b, c = p.connect(), p.connect(), p.connect()
        for x in (a, b, c):
            x.banner()
        ok = JOB_RE.match(a.job("alice")) and JOB_RE.match(b.job("alice"))
        got = c.job("alice")
        tap.ok(ok and got == "BAD,Too many workers\n" and c.closed(),
               "--strict: third worker of a user (limit 2) -> BAD,Too many workers, close",
               repr(got))
        c.close()
        d = p.connect()
        d.banner()
        tap.ok(JOB_RE.match(d.job("bob")) is not None, "another user still gets work")
        e = p.connect()
        e.banner()
        got = e.job("carol")
        tap.ok(got == "BAD,Too many workers\n", "fourth worker of one IP (limit 3) -> "
               "BAD,Too many workers", repr(got))
        e.close()
        a.close()
        # the pool's own count: alice is down to one worker (b)
        tap.wait_until(lambda: user_row(p.usr1(), "alice")["workers"] == 1, 10)
        f = p.connect()
        f.banner()
        tap.ok(JOB_RE.match(f.job("alice")) is not None,
               "a closed worker frees its slot")
        for x in (b, d, f):
            x.close()


def test_share_rate_limit():
    with Pool("--max-shares-per-min", 3, "--block-chance", 0) as p:
        c = p.connect()
        c.banner()
        verdicts = [c.share()[1] for _ in range(4)]
        tap.ok(verdicts[:3] == ["GOOD\n"] * 3 and verdicts[3] == "BAD,Too low difficulty\n",
               "4th share within a minute (limit 3) -> BAD,Too low difficulty", verdicts)
        c.close()


def test_ducoid_rule():
    with Pool("--block-chance", 0, "--strict") as p:
        c = p.connect()
        c.banner()
        early = c.share(ducoid="DUCOIDAAAAAAAAAAAAAAAA")[1]
        early2 = c.share(ducoid="DUCOIDBBBBBBBBBBBBBBBB")[1]
        for _ in range(9):
            c.share(ducoid="DUCOIDBBBBBBBBBBBBBBBB")
        late = c.share(ducoid="DUCOIDCCCCCCCCCCCCCCCC")[1]
        c.close()
        stats = p.usr1()
        w = stats["workers"][0]
        tap.ok(early == early2 == "GOOD\n" and late == "GOOD\n",
               "a DUCOID change is answered GOOD", (early, early2, late))
        tap.ok(w["rejected_by_reason"]["DUCOID changed"] == 1 and w["accepted"] == 11 and
               w["ducoid"] == "DUCOIDBBBBBBBBBBBBBBBB",
               "--strict: after 10 accepted shares a DUCOID change counts as rejected", w)


def test_framing():
    with Pool("--block-chance", 0, "--job-delay", 150) as p:
        c = p.connect()
        c.banner()
        tap.ok(JOB_RE.match(c.job(end="")) is not None, "JOB without newline accepted")
        c.close()
        c = p.connect()
        c.banner()
        tap.ok(JOB_RE.match(c.job(end="\r\n")) is not None, "JOB with CRLF accepted")
        c.close()
        # Two requests in one segment are one message with 7 fields.
        c = p.connect()
        c.banner()
        c.send("JOB,alice,AVR,None\nJOB,alice,AVR,None\n")
        got = c.line()
        tap.ok(got == "BAD,Incorrect data\n" and c.closed(),
               "two pipelined JOBs in one write -> BAD,Incorrect data, close", repr(got))
        c.close()
        c.close()
    with Pool("--block-chance", 0, "--job-delay", 150, "--strict") as p:
        # --strict: a result with the next JOB glued on is caught the same way.
        c = p.connect()
        c.banner()
        job = parse_job(c.job())
        c.send("%d,300,ducorig-test,rig1,DUCOID0011223344556677\nJOB,alice,AVR,None"
               % solve(*job))
        got = c.line()
        tap.ok(got == "BAD,Incorrect data\n" and c.closed(),
               "--strict: result + JOB in one write -> BAD,Incorrect data, close", repr(got))
        c.close()
    with Pool("--block-chance", 0, "--job-delay", 150) as p:
        # Sending ahead while the pool holds a job back: the early message
        # waits in the socket and is read as the result, never as a request.
        c = p.connect()
        c.banner()
        c.send("JOB,alice,AVR,None")
        # the second one goes once the pool has read the first (the worker
        # row then has its user), so the two are never one segment
        port = c.sock.getsockname()[1]
        tap.wait_until(lambda: any(w["port"] == port and w["username"] == "alice"
                                   for w in p.usr1()["workers"]), 10)
        c.send("JOB,alice,AVR,None")
        first = c.line()
        second = c.line()
        tap.ok(JOB_RE.match(first) is not None and second.startswith("BAD,"),
               "a request sent ahead is read as the result and rejected",
               repr((first, second)))
        c.close()


def test_timeouts():
    with Pool("--first-timeout", 0.3, "--share-timeout", 1.2) as p:
        c = p.connect()
        c.banner()
        t0 = time.monotonic()
        closed = c.closed(5)
        dt = time.monotonic() - t0
        tap.ok(closed and 0.2 <= dt <= 2.5, "idle before the first message: closed "
               "after --first-timeout 0.3 s (%.2f s)" % dt)
        c.close()
        c = p.connect()
        c.banner()
        c.job()
        t0 = time.monotonic()
        closed = c.closed(5)
        dt = time.monotonic() - t0
        tap.ok(closed and 1.0 <= dt <= 4.0, "no result: closed after --share-timeout "
               "1.2 s (%.2f s)" % dt)
        c.close()
        c = p.connect()
        c.banner()
        c.share()
        t0 = time.monotonic()
        closed = c.closed(5)
        dt = time.monotonic() - t0
        tap.ok(closed and 1.0 <= dt <= 4.0, "no next JOB: closed after --share-timeout "
               "(%.2f s)" % dt)
        c.close()
        # MOTD is not a job: the first-job timeout still applies after it.
        c = p.connect()
        c.banner()
        c.send("MOTD")
        c.line()
        t0 = time.monotonic()
        closed = c.closed(5)
        dt = time.monotonic() - t0
        tap.ok(closed and 0.2 <= dt < 1.0, "MOTD then idle: closed after --first-timeout "
               "(%.2f s)" % dt)
        c.close()
        stats = p.usr1()
        tap.ok(stats["pool"]["timeouts"] == 4, "four timeouts counted",
               stats["pool"]["timeouts"])


def test_latency():
    rounds = 5
    with Pool("--job-delay", "300:50", "--verdict-delay", "150:30", "--block-chance", 0,
              "--seed", 3) as p:
        c = p.connect()
        c.banner()
        jw, vw = [], []
        for _ in range(rounds):
            t0 = time.monotonic()
            job = parse_job(c.job())
            jw.append(time.monotonic() - t0)
            nonce = solve(*job)
            t0 = time.monotonic()
            v = c.result(nonce)
            vw.append(time.monotonic() - t0)
        c.close()
        tap.diag("job waits %s" % ["%.3f" % x for x in jw])
        tap.diag("verdict waits %s" % ["%.3f" % x for x in vw])
        # Each wait is at least mean - jitter; the mean is near the setting.
        # The upper bounds are loose: a loaded CI box may be slow, never early.
        tap.ok(min(jw) >= 0.245 and 0.24 <= sum(jw) / rounds <= 0.75,
               "--job-delay 300:50: every wait >= 250 ms, mean %.0f ms"
               % (1000 * sum(jw) / rounds))
        tap.ok(min(vw) >= 0.115 and 0.11 <= sum(vw) / rounds <= 0.6,
               "--verdict-delay 150:30: every wait >= 120 ms, mean %.0f ms"
               % (1000 * sum(vw) / rounds))
        tap.ok(v == "GOOD\n", "delayed verdicts are still verdicts", repr(v))
        spread = max(jw) - min(jw)
        tap.ok(spread > 0.005, "jitter makes job waits differ (spread %.0f ms)"
               % (1000 * spread))


def test_faults():
    with Pool("--drop-chance", 1) as p:
        c = p.connect()
        c.banner()
        c.send("JOB,alice,AVR,None")
        tap.ok(c.closed(5), "--drop-chance 1: closed instead of a job")
        c.close()
        tap.ok(p.usr1()["pool"]["drops_injected"] == 1, "injected drop counted")
    with Pool("--garbage-chance", 1) as p:
        c = p.connect()
        c.banner()
        got = c.job()
        tap.ok(got.startswith("~") and got.endswith("\n") and JOB_RE.match(got) is None,
               "--garbage-chance 1: a garbage line instead of a job", repr(got))
        c.close()


def test_tiers_file():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "tiers.json")
        with open(path, "w") as f:
            json.dump({"tiers": [{"name": "AVR", "diff": 6},
                                 {"name": "TINY", "diff": 3, "min": 1, "max": 50}]}, f)
        with Pool("--tiers", path) as p:
            c = p.connect()
            c.banner()
            a = parse_job(c.job())[2]
            c.close()
            c = p.connect()
            c.banner()
            t = parse_job(c.job(tier="TINY"))[2]
            c.close()
            tap.ok(a == 6 and t == 3, "--tiers overrides AVR's diff and adds a tier",
                   (a, t))
        with open(path, "w") as f:
            f.write('{"tiers": [{"name": "AVR", "diff": "ten"}]}')
        r = subprocess.run([POOL, "--listen",
                            "127.0.0.1:0", "--tiers", path],
                           capture_output=True, text=True, timeout=10)
        tap.ok(r.returncode == 2 and "tier" in r.stderr and r.stdout == "",
               "a bad tier file is refused at start-up", (r.returncode, r.stderr))


def test_official_tiers():
    # mining.js:116-119: a missing or unknown tier (names are exact) -> NET.
    with Pool("--seed", 2) as p:
        diffs = {}
        for label, msg in (("missing", "JOB,alice"), ("empty", "JOB,alice,,None"),
                           ("unknown", "JOB,alice,FOO,None"), ("lowercase", "JOB,alice,avr,None"),
                           ("AVR", "JOB,alice,AVR,None"), ("ESP32", "JOB,alice,ESP32,None")):
            c = p.connect()
            c.banner()
            c.send(msg)
            diffs[label] = parse_job(c.line())[2]
            c.close()
        tap.ok(all(diffs[k] == 100000 for k in ("missing", "empty", "unknown", "lowercase")),
               "missing, empty, unknown and lowercase tiers get NET, diff 100000", diffs)
        tap.ok(diffs["AVR"] == 10 and diffs["ESP32"] == 1500, "named tiers keep theirs", diffs)
    with Pool("--strict") as p:
        c = p.connect()
        c.banner()
        c.send("JOB,alice,avr,None")
        d = parse_job(c.line())[2]
        c.close()
        tap.ok(d == 10, "--strict: tier names case-insensitive, unknown ones at AVR", d)
    with Pool("--default-tier", "AVR") as p:
        c = p.connect()
        c.banner()
        c.send("JOB,alice,FOO,None")
        d = parse_job(c.line())[2]
        c.close()
        tap.ok(d == 10, "--default-tier AVR: an unknown tier gets AVR", d)


def test_official_requests():
    # connectionHandler.js:114-127: only JOB and MOTD are answered before the
    # first job; anything else (an empty line too) is ignored, kept open.
    with Pool() as p:
        c = p.connect()
        c.banner()
        c.send("HELLO")
        tap.wait_until(lambda: p.usr1()["pool"]["ignored"] == 1, 10)
        c.send("\n")
        tap.wait_until(lambda: p.usr1()["pool"]["ignored"] == 2, 10)
        got = c.job()
        tap.ok(JOB_RE.match(got) is not None,
               "an unknown request and an empty line are ignored, a JOB then works", repr(got))
        # mining.js:149-151: after the first job every message is the next
        # job request, a MOTD too.
        c.result(solve(*parse_job(got)))
        c.send("MOTD")
        got = c.line()
        tap.ok(JOB_RE.match(got) is not None, "after the first job a MOTD gets a job", repr(got))
        c.close()
        c = p.connect()
        c.banner()
        c.send("JOB,alice,AVR,None,a,b,c")
        got = c.line()
        tap.ok(got == "BAD,Incorrect data\n" and c.closed(),
               "a first request of 7 fields -> BAD,Incorrect data, close", repr(got))
        c.close()


def test_official_results():
    # mining.js:228-245: parseFloat for the hashrate, parseInt for the nonce,
    # no field count.
    with Pool("--block-chance", 0) as p:
        c = p.connect()
        c.banner()
        cases = [
            (dict(hashrate="fast"), "GOOD\n", "non-numeric hashrate passes (NaN)"),
            (dict(hashrate="250abc"), "GOOD\n", "hashrate '250abc' is read as 250"),
            (dict(hashrate=0), "BAD,Invalid data\n", "hashrate 0 -> BAD,Invalid data"),
            (dict(hashrate=-3.5), "BAD,Invalid data\n", "negative hashrate -> BAD,Invalid data"),
            (dict(hashrate=380), "BAD,Too low starting difficulty\n",
             "hashrate at the AVR max -> moved up"),
            (dict(hashrate=100), "BAD,Too high starting difficulty\n",
             "hashrate below the MEGA min -> moved down"),
            (dict(extra=("1", "seven")), "GOOD\n", "a result with 7 fields is judged normally"),
        ]
        for kw, want, desc in cases:
            job = parse_job(c.job())
            got = c.result(solve(*job), **kw)
            tap.ok(got == want, desc, repr(got))
        for form, desc in (("0%d", "nonce with a leading zero ('0301') -> GOOD"),
                           ("%dabc", "nonce with trailing text ('301abc') -> GOOD"),
                           ("0x%x", "hexadecimal nonce ('0x12d', parseInt) -> GOOD")):
            job = parse_job(c.job())
            got = c.result(form % solve(*job))
            tap.ok(got == "GOOD\n", desc, repr(got))
        job = parse_job(c.job())
        got = c.result("%d1" % solve(*job))
        tap.ok(got == "BAD,Incorrect result\n", "a wrong nonce -> BAD,Incorrect result",
               repr(got))
        # A result that is only a nonce: the hashrate is missing (NaN).
        job = parse_job(c.job())
        c.send(str(solve(*job)))
        got = c.line()
        tap.ok(got == "GOOD\n", "a result without a hashrate passes", repr(got))
        c.close()
    # No usable hashrate: the pool's own estimate (nonce / share time) is
    # checked against the tier, from 0.5 s of share time on (mining.js:233-237).
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "tiers.json")
        with open(path, "w") as f:
            json.dump({"tiers": [{"name": "AVR", "min": 0, "max": 1}]}, f)
        with Pool("--block-chance", 0, "--tiers", path) as p:
            c = p.connect()
            c.banner()
            job = parse_job(c.job())
            fast = c.result(solve(*job), hashrate="none")
            job = parse_job(c.job())
            time.sleep(0.6)   # the input: a share time over the 0.5 s threshold
            slow = c.result(solve(*job), hashrate="none")
            c.close()
            tap.ok(fast == "GOOD\n" and slow == "BAD,Too low starting difficulty\n",
                   "without a hashrate: a share under 0.5 s passes, a slower one is "
                   "checked by the pool's estimate (AVR max 1 H/s)", (fast, slow))


def test_official_swallowed_job():
    # A result and the next JOB in one send: the result is judged (no field
    # count), the JOB is part of it, and the client waits for a job that
    # never comes until the share timeout.
    with Pool("--block-chance", 0, "--share-timeout", 1.2) as p:
        c = p.connect()
        c.banner()
        job = parse_job(c.job())
        c.send("%d,300,ducorig-test,rig1,DUCOID0011223344556677\nJOB,alice,AVR,None"
               % solve(*job))
        got = c.line()
        t0 = time.monotonic()
        c.sock.settimeout(5)
        rest = b""
        try:
            while True:
                chunk = c.sock.recv(1024)
                if not chunk:
                    break
                rest += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        dt = time.monotonic() - t0
        c.close()
        tap.ok(got == "GOOD\n" and rest == b"" and 1.0 <= dt <= 4.0,
               "result + JOB in one send: GOOD, the JOB swallowed, closed at the "
               "share timeout (%.2f s)" % dt, (got, rest))


def test_official_worker_limits():
    # mining.js:124-134, 170-190, 296-298: the worker is counted, gets a job,
    # and every result is BAD,Too many workers while the count is over.
    with Pool("--max-workers-user", 2, "--block-chance", 0) as p:
        a, b, c = p.connect(), p.connect(), p.connect()
        for x in (a, b, c):
            x.banner()
        ok = JOB_RE.match(a.job("alice")) and JOB_RE.match(b.job("alice"))
        job = c.job("alice")
        tap.ok(ok and JOB_RE.match(job) is not None, "third worker of a user (limit 2) "
               "gets a job", repr(job))
        got = c.result(solve(*parse_job(job)))
        tap.ok(got == "BAD,Too many workers\n", "... and BAD,Too many workers for its result",
               repr(got))
        job, got2 = c.share("alice")
        tap.ok(got2 == "BAD,Too many workers\n", "... on every share, without a close",
               repr(got2))
        a.close()
        tap.wait_until(lambda: user_row(p.usr1(), "alice")["workers"] == 2, 10)
        job, got3 = c.share("alice")
        tap.ok(got3 == "GOOD\n", "once a worker leaves its shares are accepted", repr(got3))
        for x in (b, c):
            x.close()
    with Pool("--max-workers-ip", 1, "--block-chance", 0) as p:
        a, b = p.connect(), p.connect()
        a.banner()
        b.banner()
        a.job("alice")
        job, got = b.share("bob")
        tap.ok(got == "BAD,Too many workers\n", "second worker of one IP (limit 1) -> "
               "BAD,Too many workers at its result", repr(got))
        a.close()
        b.close()


def test_official_share_rate():
    # config/config.json has no max_shares_per_minute and mining.js:35-37 does
    # not set one: no limit by default.
    with Pool("--block-chance", 0) as p:
        c = p.connect()
        c.banner()
        verdicts = [c.share()[1] for _ in range(85)]
        c.close()
        tap.ok(verdicts == ["GOOD\n"] * 85, "85 shares in well under a minute: all GOOD",
               sorted(set(verdicts)))


def test_official_ducoid():
    # mining.js:271, 313-320: the first result's DUCOID is kept; from the 11th
    # accepted share on another one is GOOD, counted accepted and rejected, unpaid.
    with Pool("--block-chance", 0) as p:
        c = p.connect()
        c.banner()
        first = c.share(ducoid="DUCOIDAAAAAAAAAAAAAAAA")[1]
        early = [c.share(ducoid="DUCOIDBBBBBBBBBBBBBBBB")[1] for _ in range(9)]
        late = c.share(ducoid="DUCOIDBBBBBBBBBBBBBBBB")[1]
        back = c.share(ducoid="DUCOIDAAAAAAAAAAAAAAAA")[1]
        c.close()
        w = p.usr1()["workers"][0]
        tap.ok(first == late == back == "GOOD\n" and early == ["GOOD\n"] * 9,
               "every share is answered GOOD", (first, early, late, back))
        tap.ok(w["accepted"] == 12 and w["rejected_by_reason"]["DUCOID changed"] == 1 and
               w["rejected"] == 1 and w["ducoid"] == "DUCOIDAAAAAAAAAAAAAAAA",
               "the 11th share with another DUCOID: accepted and rejected; the first kept", w)
        tap.ok(w["unpaid"] == 11 and w["reward"] > 0,
               "only the 12th share (the first DUCOID again) is paid", w)


for t in (test_banner_and_motd, test_job_format_and_chain, test_good_and_block,
          test_job_refusals, test_result_verdicts, test_worker_limits,
          test_share_rate_limit, test_ducoid_rule, test_framing, test_timeouts,
          test_latency, test_faults, test_tiers_file, test_official_tiers,
          test_official_requests, test_official_results, test_official_swallowed_job,
          test_official_worker_limits, test_official_share_rate, test_official_ducoid):
    try:
        t()
    except Exception as e:   # a crash in one group is a failure, not the end
        tap.ok(False, "%s ran without an exception" % t.__name__, repr(e))
sys.exit(tap.done())
