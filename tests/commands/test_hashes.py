"""Hash commands (Redis t_hash.c), compared byte for byte with the reference server.

Most tests run once per encoding (the ``enc`` fixture): ``listpack`` keeps the defaults,
``hashtable`` sets hash-max-listpack-entries to 0 on both servers so every hash converts on
its first write.  Listpack replies keep insertion order and are compared exactly; hashtable
iteration order is the table's (differently seeded on each server), so those replies are
compared after sorting (``unordered``).
"""

from __future__ import annotations

import pytest

from support.resp import parse

BIN = b"bin\x00key\r\n"          # binary key / field: NUL and CRLF inside
EMPTY = b""


@pytest.fixture(params=["listpack", "hashtable"])
def enc(request, diff):
    """Force the hash encoding on both servers; restore the defaults afterwards."""
    if request.param == "hashtable":
        diff.check("CONFIG", "SET", "hash-max-listpack-entries", "0")
    yield request.param
    diff.check("CONFIG", "SET", "hash-max-listpack-entries", "512")
    diff.check("CONFIG", "SET", "hash-max-listpack-value", "64")


def _pairs_sorted(v):
    if isinstance(v, dict):
        return sorted(v.items())
    if isinstance(v, list):
        if all(isinstance(x, list) for x in v):          # RESP3 [field, value] pairs
            return sorted(tuple(x) for x in v)
        return sorted(v, key=repr)
    return v


def unordered(raw: bytes):
    """Order-insensitive comparison of HGETALL/HKEYS/HVALS/HRANDFIELD replies."""
    return _pairs_sorted(parse(raw))


def unordered_pairs(raw: bytes):
    """Flat [f1, v1, f2, v2 ...] replies compared as a sorted list of pairs."""
    v = parse(raw)
    if isinstance(v, list):
        return sorted(zip(v[0::2], v[1::2]))
    return v


def scan_norm(raw: bytes):
    """HSCAN: cursor kept exact only when it is 0; the pairs compared unordered."""
    v = parse(raw)
    if isinstance(v, list) and len(v) == 2:
        items = v[1]
        return (v[0] == b"0", sorted(zip(items[0::2], items[1::2])))
    return v


def _norm(enc, fn=unordered):
    return None if enc == "listpack" else fn


def _check_encoding(diff, key, expected):
    r = diff.check("OBJECT", "ENCODING", key)
    assert r == b"$%d\r\n%s\r\n" % (len(expected), expected.encode()), r


# ---- HSET / HMSET / HSETNX ----------------------------------------------------------------

def test_hset_creates_updates_and_counts_new_fields(diff, enc):
    diff.check_many([
        ("HSET", "h", "a", "1"),
        ("HSET", "h", "a", "2", "b", "3", "c", "4"),
        ("HSET", "h", "a", "x", "a", "y"),       # same field twice: 0 new, last wins
        ("HGET", "h", "a"),
        ("HLEN", "h"),
        ("HSET", BIN, BIN, BIN),
        ("HGET", BIN, BIN),
        ("HSET", EMPTY, EMPTY, EMPTY),
        ("HGET", EMPTY, EMPTY),
        ("HSTRLEN", EMPTY, EMPTY),
        ("TYPE", "h"),
    ])
    _check_encoding(diff, "h", enc)
    _check_encoding(diff, BIN, enc)


def test_hset_odd_arguments_is_an_arity_error(diff, enc):
    diff.check_many([
        ("HSET", "h", "a", "1", "b"),
        ("HSET", "h", "a"),
        ("HSET", "h"),
        ("HMSET", "h", "a", "1", "b"),
        ("HMSET", "h", "a"),
        ("EXISTS", "h"),
    ])


def test_hmset_replies_ok(diff, enc):
    diff.check_many([
        ("HMSET", "h", "a", "1", "b", "2"),
        ("HMSET", "h", "a", "3"),
        ("HGET", "h", "a"),
        ("HLEN", "h"),
    ])


def test_hsetnx_sets_only_missing_fields(diff, enc):
    diff.check_many([
        ("HSETNX", "h", "a", "1"),
        ("HSETNX", "h", "a", "2"),
        ("HGET", "h", "a"),
        ("HSETNX", "h", "b", "x" * 100),          # long value converts
        ("HGET", "h", "b"),
        ("HSETNX", "h"),
        ("HSETNX", "h", "a"),
        ("HSETNX", "h", "a", "1", "2"),
    ])
    _check_encoding(diff, "h", "hashtable")


def test_hash_commands_on_wrong_type_are_errors(diff, enc):
    diff.check("SET", "s", "v")
    for cmd in [("HSET", "s", "a", "1"), ("HMSET", "s", "a", "1"), ("HSETNX", "s", "a", "1"),
                ("HGET", "s", "a"), ("HMGET", "s", "a"), ("HDEL", "s", "a"), ("HLEN", "s"),
                ("HSTRLEN", "s", "a"), ("HEXISTS", "s", "a"), ("HGETALL", "s"), ("HKEYS", "s"),
                ("HVALS", "s"), ("HINCRBY", "s", "a", "1"), ("HINCRBYFLOAT", "s", "a", "1"),
                ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "2"), ("HRANDFIELD", "s", "2", "WITHVALUES"),
                ("HSCAN", "s", "0")]:
        diff.check(*cmd)
    diff.check("HSET", "h", "a", "1")
    for cmd in [("GET", "h"), ("APPEND", "h", "x"), ("INCR", "h"), ("STRLEN", "h")]:
        diff.check(*cmd)


# ---- reads ----------------------------------------------------------------------------------

def test_hget_hmget_hexists_hstrlen(diff, enc):
    diff.check_many([
        ("HGET", "nokey", "a"),
        ("HMGET", "nokey", "a", "b"),
        ("HEXISTS", "nokey", "a"),
        ("HSTRLEN", "nokey", "a"),
        ("HLEN", "nokey"),
        ("HSET", "h", "a", "1", "b", "-123456789012", "c", "hello", "d", "007", "e", ""),
        ("HGET", "h", "a"),
        ("HGET", "h", "b"),
        ("HGET", "h", "d"),
        ("HGET", "h", "zz"),
        ("HMGET", "h", "a", "zz", "b", "c", "d", "e"),
        ("HEXISTS", "h", "a"),
        ("HEXISTS", "h", "zz"),
        ("HSTRLEN", "h", "a"),
        ("HSTRLEN", "h", "b"),
        ("HSTRLEN", "h", "d"),
        ("HSTRLEN", "h", "e"),
        ("HSTRLEN", "h", "zz"),
        ("HGET", "h"),
        ("HMGET", "h"),
        ("HEXISTS", "h"),
        ("HSTRLEN", "h"),
        ("HLEN",),
    ])


def test_hmget_resp3_nulls(diff, enc):
    diff.hello3()
    diff.check_many([
        ("HMGET", "nokey", "a"),
        ("HSET", "h", "a", "1"),
        ("HMGET", "h", "a", "b"),
        ("HGET", "h", "b"),
    ])


def test_hgetall_hkeys_hvals(diff, enc):
    n = _norm(enc)
    diff.check_many([
        ("HGETALL", "nokey"),
        ("HKEYS", "nokey"),
        ("HVALS", "nokey"),
        ("HSET", "h", "f1", "v1", "f2", "2", "3", "v3", BIN, EMPTY),
    ])
    diff.check("HGETALL", "h", normalize=_norm(enc, unordered_pairs))
    diff.check("HKEYS", "h", normalize=n)
    diff.check("HVALS", "h", normalize=n)


def test_hgetall_resp3_is_a_map(diff, enc):
    diff.hello3()
    diff.check("HGETALL", "nokey")
    diff.check("HKEYS", "nokey")
    diff.check("HSET", "h", "a", "1", "b", "2")
    diff.check("HGETALL", "h", normalize=_norm(enc))
    diff.check("HKEYS", "h", normalize=_norm(enc))


# ---- HDEL -----------------------------------------------------------------------------------

def test_hdel_counts_and_deletes_empty_hash(diff, enc):
    diff.check_many([
        ("HDEL", "nokey", "a"),
        ("HSET", "h", "a", "1", "b", "2", "c", "3"),
        ("HDEL", "h", "a", "a", "zz"),
        ("HLEN", "h"),
        ("HDEL", "h", "b", "c", "d"),
        ("EXISTS", "h"),
        ("HDEL", "h"),
        ("HSET", "h", "x", "1"),
        ("HDEL", "h", "x"),
        ("EXISTS", "h"),
    ])


def test_hdel_many_fields_in_hashtable_shrinks_and_keeps_the_rest(diff, enc):
    args = []
    for i in range(300):
        args += [f"f{i}", f"v{i}"]
    diff.check("HSET", "h", *args)
    diff.check("HDEL", "h", *[f"f{i}" for i in range(0, 300, 3)] + ["nope"])
    diff.check("HLEN", "h")
    diff.check("HGETALL", "h", normalize=_norm(enc, unordered_pairs))
    diff.check("HDEL", "h", *[f"f{i}" for i in range(300)])
    diff.check("EXISTS", "h")


# ---- HINCRBY / HINCRBYFLOAT -----------------------------------------------------------------

def test_hincrby(diff, enc):
    diff.check_many([
        ("HINCRBY", "h", "a", "5"),
        ("HINCRBY", "h", "a", "-7"),
        ("HGET", "h", "a"),
        ("HSET", "h", "s", "abc", "sp", " 1", "big", "9223372036854775807", "neg", "-9223372036854775808"),
        ("HINCRBY", "h", "s", "1"),
        ("HINCRBY", "h", "sp", "1"),
        ("HINCRBY", "h", "big", "1"),
        ("HINCRBY", "h", "big", "0"),
        ("HINCRBY", "h", "big", "-1"),
        ("HINCRBY", "h", "neg", "-1"),
        ("HINCRBY", "h", "neg", "1"),
        ("HINCRBY", "h", "a", "x"),
        ("HINCRBY", "h", "a", "1.5"),
        ("HINCRBY", "h", "a", "99999999999999999999"),
        ("HINCRBY", "nokey", "a", "x"),
        ("EXISTS", "nokey"),
        ("HINCRBY", "h", "a"),
        ("HGETALL", "h"),
    ], normalize=[None] * 17 + [_norm(enc, unordered_pairs)])


def test_hincrbyfloat(diff, enc):
    diff.check_many([
        ("HINCRBYFLOAT", "h", "a", "1.5"),
        ("HINCRBYFLOAT", "h", "a", "0.1"),
        ("HINCRBYFLOAT", "h", "a", "-1.6"),
        ("HINCRBYFLOAT", "h", "n", "1.0"),
        ("HINCRBYFLOAT", "h", "n", "5e-3"),
        ("HINCRBYFLOAT", "h", "z", "-0.0"),
        ("HINCRBYFLOAT", "h", "e", "1e20"),
        ("HINCRBYFLOAT", "h", "hx", "0x10"),
        ("HINCRBYFLOAT", "h", "a", "inf"),
        ("HINCRBYFLOAT", "h", "a", "-inf"),
        ("HINCRBYFLOAT", "h", "a", "nan"),
        ("HINCRBYFLOAT", "h", "a", "abc"),
        ("HINCRBYFLOAT", "h", "a", ""),
        ("HINCRBYFLOAT", "h", "a", " 1"),
        ("HSET", "h", "s", "abc", "i", "inf", "big", "1e308"),
        ("HINCRBYFLOAT", "h", "s", "1"),
        ("HINCRBYFLOAT", "h", "i", "1"),
        ("HINCRBYFLOAT", "h", "big", "1e308"),
        ("HINCRBYFLOAT", "h", "c", "1e400"),
        ("HINCRBYFLOAT", "nokey", "a", "x"),
        ("EXISTS", "nokey"),
    ])


def test_hincrbyfloat_is_a_bulk_in_resp3(diff, enc):
    diff.hello3()
    diff.check("HINCRBYFLOAT", "h", "a", "2.5")
    diff.check("HINCRBY", "h", "b", "2")


def test_hincr_result_too_long_converts(diff):
    diff.check("CONFIG", "SET", "hash-max-listpack-value", "3")
    try:
        diff.check("HSET", "h", "a", "100")
        _check_encoding(diff, "h", "listpack")
        diff.check("HINCRBY", "h", "a", "1000")
        _check_encoding(diff, "h", "hashtable")
        diff.check("HSET", "g", "a", "1")
        diff.check("HINCRBYFLOAT", "g", "a", "0.25")
        _check_encoding(diff, "g", "hashtable")
        diff.check("HINCRBY", "k", "long-field", "1")
        _check_encoding(diff, "k", "hashtable")
    finally:
        diff.check("CONFIG", "SET", "hash-max-listpack-value", "64")


# ---- encodings -------------------------------------------------------------------------------

def test_listpack_converts_at_entries_threshold(diff):
    diff.check("CONFIG", "SET", "hash-max-listpack-entries", "4")
    try:
        diff.check("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
        _check_encoding(diff, "h", "listpack")
        diff.check("HSET", "h", "a", "5")
        _check_encoding(diff, "h", "listpack")
        diff.check("HSET", "h", "e", "5")
        _check_encoding(diff, "h", "hashtable")
        diff.check("HDEL", "h", "a", "b", "c", "d")
        _check_encoding(diff, "h", "hashtable")   # never converts back
        diff.check("HGETALL", "h")
        diff.check("HSET", "g", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
        _check_encoding(diff, "g", "hashtable")
    finally:
        diff.check("CONFIG", "SET", "hash-max-listpack-entries", "512")


def test_listpack_converts_on_long_field_or_value(diff):
    long = "x" * 65
    diff.check_many([
        ("HSET", "h1", "a", "x" * 64),
        ("HSET", "h2", "a", long),
        ("HSET", "h3", long, "a"),
        ("HSET", "h4", "a", "1"),
        ("HSETNX", "h4", "b", long),
        ("HSET", "h5", "a", "1"),
        ("HSET", "h5", "a", "1", "b", long),   # converted before any write
    ])
    for k, e in [("h1", "listpack"), ("h2", "hashtable"), ("h3", "hashtable"), ("h4", "hashtable"),
                 ("h5", "hashtable")]:
        _check_encoding(diff, k, e)
    diff.check("HSETNX", "h1", "a", long)
    _check_encoding(diff, "h1", "listpack")   # HSETNX on an existing field writes nothing


def test_listpack_integer_like_fields_and_values(diff):
    vals = ["0", "-1", "127", "128", "-4096", "4095", "4096", "32767", "-32768", "8388607", "8388608",
            "2147483647", "-2147483648", "9223372036854775807", "-9223372036854775808",
            "9223372036854775808", "012", "-0", " 1", "+1", "1.0"]
    args = []
    for i, v in enumerate(vals):
        args += [v, v]
    diff.check("HSET", "h", *args)
    _check_encoding(diff, "h", "listpack")
    diff.check("HGETALL", "h")
    diff.check("HMGET", "h", *vals)
    diff.check("HSTRLEN", "h", "-9223372036854775808")
    diff.check("HEXISTS", "h", "127")
    diff.check("HDEL", "h", "127", "4096", "012")
    diff.check("HKEYS", "h")


# ---- HRANDFIELD ------------------------------------------------------------------------------

def test_hrandfield_argument_errors(diff, enc):
    diff.check("HSET", "h", "a", "1", "b", "2")
    diff.check_many([
        ("HRANDFIELD", "h", "x"),
        ("HRANDFIELD", "h", "1", "foo"),
        ("HRANDFIELD", "h", "1", "withvalues", "x"),
        ("HRANDFIELD", "h", "-9223372036854775808"),
        ("HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"),
        ("HRANDFIELD", "h", "4611686018427387904", "withvalues"),
        ("HRANDFIELD", "h", "-4611686018427387904", "withvalues"),
        ("HRANDFIELD", "nokey"),
        ("HRANDFIELD", "nokey", "3"),
        ("HRANDFIELD", "nokey", "-3", "withvalues"),
        ("HRANDFIELD", "h", "0"),
        ("HRANDFIELD", "h", "0", "withvalues"),
        ("HRANDFIELD", "nokey", "x"),
    ])


def _check_rand(diff, fc_reply_raw, fields, *, n, withvalues, resp3, unique):
    v = parse(fc_reply_raw)
    assert isinstance(v, list)
    if withvalues and not resp3:
        pairs = list(zip(v[0::2], v[1::2]))
    elif withvalues:
        assert all(isinstance(p, list) and len(p) == 2 for p in v), v
        pairs = [tuple(p) for p in v]
    else:
        pairs = [(f, fields[f]) for f in v]
    assert len(pairs) == n, (len(pairs), n)
    for f, val in pairs:
        assert fields[f] == val
    if unique:
        assert len({f for f, _ in pairs}) == n


@pytest.mark.parametrize("resp3", [False, True])
def test_hrandfield_counts_shapes(diff, fc, enc, resp3):
    fields = {b"f%d" % i: b"v%d" % i for i in range(30)}
    args = [x for kv in fields.items() for x in kv]
    diff.check("HSET", "h", *args)
    if resp3:
        diff.hello3()
    # reply lengths/shapes are deterministic: compare them between servers
    def shape(raw):
        v = parse(raw)
        return [type(x).__name__ + (str(len(x)) if isinstance(x, list) else "") for x in v] \
            if isinstance(v, list) else v
    for count in ["1", "5", "10", "25", "30", "100", "-1", "-5", "-100"]:
        for wv in ([], ["WITHVALUES"]):
            raw = diff.check("HRANDFIELD", "h", count, *wv, normalize=shape)
            fraw = fc.call("HRANDFIELD", "h", count, *wv)
            c = int(count)
            n = min(c, 30) if c > 0 else -c
            _check_rand(diff, fraw, fields, n=n, withvalues=bool(wv), resp3=resp3, unique=c > 0)
            del raw
    one = parse(fc.call("HRANDFIELD", "h"))
    assert one in fields
    diff.check("HRANDFIELD", "h", "30", normalize=unordered)
    diff.check("HRANDFIELD", "h", "31", "WITHVALUES", normalize=unordered if resp3 else unordered_pairs)


def test_hrandfield_is_random_enough(fc, enc):
    fc.call("HSET", "h", *[x for i in range(10) for x in (b"f%d" % i, b"v")])
    seen = set(parse(fc.call("HRANDFIELD", "h", "-2000")))
    assert len(seen) == 10
    seen = set()
    for _ in range(200):
        seen.add(parse(fc.call("HRANDFIELD", "h")))
    assert len(seen) == 10
    seen = set()
    for _ in range(200):
        seen.update(parse(fc.call("HRANDFIELD", "h", "3")))
    assert len(seen) == 10


def test_hrandfield_large_hashtable_small_and_close_counts(fc, enc):
    n = 2000
    fc.call("HSET", "big", *[x for i in range(n) for x in (b"f%d" % i, b"%d" % i)])
    for count in (3, 100, 700, 1500, 1999):
        v = parse(fc.call("HRANDFIELD", "big", str(count), "WITHVALUES"))
        pairs = list(zip(v[0::2], v[1::2]))
        assert len(pairs) == count and len({f for f, _ in pairs}) == count
        assert all(f == b"f" + val for f, val in pairs)


# ---- HSCAN ------------------------------------------------------------------------------------

def test_hscan_errors_and_missing_key(diff, enc):
    diff.check("HSET", "h", "a", "1")
    diff.check_many([
        ("HSCAN", "nokey", "0"),
        ("HSCAN", "nokey", "0", "COUNT", "0"),      # options parsed only for an existing key
        ("HSCAN", "h", "x"),
        ("HSCAN", "nokey", "x"),
        ("HSCAN", "h", "0", "COUNT", "0"),
        ("HSCAN", "h", "0", "COUNT", "-1"),
        ("HSCAN", "h", "0", "COUNT", "x"),
        ("HSCAN", "h", "0", "TYPE", "string"),
        ("HSCAN", "h", "0", "MATCH"),
        ("HSCAN", "h", "0", "foo", "bar"),
        ("HSCAN", "h"),
    ])


def test_hscan_listpack_returns_all_with_cursor_zero(diff):
    diff.check("HSET", "h", "a1", "1", "b1", "2", "a2", "3", "12", "4")
    diff.check_many([
        ("HSCAN", "h", "0"),
        ("HSCAN", "h", "12345"),
        ("HSCAN", "h", "0", "COUNT", "1"),
        ("HSCAN", "h", "0", "MATCH", "a*"),
        ("HSCAN", "h", "0", "MATCH", "1?"),
        ("HSCAN", "h", "0", "MATCH", "*", "COUNT", "100"),
        ("HSCAN", "h", "0", "MATCH", "zz*"),
    ])
    diff.hello3()
    diff.check("HSCAN", "h", "0")


def _full_scan(fc, key, *opts):
    cursor = b"0"
    out = {}
    rounds = 0
    while True:
        cursor, items = parse(fc.call("HSCAN", key, cursor, *opts))
        for f, v in zip(items[0::2], items[1::2]):
            out[f] = v
        rounds += 1
        if cursor == b"0":
            return out, rounds


def test_hscan_hashtable_visits_every_field(fc):
    fc.call("CONFIG", "SET", "hash-max-listpack-entries", "0")
    try:
        n = 1000
        fc.call("HSET", "h", *[x for i in range(n) for x in (b"f%d" % i, b"v%d" % i)])
        assert parse(fc.call("OBJECT", "ENCODING", "h")) == b"hashtable"
        got, rounds = _full_scan(fc, "h")
        assert got == {b"f%d" % i: b"v%d" % i for i in range(n)}
        assert rounds > 10
        got, _ = _full_scan(fc, "h", "COUNT", "200", "MATCH", "f1*")
        assert set(got) == {b"f%d" % i for i in range(n) if str(i).startswith("1")}
        # fields present for the whole scan are returned even while the table shrinks
        cursor = b"0"
        seen = set()
        first = True
        while first or cursor != b"0":
            first = False
            cursor, items = parse(fc.call("HSCAN", "h", cursor, "COUNT", "20"))
            seen.update(items[0::2])
            fc.call("HDEL", "h", *[b"f%d" % i for i in range(500, 1000, 7)])
        keep = {b"f%d" % i for i in range(500)}
        assert keep <= seen
    finally:
        fc.call("CONFIG", "SET", "hash-max-listpack-entries", "512")


def test_hscan_hashtable_matches_reference_as_sets(diff):
    diff.check("CONFIG", "SET", "hash-max-listpack-entries", "0")
    try:
        diff.check("HSET", "h", "a", "1", "b", "2", "c", "3")
        diff.check("HSCAN", "h", "0", "COUNT", "100", normalize=scan_norm)
        diff.check("HSCAN", "h", "0", "COUNT", "100", "MATCH", "b", normalize=scan_norm)
    finally:
        diff.check("CONFIG", "SET", "hash-max-listpack-entries", "512")


# ---- keyspace integration -----------------------------------------------------------------------

def test_generic_commands_work_on_hashes(diff, enc):
    n = _norm(enc, unordered_pairs)
    diff.check_many([
        ("HSET", "h", "a", "1", "b", "2"),
        ("TYPE", "h"),
        ("COPY", "h", "h2"),
        ("HSET", "h2", "c", "3"),
        ("HLEN", "h"),
        ("HLEN", "h2"),
        ("RENAME", "h2", "h3"),
        ("HGET", "h3", "c"),
        ("MOVE", "h3", "1"),
        ("EXISTS", "h3"),
        ("SELECT", "1"),
        ("HLEN", "h3"),
        ("DEL", "h3"),
        ("SELECT", "0"),
        ("SCAN", "0", "TYPE", "hash"),
        ("UNLINK", "h"),
        ("EXISTS", "h"),
    ])
    diff.check("HSET", "h", "a", "1", "b", "2")
    diff.check("COPY", "h", "c")
    diff.check("HGETALL", "c", normalize=n)
    _check_encoding(diff, "c", enc)


def test_hash_expiry(diff, enc):
    diff.check_many([
        ("HSET", "h", "a", "1"),
        ("PEXPIRE", "h", "1"),
    ])
    import time
    time.sleep(0.05)
    diff.check_many([
        ("HGET", "h", "a"),
        ("HLEN", "h"),
        ("EXISTS", "h"),
        ("HSET", "h", "a", "1"),
        ("EXPIRE", "h", "100"),
        ("HSET", "h", "b", "2"),
        ("TTL", "h"),
        ("HDEL", "h", "a", "b"),
        ("TTL", "h"),
    ])


def test_memory_usage_grows_with_content(fc, enc):
    r = fc.call("MEMORY", "USAGE", "nokey")
    if r.startswith(b"-ERR unknown command"):
        pytest.skip("MEMORY USAGE not on this branch")
    fc.call("HSET", "h", "a", "1")
    small = parse(fc.call("MEMORY", "USAGE", "h"))
    fc.call("HSET", "h", *[x for i in range(100) for x in (b"f%d" % i, b"v" * 20)])
    big = parse(fc.call("MEMORY", "USAGE", "h"))
    assert small < big


def test_many_fields_roundtrip(diff, enc):
    args = []
    for i in range(600):
        args += [f"field:{i}", f"value:{i * 7}"]
    diff.check("HSET", "h", *args)
    _check_encoding(diff, "h", "hashtable")   # 600 > 512 entries
    diff.check("HLEN", "h")
    diff.check("HMGET", "h", *[f"field:{i}" for i in range(0, 700, 13)])
    diff.check("HGETALL", "h", normalize=unordered_pairs)
    diff.check("HSET", "h", *args[:200])
    diff.check("HINCRBY", "h", "field:5", "3")
    diff.check("HVALS", "h", normalize=unordered)
