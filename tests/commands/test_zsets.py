"""Sorted-set commands (Redis t_zset.c), compared byte for byte with the reference server.

Every test runs once per encoding (the ``enc`` fixture forces the thresholds with CONFIG SET on
both servers and restores the defaults afterwards) and checks OBJECT ENCODING on both.
"""

from __future__ import annotations

import pytest
from support.diff import parsed
from support.resp import parse

BIN = b"bin\x00key\r\n"
MEMBERS = [b"a", b"b", b"c", b"d", b"e", b"f", b"g"]


@pytest.fixture(params=["skiplist", "listpack"])
def enc(request, diff):
    """Force the zset encoding on both servers; yields the expected OBJECT ENCODING name."""
    if request.param == "skiplist":
        diff.check(b"CONFIG", b"SET", b"zset-max-listpack-entries", b"0")
    diff.check(b"ZADD", b"__probe", b"1", b"a")
    assert diff.check(b"OBJECT", b"ENCODING", b"__probe") == b"$%d\r\n%s\r\n" % (
        len(request.param), request.param.encode())
    diff.check(b"DEL", b"__probe")
    yield request.param
    diff.check(b"CONFIG", b"SET", b"zset-max-listpack-entries", b"128")
    diff.check(b"CONFIG", b"SET", b"zset-max-listpack-value", b"64")


def many(diff, *cmds, **kw):
    return diff.check_many([c if isinstance(c, (list, tuple)) else c.split() for c in cmds], **kw)


def seed(diff, key=b"z"):
    """A zset with awkward scores (z) and a same-score one for lex ranges (l): lex ranges on
    mixed scores are undefined (they depend on the random skiplist levels in Redis too)."""
    diff.check(b"ZADD", b"l", b"0", b"a", b"0", b"b", b"0", b"c", b"0", b"cc", b"0", b"d", b"0", b"e")
    diff.check(b"ZADD", key, b"1", b"a", b"2", b"b", b"3", b"c", b"3", b"cc", b"-0", b"d",
               b"0.1", b"e", b"+inf", b"f", b"-inf", b"g", b"1e30", b"h")


# ---- ZADD / ZINCRBY ------------------------------------------------------------------------

def test_zadd_basic_and_encoding(diff, enc):
    many(diff, "ZADD z 1 a 2 b 3 c", "ZADD z 1 a", "ZCARD z", "OBJECT ENCODING z", "TYPE z",
         "ZRANGE z 0 -1 WITHSCORES")


def test_zadd_options(diff, enc):
    many(diff,
         "ZADD z 1 a 2 b",
         "ZADD z NX 5 a 3 c", "ZRANGE z 0 -1 WITHSCORES",
         "ZADD z XX 5 a 9 new", "ZRANGE z 0 -1 WITHSCORES",
         "ZADD z CH 5 a 7 b 1 d", "ZADD z CH 5 a",
         "ZADD z GT 1 a 10 b", "ZRANGE z 0 -1 WITHSCORES",
         "ZADD z LT 1 a 10 b", "ZRANGE z 0 -1 WITHSCORES",
         "ZADD z GT CH 0 a 100 b 3 e", "ZADD z XX GT CH 0 a 200 b 3 f", "ZRANGE z 0 -1 WITHSCORES",
         "ZADD z xx lt ch 0 a", "ZADD nokey XX 1 a", "EXISTS nokey",
         "ZADD nokey XX INCR 1 a",
         "ZADD z INCR 2 a", "ZADD z INCR NX 2 a", "ZADD z INCR XX 2 zz", "ZADD z INCR GT -1 a",
         "ZADD z INCR LT -1 a", "ZADD z INCR -inf a")


def test_zadd_errors(diff, enc):
    many(diff,
         "ZADD z NX XX 1 a", "ZADD z GT LT 1 a", "ZADD z GT NX 1 a", "ZADD z LT NX 1 a",
         "ZADD z INCR 1 a 2 b", "ZADD z 1 a 2", "ZADD z NX", "ZADD z 1",
         "ZADD z x a", "ZADD z nan a", "ZADD z 1 a x b", "EXISTS z",
         "ZADD z ' 1' a", "ZADD z 1.5x a", "ZADD z 0x10 a", "ZRANGE z 0 -1 WITHSCORES",
         "SET s v", "ZADD s 1 a", "ZADD s x a")
    many(diff, "ZADD z 1 a", "ZADD z INCR +inf a", "ZADD z INCR -inf a", "ZINCRBY z -inf a",
         "ZSCORE z a")


def test_zadd_float_parsing_edge_cases(diff, enc):
    many(diff, "ZADD z 1e308 a 1e-310 b .5 c 5. d +1 e -1e-5 f 1E3 g inf h -INF i",
         "ZRANGE z 0 -1 WITHSCORES", "ZADD z 1e400 x", "ZADD z infinity j", "ZSCORE z j")


def test_zincrby(diff, enc):
    many(diff, "ZINCRBY z 1 a", "ZINCRBY z 0.1 a", "ZINCRBY z 0.2 a", "ZINCRBY z -1.1 a",
         "ZINCRBY z 1e300 b", "ZINCRBY z inf b", "ZINCRBY z -inf b", "ZSCORE z b",
         "ZINCRBY z x a", "ZINCRBY z nan a", "ZINCRBY z nx a", "SET s v", "ZINCRBY s 1 a")


def test_score_formatting_resp2_and_resp3(diff, enc):
    seed(diff)
    cmds = ["ZSCORE z a", "ZSCORE z d", "ZSCORE z e", "ZSCORE z f", "ZSCORE z g", "ZSCORE z h",
            "ZSCORE z nope", "ZSCORE nokey a", "ZMSCORE z a d nope e", "ZMSCORE nokey a b",
            "ZRANGE z 0 -1 WITHSCORES", "ZINCRBY z 1 e", "ZADD z INCR 1 e"]
    many(diff, *cmds)
    diff.hello3()
    many(diff, *cmds)


def test_large_integer_and_fraction_scores(diff, enc):
    many(diff, "ZADD z 9007199254740992 a 9007199254740993 b 4503599627370496 c 123456789012345678 d",
         "ZADD z 3.14159265358979 e 1.7976931348623157e308 f 5e-324 g",
         "ZRANGE z 0 -1 WITHSCORES")


# ---- simple reads --------------------------------------------------------------------------

def test_zcard_zscore_zmscore_wrongtype(diff, enc):
    many(diff, "SET s v", "ZCARD s", "ZSCORE s a", "ZMSCORE s a", "ZRANK s a", "ZREVRANK s a",
         "ZCARD nokey", "ZMSCORE z", "ZCOUNT s 0 1", "ZLEXCOUNT s - +", "ZRANGE s 0 1",
         "ZREM s a", "ZPOPMIN s", "ZRANDMEMBER s", "ZSCAN s 0", "ZRANGESTORE d s 0 1",
         "ZUNION 1 s", "ZREMRANGEBYRANK s 0 1")


def test_zrank_zrevrank(diff, enc):
    seed(diff)
    many(diff, *[f"ZRANK z {m}" for m in "abcdefgh"], *[f"ZREVRANK z {m}" for m in "abcdefgh"],
         "ZRANK z cc", "ZRANK z nope", "ZRANK nokey a", "ZREVRANK nokey a")


def test_zcount(diff, enc):
    seed(diff)
    many(diff, "ZCOUNT z -inf +inf", "ZCOUNT z 0 3", "ZCOUNT z (0 (3", "ZCOUNT z (1 3",
         "ZCOUNT z 3 1", "ZCOUNT z (3 3", "ZCOUNT z 3 (3", "ZCOUNT z 3 3", "ZCOUNT z -0 0",
         "ZCOUNT z inf inf", "ZCOUNT z (inf inf", "ZCOUNT nokey 0 1",
         "ZCOUNT z x 1", "ZCOUNT z 1 nan", "ZCOUNT z ( 1", "ZCOUNT z (( 1",
         ["ZCOUNT", "z", "", "5"], ["ZCOUNT", "z", " 1", "5"], ["ZCOUNT", "z", "1\x00junk", "5"],
         "ZCOUNT z 1e400 inf", "ZCOUNT z 0x1 3")


def test_zlexcount(diff, enc):
    many(diff, "ZADD z 0 a 0 b 0 c 0 d 0 e 0 ab",
         "ZLEXCOUNT z - +", "ZLEXCOUNT z + -", "ZLEXCOUNT z - -", "ZLEXCOUNT z + +",
         "ZLEXCOUNT z [a [c", "ZLEXCOUNT z (a [c", "ZLEXCOUNT z (a (c", "ZLEXCOUNT z [c [a",
         "ZLEXCOUNT z [b [b", "ZLEXCOUNT z (b [b", "ZLEXCOUNT z [ (zz", "ZLEXCOUNT z ( +",
         "ZLEXCOUNT z a c", "ZLEXCOUNT z [a c", "ZLEXCOUNT z +a +", "ZLEXCOUNT z -- +",
         ["ZLEXCOUNT", "z", "", "+"], ["ZLEXCOUNT", "z", "-\x00x", "+"], "ZLEXCOUNT nokey - +")


# ---- ZRANGE family -------------------------------------------------------------------------

RANGE_CMDS = [
    "ZRANGE z 0 -1", "ZRANGE z 0 -1 WITHSCORES", "ZRANGE z 2 4", "ZRANGE z -3 -1 withscores",
    "ZRANGE z -100 100", "ZRANGE z 5 2", "ZRANGE z 100 200", "ZRANGE z 0 0", "ZRANGE z -1 -1",
    "ZRANGE z 0 -1 REV", "ZRANGE z 1 3 REV WITHSCORES", "ZRANGE z 0 1 rev rev",
    "ZRANGE z -inf +inf BYSCORE", "ZRANGE z (0 3 BYSCORE WITHSCORES", "ZRANGE z 3 (0 BYSCORE REV",
    "ZRANGE z +inf -inf BYSCORE REV WITHSCORES", "ZRANGE z 0 10 BYSCORE LIMIT 1 2",
    "ZRANGE z 0 10 BYSCORE LIMIT 1 -1", "ZRANGE z 0 10 BYSCORE LIMIT 1 0",
    "ZRANGE z 0 10 BYSCORE LIMIT -1 5", "ZRANGE z 0 10 BYSCORE LIMIT 100 5",
    "ZRANGE z -inf inf BYSCORE LIMIT 2 3 REV WITHSCORES", "ZRANGE l [a [c BYLEX",
    "ZRANGE l - + BYLEX", "ZRANGE l + - BYLEX REV", "ZRANGE l - + BYLEX LIMIT 1 2",
    "ZRANGE l (c - BYLEX REV LIMIT 0 2",
    "ZRANGE z 0 -1 LIMIT 0 1", "ZRANGE z - + BYLEX WITHSCORES", "ZRANGE z 0 1 BYSCORE BYLEX",
    "ZRANGE z 0 1 BYLEX BYSCORE", "ZRANGE z 0 1 foo", "ZRANGE z 0 1 LIMIT 1",
    "ZRANGE z x 1", "ZRANGE z 0 1.5", "ZRANGE z a b BYSCORE", "ZRANGE z a b BYLEX",
    "ZRANGE z 0 1 BYSCORE LIMIT x 1", "ZRANGE nokey 0 -1", "ZRANGE nokey 0 -1 WITHSCORES",
    "ZREVRANGE z 0 -1", "ZREVRANGE z 1 2 WITHSCORES", "ZREVRANGE z 0 1 REV", "ZREVRANGE z 0 1 BYSCORE",
    "ZREVRANGE z 0 1 LIMIT 0 1",
    "ZRANGEBYSCORE z -inf +inf", "ZRANGEBYSCORE z (1 3 WITHSCORES", "ZRANGEBYSCORE z 0 5 LIMIT 1 1",
    "ZRANGEBYSCORE z 0 5 REV", "ZRANGEBYSCORE z 0 5 BYLEX", "ZRANGEBYSCORE z 0 5 LIMIT 1 1 WITHSCORES",
    "ZREVRANGEBYSCORE z +inf -inf", "ZREVRANGEBYSCORE z 3 (1 WITHSCORES LIMIT 0 1",
    "ZREVRANGEBYSCORE z (1 3", "ZRANGEBYLEX l - +", "ZRANGEBYLEX l [b (d LIMIT 0 1",
    "ZRANGEBYLEX l - + WITHSCORES", "ZREVRANGEBYLEX l + -", "ZREVRANGEBYLEX l [d [b",
    "ZREVRANGEBYLEX l [b [d", "ZRANGEBYLEX l b d", "ZRANGEBYSCORE z x y", "ZRANGE l 0 -1 BYLEX",
]


def test_zrange_family_resp2(diff, enc):
    seed(diff)
    many(diff, *RANGE_CMDS)


def test_zrange_family_resp3(diff, enc):
    seed(diff)
    diff.hello3()
    many(diff, *RANGE_CMDS)


def test_zrange_lex_on_same_scores(diff, enc):
    many(diff, "ZADD z 0 alpha 0 beta 0 gamma 0 a 0 '' 0 b\x00c",
         ["ZADD", "z", "0", b"b\x00c", "0", b"", "0", b"\xff\xfe"],
         "ZRANGE z - + BYLEX", ["ZRANGE", "z", b"[b\x00", "+", "BYLEX"], "ZRANGE z (a [beta BYLEX",
         ["ZRANGEBYLEX", "z", "[", "(b"], "ZREVRANGEBYLEX z + (alpha LIMIT 1 10")


def test_zrangestore(diff, enc):
    seed(diff)
    many(diff, "ZRANGESTORE d z 0 -1", "ZRANGE d 0 -1 WITHSCORES", "OBJECT ENCODING d",
         "ZRANGESTORE d z 1 2 REV", "ZRANGE d 0 -1 WITHSCORES",
         "ZRANGESTORE d z (0 3 BYSCORE LIMIT 1 2", "ZRANGE d 0 -1 WITHSCORES",
         "ZRANGESTORE d l [b + BYLEX", "ZRANGE d 0 -1 WITHSCORES",
         "ZRANGESTORE d z 0 -1 WITHSCORES", "ZRANGESTORE d z 100 200", "EXISTS d",
         "SET d x", "EXPIRE d 100", "ZRANGESTORE d z 0 0", "TTL d", "TYPE d",
         "ZRANGESTORE d nokey 0 -1", "EXISTS d", "ZRANGESTORE z z 0 1", "ZRANGE z 0 -1 WITHSCORES",
         "SET s v", "ZRANGESTORE d s 0 1", "ZRANGESTORE s z 0 1", "TYPE s")


# ---- removal -------------------------------------------------------------------------------

def test_zrem(diff, enc):
    seed(diff)
    many(diff, "ZREM z a nope b a", "ZCARD z", "ZREM nokey a", "ZREM z c cc d e f g h", "EXISTS z")


def test_zremrangebyrank(diff, enc):
    for args in ["0 0", "-2 -1", "1 -2", "5 2", "100 200", "-100 100", "x 1"]:
        seed(diff)
        many(diff, f"ZREMRANGEBYRANK z {args}", "ZRANGE z 0 -1 WITHSCORES", "EXISTS z")
    many(diff, "ZREMRANGEBYRANK nokey 0 -1")


def test_zremrangebyscore(diff, enc):
    for args in ["-inf +inf", "(0 3", "0 (3", "(1 (2", "3 1", "x 1", "-inf (0"]:
        seed(diff)
        many(diff, f"ZREMRANGEBYSCORE z {args}", "ZRANGE z 0 -1 WITHSCORES", "EXISTS z")
    many(diff, "ZREMRANGEBYSCORE nokey 0 1")


def test_zremrangebylex(diff, enc):
    for args in ["- +", "[a (c", "(a [c", "[c [a", "a c", "(b +"]:
        many(diff, "DEL z", "ZADD z 0 a 0 b 0 c 0 d", f"ZREMRANGEBYLEX z {args}", "ZRANGE z 0 -1", "EXISTS z")
    many(diff, "ZREMRANGEBYLEX nokey - +")


# ---- pops ----------------------------------------------------------------------------------

POP_CMDS = ["ZPOPMIN z", "ZPOPMAX z", "ZPOPMIN z 2", "ZPOPMAX z 1", "ZPOPMIN z 0", "ZPOPMIN z -1",
            "ZPOPMIN z x", "ZPOPMIN z 1 2", "ZPOPMAX z 100", "EXISTS z", "ZPOPMIN z", "ZPOPMIN z 3",
            "ZPOPMIN nokey 0"]


def test_zpopmin_zpopmax(diff, enc):
    seed(diff)
    many(diff, *POP_CMDS)
    seed(diff)
    diff.hello3()
    many(diff, *POP_CMDS)


ZMPOP_CMDS = ["ZMPOP 1 z MIN", "ZMPOP 2 nokey z MAX COUNT 2", "ZMPOP 1 z min count 100", "EXISTS z",
              "ZMPOP 1 z MIN", "ZMPOP 2 nokey z MIN", "ZMPOP 0 z MIN", "ZMPOP -1 z MIN",
              "ZMPOP x z MIN", "ZMPOP 2 z MIN", "ZMPOP 1 z MED", "ZMPOP 1 z MIN COUNT 0",
              "ZMPOP 1 z MIN COUNT -1", "ZMPOP 1 z MIN COUNT x", "ZMPOP 1 z MIN COUNT 1 COUNT 1",
              "ZMPOP 1 z MIN COUNT", "ZMPOP 9223372036854775807 z MIN", "ZMPOP 1 z MIN foo"]


def test_zmpop(diff, enc):
    seed(diff)
    many(diff, *ZMPOP_CMDS)
    seed(diff)
    diff.hello3()
    many(diff, *ZMPOP_CMDS)


def test_zmpop_wrongtype_stops_at_first_existing_key(diff, enc):
    many(diff, "SET s v", "ZADD z 1 a", "ZMPOP 3 nokey s z MIN", "ZMPOP 3 nokey z s MAX")


# ---- ZRANDMEMBER ---------------------------------------------------------------------------

def test_zrandmember_deterministic_cases(diff, enc):
    seed(diff)
    cmds = ["ZRANDMEMBER nokey", "ZRANDMEMBER nokey 5", "ZRANDMEMBER nokey -5 WITHSCORES",
            "ZRANDMEMBER z 0", "ZRANDMEMBER z 0 WITHSCORES", "ZRANDMEMBER z 9", "ZRANDMEMBER z 100 WITHSCORES",
            "ZRANDMEMBER z x", "ZRANDMEMBER z 1 foo", "ZRANDMEMBER z 1 WITHSCORES x",
            "ZRANDMEMBER z -9223372036854775808", "ZRANDMEMBER z 9223372036854775807 WITHSCORES",
            "ZRANDMEMBER z -4611686018427387904 WITHSCORES", "ZRANDMEMBER z 4611686018427387903 WITHSCORES"]
    many(diff, *cmds)
    diff.hello3()
    many(diff, *cmds)


def test_zrandmember_random_cases(fc, diff, enc):
    members = {f"m{i}".encode(): i for i in range(200)}
    args = []
    for m, s in members.items():
        args += [str(s).encode(), m]
    diff.check(b"ZADD", b"z", *args)
    assert parse(fc.call("ZRANDMEMBER", "z")) in members
    for count in (1, 5, 50, 70, 150, 199):
        got = parse(fc.call("ZRANDMEMBER", "z", str(count)))
        assert len(got) == count and len(set(got)) == count and set(got) <= set(members)
        got = parse(fc.call("ZRANDMEMBER", "z", str(count), "WITHSCORES"))
        pairs = list(zip(got[::2], got[1::2]))
        assert len(pairs) == count and all(int(s) == members[m] for m, s in pairs)
    got = parse(fc.call("ZRANDMEMBER", "z", "-500"))
    assert len(got) == 500 and set(got) <= set(members)
    fc.call("HELLO", "3")
    got = parse(fc.call("ZRANDMEMBER", "z", "-3", "WITHSCORES"))
    assert len(got) == 3 and all(len(p) == 2 and p[1] == members[p[0]] for p in got)
    got = parse(fc.call("ZRANDMEMBER", "z", "3", "WITHSCORES"))
    assert len(got) == 3 and all(len(p) == 2 and p[1] == members[p[0]] for p in got)


# ---- set operations ------------------------------------------------------------------------

def setop_seed(diff):
    many(diff, "ZADD z1 1 a 2 b 3 c +inf i", "ZADD z2 10 b 20 c 30 d -inf i", "ZADD z3 5 c 6 d 7 e")


SETOP_CMDS = [
    "ZUNION 2 z1 z2", "ZUNION 2 z1 z2 WITHSCORES", "ZUNION 3 z1 z2 z3 WEIGHTS 1 2 3 WITHSCORES",
    "ZUNION 2 z1 z2 AGGREGATE MIN WITHSCORES", "ZUNION 2 z1 z2 AGGREGATE max WITHSCORES",
    "ZUNION 2 z1 z2 WEIGHTS 0 1 WITHSCORES", "ZUNION 2 z1 nokey WITHSCORES",
    "ZUNION 2 z1 z1 WITHSCORES", "ZUNION 2 z1 z2 WEIGHTS 1 nan", "ZUNION 2 z1 z2 WEIGHTS 1",
    "ZUNION 2 z1 z2 WEIGHTS 1 x", "ZUNION 2 z1 z2 AGGREGATE avg", "ZUNION 2 z1 z2 AGGREGATE",
    "ZUNION 2 z1 z2 foo", "ZUNION 0 z1", "ZUNION -1 z1", "ZUNION x z1", "ZUNION 3 z1 z2",
    "ZINTER 2 z1 z2", "ZINTER 2 z1 z2 WITHSCORES", "ZINTER 3 z1 z2 z3 WITHSCORES",
    "ZINTER 2 z2 z3 WEIGHTS 2 0.5 AGGREGATE MAX WITHSCORES", "ZINTER 2 z1 nokey",
    "ZINTER 2 z1 z1 AGGREGATE SUM WITHSCORES", "ZINTER 2 z1 z2 WEIGHTS 1 -1 WITHSCORES",
    "ZDIFF 2 z1 z2", "ZDIFF 2 z1 z2 WITHSCORES", "ZDIFF 3 z3 z1 z2 WITHSCORES", "ZDIFF 1 z1 WITHSCORES",
    "ZDIFF 2 nokey z1", "ZDIFF 2 z1 nokey", "ZDIFF 2 z1 z2 WEIGHTS 1 2", "ZDIFF 2 z1 z2 AGGREGATE MIN",
    "ZINTERCARD 2 z1 z2", "ZINTERCARD 3 z1 z2 z3", "ZINTERCARD 2 z1 z2 LIMIT 1", "ZINTERCARD 2 z1 z2 LIMIT 0",
    "ZINTERCARD 2 z1 z2 LIMIT -1", "ZINTERCARD 2 z1 z2 LIMIT x", "ZINTERCARD 0 z1", "ZINTERCARD 2 z1",
    "ZINTERCARD 1 z1 WITHSCORES", "ZINTERCARD 1 z1 WEIGHTS 2", "ZINTERCARD 2 z1 nokey",
]


def test_zunion_zinter_zdiff_resp2(diff, enc):
    setop_seed(diff)
    many(diff, *SETOP_CMDS)


def test_zunion_zinter_zdiff_resp3(diff, enc):
    setop_seed(diff)
    diff.hello3()
    many(diff, *SETOP_CMDS)


def test_setop_store(diff, enc):
    setop_seed(diff)
    many(diff, "ZUNIONSTORE d 2 z1 z2", "ZRANGE d 0 -1 WITHSCORES", "OBJECT ENCODING d",
         "ZINTERSTORE d 2 z1 z2 WEIGHTS 2 3", "ZRANGE d 0 -1 WITHSCORES",
         "ZDIFFSTORE d 2 z1 z2", "ZRANGE d 0 -1 WITHSCORES",
         "ZUNIONSTORE d 2 z1 z2 WITHSCORES", "ZINTERSTORE d 2 z1 z3", "ZRANGE d 0 -1",
         "SET d x", "EXPIRE d 100", "ZUNIONSTORE d 1 z1", "TTL d",
         "ZINTERSTORE d 2 z1 nokey", "EXISTS d", "ZDIFFSTORE d 1 nokey",
         "ZUNIONSTORE z1 2 z1 z2", "ZRANGE z1 0 -1 WITHSCORES",
         "SET s v", "ZUNIONSTORE d 2 z1 s", "ZINTERSTORE s 1 z2", "TYPE s",
         "ZUNIONSTORE d 0 z1", "ZDIFFSTORE d 0 z1", "ZDIFFSTORE d 2 z1")


def test_setop_wrongtype_before_syntax(diff, enc):
    many(diff, "SET s v", "ZADD z 1 a", "ZUNION 2 z s foo", "ZINTER 2 s z WEIGHTS x y", "ZDIFF 2 z s")


def test_setop_inf_sums_become_zero(diff, enc):
    many(diff, "ZADD a 1 x", "ZADD b 1 x", "ZADD a +inf y", "ZADD b -inf y",
         "ZUNION 2 a b WITHSCORES", "ZINTER 2 a b WITHSCORES", "ZUNION 2 a b WEIGHTS 0 1 WITHSCORES",
         "ZINTER 2 a b WEIGHTS 0 0 AGGREGATE MAX WITHSCORES")


# ---- ZSCAN ---------------------------------------------------------------------------------

def _zscan_all(client, key, *opts):
    cursor, out = b"0", {}
    for _ in range(10000):
        cursor, items = parse(client.call("ZSCAN", key, cursor, *opts))
        for m, s in zip(items[::2], items[1::2]):
            out[m] = s
        if cursor == b"0":
            return out
    raise AssertionError("ZSCAN did not terminate")


def test_zscan_returns_everything(diff, fc, ref, enc):
    args = []
    for i in range(300):
        args += [str(i / 10).encode(), f"m{i}".encode()]
    diff.check(b"ZADD", b"z", *args, b"-0", b"neg0")
    assert _zscan_all(fc, "z") == _zscan_all(ref, "z")
    assert _zscan_all(fc, "z", "COUNT", "1") == _zscan_all(ref, "z", "COUNT", "1")
    assert _zscan_all(fc, "z", "MATCH", "m1*", "COUNT", "50") == _zscan_all(ref, "z", "MATCH", "m1*")


def test_zscan_small_and_errors(diff, enc):
    many(diff, "ZADD z -0 a 0.1 b 1e30 c inf d", "ZSCAN nokey 0", "ZSCAN z x", "ZSCAN z 0 COUNT 0",
         "ZSCAN z 0 COUNT x", "ZSCAN z 0 TYPE zset", "ZSCAN z 0 MATCH", "ZSCAN z 0 foo bar",
         "ZSCAN nokey x", "ZSCAN nokey 0 COUNT 0")
    many(diff, "ZSCAN z 0 COUNT 100", "ZSCAN z 0 MATCH a", normalize=sorted_array_scan)
    diff.hello3()
    many(diff, "ZSCAN z 0 COUNT 100", normalize=sorted_array_scan)


def sorted_array_scan(raw):
    cursor, items = parse(raw)
    return cursor, sorted(zip(items[::2], items[1::2]))


# ---- binary safety, generic keyspace commands ----------------------------------------------

def test_binary_members_and_keys(diff, enc):
    many(diff, ["ZADD", BIN, "1", b"m\x00x", "2", b"", "3", b"\r\n"],
         ["ZRANGE", BIN, "0", "-1", "WITHSCORES"], ["ZSCORE", BIN, b""], ["ZSCORE", BIN, b"m\x00x"],
         ["ZRANK", BIN, b"\r\n"], ["ZREM", BIN, b"m"], ["ZREM", BIN, b"m\x00x"], ["ZCARD", BIN],
         ["ZADD", "", "1", ""], ["ZRANGE", "", "0", "-1"], ["ZPOPMAX", BIN, "5"], ["EXISTS", BIN])


def test_generic_commands_on_zsets(diff, enc):
    seed(diff)
    many(diff, "TYPE z", "COPY z z2", "ZRANGE z2 0 -1 WITHSCORES", "RENAME z2 z3", "ZRANGE z3 0 -1",
         "EXPIRE z3 100", "TTL z3", "MOVE z3 1", "SELECT 1", "ZCARD z3", "SELECT 0", "DEL z3",
         "OBJECT ENCODING z")
    diff.check(b"SCAN", b"0", b"TYPE", b"zset", normalize=lambda r: sorted(parse(r)[1]))
    many(diff, "DEL z", "EXISTS z", "TYPE z")


def test_lazy_expiry_of_zsets(diff, enc):
    import time
    many(diff, "ZADD z 1 a", "PEXPIRE z 20")
    time.sleep(0.05)
    many(diff, "ZCARD z", "ZADD z 2 b", "ZRANGE z 0 -1 WITHSCORES", "TTL z")


def test_encoding_threshold_by_entries_and_value(diff, enc):
    many(diff, "CONFIG SET zset-max-listpack-entries 4", "ZADD z 1 a 2 b 3 c 4 d", "OBJECT ENCODING z",
         "ZADD z 5 e", "OBJECT ENCODING z", "ZREM z a b c", "OBJECT ENCODING z")
    many(diff, "CONFIG SET zset-max-listpack-value 3", "ZADD y 1 abc", "OBJECT ENCODING y",
         "ZADD y 1 abcd", "OBJECT ENCODING y")


def test_resp3_parsed_shapes(diff, enc):
    """RESP3 replies: nested pairs for WITHSCORES (compared parsed as well as raw)."""
    seed(diff)
    diff.hello3()
    many(diff, "ZRANGE z 0 1 WITHSCORES", "ZPOPMIN z 2", "ZUNION 1 z WITHSCORES", normalize=parsed)


# ---- listpack specifics: -0, ZSCAN text, conversions, STORE encodings -------------------------

def test_negative_zero_score(diff, enc):
    """A listpack stores -0 as the integer 0 (double2ll), a skiplist keeps -0: replies differ by
    encoding, identically on both servers."""
    many(diff, "ZADD z -0 a", "ZSCORE z a", "ZRANGE z 0 -1 WITHSCORES", "ZADD z 0 a", "ZSCORE z a",
         "ZINCRBY z -0 a", "ZMSCORE z a nope", "ZADD z CH -0 a", "ZPOPMIN z")
    diff.hello3()
    many(diff, "ZADD y -0 b 0 a", "ZSCORE y b", "ZRANGE y 0 -1 WITHSCORES", "ZPOPMAX y 2")


def test_zscan_scores_are_stored_text(diff, fc, ref, enc):
    """A listpack ZSCAN returns everything at cursor 0 with each score's stored text (1e17 is an
    integer entry); a skiplist formats the double (its order is the hash table's)."""
    many(diff, "ZADD z 1e17 a 1.5 b -0 c inf d -inf e 0.1 f 4611686018427387904 g 1e19 h")
    if enc == "skiplist":
        assert _zscan_all(fc, "z") == _zscan_all(ref, "z")
        assert _zscan_all(fc, "z", "MATCH", "[a-d]") == _zscan_all(ref, "z", "MATCH", "[a-d]")
        return
    many(diff, "ZSCAN z 0", "ZSCAN z 0 COUNT 1 MATCH [a-d]", "ZSCAN z 0 MATCH nomatch")
    diff.hello3()
    many(diff, "ZSCAN z 0 MATCH *")


def test_large_integral_scores(diff, enc):
    many(diff, "ZADD z 1e17 a -1e17 b 9.3e18 c 4503599627370497 d 1e19 e",
         "ZRANGE z 0 -1 WITHSCORES", "ZSCORE z a", "ZINCRBY z 1 d", "ZRANGEBYSCORE z 1e17 +inf")


def test_integer_like_members(diff, enc):
    many(diff, "ZADD z 1 10 1 9 1 -1 1 007 1 18446744073709551616 2 0", "ZRANGE z 0 -1",
         "ZRANK z 10", "ZREVRANK z 9", "ZSCORE z 007", "ZREM z -1 10", "ZRANGEBYLEX z - +",
         "ZPOPMIN z", "ZRANDMEMBER z 10")


ENCODING_STEPS = [
    "CONFIG SET zset-max-listpack-entries 4",
    "ZADD s 1 a 2 b 3 c 4 d 5 e 6 f", "OBJECT ENCODING s",
    "ZADD l 1 a 2 b", "OBJECT ENCODING l",
    "ZRANGESTORE d1 s 0 1", "OBJECT ENCODING d1",
    "ZRANGESTORE d2 s 0 4", "OBJECT ENCODING d2",
    "ZRANGESTORE d3 s 0 +inf BYSCORE LIMIT 0 2", "OBJECT ENCODING d3",
    "ZRANGESTORE d4 s - + BYLEX LIMIT 0 2", "OBJECT ENCODING d4",
    "ZRANGESTORE d5 s 0 +inf BYSCORE", "OBJECT ENCODING d5",
    "ZRANGESTORE d6 l 0 -1", "OBJECT ENCODING d6",
    "ZUNIONSTORE d7 1 s", "OBJECT ENCODING d7",
    "ZINTERSTORE d8 2 l s", "OBJECT ENCODING d8",
    "ZDIFFSTORE d9 2 s l", "OBJECT ENCODING d9",
    "ZDIFFSTORE d10 2 l s", "EXISTS d10",
    "ZUNIONSTORE d11 2 l s WEIGHTS 1 0", "OBJECT ENCODING d11",
    "ZADD n1 1 a 1 a 1 a 1 a 1 a", "OBJECT ENCODING n1",
    "COPY s s2", "OBJECT ENCODING s2", "COPY l l2", "OBJECT ENCODING l2", "ZRANGE l2 0 -1 WITHSCORES",
    "ZPOPMIN s 5", "OBJECT ENCODING s",
    "CONFIG SET zset-max-listpack-value 3",
    "ZADD v 1 abcd", "OBJECT ENCODING v",
    "ZADD v2 1 abc 2 abcdef", "OBJECT ENCODING v2",
    "ZADD v3 1 abc", "ZINCRBY v3 1 abcde", "OBJECT ENCODING v3",
    "ZADD v4 1 a", "ZADD v4 XX 1 abcdef", "OBJECT ENCODING v4", "ZADD v5 XX 1 abcdef", "EXISTS v5",
    "ZRANGESTORE d12 v 0 -1", "OBJECT ENCODING d12",
    "ZUNIONSTORE d13 1 v4", "OBJECT ENCODING d13",
    "CONFIG SET zset-max-listpack-entries 0",
    "ZADD zz 1 a", "OBJECT ENCODING zz", "ZRANGESTORE d14 l 0 -1", "OBJECT ENCODING d14",
    "ZUNIONSTORE d15 1 l", "OBJECT ENCODING d15",
]


def test_store_destination_and_conversion_encodings(diff, enc):
    """Which encoding each write and *STORE produces, at small thresholds (Redis 7.0's rules:
    ZADD decides on the first member, inserts convert, STORE results are listpacks when they
    fit)."""
    many(diff, *ENCODING_STEPS)


def test_listpack_converts_once_and_never_back(diff, enc):
    many(diff, "CONFIG SET zset-max-listpack-entries 3", "ZADD z 1 a 2 b 3 c", "OBJECT ENCODING z",
         "ZADD z 4 d", "OBJECT ENCODING z", "ZREMRANGEBYRANK z 0 2", "OBJECT ENCODING z",
         "ZRANGE z 0 -1 WITHSCORES", "ZADD y 1 a 2 b 3 c", "ZREMRANGEBYSCORE y 2 2",
         "OBJECT ENCODING y", "ZREMRANGEBYLEX y [a [a", "ZRANGE y 0 -1 WITHSCORES",
         "ZREMRANGEBYRANK y 0 -1", "EXISTS y")


def test_memory_usage_is_reported(fc, diff, enc):
    """MEMORY USAGE exists for both encodings (the numbers are allocator-dependent)."""
    many(diff, "ZADD z 1 a 2 b 3 c")
    r = fc.call(b"MEMORY", b"USAGE", b"z")
    assert r.startswith(b":") and int(r[1:]) > 0


# ---- plain sets as ZUNION / ZINTER / ZDIFF / ZINTERCARD inputs -------------------------------

def seed_sets(diff):
    seed(diff)
    many(diff, "SADD si 1 2 3 a", "SADD sn 1 2 3", "SADD sh b c x y")


def test_sets_as_inputs(diff, enc):
    seed_sets(diff)
    many(diff, "OBJECT ENCODING sn", "OBJECT ENCODING sh",
         "ZUNION 2 z sh WITHSCORES", "ZUNION 3 sn sh z WEIGHTS 2 3 0.5 WITHSCORES",
         "ZUNION 2 sn sh AGGREGATE MAX WITHSCORES", "ZINTER 2 z sh WITHSCORES",
         "ZINTER 2 sh z AGGREGATE MIN WITHSCORES", "ZINTER 2 si sn WEIGHTS 1 -1 WITHSCORES",
         "ZDIFF 2 z sh WITHSCORES", "ZDIFF 2 sh z WITHSCORES", "ZDIFF 1 sn WITHSCORES",
         "ZINTERCARD 2 z sh", "ZINTERCARD 2 sn si LIMIT 2", "ZUNION 2 nosuch sh",
         "ZUNIONSTORE d 2 sh sn", "OBJECT ENCODING d", "ZRANGE d 0 -1 WITHSCORES",
         "ZINTERSTORE d2 2 sh z WEIGHTS 2 1", "ZRANGE d2 0 -1 WITHSCORES",
         "ZDIFFSTORE sh 2 sh z", "TYPE sh", "ZRANGE sh 0 -1 WITHSCORES",
         "ZUNIONSTORE e 1 si", "ZRANGE e 0 -1 WITHSCORES", "OBJECT ENCODING e")
    diff.hello3()
    many(diff, "ZUNION 2 si sn WITHSCORES", "ZINTER 2 si z WITHSCORES")


def test_sets_as_inputs_errors_and_big_sets(diff, enc):
    seed_sets(diff)
    many(diff, "SET str x", "ZUNION 2 sh str", "ZINTER 2 str sh", "ZUNION 2 sh z WEIGHTS 1 x",
         "ZINTERCARD 2 sh z LIMIT -1", "ZUNIONSTORE d 2 sh z AGGREGATE avg", "EXISTS d")
    diff.check(b"SADD", b"bigset", *[b"m%d" % i for i in range(300)])
    diff.check(b"SADD", b"bigint", *[b"%d" % i for i in range(300)])
    many(diff, "ZINTERCARD 2 bigset bigint", "ZUNIONSTORE u 2 bigset bigint WEIGHTS 1 2",
         "ZCARD u", "OBJECT ENCODING u", "ZRANGE u 0 9 WITHSCORES", "ZRANGE u -10 -1 WITHSCORES",
         "ZINTERSTORE i 2 bigint z", "EXISTS i")
