"""DUMP / RESTORE against the reference: payload format (RDB value + version + CRC64),
cross-restores in both directions for every type and encoding, every option and error
text, and corrupt payloads (truncations and byte flips never crash the server)."""

from __future__ import annotations

import functools
import operator
import random

import pytest
from support.resp import parse

# ---- CRC-64 (Jones, reflected, as Redis's DUMP footer) -------------------------------

_POLY = 0x95AC9329AC4BC9B5  # 0xad93d23594c935a9 reflected
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc64(data: bytes) -> int:
    crc = 0
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def with_footer(body: bytes, version: int = 10) -> bytes:
    """A payload: RDB value bytes + version (2 bytes LE) + CRC64 LE over both."""
    head = body + version.to_bytes(2, "little")
    return head + crc64(head).to_bytes(8, "little")


def test_crc64_check_value():
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA


# ---- datasets: every type in every encoding --------------------------------------------

BIG = b"x" * 100  # > 64 bytes: leaves listpack encodings, and compressible (LZF)

SETUPS = {
    "str_embstr": [(b"SET", b"k", b"hello")],
    "str_int": [(b"SET", b"k", b"12345")],
    "str_int_neg": [(b"SET", b"k", b"-70000")],
    "str_int_big": [(b"SET", b"k", str(2**40).encode())],
    "str_raw": [(b"SET", b"k", b"y" * 50)],
    "str_raw_lzf": [(b"SET", b"k", b"abc" * 40)],
    "str_binary": [(b"SET", b"k", b"\x00\xff\r\n\x00")],
    "str_empty": [(b"SET", b"k", b"")],
    "list_small": [(b"RPUSH", b"k", b"a", b"1", b"-5", b"", b"b" * 70)],
    "list_many_nodes": [(b"RPUSH", b"k", *[b"v%d" % i for i in range(3000)])],
    "set_intset": [(b"SADD", b"k", *[str(i).encode() for i in (5, -3, 70000, 2**40)])],
    "set_hashtable": [(b"SADD", b"k", b"a", b"b", b"1", b"")],
    "set_big_ints": [(b"SADD", b"k", *[str(i).encode() for i in range(600)])],
    "zset_listpack": [(b"ZADD", b"k", b"1", b"a", b"2.5", b"b", b"-3", b"c", b"inf", b"d", b"-0", b"e")],
    "zset_skiplist": [(b"ZADD", b"k", *functools.reduce(operator.iadd, ([str(i * 1.5).encode(), b"m%d" % i] for i in range(200)), []))],
    "zset_skiplist_long": [(b"ZADD", b"k", b"1", BIG, b"-inf", b"z")],
    "hash_listpack": [(b"HSET", b"k", b"f1", b"v1", b"f2", b"2", b"f3", b"x" * 30)],
    "hash_hashtable": [(b"HSET", b"k", *functools.reduce(operator.iadd, ([b"f%d" % i, b"v%d" % i] for i in range(600)), []))],
    "hash_long_value": [(b"HSET", b"k", b"f", BIG)],
}


def content(client, key=b"k"):
    """The logical value of a key, independent of encoding and iteration order."""
    t = parse(client.call(b"TYPE", key))
    if t == "string":
        v = parse(client.call(b"GET", key))
    elif t == "list":
        v = parse(client.call(b"LRANGE", key, 0, -1))
    elif t == "set":
        v = sorted(parse(client.call(b"SMEMBERS", key)))
    elif t == "zset":
        v = parse(client.call(b"ZRANGE", key, 0, -1, b"WITHSCORES"))
    elif t == "hash":
        flat = parse(client.call(b"HGETALL", key))
        v = sorted(zip(flat[::2], flat[1::2]))
    else:
        v = None
    return t, v, parse(client.call(b"OBJECT", b"ENCODING", key))


@pytest.mark.parametrize("name", sorted(SETUPS))
def test_dump_payloads_restore_across_servers(diff, ref, fc, name):
    diff.check_many(SETUPS[name])
    diff.check(b"OBJECT", b"ENCODING", b"k")
    want = content(ref)
    assert content(fc) == want
    ref_payload = parse(ref.call(b"DUMP", b"k"))
    fc_payload = parse(fc.call(b"DUMP", b"k"))
    # reference payload -> fastcache, fastcache payload -> reference
    assert fc.call(b"RESTORE", b"r", 0, ref_payload) == b"+OK\r\n"
    assert ref.call(b"RESTORE", b"r", 0, fc_payload) == b"+OK\r\n"
    assert content(fc, b"r") == want
    assert content(ref, b"r") == want
    # and the round trip through ourselves
    assert fc.call(b"RESTORE", b"r2", 0, fc_payload) == b"+OK\r\n"
    assert content(fc, b"r2") == want


@pytest.mark.parametrize("name", ["str_embstr", "str_int", "str_int_neg", "str_int_big",
                                  "str_binary", "str_empty", "zset_listpack",
                                  "hash_listpack", "list_small"])
def test_dump_bytes_equal_reference_for_deterministic_encodings(diff, name):
    # Values whose bytes don't depend on hash order or on LZF's match choices are
    # byte-identical to Redis's payloads.
    diff.check_many(SETUPS[name])
    diff.check(b"DUMP", b"k")


def test_dump_bytes_of_compressed_values_equal_reference(server_factory):
    """LZF-compressed payloads are Redis's bytes too: the compressor makes
    liblzf's choices (csrc/lzf.c).  A fresh pair, so both compressors start
    from the same history (their match tables persist between calls)."""
    from support.resp import RawClient
    ref, fc = server_factory("ref"), server_factory("fc")
    a, b = RawClient(*ref.address), RawClient(*fc.address)
    rnd = random.Random(7)
    words = [b"worker", b"job", b"id", b"x", b"queue:", b"\x00\x01", b"aaaa", b"lorem ipsum "]
    for i in range(400):
        kind = i % 4
        if kind == 0:
            v = b"".join(rnd.choice(words) for _ in range(rnd.randint(3, 200)))
        elif kind == 1:
            v = bytes(rnd.randint(0, 3) for _ in range(rnd.randint(21, 3000)))
        elif kind == 2:
            v = bytes(rnd.randint(0, 255) for _ in range(rnd.randint(3, 40))) * rnd.randint(1, 100)
        else:
            v = bytes(rnd.randint(0, 255) for _ in range(rnd.randint(21, 100)))
        for c in (a, b):
            c.call(b"SET", b"k", v)
            c.call(b"HSET", b"h", b"f%d" % (i % 7), v[:60])
            c.call(b"RPUSH", b"l", v[:30])
        assert a.call(b"DUMP", b"k") == b.call(b"DUMP", b"k"), v
    # compact encodings are compressed as one blob: listpacks of a hash and a list
    assert a.call(b"DUMP", b"h") == b.call(b"DUMP", b"h")
    assert a.call(b"DUMP", b"l") == b.call(b"DUMP", b"l")


def test_dump_bytes_of_edited_lists_equal_reference(server_factory):
    """Quicklists edited anywhere (pushes, LINSERT splits and merges, LSET, LREM,
    pops, LTRIM) under every kind of fill and compress depth keep Redis's node
    boundaries: their DUMP payloads are byte-identical to the reference's."""
    from support.resp import RawClient
    ref, fc = server_factory("ref"), server_factory("fc")
    a, b = RawClient(*ref.address), RawClient(*fc.address)
    rnd = random.Random(11)
    for trial in range(24):
        fill = rnd.choice([-1, -2, -3, 3, 5, 128])
        conf = [("list-max-listpack-size", str(fill)), ("rdbcompression", rnd.choice(["yes", "no"])),
                ("list-compress-depth", str(rnd.choice([0, 1, 2])))]
        for c in (a, b):
            c.call(b"DEL", b"l")
            for k, v in conf:
                c.call(b"CONFIG", b"SET", k, v)
        for i in range(rnd.randint(10, 300)):
            v = b"%d-" % i + b"x" * rnd.choice([1, 20, 60, 254, 300, 2000, 9000])
            r = rnd.random()
            if r < 0.45:
                cmd = (b"RPUSH" if r < 0.25 else b"LPUSH", b"l", v)
            elif r < 0.65:
                cmd = (b"LINSERT", b"l", rnd.choice([b"BEFORE", b"AFTER"]),
                       b"%d-x" % rnd.randint(0, max(i, 1)), v)
            elif r < 0.75:
                cmd = (b"LSET", b"l", b"%d" % rnd.randint(-5, 5), v)
            elif r < 0.85:
                cmd = (b"LREM", b"l", b"%d" % rnd.randint(-2, 2), b"%d-x" % rnd.randint(0, max(i, 1)))
            elif r < 0.93:
                cmd = (rnd.choice([b"LPOP", b"RPOP"]), b"l", b"%d" % rnd.randint(1, 3))
            else:
                cmd = (b"LTRIM", b"l", b"%d" % rnd.randint(0, 2), b"%d" % rnd.randint(-3, -1))
            assert a.call(*cmd) == b.call(*cmd), cmd
        assert a.call(b"DUMP", b"l") == b.call(b"DUMP", b"l"), conf


def test_dump_bytes_equal_with_rdbcompression_off(diff):
    diff.check(b"CONFIG", b"SET", b"rdbcompression", b"no")
    try:
        diff.check_many(SETUPS["str_raw_lzf"] + [(b"RPUSH", b"l", *[b"v%d" % i for i in range(300)])])
        diff.check(b"DUMP", b"k")
        diff.check(b"DUMP", b"l")
    finally:
        diff.check(b"CONFIG", b"SET", b"rdbcompression", b"yes")


def test_dump_missing_key_is_null(diff):
    diff.check(b"DUMP", b"nokey")
    diff.hello3()
    diff.check(b"DUMP", b"nokey")


def test_dump_binary_and_empty_key_names(diff, ref, fc):
    for key in (b"", b"a\x00b"):
        diff.check(b"SET", key, b"v")
        diff.check(b"DUMP", key)
        payload = parse(ref.call(b"DUMP", key))
        diff.check(b"RESTORE", key + b"copy", 0, payload)
        diff.check(b"GET", key + b"copy")


def test_restore_busykey_and_replace(diff, ref):
    diff.check(b"SET", b"k", b"v")
    payload = parse(ref.call(b"DUMP", b"k"))
    diff.check(b"RESTORE", b"k", 0, payload)
    diff.check(b"RESTORE", b"k", 0, payload, b"REPLACE")
    diff.check(b"SADD", b"s", b"a")
    diff.check(b"RESTORE", b"s", 0, payload, b"replace")
    diff.check(b"TYPE", b"s")


def test_restore_ttl_rules(diff, ref, fc):
    diff.check(b"SET", b"k", b"v")
    payload = parse(ref.call(b"DUMP", b"k"))
    diff.check(b"RESTORE", b"t1", -1, payload)
    diff.check(b"RESTORE", b"t1", b"abc", payload)
    diff.check(b"RESTORE", b"t1", 100000, payload)
    for c in (ref, fc):
        assert 99000 < parse(c.call(b"PTTL", b"t1")) <= 100000
    # ABSTTL in the past: OK, but no key
    diff.check(b"RESTORE", b"t2", 1, payload, b"ABSTTL")
    diff.check(b"EXISTS", b"t2")
    # ... and with REPLACE it deletes the existing key
    diff.check(b"SET", b"t3", b"old")
    diff.check(b"RESTORE", b"t3", 1, payload, b"ABSTTL", b"REPLACE")
    diff.check(b"EXISTS", b"t3")
    # ABSTTL in the future
    diff.check(b"RESTORE", b"t4", 4102444800000, payload, b"ABSTTL")
    diff.check(b"PEXPIRETIME", b"t4")
    diff.check(b"RESTORE", b"t5", 0, payload)
    diff.check(b"TTL", b"t5")


def test_restore_option_errors(diff, ref):
    diff.check(b"SET", b"k", b"v")
    p = parse(ref.call(b"DUMP", b"k"))
    diff.check_many([
        (b"RESTORE", b"a", 0, p, b"IDLETIME", b"-1"),
        (b"RESTORE", b"a", 0, p, b"IDLETIME", b"x"),
        (b"RESTORE", b"a", 0, p, b"IDLETIME"),
        (b"RESTORE", b"a", 0, p, b"FREQ", b"256"),
        (b"RESTORE", b"a", 0, p, b"FREQ", b"-1"),
        (b"RESTORE", b"a", 0, p, b"FREQ", b"x"),
        (b"RESTORE", b"a", 0, p, b"FREQ", b"5", b"IDLETIME", b"5"),
        (b"RESTORE", b"a", 0, p, b"IDLETIME", b"5", b"FREQ", b"5"),
        (b"RESTORE", b"a", 0, p, b"BOGUS"),
        (b"RESTORE", b"a", 0),
        (b"DUMP",),
        (b"DUMP", b"a", b"b"),
        # option errors come before BUSYKEY, BUSYKEY before the TTL check
        (b"RESTORE", b"k", 0, p, b"BOGUS"),
        (b"RESTORE", b"k", -5, b"junk"),
        (b"RESTORE", b"a", -5, b"junk"),
        (b"RESTORE", b"a", 0, b"junk"),
        (b"EXISTS", b"a"),
    ])


def test_restore_idletime(diff, ref, fc):
    diff.check(b"SET", b"k", b"v")
    p = parse(ref.call(b"DUMP", b"k"))
    diff.check(b"RESTORE", b"a", 0, p, b"IDLETIME", b"1000")
    for c in (ref, fc):
        assert 1000 <= parse(c.call(b"OBJECT", b"IDLETIME", b"a")) <= 1002


def test_restore_freq_under_lfu(diff, ref, fc):
    diff.check(b"CONFIG", b"SET", b"maxmemory-policy", b"allkeys-lfu")
    try:
        diff.check(b"SET", b"k", b"v")
        p = parse(ref.call(b"DUMP", b"k"))
        diff.check(b"RESTORE", b"a", 0, p, b"FREQ", b"100")
        diff.check(b"OBJECT", b"FREQ", b"a")
        diff.check(b"RESTORE", b"b", 0, p, b"FREQ", b"0")
        diff.check(b"OBJECT", b"FREQ", b"b")
    finally:
        diff.check(b"CONFIG", b"SET", b"maxmemory-policy", b"noeviction")


def test_restore_checksum_and_version_errors(diff, ref):
    diff.check(b"SET", b"k", b"hello")
    p = parse(ref.call(b"DUMP", b"k"))
    body = p[:-10]
    newer = with_footer(body, version=11)
    bad_crc = p[:-1] + bytes([p[-1] ^ 1])
    older = with_footer(body, version=9)
    diff.check_many([
        (b"RESTORE", b"a", 0, newer),
        (b"RESTORE", b"a", 0, bad_crc),
        (b"RESTORE", b"a", 0, b""),
        (b"RESTORE", b"a", 0, b"123456789"),
        (b"RESTORE", b"a", 0, older),
        (b"GET", b"a"),
    ])


def test_restore_bad_data_format(diff):
    diff.check_many([
        (b"RESTORE", b"a", 0, with_footer(b"")),              # no type byte
        (b"RESTORE", b"a", 0, with_footer(b"\x08\x01x")),     # unknown type 8
        (b"RESTORE", b"a", 0, with_footer(b"\x0f\x00")),      # stream (unsupported / corrupt)
        (b"RESTORE", b"a", 0, with_footer(b"\x00\x45")),      # string longer than the payload
        (b"RESTORE", b"a", 0, with_footer(b"\x02\x00")),      # empty set
        (b"RESTORE", b"a", 0, with_footer(b"\x02\x02\x01a\x01a")),  # duplicate set members
        (b"RESTORE", b"a", 0, with_footer(b"\x0b\x08\x02\x00\x00\x00\x00\x00\x00\x00")),  # empty intset
        (b"RESTORE", b"a", 0, with_footer(b"\x10\x03abc")),   # not a listpack
        (b"EXISTS", b"a"),
    ])


def test_restore_legacy_value_types(diff):
    # Pre-7.0 encodings RESTORE still accepts: plain LIST/SET/ZSET/HASH and ZSET with
    # text scores, converted to today's encodings at the current thresholds.
    zset_text = b"\x03\x02\x01a\x031.5\x01b\xfe"        # a=1.5, b=+inf
    diff.check_many([
        (b"RESTORE", b"l", 0, with_footer(b"\x01\x03\x01a\x01b\xc0\x07")),
        (b"LRANGE", b"l", 0, -1),
        (b"OBJECT", b"ENCODING", b"l"),
        (b"RESTORE", b"s", 0, with_footer(b"\x02\x03\xc0\x01\xc0\x02\x01x")),
        (b"SCARD", b"s"),
        (b"OBJECT", b"ENCODING", b"s"),
        (b"RESTORE", b"s2", 0, with_footer(b"\x02\x02\xc0\x01\xc1\x00\x01")),
        (b"OBJECT", b"ENCODING", b"s2"),
        (b"SMEMBERS", b"s2"),
        (b"RESTORE", b"z", 0, with_footer(zset_text)),
        (b"ZRANGE", b"z", 0, -1, b"WITHSCORES"),
        (b"OBJECT", b"ENCODING", b"z"),
        (b"RESTORE", b"h", 0, with_footer(b"\x04\x01\x01f\x01v")),
        (b"HGETALL", b"h"),
        (b"OBJECT", b"ENCODING", b"h"),
    ])


def _ok_or_bad_format(reply: bytes) -> bool:
    return reply in (b"+OK\r\n", b"-ERR Bad data format\r\n")


@pytest.mark.parametrize("name", ["list_small", "set_intset", "set_hashtable", "zset_listpack",
                                  "zset_skiplist", "hash_listpack", "hash_hashtable", "str_raw_lzf"])
def test_truncated_payloads_fail_like_the_reference(diff, ref, fc, name):
    diff.check_many(SETUPS[name])
    body = parse(ref.call(b"DUMP", b"k"))[:-10]
    step = max(1, len(body) // 60)
    cmds = []
    for cut in range(0, len(body), step):
        cmds.append((b"RESTORE", b"t", 0, with_footer(body[:cut]), b"REPLACE"))
    # truncation with a correct checksum: the value runs out of bytes (Redis reads
    # into the footer, then fails)
    rs = fc.pipeline(cmds)
    assert all(_ok_or_bad_format(r) for r in rs), rs
    assert fc.call(b"PING") == b"+PONG\r\n"
    # without a fixed checksum both refuse the same way
    diff.check_many([(b"RESTORE", b"unfixed", 0, parse(ref.call(b"DUMP", b"k"))[:-3])])


@pytest.mark.parametrize("name", ["list_small", "list_many_nodes", "set_intset", "set_hashtable",
                                  "zset_listpack", "zset_skiplist", "hash_listpack", "hash_hashtable",
                                  "str_raw_lzf"])
def test_random_byte_flips_never_crash(ref, fc, diff, name):
    diff.check_many(SETUPS[name])
    body = parse(ref.call(b"DUMP", b"k"))[:-10]
    rnd = random.Random(1234)
    cmds = []
    for _ in range(150):
        b = bytearray(body)
        for _ in range(rnd.randint(1, 3)):
            i = rnd.randrange(len(b))
            b[i] = rnd.randrange(256)
        cmds.append((b"RESTORE", b"t", 0, with_footer(bytes(b)), b"REPLACE"))
    # every reply is OK (a corruption that still decodes) or Bad data format; then
    # the restored value must be fully readable
    for cmd in cmds:
        r = fc.call(*cmd)
        assert _ok_or_bad_format(r), r
        if r == b"+OK\r\n":
            content(fc, b"t")
            fc.call(b"DUMP", b"t")
    assert fc.call(b"PING") == b"+PONG\r\n"
    # an unfixed checksum is always refused
    b = bytearray(parse(ref.call(b"DUMP", b"k")))
    b[0] ^= 0x40
    diff.check(b"RESTORE", b"t2", 0, bytes(b))
