"""Property test: random sorted-set command sequences give byte-identical replies on the
reference server and on fastcache (derandomized, bounded to a few seconds per encoding).

Lex-range commands are only generated against a same-score key ("lex"): on mixed scores
their result depends on the random skiplist levels, in Redis as well.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MEMBERS = [b"a", b"b", b"c", b"d", b"e", b"f", b"", b"x\x00y", b"12", b"-3"]
SCORES = [b"0", b"-0", b"1", b"-1", b"2.5", b"0.1", b"1e30", b"inf", b"-inf", b"3", b"9007199254740993"]
KEYS = [b"z1", b"z2", b"z3"]

member = st.sampled_from(MEMBERS)
score = st.sampled_from(SCORES)
key = st.sampled_from(KEYS)
# set-operation inputs may also be plain sets (members score 1)
srckey = st.sampled_from(KEYS + [b"s1", b"s2"])
idx = st.integers(-12, 12).map(lambda i: str(i).encode())
bound = st.sampled_from([b"-inf", b"+inf", b"0", b"(0", b"1", b"(1", b"2.5", b"(3", b"-1", b"(-inf"])
lexb = st.sampled_from([b"-", b"+", b"[a", b"(a", b"[c", b"(d", b"[", b"[12"])

command = st.one_of(
    st.tuples(st.just(b"ZADD"), key, st.sampled_from([(), (b"NX",), (b"XX",), (b"GT",), (b"LT", b"CH"),
                                                      (b"CH",), (b"XX", b"GT", b"CH")]),
              st.lists(st.tuples(score, member), min_size=1, max_size=4)).map(
        lambda t: [t[0], t[1], *t[2], *[x for p in t[3] for x in p]]),
    st.tuples(st.just(b"ZINCRBY"), key, score, member).map(list),
    st.tuples(st.just(b"ZREM"), key, st.lists(member, min_size=1, max_size=3)).map(lambda t: [t[0], t[1], *t[2]]),
    st.tuples(st.sampled_from([b"ZSCORE", b"ZRANK", b"ZREVRANK"]), key, member).map(list),
    st.tuples(st.just(b"ZMSCORE"), key, member, member).map(list),
    st.tuples(st.just(b"ZCARD"), key).map(list),
    st.tuples(st.just(b"ZRANGE"), key, idx, idx, st.sampled_from([(), (b"WITHSCORES",), (b"REV",),
                                                                  (b"REV", b"WITHSCORES")])).map(
        lambda t: [*t[:4], *t[4]]),
    st.tuples(st.just(b"ZRANGE"), key, bound, bound, st.sampled_from([(b"BYSCORE",), (b"BYSCORE", b"REV"),
                                                                      (b"BYSCORE", b"LIMIT", b"1", b"2"),
                                                                      (b"BYSCORE", b"WITHSCORES")])).map(
        lambda t: [*t[:4], *t[4]]),
    st.tuples(st.sampled_from([b"ZCOUNT", b"ZREMRANGEBYSCORE", b"ZRANGEBYSCORE", b"ZREVRANGEBYSCORE"]),
              key, bound, bound).map(list),
    st.tuples(st.just(b"ZREMRANGEBYRANK"), key, idx, idx).map(list),
    st.tuples(st.sampled_from([b"ZLEXCOUNT", b"ZRANGEBYLEX", b"ZREVRANGEBYLEX", b"ZREMRANGEBYLEX"]),
              st.just(b"lex"), lexb, lexb).map(list),
    st.tuples(st.just(b"ZADD"), st.just(b"lex"), st.just(b"0"), member).map(list),
    st.tuples(st.sampled_from([b"ZPOPMIN", b"ZPOPMAX"]), key, st.sampled_from([(), (b"0",), (b"2",), (b"9",)])).map(
        lambda t: [t[0], t[1], *t[2]]),
    st.tuples(st.just(b"ZMPOP"), st.just(b"2"), key, key, st.sampled_from([b"MIN", b"MAX"])).map(list),
    st.tuples(st.sampled_from([b"ZUNIONSTORE", b"ZINTERSTORE", b"ZDIFFSTORE"]), key, st.just(b"2"), srckey,
              srckey).map(list),
    st.tuples(st.sampled_from([b"ZUNION", b"ZINTER"]), st.just(b"2"), srckey, srckey,
              st.sampled_from([(), (b"WITHSCORES",), (b"AGGREGATE", b"MIN", b"WITHSCORES"),
                               (b"WEIGHTS", b"2", b"-1", b"WITHSCORES"), (b"AGGREGATE", b"MAX")])).map(
        lambda t: [*t[:4], *t[4]]),
    st.tuples(st.just(b"ZDIFF"), st.just(b"2"), srckey, srckey, st.just(b"WITHSCORES")).map(list),
    st.tuples(st.just(b"ZINTERCARD"), st.just(b"2"), srckey, srckey).map(list),
    st.tuples(st.just(b"SADD"), st.sampled_from([b"s1", b"s2"]), st.lists(member, min_size=1, max_size=3)).map(
        lambda t: [t[0], t[1], *t[2]]),
    st.tuples(st.just(b"OBJECT"), st.just(b"ENCODING"), key).map(list),
    st.tuples(st.just(b"ZRANGESTORE"), key, key, idx, idx).map(list),
    st.tuples(st.just(b"ZRANDMEMBER"), key, st.sampled_from([b"0", b"20", b"-0"])).map(list),
)


@pytest.mark.parametrize("entries", [b"0", b"3", b"128"])
def test_random_zset_sequences_match_reference(diff, entries):
    """entries 0: always skiplist; 3: listpacks that convert mid-sequence; 128: listpack."""
    diff.check(b"CONFIG", b"SET", b"zset-max-listpack-entries", entries)

    @settings(max_examples=700, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(command, min_size=1, max_size=25), st.booleans())
    def run(cmds, resp3):
        diff.check(b"FLUSHALL")
        if resp3:
            diff.hello3()
        else:
            diff.hello2()
        diff.check_many(cmds)

    try:
        run()
    finally:
        diff.hello2()
        diff.check(b"CONFIG", b"SET", b"zset-max-listpack-entries", b"128")
