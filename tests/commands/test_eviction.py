"""maxmemory eviction, OOM refusals and the "evicted" keyspace event (evict.pxi).

Two kinds of tests:
- differential, where the outcome is deterministic: `maxmemory 1` keeps every
  server over its limit whatever its own memory use, so refusals, error text,
  EXECABORT, script errors, "evicted" events and the DEL in the propagation
  stream can be compared byte for byte with the reference redis-server;
- statistical, per policy, on a private fastcache with a small headroom over its
  own used_memory: fill past the limit, then check what survived (with margins:
  Redis's LRU/LFU are approximations by sampling).
"""

from __future__ import annotations

import time

import pytest

from support.resp import RawClient, parse, parse_all

OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
VALUE = "v" * 100


def _info(c: RawClient, field: str) -> str:
    for line in parse(c.call("INFO", "all")).decode().split("\r\n"):
        if line.startswith(field + ":"):
            return line.split(":", 1)[1]
    raise KeyError(field)


def _pipeline(c: RawClient, commands) -> list[bytes]:
    commands = list(commands)
    for cmd in commands:
        c.send_command(*cmd)
    return c.read_replies(len(commands))


def _server(server_factory, kind="fc", *args):
    s = server_factory(kind, list(args))
    return RawClient(*s.address)


def _limited(server_factory, policy: str, headroom: int, *config):
    """A private fastcache with `policy` and maxmemory = its used_memory + headroom."""
    c = _server(server_factory)
    assert c.call("CONFIG", "SET", "maxmemory-policy", policy, *config) == b"+OK\r\n"
    used = int(_info(c, "used_memory"))
    assert c.call("CONFIG", "SET", "maxmemory", str(used + headroom)) == b"+OK\r\n"
    return c, used + headroom


def _exists(c: RawClient, keys) -> list[bool]:
    return [r == b":1\r\n" for r in _pipeline(c, (("EXISTS", k) for k in keys))]


# ---- differential: refusals and their text ------------------------------------------------

OOM_SEQUENCE = [
    ("SET", "k", "v"),                         # denyoom: refused
    ("INCR", "n"),
    ("APPEND", "k", "x"),
    ("GET", "k"),                              # reads run
    ("DEL", "k"),                              # DEL is not denyoom
    ("EXPIRE", "k", "10"),
    ("MSET", "a", "1", "b", "2"),
    ("LPUSH", "l", "x"),
    ("SETNX", b"a\x00b", "v"),                 # binary and empty keys change nothing
    ("SET", "", "v"),
    # inside MULTI everything but EXEC/DISCARD/QUIT/RESET is refused, reads too,
    # and the transaction is flagged: EXEC aborts
    ("MULTI",), ("GET", "k"), ("PING",), ("EXEC",),
    ("MULTI",), ("SET", "k", "v"), ("DISCARD",),
    # scripts: a script without flags fails at its first denyoom call ...
    ("EVAL", "return redis.call('set', 'k', 'v')", "0"),
    ("EVAL", "return redis.pcall('set', 'k', 'v')", "0"),
    ("EVAL", "return redis.call('get', 'k')", "0"),
    ("EVAL", "redis.call('del', 'k'); return redis.call('set', 'k', 'v')", "0"),
    # ... one with a shebang is refused up front unless allow-oom or no-writes
    ("EVAL", "#!lua\nreturn redis.call('set', 'k', 'v')", "0"),
    ("EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', 'k2', 'v')", "0"),
    ("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'k2')", "0"),
    ("EVAL_RO", "return redis.call('get', 'k2')", "0"),
    ("EVALSHA", "2ed3a6cf9e1a4c0e9f2bd96a0a3c9e5e51e1c0b6", "0"),
    ("FCALL", "w", "0"), ("FCALL", "oomok", "0"), ("FCALL", "ro", "0"),
    ("DEL", "k2"),
]

LIB = """#!lua name=evlib
redis.register_function('w', function() return redis.call('set', 'fk', 'v') end)
redis.register_function{function_name='oomok', callback=function() return redis.call('set', 'fk2', 'v') end,
                        flags={'allow-oom'}}
redis.register_function{function_name='ro', callback=function() return redis.call('get', 'fk2') end,
                        flags={'no-writes'}}
"""


@pytest.mark.parametrize("resp", [2, 3])
def test_noeviction_refusals_match_reference(server_factory, resp):
    ref, fc = _server(server_factory, "ref"), _server(server_factory, "fc")
    for c in (ref, fc):
        if resp == 3:
            c.call("HELLO", "3")
        c.call("FUNCTION", "LOAD", LIB)
        c.call("SET", "k", "v")
        assert c.call("CONFIG", "SET", "maxmemory", "1") == b"+OK\r\n"
    for cmd in OOM_SEQUENCE:
        r, f = ref.call(*cmd), fc.call(*cmd)
        assert f == r, (cmd, r, f)
    # the refusals count as rejected calls, as in the reference
    for c in (ref, fc):
        assert c.call("CONFIG", "SET", "maxmemory", "0") == b"+OK\r\n"
    assert fc.call("SET", "k", "v") == b"+OK\r\n"


def test_evalsha_of_flagged_script_is_refused_under_oom(server_factory):
    ref, fc = _server(server_factory, "ref"), _server(server_factory, "fc")
    bodies = ["#!lua\nreturn redis.call('set', 'k', 'v')", "return redis.call('set', 'k', 'v')",
              "#!lua flags=allow-oom\nreturn redis.call('set', 'k', 'v')"]
    shas = []
    for c in (ref, fc):
        shas = [parse(c.call("SCRIPT", "LOAD", b)) for b in bodies]
        c.call("CONFIG", "SET", "maxmemory", "1")
    for sha in shas:
        assert fc.call("EVALSHA", sha, "0") == ref.call("EVALSHA", sha, "0")


def test_exec_with_queued_denyoom_command_aborts_when_oom_arrives(server_factory):
    ref, fc = _server(server_factory, "ref"), _server(server_factory, "fc")
    for c in (ref, fc):
        assert c.call("MULTI") == b"+OK\r\n"
        assert c.call("SET", "k", "v") == b"+QUEUED\r\n"
        RawClient(c.host, c.port).call("CONFIG", "SET", "maxmemory", "1")
    assert fc.call("EXEC") == ref.call("EXEC")
    assert fc.call("MULTI") == ref.call("MULTI")
    assert fc.call("GET", "k") == ref.call("GET", "k") == OOM
    assert fc.call("EXEC") == ref.call("EXEC")


def test_oom_applies_when_used_memory_exceeds_maxmemory_relative_to_start(server_factory):
    """Same headroom over each server's own used_memory: both end up refusing SET
    with the same text once the data outgrows it."""
    for kind in ("ref", "fc"):
        c = _server(server_factory, kind)
        used = int(_info(c, "used_memory"))
        c.call("CONFIG", "SET", "maxmemory", str(used + 300_000))
        replies = _pipeline(c, (("SET", "key:%d" % i, VALUE) for i in range(10_000)))
        assert replies[0] == b"+OK\r\n"
        assert replies[-1] == OOM, kind
        assert set(replies) == {b"+OK\r\n", OOM}
        # reads and deletes still run; evicted_keys stays 0 under noeviction
        assert c.call("GET", "key:0") == b"$100\r\n" + VALUE.encode() + b"\r\n"
        assert c.call("DEL", "key:0") == b":1\r\n"
        assert _info(c, "evicted_keys") == "0"


# ---- differential: the "evicted" event and the DEL ---------------------------------------

@pytest.mark.parametrize("classes,resp", [("Ee", 2), ("KEe", 2), ("Ke", 2), ("KEe", 3)])
def test_evicted_keyspace_events_match_reference(server_factory, classes, resp):
    got = {}
    for kind in ("ref", "fc"):
        c = _server(server_factory, kind)
        c.call("CONFIG", "SET", "notify-keyspace-events", classes)
        c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
        c.call("SET", "a", "1")
        c.call("SET", b"bin\x00key", "2")
        c.call("SELECT", "3")
        c.call("SET", "", "3")
        c.call("SELECT", "0")
        sub = RawClient(c.host, c.port)
        if resp == 3:
            sub.call("HELLO", "3")
        sub.call("PSUBSCRIBE", "__key*@*__:*")
        c.call("CONFIG", "SET", "maxmemory", "1")
        assert c.call("PING") == b"+PONG\r\n"              # evicts everything first
        assert c.call("DBSIZE") == b":0\r\n"
        n = 3 * (("K" in classes) + ("E" in classes))
        raw = [sub.read_reply(timeout=5) for _ in range(n)]
        assert all(r.startswith(b">4\r\n" if resp == 3 else b"*4\r\n") for r in raw)
        got[kind] = sorted(tuple(parse(r)) for r in raw)
        assert _info(c, "evicted_keys") == "3"
        # nothing to evict and still over: denyoom commands are refused
        assert c.call("SET", "x", "y") == OOM
    assert got["fc"] == got["ref"]
    assert all(m[0] == b"pmessage" for m in got["fc"])


def test_evicted_key_is_propagated_as_del(server_factory):
    import os
    ref_h = server_factory("ref", ["--appendonly", "yes", "--appendfsync", "always"])
    fc_h = server_factory("fc", ["--enable-debug-command", "yes"])
    rc, fcc = RawClient(*ref_h.address), RawClient(*fc_h.address)
    path = ref_h.incr_aof()
    off = os.path.getsize(path)
    fcc.call("DEBUG", "PROPAGATED")
    for c in (rc, fcc):
        c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        c.call("SELECT", "2")
        c.call("SET", "victim", "v")
        c.call("CONFIG", "SET", "maxmemory", "1")
        assert c.call("GET", "victim") == b"$-1\r\n"      # evicted before GET ran
        c.call("CONFIG", "SET", "maxmemory", "0")
        c.call("SET", "after", "x")
    with open(path, "rb") as f:
        f.seek(off)
        ref_cmds = [list(x) for x in parse_all(f.read())]
    fc_cmds = [list(x) for x in parse_all(parse(fcc.call("DEBUG", "PROPAGATED")))]
    assert fc_cmds == ref_cmds
    assert [b"DEL", b"victim"] in fc_cmds


# ---- LFU counter ------------------------------------------------------------------------

def test_object_freq_counts_accesses_like_reference(server_factory):
    ref, fc = _server(server_factory, "ref"), _server(server_factory, "fc")
    seq = [("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"), ("CONFIG", "SET", "lfu-log-factor", "0"),
           ("SET", "k", "hello"), ("OBJECT", "FREQ", "k"), ("GET", "k"), ("GET", "k"), ("OBJECT", "FREQ", "k"),
           ("SET", "k", "world"), ("OBJECT", "FREQ", "k"), ("APPEND", "k", "!"), ("OBJECT", "FREQ", "k"),
           ("EXISTS", "k"), ("TYPE", "k"), ("OBJECT", "FREQ", "k"), ("RPUSH", "l", "a"), ("LLEN", "l"),
           ("OBJECT", "FREQ", "l"), ("OBJECT", "IDLETIME", "k"),
           ("MSET", "k", "a", "m", "b"), ("OBJECT", "FREQ", "k"), ("OBJECT", "FREQ", "m"),
           ("GETSET", "k", "c"), ("OBJECT", "FREQ", "k"), ("SET", "k", "d", "GET"), ("OBJECT", "FREQ", "k"),
           ("MSETNX", "k", "x", "new", "y"), ("OBJECT", "FREQ", "k"), ("SET", b"bin\x00", "v"), ("GET", b"bin\x00"), ("OBJECT", "FREQ", b"bin\x00"),
           ("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"), ("OBJECT", "FREQ", "k")]
    for cmd in seq:
        assert fc.call(*cmd) == ref.call(*cmd), cmd


# ---- per-policy behaviour (fastcache, statistical) --------------------------------------

def _fill(c, prefix, n, *extra, start=0):
    return _pipeline(c, (("SET", "%s:%d" % (prefix, i), VALUE, *extra) for i in range(start, start + n)))


def _check_bounded(c, limit):
    used = int(_info(c, "used_memory"))
    # the last command's own allocations (reply buffers) may sit a little above
    assert used <= limit + 64 * 1024, (used, limit)
    assert used >= limit * 0.5, (used, limit)
    assert int(_info(c, "evicted_keys")) > 0


@pytest.mark.parametrize("policy", ["allkeys-random", "allkeys-lru", "allkeys-lfu"])
def test_allkeys_policies_keep_memory_near_the_limit(server_factory, policy):
    c, limit = _limited(server_factory, policy, 400_000)
    replies = _fill(c, "k", 20_000)
    assert set(replies) == {b"+OK\r\n"}                 # evicting policies never refuse
    _check_bounded(c, limit)
    n = parse(c.call("DBSIZE"))
    assert 500 < n < 20_000
    assert int(_info(c, "evicted_keys")) == 20_000 - n
    assert _info(c, "maxmemory_policy") == policy


@pytest.mark.parametrize("policy", ["volatile-random", "volatile-lru", "volatile-lfu", "volatile-ttl"])
def test_volatile_policies_evict_only_keys_with_a_ttl(server_factory, policy):
    c, limit = _limited(server_factory, policy, 600_000)
    _fill(c, "keep", 1000)                               # no TTL: never evicted
    replies = _fill(c, "vol", 20_000, "EX", "1000")
    assert set(replies) == {b"+OK\r\n"}
    _check_bounded(c, limit)
    assert all(_exists(c, ["keep:%d" % i for i in range(1000)]))
    # once no volatile key is left, writes are refused (nothing can be evicted)
    replies = _fill(c, "more", 20_000)
    assert replies[-1] == OOM
    assert parse(c.call("EXISTS", *["vol:%d" % i for i in range(20_000)])) == 0
    assert all(_exists(c, ["keep:%d" % i for i in range(1000)]))


def _start_unlimited(server_factory, policy, *config):
    c = _server(server_factory)
    assert c.call("CONFIG", "SET", "maxmemory-policy", policy, *config) == b"+OK\r\n"
    return c, int(_info(c, "used_memory"))


def _limit_at(c, base, frac):
    """maxmemory = base + frac * (what the data added since base)."""
    used = int(_info(c, "used_memory"))
    limit = base + int((used - base) * frac)
    assert c.call("CONFIG", "SET", "maxmemory", str(limit)) == b"+OK\r\n"
    return limit


def test_volatile_ttl_evicts_the_shortest_ttl_first(server_factory):
    c, base = _start_unlimited(server_factory, "volatile-ttl")
    n = 2000
    # TTLs spread from 1000 s to 1000 + n s, written in shuffled order
    order = list(range(n))
    order = order[1::2] + order[0::2]
    _pipeline(c, (("SET", "t:%d" % i, VALUE, "EX", str(1000 + i)) for i in order))
    limit = _limit_at(c, base, 0.6)
    c.call("PING")
    evicted = int(_info(c, "evicted_keys"))
    assert 300 < evicted < n, evicted
    assert int(_info(c, "used_memory")) <= limit
    alive = _exists(c, ["t:%d" % i for i in range(n)])
    shortest, longest = alive[: n // 5], alive[-(n // 5):]
    # sampling 5 keys at a time with a 16-entry pool: the shortest TTLs go
    # first, with a margin for the approximation
    assert sum(shortest) < 0.2 * len(shortest), (sum(shortest), evicted)
    assert sum(longest) > 0.8 * len(longest), (sum(longest), evicted)


@pytest.mark.parametrize("policy", ["allkeys-lru", "volatile-lru"])
def test_lru_keeps_recently_touched_keys(server_factory, policy):
    ttl = ("EX", "100000") if policy == "volatile-lru" else ()
    c, base = _start_unlimited(server_factory, policy)
    _fill(c, "old", 2000, *ttl)
    time.sleep(2.1)                                       # LRU clock resolution: 1 s
    hot = ["old:%d" % i for i in range(0, 2000, 10)]     # 200 keys read now
    _pipeline(c, (("GET", k) for k in hot))
    limit = _limit_at(c, base, 1.3)
    _fill(c, "new", 2000, *ttl)
    evicted = int(_info(c, "evicted_keys"))
    assert evicted > 700, evicted
    assert int(_info(c, "used_memory")) <= limit + 64 * 1024
    hot_alive = sum(_exists(c, hot))
    cold = ["old:%d" % i for i in range(2000) if i % 10]
    cold_alive = sum(_exists(c, cold))
    assert hot_alive >= 0.9 * len(hot), hot_alive
    assert cold_alive / len(cold) < 0.5 * hot_alive / len(hot), (cold_alive, hot_alive)


@pytest.mark.parametrize("policy", ["allkeys-lfu", "volatile-lfu"])
def test_lfu_keeps_frequently_read_keys(server_factory, policy):
    ttl = ("EX", "100000") if policy == "volatile-lfu" else ()
    # lfu-log-factor 0: every access increments the counter (deterministic)
    c, base = _start_unlimited(server_factory, policy, "lfu-log-factor", "0")
    _fill(c, "old", 2000, *ttl)
    hot = ["old:%d" % i for i in range(0, 2000, 10)]
    _pipeline(c, (("GET", k) for k in hot for _ in range(5)))
    assert parse(c.call("OBJECT", "FREQ", hot[0])) == 10
    limit = _limit_at(c, base, 1.3)
    _fill(c, "new", 2000, *ttl)
    assert int(_info(c, "evicted_keys")) > 700
    assert int(_info(c, "used_memory")) <= limit + 64 * 1024
    hot_alive = sum(_exists(c, hot))
    assert hot_alive >= 0.9 * len(hot), hot_alive


def test_lfu_counter_decays_with_lfu_decay_time_zero_meaning_never(server_factory):
    c = _server(server_factory)
    c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu", "lfu-log-factor", "0", "lfu-decay-time", "0")
    c.call("SET", "k", "v")
    for _ in range(300):
        c.call("GET", "k")
    assert parse(c.call("OBJECT", "FREQ", "k")) == 255          # saturates


def test_eviction_spans_databases(server_factory):
    c, limit = _limited(server_factory, "allkeys-random", 400_000)
    for db in range(4):
        c.call("SELECT", str(db))
        _fill(c, "k", 3000)
    _check_bounded(c, limit)
    sizes = []
    for db in range(4):
        c.call("SELECT", str(db))
        sizes.append(parse(c.call("DBSIZE")))
    assert sizes[3] > 0 and sum(sizes) < 12_000


def test_large_keys_and_binary_keys_are_evicted(server_factory):
    c, limit = _limited(server_factory, "allkeys-lru", 300_000)
    big = [b"K" * 400 + b"\x00%d" % i for i in range(2000)]
    _pipeline(c, (("SET", k, VALUE) for k in big))
    _check_bounded(c, limit)
    assert 0 < sum(_exists(c, big)) < 2000


def test_eviction_exceeded_time_and_resetstat(server_factory):
    c = _server(server_factory)
    assert _info(c, "total_eviction_exceeded_time") == "0"
    assert _info(c, "current_eviction_exceeded_time") == "0"
    c.call("SET", "k", "v")
    c.call("CONFIG", "SET", "maxmemory", "1")
    time.sleep(0.05)
    c.call("PING")
    # over the limit under noeviction: the current stretch keeps growing
    assert int(_info(c, "current_eviction_exceeded_time")) >= 40
    c.call("CONFIG", "SET", "maxmemory", "100000000")
    c.call("PING")                                      # back under: the stretch ends
    assert _info(c, "current_eviction_exceeded_time") == "0"
    assert int(_info(c, "total_eviction_exceeded_time")) >= 40
    c.call("CONFIG", "RESETSTAT")
    assert _info(c, "total_eviction_exceeded_time") == "0"


def test_eviction_knobs_are_accepted_like_reference(diff):
    diff.check_many([
        ("CONFIG", "SET", "maxmemory-samples", "10"), ("CONFIG", "GET", "maxmemory-samples"),
        ("CONFIG", "SET", "maxmemory-samples", "0"),
        ("CONFIG", "SET", "maxmemory-eviction-tenacity", "100"),
        ("CONFIG", "SET", "maxmemory-eviction-tenacity", "101"),
        ("CONFIG", "SET", "maxmemory-policy", "bogus"),
        ("CONFIG", "SET", "maxmemory-policy", "VOLATILE-TTL"), ("CONFIG", "GET", "maxmemory-policy"),
        ("CONFIG", "SET", "maxmemory-policy", "noeviction"),
        ("CONFIG", "SET", "maxmemory-samples", "5"),
        ("CONFIG", "SET", "maxmemory-eviction-tenacity", "10"),
    ])


def test_tenacity_zero_still_evicts_across_commands(server_factory):
    """With no time budget a pass stops after 16 keys; later commands continue,
    and none is refused meanwhile (EVICT_RUNNING is not an OOM)."""
    c, limit = _limited(server_factory, "allkeys-random", 2_000_000, "maxmemory-eviction-tenacity", "0")
    _fill(c, "k", 20_000)
    c.call("CONFIG", "SET", "maxmemory", str(limit - 1_000_000))
    replies = [c.call("SET", "x%d" % i, "v") for i in range(200)]
    assert set(replies) == {b"+OK\r\n"}
    assert int(_info(c, "evicted_keys")) > 1000
