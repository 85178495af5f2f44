"""Load generators: redis-benchmark (always) and memtier_benchmark (when on PATH).

Each run is bounded in requests (``-n``) and in seconds (a subprocess timeout), and samples the
server's CPU time (utime+stime from /proc) around it: at ``-P 1`` on two cores the load generator
saturates before the server does, so requests/s alone would hide what a request costs the server.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import tempfile
import time

from .servers import Server

REDIS_BENCHMARK = "redis-benchmark"
MEMTIER = "memtier_benchmark"


def _err(text: str) -> str:
    """Shorten a load generator's complaint to the first server error line, if there is one."""
    for line in text.splitlines():
        if "Error from server:" in line:
            return line.split("Error from server:", 1)[1].strip()[:160]
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return (lines[-1] if lines else "no output")[:160]


def parse_rb_csv(text: str) -> list[dict]:
    """redis-benchmark 7.0 ``--csv`` output -> rows with float fields.

    Columns: test, rps, avg/min/p50/p95/p99/max latency in ms.
    """
    rows = []
    reader = csv.reader(io.StringIO(text))
    header = None
    for rec in reader:
        if not rec:
            continue
        if rec[0] == "test":
            header = rec
            continue
        if header is None or len(rec) != len(header):
            continue
        row = {"test": rec[0]}
        for k, v in zip(header[1:], rec[1:]):
            try:
                row[k] = float(v)
            except ValueError:
                row[k] = None
        rows.append(row)
    return rows


def redis_benchmark_argv(server: Server, command: list[str], *, clients: int, requests: int,
                         pipeline: int, keyspace: int | None) -> list[str]:
    argv = [REDIS_BENCHMARK, "-h", server.host, "-p", str(server.port), "-c", str(clients),
            "-n", str(requests), "-P", str(pipeline), "--csv"]
    if keyspace:
        argv += ["-r", str(keyspace)]
    return argv + list(command)


def _finish(server: Server, cpu0, cpu1, requests: int, row: dict | None, wall: float) -> dict:
    res = {"requests": requests, "wall_s": round(wall, 4)}
    if row:
        res.update(rps=row.get("rps"), p50_ms=row.get("p50_latency_ms"),
                   p99_ms=row.get("p99_latency_ms"), avg_ms=row.get("avg_latency_ms"),
                   max_ms=row.get("max_latency_ms"))
    if cpu0 is not None and cpu1 is not None:
        res["cpu_us"] = (cpu1 - cpu0) / requests * 1e6
        res["server_cpu_s"] = round(cpu1 - cpu0, 3)
    return res


def run_redis_benchmark(server: Server, command: list[str], *, clients: int, requests: int,
                        pipeline: int = 1, keyspace: int | None = None,
                        timeout: float = 60.0) -> dict:
    """One bounded redis-benchmark run of a custom command. Returns a round dict
    (rps, p50_ms, p99_ms, cpu_us per request) or {"error": ...}."""
    argv = redis_benchmark_argv(server, command, clients=clients, requests=requests,
                                pipeline=pipeline, keyspace=keyspace)
    cpu0 = server.cpu()
    t0 = time.monotonic()
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f}s"}
    wall = time.monotonic() - t0
    cpu1 = server.cpu()
    rows = parse_rb_csv(out.stdout)
    # redis-benchmark exits 1 on the first error reply ("Error from server: ERR ...")
    if out.returncode != 0 or not rows:
        return {"error": _err(out.stderr + "\n" + out.stdout)}
    return _finish(server, cpu0, cpu1, requests, rows[-1], wall)


def run_mixed_redis_benchmark(server: Server, *, set_cmd: list[str], get_cmd: list[str],
                              ratio: tuple[int, int], clients: int, requests: int,
                              keyspace: int, timeout: float = 60.0) -> dict:
    """A set:get mix with redis-benchmark, which runs one command per process: two concurrent
    processes with clients and requests split in the ratio, so that every connection carries
    the same load and both streams end together. Throughput is all requests over the wall time
    of both; latency percentiles are those of the GET stream (the bulk of the traffic)."""
    s, g = ratio
    set_clients = max(1, round(clients * s / (s + g)))
    get_clients = max(1, clients - set_clients)
    set_req = max(set_clients, requests * s // (s + g))
    get_req = max(get_clients, requests - set_req)
    a1 = redis_benchmark_argv(server, set_cmd, clients=set_clients, requests=set_req,
                              pipeline=1, keyspace=keyspace)
    a2 = redis_benchmark_argv(server, get_cmd, clients=get_clients, requests=get_req,
                              pipeline=1, keyspace=keyspace)
    cpu0 = server.cpu()
    t0 = time.monotonic()
    p1 = subprocess.Popen(a1, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p2 = subprocess.Popen(a2, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        o1, e1 = p1.communicate(timeout=timeout)
        o2, e2 = p2.communicate(timeout=max(1.0, timeout - (time.monotonic() - t0)))
    except subprocess.TimeoutExpired:
        for p in (p1, p2):
            p.kill()
            p.communicate()
        return {"error": f"timeout after {timeout:.0f}s"}
    wall = time.monotonic() - t0
    cpu1 = server.cpu()
    r1, r2 = parse_rb_csv(o1), parse_rb_csv(o2)
    if p1.returncode or p2.returncode or not r1 or not r2:
        return {"error": _err(e1 + "\n" + e2 + "\n" + o1 + "\n" + o2)}
    total = set_req + get_req
    res = _finish(server, cpu0, cpu1, total, r2[-1], wall)
    res["rps"] = total / wall
    res["set_rps"], res["get_rps"] = r1[-1].get("rps"), r2[-1].get("rps")
    return res


# -- memtier_benchmark ----------------------------------------------------------------------

def memtier_available() -> bool:
    return shutil.which(MEMTIER) is not None


def _find(d, *names):
    """First value under any of ``names`` found by a depth-first walk of a JSON document."""
    if isinstance(d, dict):
        for n in names:
            if n in d and not isinstance(d[n], (dict, list)):
                return d[n]
        for v in d.values():
            r = _find(v, *names)
            if r is not None:
                return r
    return None


def run_memtier(server: Server, *, protocol: str, ratio: str, clients: int, requests: int,
                keyspace: int, data_size: int, key_prefix: str, timeout: float = 60.0) -> dict:
    """One bounded memtier_benchmark run (1 thread, ``clients`` connections, ``requests`` in
    total). Keys are ``<key_prefix><n>`` for n in [0, keyspace)."""
    per_client = max(1, requests // clients)
    fd, path = tempfile.mkstemp(prefix="memtier-", suffix=".json")
    os.close(fd)
    argv = [MEMTIER, "-s", server.host, "-p", str(server.port), f"--protocol={protocol}",
            "-t", "1", "-c", str(clients), f"--ratio={ratio}", f"--requests={per_client}",
            f"--key-prefix={key_prefix}", "--key-minimum=0", f"--key-maximum={keyspace - 1}",
            "--key-pattern=R:R", "-d", str(data_size), "--hide-histogram",
            f"--json-out-file={path}"]
    cpu0 = server.cpu()
    t0 = time.monotonic()
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        wall = time.monotonic() - t0
        cpu1 = server.cpu()
        if out.returncode != 0:
            return {"error": _err(out.stderr + "\n" + out.stdout)}
        with open(path) as f:
            doc = json.load(f)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f}s"}
    except (OSError, ValueError) as e:
        return {"error": f"memtier output unreadable: {e}"}
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
    # the JSON layout moved between memtier versions; look the figures up by name
    totals = doc.get("ALL STATS", {}).get("Totals", doc)
    res = _finish(server, cpu0, cpu1, per_client * clients, None, wall)
    res["rps"] = _find(totals, "Ops/sec")
    res["p50_ms"] = _find(totals, "p50.00", "p50")
    res["p99_ms"] = _find(totals, "p99.00", "p99")
    if res["rps"] is None:
        return {"error": "memtier JSON has no Ops/sec"}
    return res
