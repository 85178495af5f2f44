"""Generic keyspace commands against the reference redis-server 7.0.15: DEL UNLINK EXISTS
TOUCH TYPE RANDOMKEY KEYS SCAN RENAME RENAMENX MOVE COPY SWAPDB SELECT OBJECT.

Replies are compared byte for byte, except where Redis's order is unspecified (KEYS, SCAN:
the hash is seeded per process, so we compare as sets) and TTLs that tick (normalised).
Expiry-specific behaviour lives in test_expire.py.
"""

from __future__ import annotations

import random
import time

import pytest

from support.diff import nonneg_integer, sorted_array
from support.resp import parse

BINARY_KEYS = [b"", b"\x00", b"a\x00b", b"\xff\xfe", b"key with spaces", b"k\r\nx"]

# One value per string encoding: int, embstr (<= 44 bytes), raw (> 44 bytes).
ENCODED_VALUES = [
    (b"12345", b"int"),
    (b"-9223372036854775808", b"int"),
    (b"hello", b"embstr"),
    (b"x" * 44, b"embstr"),
    (b"x" * 45, b"raw"),
    (b"y" * 1000, b"raw"),
    (b"007", b"embstr"),   # not canonical: stays a string
]


def load(client, commands, chunk: int = 100):
    """Pipeline commands in modest batches and check every reply is not an error.
    (Batches stay well under 16 KiB: see the report about large pipelines.)"""
    commands = list(commands)
    for i in range(0, len(commands), chunk):
        for r in client.pipeline(commands[i:i + chunk]):
            assert not r.startswith(b"-"), r


def has_command(client, name: str) -> bool:
    """True if the server knows `name` (families merge at different times)."""
    r = parse(client.call("COMMAND", "INFO", name))
    return bool(r) and r[0] is not None


# ---- DEL / UNLINK / EXISTS / TOUCH / TYPE -----------------------------------------------

@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_counts_only_existing_keys(diff, cmd):
    diff.check_many([
        ["SET", "a", "1"], ["SET", "b", "2"],
        [cmd, "a", "b", "c"],
        [cmd, "a"],
        ["SET", "a", "1"],
        [cmd, "a", "a"],          # the second mention finds nothing
        ["EXISTS", "a", "b"],
        [cmd],
    ])


@pytest.mark.parametrize("key", BINARY_KEYS)
def test_binary_and_empty_keys_in_generic_commands(diff, key):
    diff.check_many([
        ["SET", key, "v"],
        ["EXISTS", key], ["TYPE", key], ["TOUCH", key],
        ["KEYS", "*"],
        ["RENAME", key, b"other"], ["EXISTS", key], ["GET", b"other"],
        ["RENAME", b"other", key], ["COPY", key, b"c2"], ["GET", b"c2"],
        ["MOVE", key, "1"], ["EXISTS", key],
        ["SELECT", "1"], ["GET", key], ["DEL", key], ["SELECT", "0"],
    ])


def test_exists_counts_repeated_keys(diff):
    diff.check_many([
        ["SET", "k", "v"],
        ["EXISTS", "k", "k", "k", "nope"],
        ["EXISTS", "nope"],
        ["EXISTS"],
    ])


def test_touch_counts_existing_keys(diff):
    diff.check_many([
        ["SET", "a", "1"], ["SET", "b", "2"],
        ["TOUCH", "a", "b", "c", "a"],
        ["TOUCH", "c"],
        ["TOUCH"],
    ])


def test_type_of_string_and_missing_key(diff):
    diff.check_many([
        ["SET", "s", "v"], ["SET", "i", "12"],
        ["TYPE", "s"], ["TYPE", "i"], ["TYPE", "none"], ["TYPE"], ["TYPE", "a", "b"],
    ])


def test_type_of_other_types_when_available(diff, fc):
    for cmd, args, _ in [("RPUSH", ["l", "a"], "list"), ("SADD", ["st", "a"], "set"),
                         ("HSET", ["h", "f", "v"], "hash"), ("ZADD", ["z", "1", "a"], "zset")]:
        if has_command(fc, cmd):
            diff.check(cmd, *args)
            diff.check("TYPE", args[0])


def test_type_in_resp3(diff):
    diff.hello3()
    diff.check_many([["SET", "s", "v"], ["TYPE", "s"], ["TYPE", "missing"]])


# ---- RANDOMKEY ------------------------------------------------------------------------------

def test_randomkey_on_empty_db_is_null_resp2_and_resp3(diff):
    diff.check("RANDOMKEY")
    diff.hello3()
    diff.check("RANDOMKEY")


def test_randomkey_with_one_key(diff):
    diff.check("SET", b"only\x00key", "v")
    diff.check("RANDOMKEY")
    diff.check("RANDOMKEY", "extra")


def test_randomkey_returns_existing_keys_and_eventually_many(fc):
    keys = {f"k{i}".encode() for i in range(50)}
    fc.pipeline([["SET", k, "v"] for k in keys])
    seen = {parse(fc.call("RANDOMKEY")) for _ in range(300)}
    assert seen <= keys
    assert len(seen) > 20


def test_randomkey_skips_and_deletes_expired_keys(diff):
    diff.check_many([["SET", f"e{i}", "v", "PX", "1"] for i in range(20)] + [["SET", "live", "v"]])
    time.sleep(0.02)
    for _ in range(5):
        diff.check("RANDOMKEY")


# ---- KEYS -----------------------------------------------------------------------------------

KEYS_SET = [b"hello", b"hallo", b"hxllo", b"hllo", b"heeeello", b"h*llo", b"h\\llo", b"foo",
            b"foo:bar", b"foo:baz", b"", b"\x00bin", b"a[b", b"A", b"a"]


@pytest.mark.parametrize("pattern", [
    b"*", b"h?llo", b"h*llo", b"h[ae]llo", b"h[^e]llo", b"h[a-b]llo", b"h[b-a]llo",
    b"h\\*llo", b"h\\\\llo", b"foo:*", b"*:ba?", b"", b"\x00*", b"a[b", b"a\\[b", b"[A]",
    b"*[", b"h[", b"nomatch", b"**", b"?", b"[a-", b"h[\\]e]llo",
])
def test_keys_glob_patterns(diff, pattern):
    diff.check_many([["SET", k, "v"] for k in KEYS_SET])
    diff.check("KEYS", pattern, normalize=sorted_array)


def test_keys_on_empty_db_and_arity(diff):
    diff.check("KEYS", "*")
    diff.check("KEYS")
    diff.check("KEYS", "a", "b")


def test_keys_hides_expired_keys(diff):
    diff.check_many([["SET", "gone", "v", "PX", "1"], ["SET", "stay", "v"], ["SET", "ttl", "v", "EX", "100"]])
    time.sleep(0.02)
    diff.check("KEYS", "*", normalize=sorted_array)


def test_keys_large_reply(diff):
    for c in (diff.ref, diff.fc):
        load(c, [["SET", f"key:{i}", "v"] for i in range(3000)])
    diff.check("KEYS", "*", normalize=sorted_array)
    diff.check("KEYS", "key:1*", normalize=sorted_array)
    diff.hello3()
    diff.check("KEYS", "key:2?9", normalize=sorted_array)


# ---- SCAN -----------------------------------------------------------------------------------

@pytest.mark.parametrize("cursor", [
    b"0", b"", b"\x00", b"+0", b"-1", b"-0", b"1", b"007", b"18446744073709551615",
    b"18446744073709551616", b"99999999999999999999999", b" 0", b"\t0", b"0 ", b"x", b"0x0",
    b"-", b"+", b"1.0", b"5\x00junk", b"\x001",
])
def test_scan_cursor_parsing_on_empty_db(diff, cursor):
    # On an empty db every valid cursor replies ["0", []] on both servers; invalid ones
    # get the same error.
    diff.check("SCAN", cursor)


@pytest.mark.parametrize("args", [
    ["COUNT", "0"], ["COUNT", "-1"], ["COUNT", "x"], ["COUNT", "1.5"], ["COUNT"],
    ["COUNT", "99999999999999999999"], ["MATCH"], ["TYPE"], ["FOO", "bar"], ["FOO"],
    ["COUNT", "10", "MATCH"], ["match", "*", "count", "5", "type", "string"],
    ["COUNT", "9223372036854775807"], ["TYPE", "string", "TYPE", "list"],
    ["MATCH", "a", "MATCH", "*"], ["NOVALUES"],
])
def test_scan_options_and_errors(diff, args):
    diff.check("SCAN", "0", *args)


def scan_all(client, *opts, count=None, limit=100000):
    """Iterate SCAN to completion; return (set of keys, list of keys, number of calls)."""
    cursor = b"0"
    seen: list[bytes] = []
    calls = 0
    extra = list(opts) + (["COUNT", str(count)] if count else [])
    while True:
        cur, keys = parse(client.call("SCAN", cursor, *extra))
        calls += 1
        seen.extend(keys)
        cursor = cur
        if cursor == b"0" or calls > limit:
            break
    return set(seen), seen, calls


@pytest.mark.parametrize("count", [None, 1, 3, 100, 10000])
def test_scan_full_iteration_returns_every_key(ref, fc, count):
    keys = [f"key:{i}".encode() for i in range(700)] + BINARY_KEYS
    for c in (ref, fc):
        load(c, [["SET", k, "v"] for k in keys])
    r, _, _ = scan_all(ref, count=count)
    f, flist, _ = scan_all(fc, count=count)
    assert r == set(keys)
    assert f == r
    # without resizes during the scan no key is returned twice
    assert len(flist) == len(f)


@pytest.mark.parametrize("pattern", [b"key:1*", b"*7", b"nomatch*", b"*", b"\x00*", b""])
def test_scan_match_gives_same_set_as_reference(ref, fc, pattern):
    keys = [f"key:{i}".encode() for i in range(300)] + [b"7", b"\x00x", b""]
    for c in (ref, fc):
        load(c, [["SET", k, "v"] for k in keys])
    assert scan_all(fc, "MATCH", pattern, count=7)[0] == scan_all(ref, "MATCH", pattern, count=7)[0]


def test_scan_type_filter(ref, fc):
    for c in (ref, fc):
        c.pipeline([["SET", f"s{i}", "v"] for i in range(30)])
        if has_command(fc, "RPUSH"):
            c.pipeline([["RPUSH", f"l{i}", "v"] for i in range(5)])
    for t in [b"string", b"STRING", b"list", b"none", b"hash", b"nonsense", b"string\x00junk"]:
        assert scan_all(fc, "TYPE", t, count=5)[0] == scan_all(ref, "TYPE", t, count=5)[0], t


def test_scan_skips_expired_keys(ref, fc):
    for c in (ref, fc):
        c.pipeline([["SET", f"e{i}", "v", "PX", "1"] for i in range(30)] +
                   [["SET", f"s{i}", "v"] for i in range(30)])
    time.sleep(0.02)
    assert scan_all(fc)[0] == scan_all(ref)[0] == {f"s{i}".encode() for i in range(30)}


def test_scan_count_one_on_small_db_resp3(diff):
    diff.check("SET", "only", "v")
    diff.hello3()
    # the cursor depends on the (seeded) bucket of the key: compare the keys only
    keys_only = lambda raw: parse(raw)[1]  # noqa: E731
    diff.check("SCAN", "0", "COUNT", "1", normalize=keys_only)
    diff.check("SCAN", "0", "MATCH", "x*", "COUNT", "100")


def _scan_under_churn(client, grow: bool, seed: int):
    """SCAN while keys are added (grow=True: the table doubles several times) or removed
    (grow=False: the table shrinks), and check the SCAN guarantee: every key present for
    the whole scan is returned."""
    rnd = random.Random(seed)
    stable = [f"stable:{i}".encode() for i in range(400)]
    churn = [f"churn:{i}".encode() for i in range(6000 if not grow else 0)]
    load(client, [["SET", k, "v"] for k in stable])
    load(client, [["SET", k, "v"] for k in churn])
    cursor, seen, calls, added = b"0", set(), 0, 0
    while True:
        cursor, keys = parse(client.call("SCAN", cursor, "COUNT", str(rnd.randint(1, 30))))
        seen.update(keys)
        calls += 1
        if grow and added < 6000:      # several doublings, then let the scan finish
            load(client, [["SET", f"new:{added + j}", "v"] for j in range(200)])
            added += 200
        elif churn:
            batch, churn = churn[:400], churn[400:]
            load(client, [["DEL", k] for k in batch])
            if calls % 5 == 0:
                time.sleep(0.12)   # let the cron shrink/rehash between calls
        if cursor == b"0":
            break
        assert calls < 20000
    missing = set(stable) - seen
    assert not missing, f"{len(missing)} stable keys never returned (e.g. {sorted(missing)[:5]})"
    return calls


@pytest.mark.parametrize("grow", [True, False], ids=["growing", "shrinking"])
def test_scan_returns_every_stable_key_across_resizes(fc, ref, grow):
    # Same property on the reference (validates the test itself), then on fastcache.
    _scan_under_churn(ref, grow, seed=1)
    ref.call("FLUSHALL")
    _scan_under_churn(fc, grow, seed=1)


def test_scan_in_other_db(diff, ref, fc):
    diff.check_many([["SELECT", "5"], ["SET", "a", "1"], ["SET", "b", "2"]])
    assert scan_all(fc)[0] == scan_all(ref)[0] == {b"a", b"b"}


# ---- RENAME / RENAMENX ---------------------------------------------------------------------

def test_rename_basic_and_missing_source(diff):
    diff.check_many([
        ["RENAME", "nope", "x"],
        ["RENAMENX", "nope", "x"],
        ["SET", "a", "1"],
        ["RENAME", "a", "b"], ["GET", "a"], ["GET", "b"],
        ["RENAME", "b", "b"], ["RENAMENX", "b", "b"],
        ["RENAME", "missing", "missing"], ["RENAMENX", "missing", "missing"],
        ["RENAME", "b"], ["RENAME", "a", "b", "c"], ["RENAMENX", "a"],
    ])


def test_rename_overwrites_and_renamenx_refuses(diff):
    diff.check_many([
        ["SET", "src", "s"], ["SET", "dst", "d", "EX", "100"],
        ["RENAMENX", "src", "dst"], ["GET", "src"], ["GET", "dst"],
        ["RENAME", "src", "dst"], ["GET", "dst"], ["EXISTS", "src"],
        ["TTL", "dst"],             # the source had no TTL: the destination's is gone
        ["SET", "x", "1"], ["RENAMENX", "x", "y"], ["GET", "y"],
    ])


def test_rename_keeps_ttl(diff):
    diff.check_many([["SET", "a", "v", "EX", "1000"], ["RENAME", "a", "b"]])
    diff.check("TTL", "b", normalize=nonneg_integer)
    diff.check("TTL", "a")
    diff.check_many([["PEXPIREAT", "b", "4000000000000"], ["RENAMENX", "b", "c"],
                     ["PEXPIRETIME", "c"], ["PEXPIRETIME", "b"]])


@pytest.mark.parametrize("value,enc", ENCODED_VALUES)
def test_rename_move_copy_keep_string_encoding(diff, value, enc):
    diff.check_many([
        ["SET", "a", value],
        ["OBJECT", "ENCODING", "a"],
        ["RENAME", "a", "b"], ["OBJECT", "ENCODING", "b"], ["GET", "b"],
        ["COPY", "b", "c"], ["OBJECT", "ENCODING", "c"], ["GET", "c"],
        ["COPY", "b", "c", "DB", "3"],
        ["MOVE", "b", "2"], ["SELECT", "2"], ["OBJECT", "ENCODING", "b"], ["GET", "b"],
        ["SELECT", "3"], ["OBJECT", "ENCODING", "c"], ["GET", "c"],
        ["SELECT", "0"],
    ])
    assert parse(diff.fc.call("OBJECT", "ENCODING", "c")) == enc


def test_short_raw_string_stays_raw_through_rename_move_copy(diff, fc):
    # APPEND / SETBIT turn a short string raw; whichever the server has makes one.
    if has_command(fc, "APPEND"):
        make_raw = [["SET", "a", "x"], ["APPEND", "a", "y"]]
    elif has_command(fc, "SETBIT"):
        make_raw = [["SET", "a", "x"], ["SETBIT", "a", "1", "1"]]
    else:
        pytest.skip("no command that makes a short raw string yet")
    diff.check_many(make_raw + [
        ["OBJECT", "ENCODING", "a"],
        ["RENAME", "a", "b"], ["OBJECT", "ENCODING", "b"],
        ["COPY", "b", "c"], ["OBJECT", "ENCODING", "c"],
        ["MOVE", "c", "1"], ["SELECT", "1"], ["OBJECT", "ENCODING", "c"], ["GET", "c"],
    ])


# ---- MOVE -----------------------------------------------------------------------------------

@pytest.mark.parametrize("db", [b"16", b"-1", b"x", b"", b"3000000000", b"-3000000000", b"1.0",
                                b"0", b"99999999999999999999", b" 1"])
def test_move_bad_db_index(diff, db):
    diff.check_many([["SET", "k", "v"], ["MOVE", "k", db], ["MOVE", "missing", db]])


def test_move_semantics(diff):
    diff.check_many([
        ["MOVE", "missing", "1"],
        ["SET", "k", "v", "EX", "500"], ["SET", "busy", "here"],
        ["MOVE", "k", "1"], ["EXISTS", "k"],
        ["SELECT", "1"], ["GET", "k"], ["SET", "busy", "there"],
        ["MOVE", "busy", "0"],        # exists in the target: 0, nothing moves
        ["GET", "busy"],
        ["SELECT", "0"], ["GET", "busy"],
        ["MOVE", "k"], ["MOVE", "k", "1", "2"],
    ])
    diff.check_many([["SELECT", "1"]])
    diff.check("TTL", "k", normalize=nonneg_integer)
    diff.check("PERSIST", "k")
    diff.check("MOVE", "k", "0")
    diff.check("SELECT", "0")
    diff.check("TTL", "k")


# ---- COPY -----------------------------------------------------------------------------------

def test_copy_basic_replace_and_errors(diff):
    diff.check_many([
        ["COPY", "missing", "x"],
        ["SET", "a", "1"], ["SET", "b", "2"],
        ["COPY", "a", "a"],
        ["COPY", "a", "b"], ["GET", "b"],
        ["COPY", "a", "b", "REPLACE"], ["GET", "b"],
        ["COPY", "a", "b", "replace", "REPLACE"],
        ["COPY", "a", "c"], ["GET", "c"], ["GET", "a"],
        ["COPY", "a", "d", "FOO"],
        ["COPY", "a", "d", "DB"],
        ["COPY", "a", "d", "DB", "x"],
        ["COPY", "a", "d", "DB", "16"],
        ["COPY", "a", "d", "DB", "-1"],
        ["COPY", "a", "d", "DB", "3000000000"],
        ["COPY", "a", "a", "DB", "0"],
        ["COPY", "a", "a", "DB", "1"],
        ["COPY", "a", "d", "DB", "16", "FOO"],      # errors in argument order
        ["COPY", "a", "d", "FOO", "DB", "16"],
        ["COPY", "a", "a", "DB", "1", "DB", "0"],   # the last DB wins
        ["COPY", "missing", "missing"],
        ["COPY", "a"],
    ])


def test_copy_to_other_db_and_ttl(diff):
    diff.check_many([
        ["SET", "a", "v", "PX", "900000"],
        ["COPY", "a", "a", "DB", "4"],
        ["SELECT", "4"], ["GET", "a"], ["SET", "x", "y"],
        ["SELECT", "0"],
        ["COPY", "a", "x", "DB", "4"],
        ["COPY", "a", "x", "DB", "4", "REPLACE"],
        ["SELECT", "4"], ["GET", "x"],
    ])
    diff.check("PTTL", "x", normalize=nonneg_integer)
    diff.check("PTTL", "a", normalize=nonneg_integer)
    # the copy is independent: changing one doesn't affect the other
    diff.check_many([["SET", "x", "changed"], ["SELECT", "0"], ["GET", "a"], ["PERSIST", "a"],
                     ["SELECT", "4"], ["TTL", "x"]], normalize=nonneg_integer)


def test_copy_replace_drops_target_ttl_when_source_has_none(diff):
    diff.check_many([
        ["SET", "src", "s"], ["SET", "dst", "d", "EX", "100"],
        ["COPY", "src", "dst", "REPLACE"], ["TTL", "dst"], ["GET", "dst"],
    ])


# ---- SWAPDB / SELECT ---------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [("a", "1"), ("0", "b"), ("0", "16"), ("16", "0"), ("-1", "0"),
                                 ("0", "3000000000"), ("3000000000", "x"), ("1.5", "0"),
                                 ("0", "-3000000000"), ("", "0")])
def test_swapdb_errors(diff, a, b):
    diff.check("SWAPDB", a, b)


def test_swapdb_swaps_contents_for_every_client(diff, fc_server, ref_server):
    from support.resp import RawClient
    others = [RawClient(ref_server.host, ref_server.port), RawClient(fc_server.host, fc_server.port)]
    try:
        diff.check_many([["SET", "in0", "zero", "EX", "100"], ["SELECT", "1"], ["SET", "in1", "one"],
                         ["SELECT", "0"]])
        diff.check("SWAPDB", "0", "1")
        diff.check_many([["GET", "in0"], ["GET", "in1"], ["DBSIZE"]])
        # a client that selected db 1 before the swap now sees the old db 0
        for o in others:
            assert o.call("SELECT", "1") == b"+OK\r\n"
        assert [o.call("GET", "in0") for o in others] == [b"$4\r\nzero\r\n"] * 2
        diff.check("SELECT", "1")
        diff.check("TTL", "in0", normalize=nonneg_integer)
        diff.check("SWAPDB", "1", "1")
        diff.check("SWAPDB", "1", "0")
        diff.check_many([["GET", "in0"], ["SELECT", "0"], ["GET", "in0"], ["SWAPDB", "0"]])
    finally:
        for o in others:
            o.call("FLUSHALL")
            o.close()


@pytest.mark.parametrize("db", [b"16", b"-1", b"x", b"", b"1.0", b"99999999999999999999"])
def test_select_bad_db_index(diff, db):
    diff.check("SELECT", db)


@pytest.mark.parametrize("db", [b"3000000000", b"-3000000000"])
def test_select_db_index_outside_int_range(diff, db):
    diff.check("SELECT", db)


# ---- OBJECT ---------------------------------------------------------------------------------

def test_object_help(diff):
    diff.check("OBJECT", "HELP")
    diff.check("object", "help")
    diff.check("ObJeCt", "hElP")
    diff.hello3()
    diff.check("OBJECT", "HELP")


def test_object_errors_and_arity(diff):
    diff.check_many([
        ["SET", "k", "v"],
        ["OBJECT"], ["OBJECT", "ENCODING"], ["OBJECT", "ENCODING", "k", "x"],
        ["OBJECT", "FOO", "k"], ["OBJECT", "HELP", "x"], ["OBJECT", "REFCOUNT"],
        ["OBJECT", "IDLETIME"], ["OBJECT", "FREQ"],
    ])


@pytest.mark.parametrize("value", [
    b"0", b"1", b"-1", b"-0", b"01", b"+1", b" 1", b"9999", b"10000", b"12345678901234567890",
    b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808", b"1.5", b"",
    b"x" * 44, b"x" * 45, b"\x00" * 10, b"123456789012345678901",
])
def test_object_encoding_and_refcount_of_strings(diff, value):
    diff.check_many([
        ["SET", "k", value],
        ["OBJECT", "ENCODING", "k"],
        ["OBJECT", "REFCOUNT", "k"],
        ["object", "encoding", "k"],
    ])


def test_object_on_missing_key_is_null_resp2_and_resp3(diff):
    cmds = [["OBJECT", "ENCODING", "nokey"], ["OBJECT", "REFCOUNT", "nokey"],
            ["OBJECT", "IDLETIME", "nokey"]]
    diff.check_many(cmds)
    diff.hello3()
    diff.check_many(cmds)


def test_object_idletime_and_freq_with_default_policy(diff):
    diff.check_many([
        ["SET", "k", "v"],
        ["OBJECT", "IDLETIME", "k"],
        ["OBJECT", "FREQ", "k"],
        ["OBJECT", "FREQ", "nokey"],
    ])


def test_object_idletime_grows_and_access_resets_it(fc):
    fc.call("SET", "k", "v")
    time.sleep(2.1)
    assert parse(fc.call("OBJECT", "IDLETIME", "k")) >= 1
    # OBJECT, TYPE, TTL, EXISTS don't touch the key; GET does
    fc.call("TYPE", "k")
    fc.call("TTL", "k")
    fc.call("EXISTS", "k")
    assert parse(fc.call("OBJECT", "IDLETIME", "k")) >= 1
    fc.call("GET", "k")
    assert parse(fc.call("OBJECT", "IDLETIME", "k")) == 0


def test_object_refcount_small_ints_unshared_with_lru_maxmemory(server_factory):
    from support.resp import RawClient
    replies = []
    for kind in ("ref", "fc"):
        s = server_factory(kind)
        with RawClient(s.host, s.port) as c:
            if kind == "fc" and parse(c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")) != "OK":
                pytest.skip("maxmemory-policy not settable yet")
            c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
            c.call("CONFIG", "SET", "maxmemory", "100mb")
            replies.append(c.pipeline([["SET", "k", "5"], ["OBJECT", "REFCOUNT", "k"],
                                       ["CONFIG", "SET", "maxmemory", "0"],
                                       ["SET", "j", "5"], ["OBJECT", "REFCOUNT", "j"]]))
    assert replies[0] == replies[1]
