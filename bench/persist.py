"""The ``persistence`` section: AOF throughput, SAVE / load time and BGSAVE impact.

Every figure comes from servers the bench starts itself, fresh, with the same persistence
settings and each in its own temporary ``--dir`` on the same filesystem (a ``--target`` cannot be
restarted or reconfigured, so it is left out of this section). Three tables:

- ``persist_aof``: redis-benchmark SET at -P 1 under ``appendonly yes`` with ``appendfsync
  always`` and ``everysec`` (fresh server pair per mode, rounds alternate A B A B);
- ``persist_rdb``: client wall time of ``SAVE`` of N ``key:<n>`` keys, then the load time the
  restarted server logs itself ("DB loaded from disk: X seconds", Redis 7.0's wording, which
  fastcache/persistence/snapshot.py uses too), so process start-up is not counted;
- ``persist_bgsave``: p99 of a SET:GET redis-benchmark run with and without a BGSAVE of that
  dataset running, per server.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import tempfile
import threading
import time

from . import loadgen, report
from .resp import RespError, load
from .servers import LocalServer, Server
from .workloads import VALUE, SetupError, count

# Redis 7.0 (rdb.c) and fastcache (persistence/snapshot.py) write the same line; a fastcache
# that loads through the AOF instead says "DB loaded from append only file: ...", never used here
LOADED_RE = re.compile(rb"DB loaded from disk: ([0-9.]+) seconds")

AOF_METRICS = ("rps", "p50_ms", "p99_ms", "cpu_us")
RDB_METRICS = ("save_s", "load_s", "start_s")
BGSAVE_METRICS = ("p99_ms", "p99_bgsave_ms", "max_ms", "max_bgsave_ms", "rps", "rps_bgsave",
                  "bgsave_s")
V32 = "x" * 32


class Starter:
    """Starts the bench's local servers (fastcache, redis) with extra settings, each in its own
    directory; the baseline first so every round runs A B A B."""

    def __init__(self, args, have, srv_core, baseline: str, root: str):
        self.args, self.have, self.srv_core, self.baseline = args, have, srv_core, baseline
        self.root = root
        self.kinds = []
        if not args.no_fastcache:
            self.kinds.append(("fastcache", args.fastcache_cmd))
        if not args.no_redis and have["redis-server"]:
            self.kinds.append(("redis", args.redis_cmd))
        self.kinds.sort(key=lambda k: k[0] != baseline)

    def dir_for(self, name: str, tag: str) -> str:
        d = os.path.join(self.root, f"{tag}-{name}")
        os.makedirs(d, exist_ok=True)
        return d

    def start(self, name: str, cmd: str, settings: list[str], d: str,
              timeout: float = 20.0) -> LocalServer:
        base = ["--maxmemory", self.args.maxmemory, "--dir", d, "--dbfilename", "dump.rdb"]
        return LocalServer(name, shlex.split(cmd), base + settings, self.srv_core,
                           startup_timeout=timeout)

    def start_all(self, settings: list[str], tag: str) -> list[LocalServer]:
        out = []
        for name, cmd in self.kinds:
            out.append(self.start(name, cmd, settings, self.dir_for(name, tag)))
        return out


def _say(*a, end="\n"):
    print(*a, end=end, flush=True)


def _not_started(entry, servers):
    for s in servers:
        if s.error:
            entry["servers"].setdefault(s.name, {"rounds": []})["error"] = f"start: {s.error}"


def aof_throughput(st: Starter, prof, run_rounds, finish) -> dict:
    """SET at -P 1 under appendfsync always / everysec, fresh servers per mode."""
    out = {}
    reqs = prof.persist_requests
    for mode in ("always", "everysec"):
        name = f"set P1 aof {mode}"
        _say(f"  {name:<22}", end="")
        t0 = time.monotonic()
        servers = st.start_all(["--save", "", "--appendonly", "yes", "--appendfsync", mode],
                               f"aof-{mode}")
        try:
            live = [s for s in servers if not s.error]
            entry = run_rounds(
                live, prof.rounds,
                lambda s: loadgen.run_redis_benchmark(
                    s, ["SET", "key:__rand_int__", VALUE], clients=50, requests=reqs,
                    pipeline=1, keyspace=prof.keyspace, timeout=prof.timeout))
            _not_started(entry, servers)
            for s in live:
                # the setting really took: a server that ignored --appendfsync is not compared
                try:
                    got = s.call("CONFIG", "GET", "appendfsync")
                    aof = s.info("persistence").get("aof_enabled")
                    entry["servers"][s.name]["config"] = {"appendfsync": _str(got[1]) if got
                                                          else None, "aof_enabled": aof}
                except (RespError, OSError, IndexError) as e:
                    entry["servers"][s.name]["config"] = {"error": str(e)}
        finally:
            for s in servers:
                s.stop()
        finish(entry, {"command": "set", "appendonly": "yes", "appendfsync": mode,
                       "pipeline": 1, "clients": 50, "requests": reqs,
                       "keyspace": prof.keyspace, "value_bytes": 64}, AOF_METRICS, st.baseline)
        out[name] = entry
        _say(f" {time.monotonic() - t0:5.1f}s  " + report.one_line(entry, st.baseline))
    return out


def _str(v):
    return v.decode() if isinstance(v, bytes) else v


def _log_loaded(s: LocalServer, wait: float = 3.0) -> float | None:
    """The server's own "DB loaded from disk: X seconds" figure from its log."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with open(s._stderr_path, "rb") as f:
                m = LOADED_RE.search(f.read())
            if m:
                return float(m.group(1))
        except OSError:
            pass
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)


def _fill(s: Server, n: int) -> None:
    with s.conn() as c:
        sent, errs, first = load(c, (("SET", f"key:{i}", V32) for i in range(n)))
    if errs:
        raise SetupError(f"load {count(n)} keys: {errs} error replies, first: {first}")
    size = s.call("DBSIZE")
    if size != n:
        raise SetupError(f"DBSIZE {size} after loading {n} keys")


def _wait_bgsave(s: Server, timeout: float) -> float | None:
    """Poll INFO persistence until no BGSAVE runs; seconds waited, None on timeout."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if s.info("persistence").get("rdb_bgsave_in_progress") == "0":
            return time.monotonic() - t0
        time.sleep(0.01)
    return None


def save_load_and_bgsave(st: Starter, prof, n: int, finish) -> tuple[dict, dict]:
    """One server per kind with N keys: rounds of SAVE + restart-on-the-file (persist_rdb),
    then rounds of a SET:GET run alone and with a BGSAVE (persist_bgsave)."""
    settings = ["--save", "", "--appendonly", "no"]
    rdb = {"servers": {}}
    bg = {"servers": {}}
    cur: dict[str, LocalServer] = {}
    dirs = {}
    broken: dict[str, str] = {}
    try:
        _say(f"  load {count(n)} keys (untimed)", end="")
        t0 = time.monotonic()
        for name, cmd in st.kinds:
            rdb["servers"][name] = {"rounds": []}
            bg["servers"][name] = {"rounds": []}
            dirs[name] = st.dir_for(name, "rdb")
            s = st.start(name, cmd, settings, dirs[name])
            cur[name] = s
            if s.error:
                broken[name] = f"start: {s.error}"
                continue
            try:
                _fill(s, n)
            except (SetupError, RespError, OSError) as e:
                broken[name] = f"setup: {e}"
        _say(f" {time.monotonic() - t0:5.1f}s")

        name_rdb = f"save+load {count(n)} keys"
        _say(f"  {name_rdb:<22}", end="")
        t0 = time.monotonic()
        for _ in range(prof.rounds):
            for name, cmd in st.kinds:
                if name in broken:
                    continue
                s = cur[name]
                try:
                    t = time.perf_counter()
                    reply = s.call("SAVE")
                    save_s = time.perf_counter() - t
                    if _str(reply) != "OK":
                        raise SetupError(f"SAVE replied {reply!r}")
                    rdb_bytes = os.path.getsize(os.path.join(dirs[name], "dump.rdb"))
                    s.stop()
                    # restart on the file: the load time is the server's own log figure
                    t = time.perf_counter()
                    s = cur[name] = st.start(name, cmd, settings, dirs[name], timeout=300)
                    start_s = time.perf_counter() - t
                    if s.error:
                        raise SetupError(f"restart: {s.error}")
                    load_s = _log_loaded(s)
                    size = s.call("DBSIZE")
                    r = {"keys": n, "save_s": save_s, "load_s": load_s, "start_s": start_s,
                         "rdb_bytes": rdb_bytes, "dbsize_after": size}
                    if load_s is None:
                        r["warning"] = "no 'DB loaded from disk' line in the server log"
                    if size != n:
                        raise SetupError(f"DBSIZE {size} after restart, expected {n}")
                    rdb["servers"][name]["rounds"].append(r)
                except (SetupError, RespError, OSError) as e:
                    broken[name] = str(e)
            for name in broken:
                rdb["servers"].setdefault(name, {"rounds": []})["error"] = broken[name]
        finish(rdb, {"keys": n, "key": "key:<n>", "value_bytes": 32, "save": "SAVE, client wall",
                     "load": "server log 'DB loaded from disk'",
                     "start": "spawn to first PONG (includes load)"}, RDB_METRICS, st.baseline)
        _say(f" {time.monotonic() - t0:5.1f}s  " + report.one_line(rdb, st.baseline,
                                                                   metric="save_s"))

        name_bg = f"bgsave {count(n)} p99"
        _say(f"  {name_bg:<22}", end="")
        t0 = time.monotonic()
        reqs = prof.bgsave_requests
        for _ in range(prof.rounds):
            for name, _cmd in st.kinds:
                if name in broken:
                    continue
                s = cur[name]
                try:
                    r = _bgsave_round(s, reqs, n, prof.timeout)
                except (SetupError, RespError, OSError) as e:
                    r = {"error": str(e)}
                if "error" in r:
                    broken[name] = r["error"]
                else:
                    bg["servers"][name]["rounds"].append(r)
            for name in broken:
                bg["servers"].setdefault(name, {"rounds": []}).setdefault("error", broken[name])
        finish(bg, {"keys": n, "requests": reqs, "mix": "SET:GET 1:10", "clients": 55,
                    "latency": "GET stream", "bgsave_s": "BGSAVE to rdb_bgsave_in_progress:0"},
               BGSAVE_METRICS, st.baseline)
        _say(f" {time.monotonic() - t0:5.1f}s  " + report.one_line(bg, st.baseline,
                                                                   metric="p99_bgsave_ms"))
    finally:
        for s in cur.values():
            s.stop()
    return {name_rdb: rdb}, {name_bg: bg}


def _mixed(s: Server, reqs: int, n: int, timeout: float) -> dict:
    # key:__rand_int__ becomes key:<12 digits>: the GETs mostly miss the key:<n> dataset and the
    # SETs add keys beside it; what is measured is the cost of the fork and copy-on-write of the
    # N-key dataset to the parent's latency, which misses do not hide
    return loadgen.run_mixed_redis_benchmark(
        s, set_cmd=["SET", "key:__rand_int__", VALUE], get_cmd=["GET", "key:__rand_int__"],
        ratio=(1, 10), clients=55, requests=reqs, keyspace=n, timeout=timeout)


def _bgsave_round(s: Server, reqs: int, n: int, timeout: float) -> dict:
    """The same SET:GET run twice: alone, then with a BGSAVE started 0.1 s into it. The p99
    covers the whole run, so a BGSAVE shorter than the run is diluted in it; the max latency
    (redis-benchmark's max_latency_ms) shows the stall of the fork itself."""
    quiet = _mixed(s, reqs, n, timeout)
    if "error" in quiet:
        return quiet
    box = {}
    th = threading.Thread(target=lambda: box.update(r=_mixed(s, reqs, n, timeout)))
    th.start()
    time.sleep(0.1)          # let the clients connect first: the fork lands mid-run
    t = time.monotonic()
    reply = s.call("BGSAVE")
    done = _wait_bgsave(s, timeout)
    bgsave_s = time.monotonic() - t
    th.join()
    busy = box.get("r", {"error": "no result"})
    if "error" in busy:
        return busy
    if done is None:
        return {"error": f"BGSAVE still running after {timeout:.0f}s"}
    return {"p99_ms": quiet.get("p99_ms"), "p50_ms": quiet.get("p50_ms"), "rps": quiet.get("rps"),
            "max_ms": quiet.get("max_ms"), "max_bgsave_ms": busy.get("max_ms"),
            "p99_bgsave_ms": busy.get("p99_ms"), "p50_bgsave_ms": busy.get("p50_ms"),
            "rps_bgsave": busy.get("rps"), "bgsave_s": bgsave_s,
            "run_s": busy.get("wall_s"), "bgsave_reply": _str(reply),
            # a BGSAVE that outlasts the run only partly overlaps it: say so in the JSON
            "overlap": min(1.0, (busy.get("wall_s") or 0) / bgsave_s) if bgsave_s else None}


def section_persistence(args, have, srv_core, prof, run_rounds, finish) -> dict:
    """Runs the three persistence tables; returns {section key: entries}."""
    n = args.persist_keys or prof.persist_keys
    root = tempfile.mkdtemp(prefix="bench-persist-", dir=args.persist_dir)
    st = Starter(args, have, srv_core, args.baseline, root)
    _say(f"  (server dirs under {root})")
    try:
        out = {"persist_aof": aof_throughput(st, prof, run_rounds, finish)}
        out["persist_rdb"], out["persist_bgsave"] = save_load_and_bgsave(st, prof, n, finish)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return out
