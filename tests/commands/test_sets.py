"""The set type against the reference redis-server 7.0.15: SADD SREM SMEMBERS SISMEMBER
SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE
SDIFF SDIFFSTORE SSCAN, and the generic commands on set keys.

Most tests run once per encoding: the `enc` fixture sets set-max-intset-entries on both
servers to 512 (integer members stay an intset) or 0 (every set becomes a hashtable), so
the same integer data exercises both.  Intset replies are ordered (ascending) and are
compared byte for byte; hashtable order is the hash's, so those replies are compared as
sets (the RESP type byte still has to match).  Random commands (SPOP, SRANDMEMBER) are
checked by size, membership and distinctness.
"""

from __future__ import annotations

import time

import pytest

from support.diff import nonneg_integer
from support.resp import parse


def unordered(raw: bytes):
    """Compare an aggregate as a multiset, keeping its RESP type byte (~ or *)."""
    v = parse(raw)
    if isinstance(v, (list, set)):
        return raw[:1], sorted(v, key=repr)
    return raw


def scan_unordered(raw: bytes):
    v = parse(raw)
    if isinstance(v, list) and len(v) == 2 and isinstance(v[1], list):
        return v[0], sorted(v[1])
    return raw


@pytest.fixture(params=["intset", "hashtable"])
def enc(request, diff):
    """Encoding under test for integer members; restores the default afterwards."""
    diff.check("CONFIG", "SET", "set-max-intset-entries", "512" if request.param == "intset" else "0")
    yield request.param
    diff.check("CONFIG", "SET", "set-max-intset-entries", "512")


@pytest.fixture
def max_entries(diff):
    """Set set-max-intset-entries on both servers; restores 512 afterwards."""
    def set_(n):
        diff.check("CONFIG", "SET", "set-max-intset-entries", str(n))
    yield set_
    diff.check("CONFIG", "SET", "set-max-intset-entries", "512")


def norm(enc):
    return None if enc == "intset" else unordered


def members(client, key):
    v = parse(client.call("SMEMBERS", key))
    return set(v)


# ---- SADD / encodings ---------------------------------------------------------------

def test_sadd_counts_only_new_members(diff, enc):
    diff.check_many([
        ["SADD", "k", "3", "1", "2", "2"],
        ["SADD", "k", "1", "4"],
        ["SADD", "k", "4"],
        ["OBJECT", "ENCODING", "k"],
        ["SCARD", "k"],
        ["TYPE", "k"],
    ])
    diff.check("SMEMBERS", "k", normalize=norm(enc))


def test_intset_members_are_ascending_across_widths(diff):
    vals = ["5", "-1", "40000", "-40000", str(2**40), str(-2**63), str(2**63 - 1), "0", "32767", "-32768"]
    diff.check_many([["SADD", "k", *vals], ["OBJECT", "ENCODING", "k"], ["SMEMBERS", "k"],
                     ["SISMEMBER", "k", str(2**40)], ["SISMEMBER", "k", "40001"],
                     ["SREM", "k", str(-2**63), "5"], ["SMEMBERS", "k"]])


@pytest.mark.parametrize("member", ["a", " 1", "+1", "01", "-0", "1.0", "9223372036854775808",
                                    "-9223372036854775809", "", "1\x00"])
def test_sadd_non_canonical_integer_makes_a_hashtable(diff, member):
    diff.check_many([
        ["SADD", "k", "1", "2"], ["OBJECT", "ENCODING", "k"],
        ["SADD", "k", member], ["OBJECT", "ENCODING", "k"],
        ["SISMEMBER", "k", member], ["SISMEMBER", "k", "1"],
        ["SADD", "new", member], ["OBJECT", "ENCODING", "new"],
    ])
    diff.check("SMEMBERS", "k", normalize=unordered)


def test_intset_converts_when_over_max_entries(diff, max_entries):
    max_entries(4)
    diff.check_many([
        ["SADD", "k", "1", "2", "3", "4"], ["OBJECT", "ENCODING", "k"],
        ["SADD", "k", "4"], ["OBJECT", "ENCODING", "k"],
        ["SADD", "k", "5"], ["OBJECT", "ENCODING", "k"],
        ["SREM", "k", "5", "4", "3"], ["OBJECT", "ENCODING", "k"],   # never converts back
        ["SADD", "j", "1", "2", "3", "4", "5"], ["OBJECT", "ENCODING", "j"],
    ])
    max_entries(0)
    diff.check_many([["SADD", "z", "1"], ["OBJECT", "ENCODING", "z"]])


def test_binary_and_empty_members_and_keys(diff):
    ms = ["", "\x00", "a\x00b", "\xff\xfe", "k\r\nx", "x" * 1000]
    diff.check_many([
        ["SADD", "", *ms], ["SCARD", ""], ["OBJECT", "ENCODING", ""],
        *[["SISMEMBER", "", m] for m in ms],
        ["SISMEMBER", "", "a"],
        ["SMISMEMBER", "", *ms, "zz"],
        ["SREM", "", "\x00", "a\x00b"],
        ["SCARD", ""],
    ])
    diff.check("SMEMBERS", "", normalize=unordered)


def test_big_hashtable_set(diff):
    cmds = [["SADD", "big", *[f"m{i}" for i in range(j, j + 100)]] for j in range(0, 3000, 100)]
    diff.check_many(cmds)
    diff.check_many([["SCARD", "big"], ["SISMEMBER", "big", "m2999"], ["SISMEMBER", "big", "m3000"]])
    diff.check("SMEMBERS", "big", normalize=unordered)
    # remove most of it: the table shrinks, membership stays right
    diff.check_many([["SREM", "big", *[f"m{i}" for i in range(j, j + 100)]] for j in range(0, 2900, 100)])
    diff.check("SMEMBERS", "big", normalize=unordered)


# ---- WRONGTYPE / arity ---------------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    ["SADD", "s", "a"], ["SREM", "s", "a"], ["SMEMBERS", "s"], ["SISMEMBER", "s", "a"],
    ["SMISMEMBER", "s", "a"], ["SCARD", "s"], ["SPOP", "s"], ["SPOP", "s", "2"],
    ["SRANDMEMBER", "s"], ["SRANDMEMBER", "s", "2"], ["SMOVE", "s", "set", "a"],
    ["SMOVE", "set", "s", "a"], ["SINTER", "set", "s"], ["SINTER", "s", "missing"],
    ["SINTERCARD", "2", "set", "s"], ["SINTERSTORE", "d", "set", "s"], ["SUNION", "set", "s"],
    ["SUNIONSTORE", "d", "set", "s"], ["SDIFF", "set", "s"], ["SDIFF", "missing", "s"],
    ["SDIFFSTORE", "d", "set", "s"], ["SSCAN", "s", "0"],
])
def test_wrongtype(diff, cmd):
    diff.check_many([["SET", "s", "str"], ["SADD", "set", "a", "b"], cmd, ["GET", "s"], ["SCARD", "set"],
                     ["EXISTS", "d"]])


@pytest.mark.parametrize("cmd", [
    ["SADD", "k"], ["SREM", "k"], ["SMEMBERS"], ["SISMEMBER", "k"], ["SMISMEMBER", "k"], ["SCARD"],
    ["SPOP"], ["SRANDMEMBER"], ["SMOVE", "a", "b"], ["SINTER"], ["SINTERCARD", "1"],
    ["SINTERSTORE", "d"], ["SUNION"], ["SUNIONSTORE", "d"], ["SDIFF"], ["SDIFFSTORE", "d"], ["SSCAN", "k"],
    ["SPOP", "k", "1", "2"], ["SRANDMEMBER", "k", "1", "2"],
])
def test_wrong_arity_and_extra_args(diff, cmd):
    diff.check_many([["SADD", "k", "1"], cmd])


# ---- SREM / SCARD / SISMEMBER / SMISMEMBER ---------------------------------------------

def test_srem_counts_and_deletes_empty_set(diff, enc):
    diff.check_many([
        ["SREM", "missing", "a"],
        ["SADD", "k", "1", "2", "3"],
        ["SREM", "k", "1", "1", "9", "x"],
        ["SCARD", "k"],
        ["SREM", "k", "2", "3", "4"],
        ["EXISTS", "k"],
        ["SADD", "k", "1"], ["EXPIRE", "k", "100"],
        ["SREM", "k", "1"], ["TTL", "k"], ["EXISTS", "k"],
    ])


def test_membership_queries(diff, enc):
    cmds = [
        ["SCARD", "missing"], ["SISMEMBER", "missing", "1"], ["SMISMEMBER", "missing", "1", "2"],
        ["SADD", "k", "1", "2", "3"],
        ["SCARD", "k"], ["SISMEMBER", "k", "2"], ["SISMEMBER", "k", "4"], ["SISMEMBER", "k", "02"],
        ["SMISMEMBER", "k", "1", "x", "3", "3", "4"],
    ]
    diff.check_many(cmds)
    diff.hello3()
    diff.check_many(cmds[4:])
    diff.check_many([["SMISMEMBER", "missing", "1"], ["SMEMBERS", "missing"]])


# ---- SMEMBERS / RESP3 -------------------------------------------------------------------

def test_smembers_is_a_set_in_resp3(diff, enc):
    diff.check_many([["SMEMBERS", "missing"], ["SADD", "k", "7", "3", "5"]])
    diff.check("SMEMBERS", "k", normalize=norm(enc))
    diff.hello3()
    diff.check("SMEMBERS", "missing")
    diff.check("SMEMBERS", "k", normalize=norm(enc))
    diff.check("SUNION", "k", "missing", normalize=norm(enc))
    diff.check("SINTER", "k", "k", normalize=norm(enc))
    diff.check("SDIFF", "k", "missing", normalize=norm(enc))


# ---- SMOVE ------------------------------------------------------------------------------

def test_smove(diff, enc):
    diff.check_many([
        ["SMOVE", "missing", "d", "1"], ["EXISTS", "d"],
        ["SADD", "s", "1", "2", "3"],
        ["SMOVE", "s", "s", "1"], ["SMOVE", "s", "s", "9"],      # same key: membership only
        ["SMOVE", "s", "d", "9"], ["EXISTS", "d"],                # absent member
        ["SMOVE", "s", "d", "1"], ["OBJECT", "ENCODING", "d"],    # creates d (from the member)
        ["SMOVE", "s", "d", "2"], ["SCARD", "d"], ["SCARD", "s"],
        ["SADD", "s", "2"],
        ["SMOVE", "s", "d", "2"],                                 # already in d: still 1
        ["SMOVE", "s", "d", "3"], ["EXISTS", "s"],                # s became empty
    ])
    diff.check("SMEMBERS", "d", normalize=norm(enc))


def test_smove_encodings_of_created_and_grown_destination(diff):
    diff.check_many([
        ["SADD", "s", "a", "5"],
        ["SMOVE", "s", "d1", "a"], ["OBJECT", "ENCODING", "d1"],
        ["SMOVE", "s", "d2", "5"], ["OBJECT", "ENCODING", "d2"],
        ["SADD", "s", "x"],
        ["SMOVE", "s", "d2", "x"], ["OBJECT", "ENCODING", "d2"],
        ["SET", "str", "v"], ["SADD", "s", "y"],
        ["SMOVE", "s", "str", "y"], ["SMOVE", "str", "s", "y"], ["SISMEMBER", "s", "y"],
        ["SMOVE", "missing", "str", "y"],                         # missing source wins: 0
    ])


# ---- SPOP ---------------------------------------------------------------------------------

def test_spop_without_count(diff, enc):
    diff.check_many([
        ["SPOP", "missing"],
        ["SADD", "k", "42"], ["SPOP", "k"], ["EXISTS", "k"],
    ])
    diff.hello3()
    diff.check("SPOP", "missing")


def test_spop_count_arguments(diff):
    diff.check_many([
        ["SADD", "k", "1", "2"],
        ["SPOP", "k", "-1"], ["SPOP", "k", "x"], ["SPOP", "k", "1.5"],
        ["SPOP", "k", "0"], ["SPOP", "missing", "3"], ["SPOP", "missing", "-1"],
        ["SCARD", "k"],
    ])
    diff.hello3()
    diff.check_many([["SPOP", "k", "0"], ["SPOP", "missing", "3"]])


def test_spop_count_whole_set(diff, enc):
    diff.check_many([["SADD", "k", "5", "1", "3"], ["SPOP", "k", "3"], ["EXISTS", "k"]],
                    normalize=norm(enc))
    diff.check_many([["SADD", "k", "5", "1", "3"], ["SPOP", "k", "100"], ["EXISTS", "k"]],
                    normalize=norm(enc))
    diff.hello3()
    diff.check_many([["SADD", "k", "5", "1", "3"], ["SPOP", "k", "100"]], normalize=norm(enc))


@pytest.mark.parametrize("size,count", [(100, 3), (100, 16), (100, 83), (100, 84), (100, 99), (20, 19)])
def test_spop_count_strategies(diff, fc, ref, enc, size, count):
    """Case 2 (pick and remove) when remaining*5 > count, else case 3 (keep a new set
    of the remaining members); both must pop `count` distinct members."""
    diff.check("SADD", "k", *[str(i) for i in range(size)])
    diff.check("EXPIRE", "k", "1000")
    for cl in (fc, ref):
        popped = parse(cl.call("SPOP", "k", str(count)))
        assert len(popped) == count and len(set(popped)) == count
        left = members(cl, "k")
        assert not (left & set(popped)) and len(left | set(popped)) == size
    diff.check_many([["SCARD", "k"], ["OBJECT", "ENCODING", "k"]])
    diff.check("TTL", "k", normalize=nonneg_integer)


def test_spop_keep_strategy_rebuilds_integer_hashtable_as_intset(diff, fc, ref):
    diff.check("SADD", "k", *[str(i) for i in range(600)])
    diff.check("OBJECT", "ENCODING", "k")
    for cl in (fc, ref):
        assert len(parse(cl.call("SPOP", "k", "595"))) == 595
    diff.check_many([["SCARD", "k"], ["OBJECT", "ENCODING", "k"]])
    # and a case-2 pop keeps the hashtable
    diff.check("SADD", "j", *[str(i) for i in range(600)])
    for cl in (fc, ref):
        assert len(parse(cl.call("SPOP", "j", "10"))) == 10
    diff.check_many([["SCARD", "j"], ["OBJECT", "ENCODING", "j"]])


def test_spop_count_reply_is_a_set_in_resp3(diff, fc, ref):
    diff.hello3()
    diff.check("SADD", "k", *[f"m{i}" for i in range(50)])
    for cl in (fc, ref):
        raw = cl.call("SPOP", "k", "5")
        assert raw.startswith(b"~5\r\n")
        raw = cl.call("SPOP", "k", "40")
        assert raw.startswith(b"~40\r\n")


def test_spop_empties_the_set_one_by_one(diff, fc, ref, enc):
    diff.check("SADD", "k", "1", "2", "3", "4")
    for cl in (fc, ref):
        got = {parse(cl.call("SPOP", "k")) for _ in range(4)}
        assert got == {b"1", b"2", b"3", b"4"}
    diff.check_many([["EXISTS", "k"], ["SPOP", "k"]])


# ---- SRANDMEMBER ----------------------------------------------------------------------------

def test_srandmember_arguments_and_missing(diff):
    diff.check_many([
        ["SRANDMEMBER", "missing"], ["SRANDMEMBER", "missing", "5"], ["SRANDMEMBER", "missing", "-5"],
        ["SRANDMEMBER", "missing", "0"],
        ["SADD", "k", "1"],
        ["SRANDMEMBER", "k", "x"], ["SRANDMEMBER", "k", "-9223372036854775808"],
        ["SRANDMEMBER", "k", "9223372036854775808"],
        ["SRANDMEMBER", "k", "0"], ["SRANDMEMBER", "k"], ["SRANDMEMBER", "k", "1"],
        ["SRANDMEMBER", "k", "-1"], ["SRANDMEMBER", "k", "-3"],
    ])
    diff.hello3()
    diff.check_many([["SRANDMEMBER", "missing"], ["SRANDMEMBER", "missing", "5"], ["SRANDMEMBER", "k", "0"],
                     ["SRANDMEMBER", "k", "-2"]])


def test_srandmember_whole_set_in_order(diff, enc):
    diff.check("SADD", "k", "9", "1", "5", "3")
    diff.check("SRANDMEMBER", "k", "4", normalize=norm(enc))
    diff.check("SRANDMEMBER", "k", "1000", normalize=norm(enc))


@pytest.mark.parametrize("count", [2, 10, 33, 34, 60, 99, -1, -10, -500])
def test_srandmember_count_sizes_and_membership(diff, fc, ref, enc, count):
    """Positive: `count` distinct members (case 3 when count*3 > size, else case 4);
    negative: |count| picks with repeats."""
    diff.check("SADD", "k", *[str(i) for i in range(100)])
    universe = {str(i).encode() for i in range(100)}
    for cl in (fc, ref):
        raw = cl.call("SRANDMEMBER", "k", str(count))
        assert raw.startswith(b"*")
        got = parse(raw)
        assert len(got) == abs(count)
        assert set(got) <= universe
        if count > 0:
            assert len(set(got)) == count
    diff.check("SCARD", "k")


def test_srandmember_is_not_biased_to_one_member(fc, enc):
    fc.call("SADD", "k", *[str(i) for i in range(10)])
    seen = set(parse(fc.call("SRANDMEMBER", "k", "-400")))
    assert len(seen) == 10


# ---- SINTER / SINTERCARD / SINTERSTORE ---------------------------------------------------

def setup_three(diff):
    diff.check_many([
        ["SADD", "a", *[str(i) for i in range(0, 40)]],
        ["SADD", "b", *[str(i) for i in range(0, 40, 2)]],
        ["SADD", "c", *[str(i) for i in range(0, 40, 3)]],
        ["SADD", "s1", "x", "y", "z", "1", "2"],
        ["SADD", "s2", "y", "z", "2", "3"],
    ])


def test_sinter(diff, enc):
    setup_three(diff)
    n = norm(enc)
    for keys in (["a"], ["a", "b"], ["b", "a"], ["a", "b", "c"], ["c", "a", "a"], ["a", "missing"],
                 ["missing", "a"], ["a", "s1"], ["s1", "s2"], ["s1", "a", "s2"]):
        diff.check("SINTER", *keys, normalize=n if "s1" not in keys else unordered)


def test_sinter_order_follows_smallest_set(diff):
    # the smallest set drives the iteration: an intset first gives ascending order
    diff.check_many([
        ["SADD", "i", "1", "2", "3", "10"],
        ["SADD", "h", "a", "b", "3", "10", "2"],
        ["SINTER", "h", "i"], ["SINTER", "i", "h"],
    ])


def test_sinterstore(diff, enc):
    setup_three(diff)
    diff.check_many([
        ["SINTERSTORE", "d", "a", "b", "c"], ["OBJECT", "ENCODING", "d"], ["SCARD", "d"],
        ["SINTERSTORE", "d", "s1", "s2"], ["OBJECT", "ENCODING", "d"], ["SCARD", "d"],
        ["SINTERSTORE", "d", "a", "missing"], ["EXISTS", "d"],
        ["SINTERSTORE", "d", "a", "s2"], ["OBJECT", "ENCODING", "d"],   # {"2", "3"}
        ["SINTERSTORE", "d", "a", "s1", "s2"], ["SMEMBERS", "d"],
        ["SINTERSTORE", "d", "b", "s1"], ["EXISTS", "d"],               # empty result deletes
        ["SET", "str", "v"], ["EXPIRE", "str", "100"],
        ["SINTERSTORE", "str", "a", "b"], ["TYPE", "str"], ["TTL", "str"],
        ["SINTERSTORE", "a", "a", "c"], ["SCARD", "a"],                 # destination is a source
    ])
    diff.check("SMEMBERS", "a", normalize=norm(enc))


def test_sinterstore_result_starts_as_an_intset(diff, max_entries):
    # Redis 7.0 builds the result in a new intset, whatever the sources' encodings
    max_entries(3)
    diff.check_many([
        ["SADD", "h", "1", "2", "3", "4"], ["SADD", "big", *[str(i) for i in range(10)]],
        ["OBJECT", "ENCODING", "h"],
        ["SINTERSTORE", "d", "h", "big"], ["OBJECT", "ENCODING", "d"],
    ])
    max_entries(512)
    diff.check_many([
        ["SINTERSTORE", "d2", "h", "big"], ["OBJECT", "ENCODING", "d2"],
        ["SADD", "i", "1", "2"], ["SINTERSTORE", "d3", "i", "h"], ["OBJECT", "ENCODING", "d3"],
        ["SMEMBERS", "d3"],
    ])


def test_sintercard(diff, enc):
    setup_three(diff)
    diff.check_many([
        ["SINTERCARD", "1", "a"], ["SINTERCARD", "2", "a", "b"], ["SINTERCARD", "3", "a", "b", "c"],
        ["SINTERCARD", "2", "a", "missing"], ["SINTERCARD", "2", "s1", "s2"],
        ["SINTERCARD", "2", "a", "b", "LIMIT", "0"], ["SINTERCARD", "2", "a", "b", "LIMIT", "3"],
        ["SINTERCARD", "2", "a", "b", "limit", "1000"],
        ["SINTERCARD", "2", "a", "b", "LIMIT", "3", "LIMIT", "5"],
        ["SINTERCARD", "0", "a"], ["SINTERCARD", "-1", "a"], ["SINTERCARD", "x", "a"],
        ["SINTERCARD", "3", "a", "b"], ["SINTERCARD", "1", "a", "b"],
        ["SINTERCARD", "1", "a", "LIMIT"], ["SINTERCARD", "1", "a", "LIMIT", "-1"],
        ["SINTERCARD", "1", "a", "LIMIT", "x"], ["SINTERCARD", "1", "a", "foo", "1"],
        ["SINTERCARD", "1", "missing", "LIMIT", "x"],
    ])


# ---- SUNION / SDIFF and STORE forms --------------------------------------------------------

def test_sunion(diff, enc):
    setup_three(diff)
    for keys in (["a"], ["b", "c"], ["c", "b", "missing"], ["missing"], ["missing", "other"]):
        diff.check("SUNION", *keys, normalize=norm(enc))
    for keys in (["s1", "s2"], ["a", "s1"]):
        diff.check("SUNION", *keys, normalize=unordered)


def test_sdiff(diff, enc):
    setup_three(diff)
    for keys in (["a", "b"], ["a", "b", "c"], ["a", "c", "b"], ["b", "a"], ["a", "missing"],
                 ["missing", "a"], ["a", "a"], ["b", "c", "b"], ["a"],
                 ["c", "a", "b", "missing"]):          # the small first set: algorithm 1
        diff.check("SDIFF", *keys, normalize=norm(enc))
    for keys in (["s1", "s2"], ["s2", "s1"], ["s1", "a"], ["a", "s1", "s2"]):
        diff.check("SDIFF", *keys, normalize=unordered)


def test_sdiff_big_first_set_uses_copy_and_remove(diff, enc):
    diff.check_many([
        ["SADD", "big", *[str(i) for i in range(300)]],
        ["SADD", "few", "1", "2", "3"],
        ["SADD", "all", *[str(i) for i in range(300)]],
    ])
    diff.check("SDIFF", "few", "big", normalize=norm(enc))
    diff.check("SDIFF", "big", "few", "all", normalize=norm(enc))
    diff.check_many([["SDIFFSTORE", "d", "big", "all"], ["EXISTS", "d"],
                     ["SDIFFSTORE", "d", "big", "few"], ["SCARD", "d"], ["OBJECT", "ENCODING", "d"]])


def test_union_diff_store_encodings(diff, enc):
    setup_three(diff)
    diff.check_many([
        ["SUNIONSTORE", "d", "b", "c"], ["OBJECT", "ENCODING", "d"], ["SCARD", "d"],
        ["SUNIONSTORE", "d", "s1", "s2"], ["OBJECT", "ENCODING", "d"], ["SCARD", "d"],
        ["SUNIONSTORE", "d", "missing"], ["EXISTS", "d"],
        ["SDIFFSTORE", "d", "a", "b"], ["OBJECT", "ENCODING", "d"], ["SCARD", "d"],
        ["SDIFFSTORE", "d", "s1", "s2"], ["OBJECT", "ENCODING", "d"], ["SCARD", "d"],
        ["SDIFFSTORE", "d", "s1", "s2", "s1"], ["EXISTS", "d"],
        ["SDIFFSTORE", "d", "s1", "s2"],
    ])
    diff.check("SMEMBERS", "d", normalize=unordered)   # {x, 1}: a hashtable
    diff.check_many([
        ["SDIFFSTORE", "d", "s1", "a"], ["OBJECT", "ENCODING", "d"],   # {x y z}: hashtable
        ["SDIFFSTORE", "d", "s2", "s1"], ["OBJECT", "ENCODING", "d"], ["SMEMBERS", "d"],   # {"3"}: intset
        ["SDIFFSTORE", "d", "a", "a"], ["EXISTS", "d"],
        ["SDIFFSTORE", "d", "missing", "a"], ["EXISTS", "d"],
        ["SET", "str", "v"], ["EXPIRE", "str", "50"],
        ["SUNIONSTORE", "str", "b"], ["TYPE", "str"], ["TTL", "str"],
        ["SUNIONSTORE", "b", "b", "c"], ["SCARD", "b"],
    ])
    diff.check("SMEMBERS", "b", normalize=norm(enc))


def test_union_result_converts_over_max_entries(diff, max_entries):
    max_entries(10)
    diff.check_many([
        ["SADD", "a", *[str(i) for i in range(8)]], ["SADD", "b", *[str(i) for i in range(5, 13)]],
        ["SUNIONSTORE", "d", "a", "b"], ["OBJECT", "ENCODING", "d"],
        ["SINTERSTORE", "e", "a", "b"], ["OBJECT", "ENCODING", "e"], ["SMEMBERS", "e"],
        ["SDIFFSTORE", "f", "a", "b"], ["OBJECT", "ENCODING", "f"], ["SMEMBERS", "f"],
    ])


# ---- SSCAN ------------------------------------------------------------------------------------

def test_sscan_intset_returns_everything_at_once(diff):
    diff.check_many([
        ["SADD", "k", *[str(i) for i in range(100)]],
        ["SSCAN", "k", "0"], ["SSCAN", "k", "0", "COUNT", "5"], ["SSCAN", "k", "0", "MATCH", "1*"],
        ["SSCAN", "k", "123", "match", "*", "count", "1"],
    ])


def test_sscan_errors(diff):
    diff.check_many([
        ["SADD", "k", "a", "b"],
        ["SSCAN", "k", "x"], ["SSCAN", "missing", "x"], ["SSCAN", "k", "-1x"],
        ["SSCAN", "k", "0", "COUNT", "0"], ["SSCAN", "k", "0", "COUNT", "x"],
        ["SSCAN", "k", "0", "COUNT"], ["SSCAN", "k", "0", "TYPE", "set"], ["SSCAN", "k", "0", "foo"],
        ["SSCAN", "missing", "0", "foo"], ["SSCAN", "missing", "0", "COUNT", "0"],
        ["SSCAN", "missing", "0"],
    ])
    diff.hello3()
    diff.check("SSCAN", "missing", "0")


def full_sscan(client, key, *opts):
    cursor, seen, rounds = b"0", [], 0
    while True:
        cursor, items = parse(client.call("SSCAN", key, cursor, *opts))
        seen.extend(items)
        rounds += 1
        if cursor == b"0":
            return seen, rounds


def test_sscan_hashtable_visits_every_member(diff, fc, ref):
    diff.check("SADD", "k", *[f"m{i}" for i in range(500)])
    for opts in ((), ("COUNT", "7"), ("MATCH", "m1*"), ("COUNT", "1000")):
        got_fc, rounds = full_sscan(fc, "k", *opts)
        got_ref, _ = full_sscan(ref, "k", *opts)
        assert set(got_fc) == set(got_ref)
        if opts == ("COUNT", "1000"):
            assert rounds == 1
    diff.check("SSCAN", "k", "0", "COUNT", "1000", normalize=scan_unordered)


# ---- generic commands on sets -----------------------------------------------------------------

def test_generic_keyspace_commands_on_sets(diff, enc):
    diff.check_many([
        ["SADD", "k", "1", "2", "3"],
        ["TYPE", "k"], ["OBJECT", "ENCODING", "k"],
        ["COPY", "k", "c"], ["OBJECT", "ENCODING", "c"], ["SADD", "c", "4"],
        ["SCARD", "k"], ["SCARD", "c"],
        ["RENAME", "c", "r"], ["SCARD", "r"], ["EXISTS", "c"],
        ["MOVE", "r", "1"], ["SELECT", "1"], ["SMEMBERS", "r"], ["DEL", "r"], ["SELECT", "0"],
        ["SCAN", "0", "TYPE", "set"],
        ["UNLINK", "k"], ["EXISTS", "k"],
    ], normalize=norm(enc))


def test_lazy_expiry_of_a_set(diff):
    diff.check_many([
        ["SADD", "k", "a"], ["PEXPIRE", "k", "1"],
    ])
    time.sleep(0.01)
    diff.check_many([["SCARD", "k"], ["SISMEMBER", "k", "a"], ["SADD", "k", "b"], ["SMEMBERS", "k"],
                     ["TTL", "k"]])
