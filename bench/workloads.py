"""Workload definitions and run profiles (quick / default / full).

Keys and values are the same for every server. redis-benchmark replaces each ``__rand_int__``
with its own 12-digit zero-padded number below ``-r``, so pre-loaded keys use ``%012d``.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable

from .resp import Conn, load

VALUE = "v" * 64                     # the 64-byte values
RB_KEY = "key:%012d"                 # what redis-benchmark makes of key:__rand_int__


@dataclass
class Profile:
    name: str
    rounds: int
    requests_p1: int                 # per run at -P 1
    requests_p16: int                # per run at -P 16
    keyspace: int                    # -r for the per-command workloads
    mixed_keys: int
    mixed_requests: int
    conns_clients: int
    conns_requests: int
    memory_keys: int                 # small strings (the server issue's acceptance figure)
    memory_other_keys: int           # hashes, sets, sorted sets, lists (10 elements each)
    scaling_sizes: tuple[int, ...]
    scaling_batch: int
    timeout: float                   # seconds, per load generator run
    commands: tuple[str, ...] = ()
    # persistence section (python -m bench compare --sections persistence)
    persist_requests: int = 50_000   # SET requests per AOF run
    persist_keys: int = 1_000_000    # key:<n> dataset for SAVE / load / BGSAVE (issue 5)
    bgsave_requests: int = 100_000   # SET:GET requests per run with / without a BGSAVE
    # pubsub section: PUBLISH commands per fan-out run (one publisher, 50 subscribers)
    pubsub_messages: int = 100_000


# The server issue's set/get/incr/mset plus the types issue's redis-benchmark list
# (lpush rpush lpop rpop sadd hset spop zadd zpopmin lrange_100 lrange_300).
ALL_COMMANDS = ("ping", "set", "get", "incr", "mset", "lpush", "rpush", "lpop", "rpop", "sadd", "hset",
                "spop", "zadd", "zpopmin", "lrange_100", "lrange_300", "evalsha_incr", "evalsha_get")

# Scripting issue (6): EVALSHA of a small cached script.
EVALSHA_SCRIPTS = {
    "evalsha_incr": "return redis.call('incr', KEYS[1])",
    "evalsha_get": "return redis.call('get', KEYS[1])",
}

PROFILES = {
    "quick": Profile("quick", rounds=3, requests_p1=10_000, requests_p16=40_000,
                     keyspace=100_000, mixed_keys=100_000, mixed_requests=20_000,
                     conns_clients=1000, conns_requests=20_000, memory_keys=100_000,
                     memory_other_keys=10_000, scaling_sizes=(10_000, 100_000),
                     scaling_batch=5_000, timeout=30,
                     commands=("set", "get", "incr", "mset", "lpush", "rpop", "hset", "zadd",
                               "lrange_100"),
                     persist_requests=10_000, persist_keys=100_000, bgsave_requests=20_000,
                     pubsub_messages=20_000),
    "default": Profile("default", rounds=5, requests_p1=50_000, requests_p16=200_000,
                       keyspace=100_000, mixed_keys=1_000_000, mixed_requests=100_000,
                       conns_clients=1000, conns_requests=50_000, memory_keys=1_000_000,
                       memory_other_keys=100_000, scaling_sizes=(10_000, 100_000, 1_000_000),
                       scaling_batch=10_000, timeout=60, commands=ALL_COMMANDS),
    "full": Profile("full", rounds=5, requests_p1=200_000, requests_p16=1_000_000,
                    keyspace=1_000_000, mixed_keys=1_000_000, mixed_requests=500_000,
                    conns_clients=1000, conns_requests=200_000, memory_keys=1_000_000,
                    memory_other_keys=1_000_000, scaling_sizes=(10_000, 100_000, 1_000_000),
                    scaling_batch=50_000, timeout=300, commands=ALL_COMMANDS,
                    persist_requests=200_000, bgsave_requests=500_000, pubsub_messages=500_000),
}


# -- setup helpers (run with the bench's own pipelined loader, never timed) -------------------

def preload_strings(conn: Conn, n: int, fmt: str = RB_KEY, value: str = VALUE) -> None:
    _check(load(conn, (("SET", fmt % i, value) for i in range(n))), "preload")


def fill_list(conn: Conn, key: str, n: int, value: str = VALUE, per_cmd: int = 1000) -> None:
    def cmds():
        left = n
        while left > 0:
            k = min(per_cmd, left)
            yield ("RPUSH", key) + (value,) * k
            left -= k
    _check(load(conn, cmds(), batch=50), "fill list")


def fill_set(conn: Conn, key: str, n: int, per_cmd: int = 1000) -> None:
    def cmds():
        for lo in range(0, n, per_cmd):
            yield ("SADD", key) + tuple(f"element:{i}" for i in range(lo, min(n, lo + per_cmd)))
    _check(load(conn, cmds(), batch=50), "fill set")


def fill_zset(conn: Conn, key: str, n: int, per_cmd: int = 1000) -> None:
    def cmds():
        for lo in range(0, n, per_cmd):
            args = ["ZADD", key]
            for i in range(lo, min(n, lo + per_cmd)):
                args += [str(i), f"element:{i}"]
            yield tuple(args)
    _check(load(conn, cmds(), batch=50), "fill zset")


def _check(res, what: str) -> None:
    sent, errs, first = res
    if errs:
        raise SetupError(f"{what}: {errs} error replies, first: {first}")


def count(n: int) -> str:
    """10000 -> '10k', 1000000 -> '1M' (workload names)."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


class SetupError(Exception):
    """A server rejected a setup command; the workload is n/a on that server."""


@dataclass
class CommandWorkload:
    """One redis-benchmark custom command at a given pipeline depth."""
    name: str
    command: list[str]
    pipeline: int
    requests: int
    clients: int = 50
    keyspace: int | None = None
    setup_once: Callable[[Conn], None] | None = None          # after FLUSHALL
    setup_round: Callable[[Conn], None] | None = None         # before each round, untimed
    params: dict = field(default_factory=dict)


def command_workloads(p: Profile, commands=None) -> list[CommandWorkload]:
    """Per-command workloads: each command at -P 1 and -P 16, 50 clients, 64-byte values."""
    ks = p.keyspace
    out = []
    for depth in (1, 16):
        n = p.requests_p1 if depth == 1 else p.requests_p16
        for name in commands or p.commands:
            once = rnd = None
            reqs = n
            if name == "ping":
                cmd = ["PING"]
            elif name == "set":
                cmd = ["SET", "key:__rand_int__", VALUE]
            elif name == "get":
                cmd = ["GET", "key:__rand_int__"]
                once = lambda c, ks=ks: preload_strings(c, ks)
            elif name == "incr":
                cmd = ["INCR", "counter:__rand_int__"]
            elif name == "mset":
                # redis-benchmark's own MSET test: 10 keys per command
                cmd = ["MSET"] + ["key:__rand_int__", VALUE] * 10
                reqs = max(1000, n // 4)
            elif name == "lpush":
                cmd = ["LPUSH", "mylist", VALUE]
            elif name == "rpush":
                cmd = ["RPUSH", "mylist", VALUE]
            elif name in ("rpop", "lpop"):
                cmd = [name.upper(), "mylist"]
                # every pop must find an element: refill before each round
                rnd = lambda c, n=reqs: (c.call("DEL", "mylist"), fill_list(c, "mylist", n))
            elif name == "spop":
                cmd = ["SPOP", "myset"]
                rnd = lambda c, n=reqs: (c.call("DEL", "myset"), fill_set(c, "myset", n))
            elif name == "zpopmin":
                cmd = ["ZPOPMIN", "myzset"]
                rnd = lambda c, n=reqs: (c.call("DEL", "myzset"), fill_zset(c, "myzset", n))
            elif name == "sadd":
                cmd = ["SADD", "myset", "element:__rand_int__"]
            elif name == "hset":
                cmd = ["HSET", "myhash", "element:__rand_int__", VALUE]
            elif name == "zadd":
                cmd = ["ZADD", "myzset", "__rand_int__", "element:__rand_int__"]
            elif name in EVALSHA_SCRIPTS:
                import hashlib
                body = EVALSHA_SCRIPTS[name]
                cmd = ["EVALSHA", hashlib.sha1(body.encode()).hexdigest(), "1",
                       ("counter:" if name == "evalsha_incr" else "key:") + "__rand_int__"]
                if name == "evalsha_get":
                    once = lambda c, ks=ks, body=body: (preload_strings(c, ks), c.call("SCRIPT", "LOAD", body))
                else:
                    once = lambda c, body=body: c.call("SCRIPT", "LOAD", body)
            elif name in ("lrange_100", "lrange_300"):
                size = int(name.split("_")[1])
                cmd = ["LRANGE", "biglist", "0", str(size - 1)]
                once = lambda c, size=size: fill_list(c, "biglist", size)
                reqs = max(1000, n // (4 if size == 100 else 12))
            else:
                raise ValueError(f"unknown command workload {name!r}")
            out.append(CommandWorkload(
                name=f"{name} P{depth}", command=cmd, pipeline=depth, requests=reqs,
                keyspace=ks, setup_once=once, setup_round=rnd,
                params={"command": name, "pipeline": depth, "clients": 50, "requests": reqs,
                        "keyspace": ks, "value_bytes": 64}))
    return out


# -- memory shapes ---------------------------------------------------------------------------

def memory_shapes(p: Profile, memory_keys: int | None = None):
    """(name, number of keys, elements per key, command generator) for each shape.

    Small strings are the server issue's acceptance figure: ``key:<n>`` with 32-byte values.
    The others have 10 small elements per key, i.e. Redis's compact encodings (listpack/intset).
    """
    n_str = memory_keys or p.memory_keys
    n = p.memory_other_keys if memory_keys is None else max(1, memory_keys // 10)
    n_big = n_str
    v32 = "x" * 32
    fields10 = []
    for j in range(10):
        fields10 += [f"f{j}", f"value-{j:02d}"]
    zmembers10 = []
    for j in range(10):
        zmembers10 += [str(j * 1.5), f"member-{j}"]
    ints10 = [str(j * 7) for j in range(10)]
    items10 = [f"item-{j:04d}" for j in range(10)]
    return [
        ("strings (32 B value)", n_str, 1, lambda: (("SET", f"key:{i}", v32) for i in range(n_str))),
        ("hashes (10 fields)", n, 10, lambda: (("HSET", f"hash:{i}", *fields10) for i in range(n))),
        ("sets (10 ints)", n, 10, lambda: (("SADD", f"set:{i}", *ints10) for i in range(n))),
        ("zsets (10 members)", n, 10,
         lambda: (("ZADD", f"zset:{i}", *zmembers10) for i in range(n))),
        ("lists (10 items)", n, 10, lambda: (("RPUSH", f"list:{i}", *items10) for i in range(n))),
        # the types issue's big single structures (B/key = the whole structure)
        (f"one list ({count(n_big)} items)", 1, n_big,
         lambda: (("RPUSH", "biglist") + tuple(f"item-{j:08d}" for j in range(lo, min(n_big, lo + 1000)))
                  for lo in range(0, n_big, 1000))),
        (f"one zset ({count(n_big)} members)", 1, n_big,
         lambda: (("ZADD", "bigzset") + tuple(x for j in range(lo, min(n_big, lo + 1000))
                                              for x in (str(j), f"member-{j:08d}"))
                  for lo in range(0, n_big, 1000))),
    ]


# -- scaling ---------------------------------------------------------------------------------

def zset_grow(conn: Conn, key: str, start: int, stop: int, seed: int = 1) -> None:
    """Add members m:<start>..m:<stop-1> with random scores, 1000 per ZADD (untimed)."""
    rng = random.Random(seed + start)

    def cmds():
        for lo in range(start, stop, 1000):
            args = ["ZADD", key]
            for i in range(lo, min(stop, lo + 1000)):
                args += [repr(rng.random() * 1e6), f"m:{i}"]
            yield tuple(args)
    _check(load(conn, cmds(), batch=20), "zset grow")
