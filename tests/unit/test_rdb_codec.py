"""rdb_save / rdb_load / debug_digest of the core, in-process, against real Redis 7.0 files:
reference SAVE -> our loader (digests equal the reference's DEBUG DIGEST), our writer ->
reference start-up (same digest), legacy encodings Redis no longer writes, expiry on load,
checksums, and corrupt / truncated files (RdbError, databases left empty)."""

from __future__ import annotations

import functools
import operator
import os
import random
import subprocess
import time

import pytest
from support.resp import RawClient, parse
from support.servers import free_port, reference_cmd

from fastcache._core import core

core.init(16)


class Ref:
    """A private reference redis-server with DEBUG enabled, its dir under tmp_path."""

    def __init__(self, d, dbfilename="dump.rdb"):
        self.port = free_port()
        self.dir = str(d)
        self.proc = subprocess.Popen(
            reference_cmd() + ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--daemonize", "no", "--enable-debug-command", "yes",
                               "--dir", self.dir, "--dbfilename", dbfilename],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self.c = RawClient("127.0.0.1", self.port)
                break
            except OSError:
                time.sleep(0.05)
        while parse(self.c.call(b"PING")) != "PONG":
            time.sleep(0.05)

    def call(self, *a):
        return parse(self.c.call(*a))

    def stop(self):
        self.c.close()
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def ref(tmp_path):
    r = Ref(tmp_path)
    yield r
    r.stop()


def fill(r: Ref):
    """Every type in every encoding, TTLs, three databases."""
    cmds = [
        (b"SET", b"s_emb", b"hello"), (b"SET", b"s_int", b"12345"), (b"SET", b"s_big", str(2**60).encode()),
        (b"SET", b"s_raw", b"abc" * 40), (b"SET", b"s_bin", b"\x00\xff"), (b"SET", b"", b"empty key"),
        (b"RPUSH", b"l_small", b"a", b"1", b"", b"b" * 70),
        (b"RPUSH", b"l_big", *[b"v%d" % i for i in range(5000)]),
        (b"SADD", b"set_int", 1, 2, 3, -7, 2**40), (b"SADD", b"set_ht", b"a", b"b", b""),
        (b"SADD", b"set_many", *range(700)),
        (b"ZADD", b"z_lp", 1, b"a", 2.5, b"b", b"-inf", b"c", 0, b"d"),
        (b"ZADD", b"z_sl", *functools.reduce(operator.iadd, ([i / 3, b"m%d" % i] for i in range(300)), [])),
        (b"HSET", b"h_lp", b"f", b"v", b"n", 5), (b"HSET", b"h_ht", *functools.reduce(operator.iadd, ([b"f%d" % i, i] for i in range(700)), [])),
        (b"SET", b"ttl1", b"v", b"PX", 1000000), (b"HSET", b"ttl2", b"a", b"b"), (b"EXPIRE", b"ttl2", 5000),
        (b"SELECT", 5), (b"SET", b"in5", b"x"), (b"LPUSH", b"l5", b"q"),
        (b"SELECT", 15), (b"ZADD", b"z15", 1, b"x"),
        (b"SELECT", 0),
    ]
    for c in cmds:
        r.call(*c)


def test_reference_rdb_loads_with_equal_digests(ref, tmp_path):
    fill(ref)
    assert ref.call(b"SAVE") == "OK"
    res = core.rdb_load(str(tmp_path / "dump.rdb"))
    assert res["rdb_version"] == 10 and res["expired_skipped"] == 0
    assert res["keys"] == 20
    assert res["aux"]["redis-ver"] == b"7.0.15"
    assert core.debug_digest() == ref.call(b"DEBUG", b"DIGEST").encode()
    for k in ref.call(b"KEYS", b"*"):
        assert core.debug_digest_value(k) == ref.call(b"DEBUG", b"DIGEST-VALUE", k)[0].encode(), k
    assert core.debug_digest_value(b"missing") == b"0" * 40


@pytest.mark.parametrize("compression", [True, False])
def test_our_rdb_loads_in_the_reference(ref, tmp_path, compression):
    fill(ref)
    ref.call(b"SAVE")
    core.rdb_load(str(tmp_path / "dump.rdb"))
    want = core.debug_digest()
    out = tmp_path / "sub"
    out.mkdir()
    core.set_option("rdbcompression", compression)
    try:
        res = core.rdb_save(str(out / "ours.rdb"))
    finally:
        core.set_option("rdbcompression", True)
    assert res["keys"] == 20 and res["bytes"] == os.path.getsize(out / "ours.rdb")
    assert not [f for f in os.listdir(out) if f.startswith("temp-")]
    r2 = Ref(out, "ours.rdb")
    try:
        assert r2.call(b"DEBUG", b"DIGEST").encode() == want
        assert r2.call(b"DBSIZE") == 17
        assert r2.call(b"OBJECT", b"ENCODING", b"z_sl") == b"skiplist"
        assert r2.call(b"OBJECT", b"ENCODING", b"set_int") == b"intset"
        assert 990000 < r2.call(b"PTTL", b"ttl1") <= 1000000
    finally:
        r2.stop()
    # and back into ourselves
    core.rdb_load(str(out / "ours.rdb"))
    assert core.debug_digest() == want


def test_empty_dataset_round_trip(tmp_path):
    core.rdb_load_bytes(b"REDIS0010\xff" + b"\x00" * 8)
    assert core.total_keys() == 0
    assert core.debug_digest() == b"0" * 40
    res = core.rdb_save(str(tmp_path / "e.rdb"))
    assert res["keys"] == 0
    assert core.rdb_load(str(tmp_path / "e.rdb"))["keys"] == 0


def test_expired_keys_are_skipped_on_load(ref, tmp_path):
    ref.call(b"SET", b"a", b"1", b"PX", 150)
    ref.call(b"SET", b"b", b"2")
    ref.call(b"SAVE")
    time.sleep(0.3)
    res = core.rdb_load(str(tmp_path / "dump.rdb"))
    assert res["keys"] == 1 and res["expired_skipped"] == 1


def test_checksum_mismatch_and_disabled_checksums(ref, tmp_path):
    ref.call(b"SET", b"a", b"1")
    ref.call(b"SAVE")
    data = (tmp_path / "dump.rdb").read_bytes()
    bad = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(core.RdbError, match="checksum"):
        core.rdb_load_bytes(bad)
    assert core.total_keys() == 0
    # a stored checksum of 0 means "not computed" (rdbchecksum no on the writer)
    assert core.rdb_load_bytes(data[:-8] + b"\x00" * 8)["keys"] == 1
    core.set_option("rdbchecksum", False)
    try:
        assert core.rdb_load_bytes(bad)["keys"] == 1
        core.rdb_save(str(tmp_path / "nock.rdb"))
        assert (tmp_path / "nock.rdb").read_bytes()[-8:] == b"\x00" * 8
    finally:
        core.set_option("rdbchecksum", True)


def test_truncated_and_corrupt_files_fail_cleanly(ref, tmp_path):
    fill(ref)
    ref.call(b"SAVE")
    data = (tmp_path / "dump.rdb").read_bytes()
    for cut in range(0, len(data) - 1, max(1, len(data) // 400)):
        with pytest.raises(core.RdbError):
            core.rdb_load_bytes(data[:cut])
        assert core.total_keys() == 0
    rnd = random.Random(5)
    for _ in range(300):
        b = bytearray(data)
        b[rnd.randrange(9, len(b) - 8)] ^= 1 << rnd.randrange(8)
        with pytest.raises(core.RdbError):
            core.rdb_load_bytes(bytes(b))
        assert core.total_keys() == 0
    # with checksums off, corruption is caught by validation or loads something sane
    core.set_option("rdbchecksum", False)
    try:
        for _ in range(300):
            b = bytearray(data)
            for _ in range(3):
                b[rnd.randrange(9, len(b) - 8)] = rnd.randrange(256)
            try:
                core.rdb_load_bytes(bytes(b))
            except core.RdbError:
                assert core.total_keys() == 0
            else:
                core.debug_digest()
    finally:
        core.set_option("rdbchecksum", True)


def test_unsupported_contents_are_refused_by_name():
    # streams are skipped (tests/integration/test_persistence.py), but a torn one
    # still fails the load
    with pytest.raises(core.RdbError, match="EOF"):
        core.rdb_load_bytes(b"REDIS0010\x15\x01k\x00")
    with pytest.raises(core.RdbError, match="module"):
        core.rdb_load_bytes(b"REDIS0010\x07\x01k\x00")
    with pytest.raises(core.RdbError, match="function"):
        core.rdb_load_bytes(b"REDIS0010\xf6\x01x")
    with pytest.raises(core.RdbError, match="AUX module"):
        core.rdb_load_bytes(b"REDIS0010\xf7\x01x")
    with pytest.raises(core.RdbError, match="version"):
        core.rdb_load_bytes(b"REDIS0012\xff")
    with pytest.raises(core.RdbError, match="signature"):
        core.rdb_load_bytes(b"RUBBISH12")
    with pytest.raises(core.RdbError, match="databases"):
        core.rdb_load_bytes(b"REDIS0010\xfe\x10")
    assert core.total_keys() == 0


# ---- legacy encodings (built here: Redis 7.0 never writes them) -------------------------

def ziplist(items) -> bytes:
    """A ziplist of str/int items (the pre-7.0 compact encoding)."""
    entries = []
    prev = 0
    for it in items:
        if isinstance(it, int):
            if 0 <= it <= 12:
                enc = bytes([0xF1 + it])
            elif -128 <= it <= 127:
                enc = b"\xfe" + it.to_bytes(1, "little", signed=True)
            elif -32768 <= it <= 32767:
                enc = b"\xc0" + it.to_bytes(2, "little", signed=True)
            else:
                enc = b"\xe0" + it.to_bytes(8, "little", signed=True)
        else:
            n = len(it)
            enc = (bytes([n]) if n < 64 else bytes([0x40 | (n >> 8), n & 0xFF])) + it
        pl = bytes([prev]) if prev < 254 else b"\xfe" + prev.to_bytes(4, "little")
        e = pl + enc
        entries.append(e)
        prev = len(e)
    body = b"".join(entries)
    tail = 10 + len(body) - (len(entries[-1]) if entries else 0)
    total = 10 + len(body) + 1
    return total.to_bytes(4, "little") + tail.to_bytes(4, "little") + len(entries).to_bytes(2, "little") + body + b"\xff"


def zipmap(pairs) -> bytes:
    out = bytes([len(pairs)])
    for k, v in pairs:
        out += bytes([len(k)]) + k + bytes([len(v)]) + b"\x00" + v
    return out + b"\xff"


def rstr(b: bytes) -> bytes:
    assert len(b) < 16384
    return (bytes([len(b)]) if len(b) < 64 else bytes([0x40 | (len(b) >> 8), len(b) & 0xFF])) + b


def rdb_file(version: int, records: bytes) -> bytes:
    return b"REDIS%04d" % version + b"\xfe\x00" + records + b"\xff" + b"\x00" * 8


def restored_in(ref: Ref, key: bytes):
    """Move our loaded value to the reference via DUMP, read it there."""
    payload = core.dump_value(key)
    assert payload is not None
    assert ref.call(b"RESTORE", key, 0, payload, b"REPLACE") == "OK"
    t = ref.call(b"TYPE", key)
    enc = ref.call(b"OBJECT", b"ENCODING", key).decode()
    if t == "list":
        return t, enc, ref.call(b"LRANGE", key, 0, -1)
    if t == "hash":
        return t, enc, sorted(ref.call(b"HGETALL", key)[::2])
    if t == "zset":
        return t, enc, ref.call(b"ZRANGE", key, 0, -1, b"WITHSCORES")
    return t, enc, sorted(ref.call(b"SMEMBERS", key))


def test_legacy_ziplist_zipmap_and_quicklist_v1(ref):
    lz = ziplist([b"a", 5, -300, 70000, b"x" * 70])
    recs = (b"\x0a" + rstr(b"lz") + rstr(lz)
            + b"\x0e" + rstr(b"lq") + b"\x02" + rstr(ziplist([b"n1", 1])) + rstr(ziplist([b"n2"]))
            + b"\x0d" + rstr(b"hz") + rstr(ziplist([b"f1", b"v1", b"f2", 2]))
            + b"\x0c" + rstr(b"zz") + rstr(ziplist([b"a", 1, b"b", b"2.5"]))
            + b"\x09" + rstr(b"hm") + rstr(zipmap([(b"k1", b"v1"), (b"k2", b"v2")]))
            + b"\x03" + rstr(b"z3") + b"\x02" + rstr(b"a") + b"\x031.5" + rstr(b"b") + b"\xfe")
    res = core.rdb_load_bytes(rdb_file(6, recs))
    assert res["keys"] == 6 and res["rdb_version"] == 6
    assert restored_in(ref, b"lz") == ("list", "quicklist", [b"a", b"5", b"-300", b"70000", b"x" * 70])
    assert restored_in(ref, b"lq") == ("list", "quicklist", [b"n1", b"1", b"n2"])
    assert restored_in(ref, b"hz") == ("hash", "listpack", [b"f1", b"f2"])
    assert restored_in(ref, b"zz") == ("zset", "listpack", [b"a", b"1", b"b", b"2.5"])
    assert restored_in(ref, b"hm") == ("hash", "listpack", [b"k1", b"k2"])
    assert restored_in(ref, b"z3") == ("zset", "listpack", [b"a", b"1.5", b"b", b"inf"])


def test_legacy_blobs_are_validated():
    good = ziplist([b"a", b"b"])
    for bad in (good[:-1] + b"\x00", good[:5] + b"\x09" + good[6:], good[:8] + b"\x05\x00" + good[10:]):
        with pytest.raises(core.RdbError, match="Ziplist"):
            core.rdb_load_bytes(rdb_file(9, b"\x0a" + rstr(b"k") + rstr(bad)))
    with pytest.raises(core.RdbError, match="Zipmap"):
        core.rdb_load_bytes(rdb_file(3, b"\x09" + rstr(b"k") + rstr(b"\x01\x05ab")))
    with pytest.raises(core.RdbError, match="Hash listpack integrity"):
        core.rdb_load_bytes(rdb_file(9, b"\x0d" + rstr(b"k") + rstr(ziplist([b"f", b"1", b"f", b"2"]))))
    with pytest.raises(core.RdbError, match="duplicated key"):
        core.rdb_load_bytes(rdb_file(9, (b"\x00" + rstr(b"k") + rstr(b"v")) * 2))
    assert core.total_keys() == 0


def test_legacy_conversions_respect_thresholds(ref):
    # a ziplist hash over hash-max-listpack-entries becomes a hashtable on load
    items = []
    for i in range(600):
        items += [b"f%d" % i, b"v"]
    core.rdb_load_bytes(rdb_file(9, b"\x0d" + rstr(b"h") + b"\x80" + len(ziplist(items)).to_bytes(4, "big")
                                 + ziplist(items)))
    assert restored_in(ref, b"h")[1] == "hashtable"
