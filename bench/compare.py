"""``python -m bench compare``: fastcache and the reference servers side by side, one command.

Order of a workload: FLUSHALL and untimed setup on every server, then rounds; in each round
every server runs once, in the same order (A B A B ...), so slow drift of the machine (thermal,
page cache, noisy neighbours) lands on all servers alike and the medians' ratio survives it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import loadgen, report
from .resp import RespError, encode, load
from .servers import (ExternalServer, LocalServer, Server, default_fastcache_cmd, tool_version)
from .workloads import (PROFILES, count, VALUE, SetupError, command_workloads, memory_shapes,
                        preload_strings, zset_grow)

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def say(*a) -> None:
    print(*a, flush=True)


# -- environment --------------------------------------------------------------------------

def check_tools(args) -> dict:
    """What is present and what is missing; the bench installs nothing, it only tells."""
    have = {
        "redis-benchmark": shutil.which("redis-benchmark"),
        "redis-server": shutil.which("redis-server"),
        "memtier_benchmark": shutil.which("memtier_benchmark"),
        "taskset": shutil.which("taskset"),
    }
    try:
        import matplotlib  # noqa: F401
        have["matplotlib"] = matplotlib.__version__
    except ImportError:
        have["matplotlib"] = None
    if not have["redis-benchmark"]:
        say("missing: redis-benchmark (Debian: apt-get install redis-tools) -- cannot run")
    if not have["redis-server"] and not args.no_redis:
        say("missing: redis-server (Debian: apt-get install redis-server) -- no reference column")
    if not have["memtier_benchmark"]:
        say("missing: memtier_benchmark -- memtier workloads skipped, "
            "mixed 1:10 uses two concurrent redis-benchmark processes instead")
    if not have["taskset"]:
        say("missing: taskset (util-linux) -- servers and load generator not pinned")
    if not have["matplotlib"]:
        say("matplotlib missing, no plots (pip install matplotlib)")
    return have


def pinning(have) -> tuple[str | None, str | None]:
    """Server on core 0, load generators (and this process, whose children inherit it) on 1."""
    if (os.cpu_count() or 1) < 2 or not have["taskset"]:
        return None, None
    try:
        os.sched_setaffinity(0, {1})
    except OSError:
        return None, None
    return "0", "1"


def raise_nofile() -> None:
    """1,000 client connections need more than the common soft limit of 1024 descriptors
    (redis-server lowers maxclients to fit its own limit, so the servers need it too)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 20000 if hard == resource.RLIM_INFINITY else min(hard, 20000)
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        except (ValueError, OSError):
            pass


# -- statistics ---------------------------------------------------------------------------

HIGHER_IS_BETTER = {"rps"}


def summarize(rounds: list[dict], metrics) -> dict:
    """Median and min-max per metric over the rounds that produced it."""
    out = {}
    for m in metrics:
        vals = [r[m] for r in rounds if r.get(m) is not None]
        if vals:
            out[m] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
                      "n": len(vals)}
    return out


def add_ratios(entry: dict, baseline: str, metrics) -> None:
    """ratio[server][metric] = median(server) / median(baseline); for rps higher is better,
    for latency and CPU lower is better (the table labels which)."""
    srv = entry["servers"]
    base = srv.get(baseline, {}).get("summary", {})
    entry["ratios"] = {}
    for name, s in srv.items():
        if name == baseline:
            continue
        r = {}
        for m in metrics:
            a = s.get("summary", {}).get(m, {}).get("median")
            b = base.get(m, {}).get("median")
            if a is not None and b:
                r[m] = a / b
        entry["ratios"][name] = r


# -- sections -----------------------------------------------------------------------------

def with_conn(server: Server, fn) -> None:
    with server.conn() as c:
        fn(c)


def run_rounds(servers, rounds: int, run_one, prepare=None, prepare_round=None) -> dict:
    """The A B A B loop. ``run_one(server)`` returns a round dict or {"error": ...}; a server
    that fails (error reply, setup refused) is marked n/a for this workload and skipped."""
    entry = {"servers": {s.name: {"rounds": []} for s in servers}}
    live = []
    for s in servers:
        try:
            s.flushall()
            if prepare:
                prepare(s)
            live.append(s)
        except (SetupError, RespError, OSError) as e:
            entry["servers"][s.name]["error"] = f"setup: {e}"
    for _ in range(rounds):
        for s in list(live):
            try:
                if prepare_round:
                    prepare_round(s)
                r = run_one(s)
            except (SetupError, RespError, OSError) as e:
                r = {"error": str(e)}
            if "error" in r:
                entry["servers"][s.name]["error"] = r["error"]
                live.remove(s)
            else:
                entry["servers"][s.name]["rounds"].append(r)
    return entry


RB_METRICS = ("rps", "p50_ms", "p99_ms", "cpu_us")


def section_commands(servers, prof, args, baseline) -> dict:
    out = {}
    for w in command_workloads(prof, args.workloads):
        say_end(f"  {w.name:<16}")
        t0 = time.monotonic()
        entry = run_rounds(
            servers, prof.rounds,
            lambda s, w=w: loadgen.run_redis_benchmark(
                s, w.command, clients=w.clients, requests=w.requests, pipeline=w.pipeline,
                keyspace=w.keyspace, timeout=prof.timeout),
            prepare=(lambda s, w=w: with_conn(s, w.setup_once)) if w.setup_once else None,
            prepare_round=(lambda s, w=w: with_conn(s, w.setup_round)) if w.setup_round else None)
        finish(entry, w.params, RB_METRICS, baseline)
        out[w.name] = entry
        say(f" {time.monotonic() - t0:5.1f}s  " + report.one_line(entry, baseline))
    return out


def say_end(*a):
    print(*a, end="", flush=True)


def finish(entry, params, metrics, baseline):
    entry["params"] = params
    for s in entry["servers"].values():
        s["summary"] = summarize(s["rounds"], metrics)
    add_ratios(entry, baseline, metrics)


def section_mixed(servers, prof, args, baseline, have) -> dict:
    """Mixed 1:10 SET:GET over a pre-loaded keyspace, and the 1,000-connection workload."""
    out = {}
    n = prof.mixed_keys
    use_memtier = bool(have["memtier_benchmark"])
    name = f"mixed 1:10 {count(n)} keys"
    say_end(f"  {name:<16}")
    t0 = time.monotonic()
    if use_memtier:
        run = lambda s: loadgen.run_memtier(
            s, protocol="redis", ratio="1:10", clients=50, requests=prof.mixed_requests,
            keyspace=n, data_size=64, key_prefix="key:", timeout=prof.timeout)
        prep = lambda s: with_conn(s, lambda c: preload_strings(c, n, fmt="key:%d"))
    else:
        run = lambda s: loadgen.run_mixed_redis_benchmark(
            s, set_cmd=["SET", "key:__rand_int__", VALUE], get_cmd=["GET", "key:__rand_int__"],
            ratio=(1, 10), clients=55, requests=prof.mixed_requests, keyspace=n,
            timeout=prof.timeout)
        prep = lambda s: with_conn(s, lambda c: preload_strings(c, n))
    entry = run_rounds(servers, prof.rounds, run, prepare=prep)
    finish(entry, {"ratio": "1:10", "keys": n, "requests": prof.mixed_requests,
                   "generator": "memtier_benchmark" if use_memtier else "redis-benchmark x2",
                   "latency": "all requests" if use_memtier else "GET stream"},
           RB_METRICS, baseline)
    out[name] = entry
    say(f" {time.monotonic() - t0:5.1f}s  " + report.one_line(entry, baseline))

    name = f"get {prof.conns_clients} conns"
    say_end(f"  {name:<16}")
    t0 = time.monotonic()
    ks = prof.keyspace
    entry = run_rounds(
        servers, prof.rounds,
        lambda s: loadgen.run_redis_benchmark(
            s, ["GET", "key:__rand_int__"], clients=prof.conns_clients,
            requests=prof.conns_requests, pipeline=1, keyspace=ks, timeout=prof.timeout),
        prepare=lambda s: with_conn(s, lambda c: preload_strings(c, ks)))
    finish(entry, {"clients": prof.conns_clients, "requests": prof.conns_requests,
                   "keyspace": ks}, RB_METRICS, baseline)
    out[name] = entry
    say(f" {time.monotonic() - t0:5.1f}s  " + report.one_line(entry, baseline))
    return out


PUBSUB_METRICS = ("rps", "delivered_per_s", "cpu_us")


def section_pubsub(servers, prof, args, baseline) -> dict:
    """Fan-out: one publisher, 50 subscribers of one channel (and a pipelined
    variant), with the bench's own loader (bench/pubsub.py); A B A B rounds."""
    from .pubsub import run_fanout
    out = {}
    for subs, pipe in ((50, 1), (50, 16)):
        name = f"fanout {subs} subs -P {pipe}"
        say_end(f"  {name:<16}")
        t0 = time.monotonic()
        # -P 1 is bound by the round trip (~2 ms with 50 receivers): fewer messages
        n = prof.pubsub_messages if pipe > 1 else max(1000, prof.pubsub_messages // 20)
        entry = run_rounds(
            servers, prof.rounds,
            lambda s, subs=subs, pipe=pipe, n=n: run_fanout(
                s, subscribers=subs, messages=n, pipeline=pipe, timeout=prof.timeout))
        finish(entry, {"subscribers": subs, "pipeline": pipe, "messages": n, "size": 64},
               PUBSUB_METRICS, baseline)
        out[name] = entry
        say(f" {time.monotonic() - t0:5.1f}s  " + report.one_line(entry, baseline))
    return out


SCALING_METRICS = ("us_per_op", "cpu_us")


def section_scaling(servers, prof, args, baseline) -> dict:
    """ZADD / ZRANK / ZRANGE cost per operation at growing sorted-set sizes: a bounded
    pipelined batch of single-member commands at each size (ZRANGE fetches 10 members
    from a random rank). ZADD adds new members and they are removed again
    (untimed), so the set keeps its nominal size for the next round."""
    out = {}
    key = "zscale"
    b = prof.scaling_batch
    grown = {s.name: 0 for s in servers}
    broken: dict[str, str] = {}
    for s in servers:
        try:
            s.flushall()
        except (RespError, OSError) as e:
            broken[s.name] = str(e)
    for size in prof.scaling_sizes:
        for op in ("zadd", "zrank", "zrange"):
            name = f"{op} @{count(size)}"
            say_end(f"  {name:<16}")
            t0 = time.monotonic()
            entry = {"servers": {s.name: {"rounds": []} for s in servers}}
            for s in servers:
                if s.name in broken:
                    entry["servers"][s.name]["error"] = broken[s.name]
                    continue
                if grown[s.name] < size:
                    try:
                        with s.conn() as c:
                            zset_grow(c, key, grown[s.name], size)
                        grown[s.name] = size
                    except (SetupError, RespError, OSError) as e:
                        broken[s.name] = f"setup: {e}"
                        entry["servers"][s.name]["error"] = broken[s.name]
            rng = random.Random(size)
            for rnd in range(prof.rounds):
                if op == "zadd":
                    payload = b"".join(encode("ZADD", key, repr(rng.random() * 1e6),
                                              f"new:{rnd}:{i}") for i in range(b))
                elif op == "zrank":
                    payload = b"".join(encode("ZRANK", key, f"m:{rng.randrange(size)}")
                                       for i in range(b))
                else:
                    payload = b"".join(encode("ZRANGE", key, str(r), str(r + 9))
                                       for r in (rng.randrange(size - 10) for i in range(b)))
                for s in servers:
                    if s.name in broken:
                        continue
                    try:
                        with s.conn() as c:
                            c0 = s.cpu()
                            t = time.perf_counter()
                            errs, first = c.pipeline(payload, b, 21 if op == "zrange" else 1)
                            wall = time.perf_counter() - t
                            c1 = s.cpu()
                            if op == "zadd":
                                load(c, (("ZREM", key, *[f"new:{rnd}:{i}" for i in
                                                          range(j, min(b, j + 1000))])
                                         for j in range(0, b, 1000)), batch=50)
                    except (RespError, OSError) as e:
                        errs, first = 1, str(e)
                    if errs:
                        entry["servers"][s.name]["error"] = first
                        broken[s.name] = first
                        continue
                    r = {"us_per_op": wall / b * 1e6, "ops": b, "size": size}
                    if c0 is not None and c1 is not None:
                        r["cpu_us"] = (c1 - c0) / b * 1e6
                    entry["servers"][s.name]["rounds"].append(r)
            # /proc CPU times tick at 100 Hz: a batch costs the server only a few ticks, so
            # the CPU figure is pooled over all rounds (total CPU / total ops) instead
            for srv in entry["servers"].values():
                rs = [r for r in srv["rounds"] if "cpu_us" in r]
                if rs:
                    srv["cpu_us_pooled"] = sum(r["cpu_us"] * r["ops"] for r in rs) / sum(
                        r["ops"] for r in rs)
            finish(entry, {"op": op, "members": size, "batch": b, "pipelined": True},
                   SCALING_METRICS, baseline)
            for srv in entry["servers"].values():
                if "cpu_us_pooled" in srv:
                    v = srv["cpu_us_pooled"]
                    srv["summary"]["cpu_us"] = {"median": v, "min": v, "max": v, "n": 1}
            add_ratios(entry, baseline, SCALING_METRICS)
            out[name] = entry
            say(f" {time.monotonic() - t0:5.1f}s  " + report.one_line(entry, baseline,
                                                                     metric="us_per_op"))
    for s in servers:
        if s.name not in broken:
            try:
                s.flushall()
            except (RespError, OSError):
                pass
    return out


MEMORY_METRICS = ("used_per_key", "rss_per_key")


def section_memory(make_servers, externals, prof, args, baseline) -> dict:
    """Per shape: a fresh server (externals: FLUSHALL), used_memory and VmRSS before and after
    loading N keys; growth per key. One round: the figures are deterministic to a few bytes."""
    out = {}
    for shape, n, elems, gen in memory_shapes(prof, args.memory_keys):
        name = f"{shape} x{count(n)}"
        say_end(f"  {name:<28}")
        t0 = time.monotonic()
        entry = {"servers": {}}
        for s in sorted(make_servers() + externals, key=lambda s: s.name != baseline):
            res = {"rounds": []}
            entry["servers"][s.name] = res
            if s.error:
                res["error"] = s.error
                continue
            try:
                if s.external:
                    s.flushall()
                # let a fresh server settle: the first INFO allocates
                s.info("memory")
                m0 = int(s.info("memory").get("used_memory", 0))
                r0 = s.rss()
                with s.conn() as c:
                    sent, errs, first = load(c, gen())
                if errs:
                    res["error"] = first
                    continue
                m1 = int(s.info("memory").get("used_memory", 0))
                r1 = s.rss()
                dbsize = s.call("DBSIZE")
                r = {"keys": n, "elements_per_key": elems, "dbsize": dbsize,
                     "used_memory_before": m0, "used_memory_after": m1,
                     "used_per_key": (m1 - m0) / n if m1 else None}
                if r0 is not None and r1 is not None:
                    r.update(rss_before=r0, rss_after=r1, rss_per_key=(r1 - r0) / n)
                if dbsize != n:
                    r["warning"] = f"DBSIZE {dbsize} != {n}"
                res["rounds"].append(r)
                if s.external:
                    s.flushall()
            except (RespError, OSError, ValueError) as e:
                res["error"] = str(e)
            finally:
                if not s.external:
                    s.stop()
        finish(entry, {"shape": shape, "keys": n, "elements_per_key": elems},
               MEMORY_METRICS, baseline)
        out[name] = entry
        say(f" {time.monotonic() - t0:5.1f}s  " + report.one_line(entry, baseline,
                                                                 metric="used_per_key"))
    return out


# -- main ---------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench compare",
                                description="fastcache vs reference servers, side by side.")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="smoke run, under a minute")
    g.add_argument("--full", action="store_true", help="long run: more requests and rounds")
    p.add_argument("--target", action="append", default=[], metavar="[NAME=]HOST:PORT",
                   help="also measure a running Redis-compatible server (repeatable)")
    p.add_argument("--workloads", type=lambda s: [w.strip() for w in s.split(",") if w.strip()],
                   metavar="LIST", help="per-command workloads, comma separated (e.g. set,get); "
                   "'none' for none")
    p.add_argument("--sections", default="commands,mixed,scaling,pubsub,memory",
                   help="sections to run (default: %(default)s; also: persistence, "
                   "which starts its own servers and takes minutes)")
    p.add_argument("--rounds", type=int, help="rounds per workload (>= 3 recommended)")
    p.add_argument("--memory-keys", type=int, help="keys for the memory workload "
                   "(small strings; other shapes use a tenth)")
    p.add_argument("--persist-keys", type=int, help="keys (key:<n>, 32-byte values) for the "
                   "persistence section's SAVE / load / BGSAVE (default 1M, quick 100k)")
    p.add_argument("--persist-dir", help="where the persistence section's servers get their "
                   "temporary --dir (default: the system temp dir); fsync cost depends on it")
    p.add_argument("--fastcache-cmd", default=default_fastcache_cmd(),
                   help="command that starts fastcache, before --port ... (default: %(default)s)")
    p.add_argument("--redis-cmd", default="redis-server",
                   help="command that starts the reference (default: %(default)s)")
    p.add_argument("--no-fastcache", action="store_true")
    p.add_argument("--no-redis", action="store_true")
    p.add_argument("--maxmemory", default="0", help="same maxmemory for every started server")
    p.add_argument("--baseline", default="redis", help="server the ratios divide by")
    p.add_argument("--allow-flush", action="store_true",
                   help="FLUSHALL a --target even if it holds keys")
    p.add_argument("--no-pin", action="store_true", help="do not use taskset")
    p.add_argument("--out", type=Path, help="JSON path (default bench/results/<time>.json)")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    prof = PROFILES["quick" if args.quick else "full" if args.full else "default"]
    if args.rounds:
        prof.rounds = args.rounds
    if args.workloads == ["none"]:
        args.workloads = []
    sections = {x.strip() for x in args.sections.split(",")}
    started = time.monotonic()
    have = check_tools(args)
    if not have["redis-benchmark"]:
        return 2
    raise_nofile()
    srv_core, gen_core = (None, None) if args.no_pin else pinning(have)
    settings = ["--save", "", "--appendonly", "no", "--maxmemory", args.maxmemory]

    failed: set[str] = set()       # local servers that did not start: not retried for memory

    def make_local() -> list[Server]:
        out = []
        if not args.no_fastcache and "fastcache" not in failed:
            out.append(LocalServer("fastcache", shlex.split(args.fastcache_cmd), settings,
                                   srv_core))
        if not args.no_redis and have["redis-server"] and "redis" not in failed:
            out.append(LocalServer("redis", shlex.split(args.redis_cmd), settings, srv_core))
        return out

    externals: list[Server] = []
    for t in args.target:
        name, _, hp = t.rpartition("=")
        host, _, port = hp.rpartition(":")
        s = ExternalServer(name or f"target:{hp}", host or "127.0.0.1", int(port))
        if "error" in s.info_server:
            s.error = f"unreachable: {s.info_server['error']}"
        else:
            try:
                keys = s.call("DBSIZE")
                if keys and not args.allow_flush:
                    s.error = f"holds {keys} keys; the bench FLUSHALLs (pass --allow-flush)"
            except (RespError, OSError) as e:
                s.error = str(e)
        externals.append(s)

    servers = make_local() + externals
    for s in servers:
        if s.error:
            say(f"{s.name}: not measured: {s.error}")
    live = [s for s in servers if not s.error]
    failed.update(s.name for s in servers if s.error and not s.external)
    # the baseline runs first in each round: A B A B with A = reference
    live.sort(key=lambda s: s.name != args.baseline)
    say(f"profile {prof.name}: {prof.rounds} rounds, servers: "
        + ", ".join(f"{s.name} ({s.host}:{s.port}, pid {s.pid})" for s in live)
        + (f"; servers on core {srv_core}, load generators on core {gen_core}" if srv_core
           else "; not pinned"))

    result = {
        "schema": 1,
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "profile": prof.__dict__ | {"scaling_sizes": list(prof.scaling_sizes),
                                    "commands": list(prof.commands)},
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "baseline": args.baseline,
        "machine": machine_info(have, srv_core, gen_core),
        "servers": [],
        "sections": {},
    }
    try:
        if live:
            if "commands" in sections and args.workloads != []:
                say("per-command workloads (50 clients, 64-byte values):")
                result["sections"]["commands"] = section_commands(live, prof, args,
                                                                  args.baseline)
            if "mixed" in sections:
                say("mixed and many-connection workloads:")
                result["sections"]["mixed"] = section_mixed(live, prof, args, args.baseline,
                                                            have)
            if "pubsub" in sections:
                say("pub/sub fan-out (one publisher, 50 subscribers, 64-byte messages):")
                result["sections"]["pubsub"] = section_pubsub(live, prof, args, args.baseline)
            if "scaling" in sections:
                say("scaling (pipelined batches, per-op cost):")
                result["sections"]["scaling"] = section_scaling(live, prof, args,
                                                                args.baseline)
        result["servers"] = [s.describe() for s in servers]
    finally:
        for s in servers:
            s.stop()
    if "memory" in sections:
        say("memory (fresh server per shape):")
        ext_live = [s for s in externals if not s.error]
        result["sections"]["memory"] = section_memory(
            lambda: [s for s in make_local()], ext_live, prof, args, args.baseline)
    if "persistence" in sections:
        say("persistence (fresh servers with AOF / RDB settings):")
        if externals:
            say("  --target servers are not measured here: the section restarts its servers")
        from .persist import section_persistence
        result["sections"].update(section_persistence(args, have, srv_core, prof, run_rounds,
                                                      finish))
    result["elapsed_s"] = round(time.monotonic() - started, 1)

    say("")
    say(report.render(result))
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out or RESULTS_DIR / f"compare-{prof.name}-{stamp}.json"
    tmp = Path(str(out) + ".tmp")
    tmp.write_text(json.dumps(result, indent=1, default=str))
    tmp.replace(out)
    say(f"JSON: {out}")
    if have["matplotlib"]:
        for png in report.plots(result, out.with_suffix("")):
            say(f"plot: {png}")
    say(f"elapsed {result['elapsed_s']}s")
    return 0


def machine_info(have, srv_core, gen_core) -> dict:
    def git_rev():
        try:
            return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                  text=True, cwd=Path(__file__).parent, timeout=5).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return None
    cpu_model = None
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(), "cpu_model": cpu_model, "platform": platform.platform(),
        "python": sys.version.split()[0], "git": git_rev(),
        "pinning": {"server_core": srv_core, "loadgen_core": gen_core},
        "tools": {
            "redis-server": tool_version(["redis-server", "--version"]),
            "redis-benchmark": tool_version(["redis-benchmark", "--version"]),
            "memtier_benchmark": tool_version(["memtier_benchmark", "--version"]),
            "matplotlib": have["matplotlib"],
        },
    }
