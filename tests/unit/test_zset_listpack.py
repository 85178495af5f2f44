"""The zset listpack encoding (fastcache/_core/zset_listpack.pxi) against Redis 7.0's bytes.

A private reference server (rdbcompression off, so DUMP carries the blob verbatim) builds a
listpack zset with ZADD; the core's zzl_debug_build runs the same inserts through the code ZADD
uses (zzl_insert: position by (score, member), score as an integer entry when double2ll takes
it, else d2string text) and must produce the same bytes.
"""

from __future__ import annotations

import random
import struct

import pytest
from support.resp import RawClient
from support.servers import ServerHandle, reference_cmd

core = pytest.importorskip("fastcache._core.core")

BIG = "1000000000"
RDB_ZSET_LISTPACK = 17


@pytest.fixture(scope="module")
def rref():
    args = ["--rdbcompression", "no", "--zset-max-listpack-entries", BIG,
            "--zset-max-listpack-value", BIG]
    with ServerHandle(reference_cmd(), args, name="reference-zset-listpack") as s:
        c = RawClient(s.host, s.port)
        yield c
        c.close()


def _blob(c: RawClient, key: bytes) -> bytes:
    raw = c.call("DUMP", key)
    head, _, rest = raw.partition(b"\r\n")
    payload = rest[:int(head[1:])]
    assert payload[0] == RDB_ZSET_LISTPACK
    b, pos = payload[1], 2
    if b >> 6 == 0:
        n = b & 0x3F
    elif b >> 6 == 1:
        n, pos = ((b & 0x3F) << 8) | payload[2], 3
    else:
        assert b == 0x80
        n, pos = struct.unpack(">I", payload[2:6])[0], 6
    return payload[pos:pos + n]


SCORES = [b"0", b"-0", b"1", b"-1", b"1.5", b"0.1", b"-0.25", b"inf", b"-inf", b"1e17", b"-1e17",
          b"4503599627370496", b"4503599627370497", b"4611686018427387904", b"9.3e18", b"1e19",
          b"1e300", b"5e-324", b"127", b"128", b"-4097", b"2147483648", b"123456789.125",
          b"3", b"3", b"3"]
MEMBERS = [b"a", b"b", b"", b"0", b"-1", b"007", b"12345678901234567890", b"9223372036854775807",
           b"bin\x00\r\n", b"x" * 70, b"\xff", b"aa", b"ab", b"-0", b"1.5"]


def _check(rref, pairs):
    rref.call("DEL", "z")
    for s, m in pairs:
        rref.call("ZADD", "z", "NX", s, m)
    got = core.zzl_debug_build([(m, float(s)) for s, m in pairs])
    assert got == _blob(rref, b"z")


def test_score_encodings_equal_redis(rref):
    _check(rref, [(s, b"m%d" % i) for i, s in enumerate(SCORES)])


def test_member_encodings_and_ties_equal_redis(rref):
    _check(rref, [(b"1", m) for m in MEMBERS] + [(b"0.5", b"z" + m) for m in MEMBERS])


def test_random_insert_orders_equal_redis(rref):
    rnd = random.Random(7)
    for _ in range(30):
        pairs = [(rnd.choice(SCORES), rnd.choice(MEMBERS) + rnd.choice([b"", b"1", b"q"]))
                 for _ in range(rnd.randint(1, 40))]
        _check(rref, pairs)
