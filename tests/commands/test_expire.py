"""The EXPIRE family (EXPIRE PEXPIRE EXPIREAT PEXPIREAT with NX XX GT LT), TTL PTTL
EXPIRETIME PEXPIRETIME PERSIST, and lazy/active expiry, against the reference redis-server.

Relative TTL replies tick between the two servers, so they are normalised (any value >= 0
compares equal; -1 and -2 stay exact).  Absolute times (EXPIREAT + EXPIRETIME) are compared
exactly.  Times are either far in the future or already past, so nothing expires while a
check runs; the tests that wait for expiry poll with a bounded deadline.
"""

from __future__ import annotations

import time

import pytest

from support.diff import nonneg_integer
from support.resp import parse

LLONG_MAX = 9223372036854775807
LLONG_MIN = -9223372036854775808
FUTURE_S = 4000000000            # year 2096
FUTURE_MS = FUTURE_S * 1000

EXPIRE_CMDS = ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"]


def ttl_norm(raw: bytes):
    return nonneg_integer(raw)


# ---- basic replies -------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", EXPIRE_CMDS)
def test_expire_on_missing_key_is_zero(diff, cmd):
    diff.check(cmd, "nokey", "100")
    diff.check(cmd, "nokey", "-100")
    diff.check(cmd, "nokey", "100", "NX")


def test_ttl_family_on_missing_key_and_key_without_ttl(diff):
    diff.check_many([
        ["TTL", "nokey"], ["PTTL", "nokey"], ["EXPIRETIME", "nokey"], ["PEXPIRETIME", "nokey"],
        ["SET", "k", "v"],
        ["TTL", "k"], ["PTTL", "k"], ["EXPIRETIME", "k"], ["PEXPIRETIME", "k"],
        ["TTL"], ["TTL", "a", "b"], ["PTTL"], ["EXPIRETIME"], ["PEXPIRETIME", "a", "b"],
    ])


@pytest.mark.parametrize("cmd,arg", [("EXPIRE", "100"), ("PEXPIRE", "100000"),
                                     ("EXPIREAT", str(FUTURE_S)), ("PEXPIREAT", str(FUTURE_MS))])
def test_expire_sets_ttl(diff, cmd, arg):
    diff.check_many([["SET", "k", "v"], [cmd, "k", arg]])
    for c in ("TTL", "PTTL"):
        diff.check(c, "k", normalize=ttl_norm)


def test_expireat_gives_exact_expiretime(diff):
    diff.check_many([
        ["SET", "k", "v"],
        ["EXPIREAT", "k", str(FUTURE_S)], ["EXPIRETIME", "k"], ["PEXPIRETIME", "k"],
        ["PEXPIREAT", "k", str(FUTURE_MS + 499)], ["EXPIRETIME", "k"], ["PEXPIRETIME", "k"],
        ["PEXPIREAT", "k", str(FUTURE_MS + 500)], ["EXPIRETIME", "k"],   # rounds to nearest
        ["PEXPIREAT", "k", str(LLONG_MAX)], ["EXPIRETIME", "k"], ["PEXPIRETIME", "k"],
        ["EXPIREAT", "k", str(LLONG_MAX // 1000)], ["EXPIRETIME", "k"], ["PEXPIRETIME", "k"],
    ])
    diff.check("TTL", "k", normalize=ttl_norm)


def test_ttl_rounds_to_nearest_second(diff):
    diff.check_many([["SET", "a", "v"], ["PEXPIRE", "a", "1400"], ["TTL", "a"],
                     ["PEXPIRE", "a", "1700"], ["TTL", "a"],
                     ["PEXPIRE", "a", "100000"], ["TTL", "a"]])


@pytest.mark.parametrize("key", [b"", b"\x00", b"a\x00b", b"\xff" * 3])
def test_expire_binary_keys(diff, key):
    diff.check_many([
        ["SET", key, "v"], ["EXPIREAT", key, str(FUTURE_S)], ["EXPIRETIME", key],
        ["PERSIST", key], ["TTL", key], ["PEXPIRE", key, "0"], ["EXISTS", key],
    ])


# ---- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", EXPIRE_CMDS)
@pytest.mark.parametrize("args", [
    ["abc"], ["1.5"], [""], [" 1"], ["1 "], ["99999999999999999999"],
    ["100", "foo"], ["abc", "foo"], ["100", "NX", "XX"], ["abc", "NX", "XX"],
    ["100", "NX", "GT"], ["100", "NX", "LT"], ["100", "GT", "LT"], ["100", "XX", "GT", "LT"],
    ["100", "NX", "XX", "foo"], ["100", "nx", "nx"], ["100", "xx", "gt"], ["100", "XX", "LT"],
    ["100", "n\x00x"], ["100", "foo\x00bar"], ["100", ""], ["100", "NX", "GT", "LT"],
])
def test_expire_option_and_argument_errors(diff, cmd, args):
    diff.check_many([["SET", "k", "v"], [cmd, "k", *args]])
    diff.check("PTTL", "k", normalize=ttl_norm)


@pytest.mark.parametrize("cmd", EXPIRE_CMDS)
@pytest.mark.parametrize("when", [
    LLONG_MAX, LLONG_MIN, LLONG_MAX // 1000, LLONG_MAX // 1000 + 1, LLONG_MIN // 1000,
    LLONG_MIN // 1000 - 1, LLONG_MAX - 1000, -1, 0, 1, -(10 ** 15),
])
def test_expire_overflow_and_extremes(diff, cmd, when):
    # Overflow is "invalid expire time in '<cmd>' command"; everything else either sets a
    # TTL or (past/negative) deletes the key and replies 1.
    diff.check_many([["SET", "k", "v"], [cmd, "k", str(when)], ["EXISTS", "k"]])
    diff.check("PTTL", "k", normalize=ttl_norm)


def test_expire_arity(diff):
    diff.check_many([["EXPIRE"], ["EXPIRE", "k"], ["PEXPIRE", "k"], ["EXPIREAT", "k"],
                     ["PEXPIREAT"], ["PERSIST"], ["PERSIST", "a", "b"]])


# ---- past times delete ---------------------------------------------------------------------

@pytest.mark.parametrize("cmd,when", [("EXPIRE", "0"), ("EXPIRE", "-1"), ("PEXPIRE", "0"),
                                      ("PEXPIRE", "-5000"), ("EXPIREAT", "1"), ("EXPIREAT", "0"),
                                      ("PEXPIREAT", "1000"), ("EXPIREAT", "-100")])
def test_expire_in_the_past_deletes_and_replies_one(diff, cmd, when):
    diff.check_many([
        ["SET", "k", "v"], [cmd, "k", when], ["EXISTS", "k"], ["GET", "k"], ["TTL", "k"],
        [cmd, "k", when],   # gone now: 0
    ])


def test_expire_in_the_past_deletes_key_with_ttl(diff):
    diff.check_many([["SET", "k", "v", "EX", "100"], ["EXPIREAT", "k", "1"], ["EXISTS", "k"],
                     ["DBSIZE"]])


# ---- NX XX GT LT -------------------------------------------------------------------------

# Each case: initial TTL state of the key (None = no TTL, else absolute ms), the option(s),
# the new absolute time in ms.  Times are far apart, so outcomes can't race.
T1 = FUTURE_MS
T2 = FUTURE_MS + 10 ** 9
PAST = 1000


@pytest.mark.parametrize("initial", [None, T1], ids=["no-ttl", "ttl"])
@pytest.mark.parametrize("opts", [["NX"], ["XX"], ["GT"], ["LT"], ["XX", "GT"], ["XX", "LT"],
                                  ["gt", "xx"], ["lt"], ["nx"], ["GT", "GT"]])
@pytest.mark.parametrize("when", [T1 - 10 ** 9, T1, T2, PAST], ids=["earlier", "same", "later", "past"])
def test_expire_conditions(diff, initial, opts, when):
    setup = [["SET", "k", "v"]]
    if initial is not None:
        setup.append(["PEXPIREAT", "k", str(initial)])
    diff.check_many(setup + [
        ["PEXPIREAT", "k", str(when), *opts],
        ["EXISTS", "k"], ["PEXPIRETIME", "k"],
    ])


@pytest.mark.parametrize("opts", [["NX"], ["XX"], ["GT"], ["LT"]])
def test_relative_expire_conditions(diff, opts):
    diff.check_many([
        ["SET", "nottl", "v"], ["SET", "ttl", "v", "EX", "1000"],
        ["EXPIRE", "nottl", "500", *opts], ["EXPIRE", "ttl", "500", *opts],
        ["EXPIRE", "ttl", "5000", *opts],
        ["PEXPIRE", "ttl", "100", *opts], ["EXPIRE", "ttl", "-1", *opts],
        ["EXISTS", "nottl", "ttl"],
    ])
    for k in ("nottl", "ttl"):
        diff.check("TTL", k, normalize=ttl_norm)


# ---- PERSIST --------------------------------------------------------------------------------

def test_persist(diff):
    diff.check_many([
        ["PERSIST", "nokey"],
        ["SET", "k", "v"], ["PERSIST", "k"],
        ["EXPIRE", "k", "100"], ["PERSIST", "k"], ["TTL", "k"], ["PERSIST", "k"],
        ["GET", "k"],
    ])


def test_set_clears_ttl_and_keepttl_keeps_it(diff):
    diff.check_many([
        ["SET", "k", "v", "EX", "100"], ["SET", "k", "w"], ["TTL", "k"],
        ["EXPIRE", "k", "100"], ["SET", "k", "x", "KEEPTTL"],
    ])
    diff.check("TTL", "k", normalize=ttl_norm)


# ---- lazy and active expiry -----------------------------------------------------------------

def test_lazy_expiry_on_access(diff):
    diff.check_many([["SET", "k", "v", "PX", "1"], ["SET", "k2", "v", "PX", "1"],
                     ["SET", "k3", "v", "PX", "1"], ["SET", "k4", "v", "PX", "1"],
                     ["SET", "k5", "v", "PX", "1"]])
    time.sleep(0.01)
    diff.check_many([
        ["GET", "k"], ["TTL", "k2"], ["EXISTS", "k3"], ["EXPIRE", "k4", "100"],
        ["PERSIST", "k5"], ["RENAME", "k5", "x"], ["TYPE", "k5"], ["DEL", "k5"],
    ])


@pytest.mark.parametrize("cmd", [["DEL", "k"], ["UNLINK", "k"], ["TOUCH", "k"],
                                 ["RENAME", "k", "n"], ["RENAMENX", "k", "n"], ["MOVE", "k", "1"],
                                 ["COPY", "k", "n"], ["OBJECT", "ENCODING", "k"], ["PTTL", "k"],
                                 ["PEXPIRETIME", "k"], ["SET", "k", "new", "NX"]])
def test_expired_key_looks_missing_to_every_command(diff, cmd):
    diff.check("SET", "k", "v", "PX", "1")
    time.sleep(0.01)
    diff.check(*cmd)


def test_copy_and_move_onto_an_expired_target(diff):
    diff.check_many([["SET", "src", "s"], ["SELECT", "1"], ["SET", "src", "old", "PX", "1"],
                     ["SET", "dst", "old", "PX", "1"], ["SELECT", "0"]])
    time.sleep(0.01)
    diff.check_many([["MOVE", "src", "1"], ["COPY", "src", "dst", "DB", "1"],
                     ["SELECT", "1"], ["GET", "src"], ["GET", "dst"], ["TTL", "dst"]])


def _wait_dbsize(client, target: int, deadline_s: float) -> int:
    end = time.monotonic() + deadline_s
    n = parse(client.call("DBSIZE"))
    while n != target and time.monotonic() < end:
        time.sleep(0.05)
        n = parse(client.call("DBSIZE"))
    return n


@pytest.mark.parametrize("db", ["0", "9"])
def test_active_expiry_removes_keys_without_access(ref, fc, db):
    # DBSIZE doesn't look keys up, so only the active cycle can bring it to the number of
    # keys without a TTL.
    for c in (ref, fc):
        c.call("SELECT", db)
        c.pipeline([["SET", f"short:{i}", "v", "PX", str(1 + i % 50)] for i in range(80)] +
                   [["SET", f"long:{i}", "v", "EX", "1000"] for i in range(10)] +
                   [["SET", "forever", "v"]])
    assert _wait_dbsize(ref, 11, 5.0) == 11
    assert _wait_dbsize(fc, 11, 5.0) == 11
    for c in (ref, fc):
        assert parse(c.call("TTL", "forever")) == -1
        assert parse(c.call("EXISTS", "long:3")) == 1
        assert parse(c.call("EXISTS", "short:3")) == 0


def test_active_expiry_of_many_keys_is_bounded(fc):
    # 3000 keys expiring together: the adaptive cycle keeps going while >10% of a sample
    # is stale, so they go within a few cron ticks, and the server keeps answering.
    for i in range(0, 3000, 100):
        fc.pipeline([["SET", f"k{j}", "v", "PX", "20"] for j in range(i, i + 100)])
    fc.call("SET", "keep", "v")
    t0 = time.monotonic()
    assert _wait_dbsize(fc, 1, 5.0) == 1
    assert time.monotonic() - t0 < 5.0
    assert parse(fc.call("GET", "keep")) == b"v"


def test_ttl_counts_down(fc):
    fc.call("SET", "k", "v", "PX", "3000")
    p1 = parse(fc.call("PTTL", "k"))
    time.sleep(0.2)
    p2 = parse(fc.call("PTTL", "k"))
    assert 0 < p2 < p1 <= 3000
    assert parse(fc.call("TTL", "k")) in (2, 3)


def test_expire_in_resp3_replies_are_integers(diff):
    diff.hello3()
    diff.check_many([["SET", "k", "v"], ["EXPIRE", "k", "100"], ["PERSIST", "k"],
                     ["TTL", "k"], ["TTL", "nokey"], ["EXPIRE", "k", "10", "NX", "XX"]])
