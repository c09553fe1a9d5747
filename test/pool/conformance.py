#!/usr/bin/env python3
"""conformance.py - drive ducopool over loopback like a miner would.

Covers the banner, MOTD, every BAD reason string of the pool (JOB refusals,
result verdicts, limits), tier moves, the hash chain, DUCOID rules, framing
(missing newline, pipelined messages), shortened idle timeouts and fault
injection. Prints TAP; each check compares the pool's answers with what the
reference protocol requires, computed here independently with hashlib.
"""
import json
import os
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
        tap.ok(last2 == exp, "next job's last hash is the solved expected hash",
               "%s vs %s" % (last2, exp))
        # Many jobs: nonces spread over the range, never outside it.
        nonces = [nonce]
        verdict = c.result(solve(last2, exp2, diff2))
        for _ in range(30):
            job, verdict = c.share()
            nonces.append(solve(*job))
        tap.ok(all(1 <= n <= 1000 for n in nonces) and len(set(nonces)) > 20,
               "31 nonces all in 1..=1000 and spread out", nonces)
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
    with Pool("--ban-user", "mallory") as p:
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
             "unknown request -> BAD,Incorrect data"),
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
    with Pool("--block-chance", 0) as p:
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
        tap.ok(got == "BAD,Invalid data\n", "non-numeric hashrate -> BAD,Invalid data",
               repr(got))
        last, exp, diff = parse_job(c.job())
        wrong = (solve(last, exp, diff) + 1) % 1001
        got = c.result(wrong)
        tap.ok(got == "BAD,Incorrect result\n", "wrong nonce -> BAD,Incorrect result",
               repr(got))
        last, exp, diff = parse_job(c.job())
        got = c.result("0" + str(solve(last, exp, diff)))
        tap.ok(got == "BAD,Incorrect result\n", "nonce with a leading zero -> Incorrect result",
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
    with Pool("--max-workers-user", 2, "--max-workers-ip", 3) as p:
        a, b, c = p.connect(), p.connect(), p.connect()
        for x in (a, b, c):
            x.banner()
        ok = JOB_RE.match(a.job("alice")) and JOB_RE.match(b.job("alice"))
        got = c.job("alice")
        tap.ok(ok and got == "BAD,Too many workers\n" and c.closed(),
               "third worker of a user (limit 2) -> BAD,Too many workers, close", repr(got))
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
    with Pool("--block-chance", 0) as p:
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
               "after 10 accepted shares a DUCOID change counts as rejected", w)


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
        # A result with the next JOB glued on is caught the same way.
        c = p.connect()
        c.banner()
        job = parse_job(c.job())
        c.send("%d,300,ducorig-test,rig1,DUCOID0011223344556677\nJOB,alice,AVR,None"
               % solve(*job))
        got = c.line()
        tap.ok(got == "BAD,Incorrect data\n" and c.closed(),
               "result + JOB in one write -> BAD,Incorrect data, close", repr(got))
        c.close()
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


for t in (test_banner_and_motd, test_job_format_and_chain, test_good_and_block,
          test_job_refusals, test_result_verdicts, test_worker_limits,
          test_share_rate_limit, test_ducoid_rule, test_framing, test_timeouts,
          test_latency, test_faults, test_tiers_file):
    try:
        t()
    except Exception as e:   # a crash in one group is a failure, not the end
        tap.ok(False, "%s ran without an exception" % t.__name__, repr(e))
sys.exit(tap.done())
