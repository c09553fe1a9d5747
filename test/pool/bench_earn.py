#!/usr/bin/env python3
"""bench_earn.py - `make bench` figure for ducopool's reward calibration,
one JSON line on stdout.

The reference's calibration point: the official Arduino miner, 343 H/s on
one thread, earns about 12 DUCO/day. This runs that miner's behaviour
against ducopool with its default --reward-div under the seed rig's waits
(--job-delay 527:50 --verdict-delay 251:30): each client answers a job once
nonce/343 s have passed since it arrived (the board's search time) and
reports 343 H/s. Each client mines for its own user from its own source
address, so every one is its user's and its IP's first worker (Kolka
ordinal 1). The rate is the balance growth asked over REST between each
client's 11th accepted share (the first 10 of a connection pay nothing) and
its end, summed over the clients and divided by the time they were paid
for, scaled to a day: one run gives several workers' worth of shares.
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import socket  # noqa: E402

from poolkit import Client, Pool, parse_job, solve  # noqa: E402

RATE = 343.0
SECONDS = float(os.environ.get("BENCH_EARN_S", "90"))
CLIENTS = int(os.environ.get("BENCH_EARN_CLIENTS", "8"))


def balance(p, user):
    status, body = p.http("/balances/" + user)
    return body["result"]["balance"] if body.get("success") else 0.0


def main():
    with Pool("--job-delay", "527:50", "--verdict-delay", "251:30",
              "--block-chance", 0, "--seed", 343, http=True) as p:
        marks = [None] * CLIENTS        # (time, balance) at the 11th share
        ends = [None] * CLIENTS
        shares = [0] * CLIENTS
        stop = time.monotonic() + SECONDS

        def run(i):
            user = "calib%d" % i
            # Its own source address too: the Kolka ordinal counts the IP's
            # workers as well as the user's.
            c = Client.__new__(Client)
            c.sock = socket.create_connection(("127.0.0.1", p.port), timeout=10,
                                              source_address=("127.0.0.%d" % (i + 2), 0))
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c.banner()
            good = 0
            while time.monotonic() < stop:
                job = parse_job(c.job(user))
                t_job = time.monotonic()
                nonce = solve(*job)
                # The board's search time: answer when nonce/343 s have passed.
                time.sleep(max(0.0, t_job + nonce / RATE - time.monotonic()))
                v = c.result(nonce, hashrate=RATE, software="calib AVR Miner")
                good += v == "GOOD\n"
                if good == 11 and marks[i] is None:
                    marks[i] = (time.monotonic(), balance(p, user))
            ends[i] = (time.monotonic(), balance(p, user))
            shares[i] = good
            c.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = p.usr1()
    # All workers together: paid DUCO over the time they were paid for.
    gained = sum(e[1] - m[1] for m, e in zip(marks, ends) if m and e)
    seconds = sum(e[0] - m[0] for m, e in zip(marks, ends) if m and e)
    out = {"bench": "earn_calibration", "reward_div": "default", "reported_hs": RATE,
           "clients": CLIENTS, "seconds": SECONDS, "accepted": sum(shares),
           "paid_worker_seconds": round(seconds, 1),
           "s_per_share": round(sum(e[0] - m[0] for m, e in zip(marks, ends) if m and e) /
                                max(sum(shares) - 11 * CLIENTS, 1), 3),
           "server_hs_last_mean": round(sum(w["hashrate"] for w in stats["workers"]) /
                                        max(len(stats["workers"]), 1), 1),
           "duco_per_day_per_worker": round(gained / seconds * 86400.0, 2) if seconds else None,
           "target_duco_per_day": 12.0}
    print(json.dumps(out))
    return 0 if seconds else 1


if __name__ == "__main__":
    sys.exit(main())
