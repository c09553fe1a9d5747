#!/usr/bin/env python3
"""test_ducowatch_rig.py - ducowatch miners matches the pool's rows to the
boards of a running ducomaster (its /api/status) on the simulated rig.

ducopool with its REST side, ducosim with the real firmware in simavr and
ducomaster with its HTTP side on kernel-chosen ports (test/master/rigkit.py),
three runs of the master, each as its own pool user so earlier rows do not
mix in:
 - 2 boards x 2 threads, rig id rigA: each thread's row is matched to its
   board by the rig id and the wallet-grouping id (group); rows of another
   rig, and of this rig with a grouping id no board sends, say unmatched;
 - 2 boards x 1 thread: no grouping id is sent, so a row of this rig is
   one of two boards (ambiguous, never a guess);
 - 1 board x 1 thread: the rig's only board without a grouping id (rig);
   rows that carry a DUCOID (a scripted API; the public one lists none) are
   matched by it alone; a status that does not answer leaves the rows
   unmatched, said once on stderr.
The boards' bus and addr are checked against /api/status itself. TAP on
stdout; waits are on events with deadlines; children are stopped by pid.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "master"))
sys.path.insert(0, os.path.join(HERE, "..", "pool"))
from rigkit import KEY, Rig, tap  # noqa: E402
from poolkit import Client  # noqa: E402
from test_ducowatch import Script, jsons  # noqa: E402

WATCH = os.path.join(os.environ.get("BUILD", "build"), "host", "ducowatch")
SOFTWARE = "ducorig AVR I2C Miner 0.1"


def watch(*args):
    p = subprocess.run([WATCH] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.splitlines(), p.stderr.splitlines()


def status(rig):
    st, hd, body = rig.get("/api/status")
    return json.loads(body) if st == 200 else {}


def boards_of(doc):
    """(bus:addr) -> (ducoid, group_id) from the status rows."""
    return {"%s:%s" % (b["bus"], b["addr"]): (b["identity"]["ducoid"], b["identity"]["group_id"])
            for b in doc.get("boards", [])}


def pool_rows(rig, user, n):
    """The pool's /users rows for user once there are at least n."""
    got = []

    def enough():
        rc, out, err = watch("--api", rig.pool_api, "--status", "", "miners", user, "--json")
        m = jsons(out)
        got[:] = m[0]["miners"] if m else []
        return len(got) >= n
    tap.wait_until(enough, 90, 0.5)
    return got


def fake_miner(rig, user, rigid, extra=()):
    """A python client's accepted share as user from another miner."""
    host, port = rig.pool_addr.rsplit(":", 1)
    c = Client(int(port))
    c.banner()
    for _ in range(2):
        c.share(user=user, key=KEY, software=SOFTWARE, rig=rigid, hashrate=250, extra=extra)
    return c


def run_master(rig, user, threads, slaves=None, rigid="rigA"):
    extra = ["--user", user, "--rig", rigid, "--set", "threads_per_board=%d" % threads]
    if slaves:
        extra += ["--slaves", slaves]
    return rig.start_master(extra=extra, name=user)


def main():
    rig = Rig(count=2)
    clients = []
    try:
        tap.ok(rig.start_pool_sim(pool_http=True) and rig.pool_api,
               "ducopool (REST side) and ducosim (2 firmware boards) started")
        # --- 2 boards x 2 threads ---------------------------------------------
        tap.ok(run_master(rig, "grp", 2), "ducomaster: 2 boards x 2 threads, rig rigA")
        url = "http://%s/api/status" % rig.http
        rows = pool_rows(rig, "grp", 4)
        doc = status(rig)
        local = boards_of(doc)
        groups = {g: k for k, (d, g) in local.items()}
        tap.ok(doc.get("rig", {}).get("rig_id") == "rigA" and len(local) == 2 and
               all(g for d, g in local.values()),
               "/api/status: rig_id and each board's grouping id", doc.get("rig"))
        clients.append(fake_miner(rig, "grp", "elsewhere"))
        clients.append(fake_miner(rig, "grp", "rigA", extra=["99"]))
        rc, out, err = watch("--api", rig.pool_api, "--status", url, "miners", "grp", "--json")
        m = jsons(out)
        rows = m[0]["miners"] if m else []
        mine = [r for r in rows if r["wd"] in groups]
        tap.ok(rc == 0 and len(mine) == 4 and
               all(r["match"] == "group" and r["board"] == groups[r["wd"]] for r in mine) and
               sorted(r["board"] for r in mine) == sorted(list(local) * 2),
               "2 boards x 2 threads: each thread's row on its board by rig id + grouping id",
               (rows, local, err))
        other = [r for r in rows if r["rig"] == "elsewhere"]
        odd = [r for r in rows if r["rig"] == "rigA" and r["match"] != "group"]
        tap.ok(len(other) == 1 and other[0]["match"] == "unmatched" and
               other[0]["board"] is None and len(odd) == 1 and odd[0]["match"] == "unmatched",
               "another rig's row and a grouping id no board sends: unmatched", rows)
        rc, out, err = watch("--api", rig.pool_api, "--status", url, "miners", "grp")
        head = [l for l in out if l.startswith("Rig")]
        body = [l for l in out if l.startswith(("rigA", "elsewhere"))]
        addrs = [k.rsplit(":", 1)[1] for k in local]
        tap.ok(rc == 0 and head and "Board" in head[0] and
               sum(1 for l in body if any(a in l for a in addrs)) == 4 and
               sum(1 for l in body if "unmatched" in l) == 2,
               "the table: a Board column, the address on matched rows, unmatched on the "
               "others", out)
        tap.ok(rig.stop_master() == 0, "ducomaster stopped")

        # --- 2 boards x 1 thread ----------------------------------------------
        tap.ok(run_master(rig, "amb", 1), "ducomaster: 2 boards x 1 thread")
        url = "http://%s/api/status" % rig.http
        pool_rows(rig, "amb", 2)
        rc, out, err = watch("--api", rig.pool_api, "--status", url, "miners", "amb", "--json")
        m = jsons(out)
        rows = m[0]["miners"] if m else []
        tap.ok(rc == 0 and len(rows) == 2 and
               all(r["match"] == "ambiguous" and r["board"] is None for r in rows),
               "no grouping id and two such boards: ambiguous, not a guess", rows)
        tap.ok(rig.stop_master() == 0, "ducomaster stopped")

        # --- 1 board x 1 thread -----------------------------------------------
        tap.ok(run_master(rig, "solo", 1, slaves="0x08"), "ducomaster: 1 board x 1 thread")
        url = "http://%s/api/status" % rig.http
        pool_rows(rig, "solo", 1)
        doc = status(rig)
        local = boards_of(doc)
        rc, out, err = watch("--api", rig.pool_api, "--status", url, "miners", "solo", "--json")
        m = jsons(out)
        rows = m[0]["miners"] if m else []
        tap.ok(rc == 0 and len(rows) == 1 and rows[0]["match"] == "rig" and
               rows[0]["board"] in local and rows[0]["board"].endswith(":0x08"),
               "the rig's one board without a grouping id: matched by rig id", (rows, local))
        ducoid = next(iter(local.values()))[0] if local else ""
        row = {"threadid": "1", "username": "solo", "hashrate": 256.5, "sharetime": 3.9,
               "accepted": 5, "rejected": 0, "diff": 10, "software": SOFTWARE,
               "identifier": "some-other-rig", "wd": "None", "ki": 1}
        body = json.dumps({"success": True, "result": {
            "balance": {"username": "solo", "balance": 1.0},
            "miners": [dict(row, ducoid=ducoid), dict(row, ducoid="DUCOID0000000000000000",
                                                      identifier="rigA")],
            "transactions": []}})
        with Script([(200, "application/json", body)]) as s:
            rc, out, err = watch("--api", s.url, "--status", url, "miners", "solo", "--json")
        m = jsons(out)
        rows = m[0]["miners"] if m else []
        tap.ok(rc == 0 and len(rows) == 2 and rows[0]["match"] == "ducoid" and
               rows[0]["board"] in local and rows[1]["match"] == "unmatched",
               "a row with the board's DUCOID matched by it (whatever its rig), a foreign "
               "DUCOID unmatched on this rig", (rows, ducoid))
        rc, out, err = watch("--api", rig.pool_api, "--status", "http://127.0.0.1:9/api/status",
                             "miners", "solo", "--json")
        m = jsons(out)
        rows = m[0]["miners"] if m else []
        tap.ok(rc == 0 and len(rows) == 1 and "match" not in rows[0] and
               sum(1 for l in err if "rows not matched" in l) == 1,
               "no ducomaster answering: the rows without a board, said once", (rows, err))
        tap.ok(rig.stop_master() == 0, "ducomaster stopped")

        # --- the rig's HTTP side behind http_token --------------------------
        token = "t0k-" + os.urandom(8).hex()
        tok = os.path.join(rig.tmp, "token")
        with open(tok, "w") as f:
            f.write(token + "\n")
        tap.ok(rig.start_master(extra=["--user", "solo", "--rig", "rigA", "--slaves", "0x08",
                                       "--set", "http_token=" + token], name="tok"),
               "ducomaster: 1 board, HTTP side with http_token")
        url = "http://%s/api/status" % rig.http
        rc, out, err = watch("--api", rig.pool_api, "--status", url, "miners", "solo", "--json")
        m = jsons(out)
        rows = m[0]["miners"] if m else []
        tap.ok(rc == 0 and rows and all("match" not in r for r in rows) and
               any("HTTP 401" in l and "--status-token-file" in l for l in err),
               "without the token: 401, the rows without a board, and how to pass it", err)
        rc, out, err = watch("--api", rig.pool_api, "--status", url, "--status-token-file", tok,
                             "miners", "solo", "--json")
        m = jsons(out)
        rows = m[0]["miners"] if m else []
        tap.ok(rc == 0 and rows and any(r.get("match") == "rig" and
                                        str(r.get("board", "")).endswith(":0x08") for r in rows)
               and not any(token in l for l in out + err),
               "--status-token-file: matched through the bearer header, the token printed "
               "nowhere", (rows, err))
        bad = os.path.join(rig.tmp, "bad-token")
        with open(bad, "w") as f:
            f.write("two words\n")
        rc, out, err = watch("--api", rig.pool_api, "--status", url, "--status-token-file", bad,
                             "miners", "solo")
        tap.ok(rc == 2 and any("no token" in l for l in err),
               "a token file whose first line is no token: usage error, said (rc %d)" % rc, err)
        rc, out, err = watch("--api", rig.pool_api, "--status-token-file", tok, "balance", "solo")
        tap.ok(rc == 2 and any("for miners with --status" in l for l in err),
               "--status-token-file with another command: usage error (rc %d)" % rc, err)
    finally:
        for c in clients:
            c.close()
        rig.stop()
    tap.done()


if __name__ == "__main__":
    main()
