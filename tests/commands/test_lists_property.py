"""Property test: random sequences of list commands get byte-identical replies from fastcache
and the reference redis-server, with tiny quicklist nodes and compression forced on both
(so splits, merges and compressed inner nodes are exercised), and with the defaults.

Bounded and deterministic: derandomized hypothesis, a fixed example budget, no time-based
behaviour (no expiry).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KEYS = [b"l1", b"l2", b"", b"s"]            # "s" holds a string: WRONGTYPE paths
PAD = b"-padding-padding-padding"
ELEMS = [b"a", b"b", b"", b"\x00\r\n", b"0", b"1", b"-1", b"127", b"128", b"4096", b"-70000",
         b"9223372036854775807", b"01", b"a" + PAD, b"b" + PAD, b"c" + PAD * 3, b"z" * 200]
INDEXES = [b"0", b"1", b"2", b"-1", b"-2", b"3", b"-5", b"10", b"-20", b"100", b"x",
           b"9223372036854775807", b"-9223372036854775808"]
COUNTS = [b"0", b"1", b"2", b"3", b"-1", b"-2", b"10", b"x"]
WHERE = [b"LEFT", b"RIGHT", b"left", b"UP"]

key = st.sampled_from(KEYS)
elem = st.sampled_from(ELEMS)
idx = st.sampled_from(INDEXES)
cnt = st.sampled_from(COUNTS)
where = st.sampled_from(WHERE)

command = st.one_of(
    st.tuples(st.sampled_from([b"LPUSH", b"RPUSH", b"LPUSHX", b"RPUSHX"]), key,
              st.lists(elem, min_size=1, max_size=6)).map(lambda t: (t[0], t[1], *t[2])),
    st.tuples(st.sampled_from([b"LPOP", b"RPOP"]), key),
    st.tuples(st.sampled_from([b"LPOP", b"RPOP"]), key, cnt),
    st.tuples(st.just(b"LLEN"), key),
    st.tuples(st.just(b"LINDEX"), key, idx),
    st.tuples(st.just(b"LSET"), key, idx, elem),
    st.tuples(st.just(b"LINSERT"), key, st.sampled_from([b"BEFORE", b"AFTER"]), elem, elem),
    st.tuples(st.just(b"LRANGE"), key, idx, idx),
    st.tuples(st.just(b"LTRIM"), key, idx, idx),
    st.tuples(st.just(b"LREM"), key, cnt, elem),
    st.tuples(st.just(b"LPOS"), key, elem, st.sampled_from([b"RANK", b"COUNT", b"MAXLEN"]), cnt),
    st.tuples(st.just(b"LPOS"), key, elem, st.just(b"COUNT"), st.sampled_from([b"0", b"2"]),
              st.just(b"RANK"), st.sampled_from([b"-1", b"2"])),
    st.tuples(st.just(b"LMOVE"), key, key, where, where),
    st.tuples(st.just(b"RPOPLPUSH"), key, key),
    st.tuples(st.just(b"LMPOP"), st.just(b"2"), key, key, where),
    st.tuples(st.just(b"LMPOP"), st.just(b"1"), key, where, st.just(b"COUNT"), cnt),
    st.tuples(st.just(b"EXISTS"), key),
)

LAYOUTS = [(b"-2", b"0"), (b"2", b"1"), (b"3", b"2")]


@pytest.fixture(params=LAYOUTS, ids=["default", "fill2-depth1", "fill3-depth2"])
def layout(request, ref, fc):
    size, depth = request.param
    for c in (ref, fc):
        assert c.call("CONFIG", "SET", "list-max-listpack-size", size) == b"+OK\r\n"
        assert c.call("CONFIG", "SET", "list-compress-depth", depth) == b"+OK\r\n"
    yield request.param
    for c in (ref, fc):
        c.call("CONFIG", "SET", "list-max-listpack-size", "-2")
        c.call("CONFIG", "SET", "list-compress-depth", "0")


def test_random_list_command_sequences(diff, layout):
    @settings(max_examples=300, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(command, min_size=1, max_size=40))
    def run(cmds):
        diff.check_many([("FLUSHALL",), ("SET", "s", "str"), ("RPUSH", "l1", *ELEMS)])
        diff.check_many(list(cmds) + [("LRANGE", k, "0", "-1") for k in KEYS])

    run()
