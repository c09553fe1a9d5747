#!/usr/bin/env python3
"""bench.py - `make bench` figures for ducopool, one JSON line on stdout.

Two measurements over loopback, each against its own pool on port 0:
 - throughput: N concurrent lock-step clients on a diff-1 tier submit solved
   shares for a few seconds; shares/s and the mean share round trip. The
   python clients are part of the loop, so this is a floor for the pool.
 - latency profile: the seed rig's waits (--job-delay 527:50,
   --verdict-delay 251:30) measured from the client side, to show how closely
   the injected profile is reproduced.
"""
import json
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "test", "pool"))
from poolkit import Pool, parse_job, solve  # noqa: E402


def throughput(clients=8, seconds=3.0):
    with tempfile.TemporaryDirectory() as d:
        tiers = os.path.join(d, "tiers.json")
        with open(tiers, "w") as f:
            json.dump({"tiers": [{"name": "AVR", "diff": 1}]}, f)
        with Pool("--tiers", tiers, "--max-shares-per-min", 4096, "--block-chance", 0,
                  "--seed", 1) as p:
            counts, rtts = [0] * clients, [0.0] * clients
            stop = time.monotonic() + seconds

            def run(i):
                c = p.connect()
                c.banner()
                while time.monotonic() < stop:
                    t0 = time.monotonic()
                    job = parse_job(c.job())
                    v = c.result(solve(*job))
                    rtts[i] += time.monotonic() - t0
                    counts[i] += v == "GOOD\n"
                c.close()

            threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            dt = time.monotonic() - t0
            stats = p.usr1()
    shares = sum(counts)
    return {"clients": clients, "seconds": round(dt, 3), "good_shares": shares,
            "pool_accepted": stats["pool"]["accepted"],
            "shares_per_s": round(shares / dt, 1),
            "mean_share_roundtrip_ms": round(1000 * sum(rtts) / max(shares, 1), 3)}


def latency(clients=2, rounds=8):
    with Pool("--job-delay", "527:50", "--verdict-delay", "251:30", "--block-chance", 0,
              "--seed", 2) as p:
        jw, vw = [], []
        lock = threading.Lock()

        def run():
            c = p.connect()
            c.banner()
            for _ in range(rounds):
                t0 = time.monotonic()
                job = parse_job(c.job())
                t1 = time.monotonic()
                c.result(solve(*job))
                t2 = time.monotonic()
                with lock:
                    jw.append(t1 - t0)
                    vw.append(t2 - t1)
            c.close()

        threads = [threading.Thread(target=run) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return {"set_job_ms": "527:50", "set_verdict_ms": "251:30", "samples": len(jw),
            "job_wait_mean_ms": round(1000 * sum(jw) / len(jw), 1),
            "job_wait_min_ms": round(1000 * min(jw), 1),
            "job_wait_max_ms": round(1000 * max(jw), 1),
            "verdict_wait_mean_ms": round(1000 * sum(vw) / len(vw), 1),
            "verdict_wait_min_ms": round(1000 * min(vw), 1),
            "verdict_wait_max_ms": round(1000 * max(vw), 1)}


print(json.dumps({"bench": "ducopool", "throughput": throughput(),
                  "latency_profile": latency()}))
