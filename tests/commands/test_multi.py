"""Transactions: MULTI EXEC DISCARD WATCH UNWATCH, differential against Redis 7.0.15.

Every test runs the same commands on the reference server and on fastcache and requires
byte-identical replies.  WATCH races use a second pair of connections (``other``) for the
client that writes between WATCH and EXEC.
"""

from __future__ import annotations

import os
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.diff import Diff
from support.resp import RawClient, parse
from test_propagation import Prop, servers  # noqa: F401  (servers: fixture for `prop`)

TX = [["MULTI"], ["PING"], ["EXEC"]]


@pytest.fixture
def other(ref_server, fc_server):
    """A second connection to each server (a Diff of its own)."""
    r = RawClient(ref_server.host, ref_server.port)
    f = RawClient(fc_server.host, fc_server.port)
    yield Diff(r, f)
    r.close()
    f.close()


def tx(diff):
    """MULTI / PING / EXEC on both; returns the reference's EXEC reply."""
    return diff.check_many(TX)[-1]


# ---- MULTI / EXEC / DISCARD basics ------------------------------------------------------

def test_exec_and_discard_without_multi_are_errors(diff):
    assert diff.check("EXEC") == b"-ERR EXEC without MULTI\r\n"
    assert diff.check("DISCARD") == b"-ERR DISCARD without MULTI\r\n"
    diff.check("exec")
    diff.check("Discard")


def test_multi_queues_and_exec_returns_every_reply(diff):
    diff.check_many([["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["GET", "a"], ["LPUSH", "l", "x", "y"],
                     ["LRANGE", "l", "0", "-1"], ["GET", "missing"], ["EXEC"]])
    diff.check("GET", "a")


def test_empty_transaction_returns_an_empty_array(diff):
    assert diff.check_many([["MULTI"], ["EXEC"]])[-1] == b"*0\r\n"


def test_nested_multi_is_an_error_that_does_not_abort(diff):
    r = diff.check_many([["MULTI"], ["MULTI"], ["SET", "a", "1"], ["EXEC"]])
    assert r[1] == b"-ERR MULTI calls can not be nested\r\n"
    assert r[-1] == b"*1\r\n+OK\r\n"


def test_watch_inside_multi_is_an_error_that_does_not_abort(diff):
    r = diff.check_many([["MULTI"], ["WATCH", "k"], ["SET", "k", "1"], ["EXEC"]])
    assert r[1] == b"-ERR WATCH inside MULTI is not allowed\r\n"
    assert r[-1] == b"*1\r\n+OK\r\n"


def test_unwatch_inside_multi_is_queued(diff):
    diff.check_many([["MULTI"], ["UNWATCH"], ["EXEC"]])


def test_discard_drops_the_queue(diff):
    diff.check_many([["MULTI"], ["SET", "d", "1"], ["DISCARD"], ["GET", "d"], ["EXEC"]])


def test_runtime_errors_do_not_roll_back(diff):
    diff.check("SET", "s", "str")
    r = diff.check_many([["MULTI"], ["INCR", "s"], ["SET", "t", "1"], ["LPUSH", "s", "x"],
                         ["HSET", "t", "f", "v"], ["EXEC"]])
    assert r[-1].startswith(b"*4\r\n-ERR value is not an integer")
    diff.check("GET", "t")


def test_unknown_command_while_queueing_aborts_exec(diff):
    r = diff.check_many([["MULTI"], ["SET", "a", "1"], ["NOSUCHCMD", "x"], ["SET", "b", "2"], ["EXEC"],
                         ["GET", "a"], ["EXISTS", "b"], ["EXEC"]])
    assert r[4] == b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    assert r[-1] == b"-ERR EXEC without MULTI\r\n"


def test_unknown_subcommand_while_queueing_aborts_exec(diff):
    diff.check_many([["MULTI"], ["CONFIG", "NOSUCHSUB"], ["SET", "a", "1"], ["EXEC"], ["EXISTS", "a"]])


def test_arity_error_while_queueing_aborts_exec(diff):
    diff.check_many([["MULTI"], ["SET", "a"], ["GET"], ["SET", "a", "1"], ["EXEC"], ["EXISTS", "a"]])


def test_no_multi_commands_are_refused_inside_multi(diff):
    r = diff.check_many([["MULTI"], ["SAVE"], ["EXEC"]])
    assert r[1] == b"-ERR Command not allowed inside a transaction\r\n"
    assert r[2].startswith(b"-EXECABORT")
    # arity is checked before no_multi
    diff.check_many([["MULTI"], ["SAVE", "x"], ["EXEC"]])


def test_exec_with_wrong_arity_aborts_with_the_reason(diff):
    # a refused EXEC (processCommand's rejectCommand) discards the transaction,
    # inside MULTI or not
    r = diff.check_many([["EXEC", "x"], ["MULTI"], ["SET", "a", "1"], ["EXEC", "x"], ["EXEC"],
                         ["EXISTS", "a"]])
    assert r[0] == (b"-EXECABORT Transaction discarded because of: wrong number of arguments "
                    b"for 'exec' command\r\n")
    assert r[4] == b"-ERR EXEC without MULTI\r\n"


def test_discard_with_wrong_arity_inside_multi_flags_the_transaction(diff):
    diff.check_many([["DISCARD", "x"], ["MULTI"], ["DISCARD", "x"], ["SET", "a", "1"], ["EXEC"]])


def test_exec_keeps_the_db_selected_inside(diff):
    diff.check_many([["MULTI"], ["SELECT", "1"], ["SET", "z", "1"], ["EXEC"], ["GET", "z"],
                     ["SELECT", "0"], ["GET", "z"]])
    diff.check_many([["SELECT", "1"], ["DEL", "z"], ["SELECT", "0"]])


def test_binary_and_empty_arguments_are_queued_exactly(diff):
    diff.check_many([["MULTI"], ["SET", b"a\x00b\r\n", b""], ["SET", b"", b"\x00\xff\r\n"],
                     ["GET", b"a\x00b\r\n"], ["GET", b""], ["EXEC"]])


def test_large_transaction(diff):
    cmds = [["MULTI"]] + [["RPUSH", "big", "x" * (i % 50)] for i in range(600)] + [["LLEN", "big"], ["EXEC"]]
    diff.check_many(cmds)


def test_inline_commands_are_queued(diff):
    diff.check_raw(b"MULTI\r\nSET a 1\r\nGET a\r\nEXEC\r\n", replies=4)


def test_quit_inside_multi_runs_at_once(diff):
    diff.check_many([["MULTI"], ["SET", "q", "1"]])
    diff.check_raw_then_close(b"*1\r\n$4\r\nQUIT\r\n")


def test_hello_inside_exec_switches_protocol_mid_reply(diff):
    r, f = parse(diff.ref.call("MULTI")), parse(diff.fc.call("MULTI"))
    assert r == f
    for c in (diff.ref, diff.fc):
        assert c.call("HELLO", "3") == b"+QUEUED\r\n"
        assert c.call("HGETALL", "nokey") == b"+QUEUED\r\n"
    ref, fc = diff.ref.call("EXEC"), diff.fc.call("EXEC")
    # the HELLO map holds the client id: compare with it masked
    mask = re.compile(rb"\$2\r\nid\r\n:\d+\r\n")
    assert mask.sub(b"ID", ref) == mask.sub(b"ID", fc)
    diff.hello2()


def test_subscribe_inside_exec_enters_subscribed_mode(diff):
    diff.check_many([["MULTI"], ["SUBSCRIBE", "ch"], ["PING"], ["EXEC"], ["PING"], ["GET", "a"]])
    diff.check("RESET")


def test_resp2_subscribed_mode_refusals_flag_and_abort(diff):
    # MULTI, DISCARD and EXEC are refused in RESP2 subscribed mode; a refused EXEC
    # reports EXECABORT with the refusal's text
    diff.check_many([["SUBSCRIBE", "ch"], ["MULTI"], ["DISCARD"], ["EXEC"], ["EXEC", "x"], ["WATCH", "k"],
                     ["PING"], ["RESET"], ["EXEC"]])
    diff.check_many([["MULTI"], ["SUBSCRIBE", "ch"], ["EXEC"], ["EXEC"], ["UNSUBSCRIBE"]])


# ---- RESP3 ------------------------------------------------------------------------------

def test_exec_replies_in_resp3(diff):
    diff.hello3()
    diff.check_many([["MULTI"], ["HSET", "h", "f", "v"], ["HGETALL", "h"], ["SMEMBERS", "h"],
                     ["GET", "nokey"], ["ZADD", "z", "1.5", "m"], ["ZSCORE", "z", "m"], ["EXEC"]])
    diff.check_many([["MULTI"], ["EXEC"]])
    diff.check_many([["MULTI"], ["FOO"], ["EXEC"]])
    diff.check("EXEC")


def test_touched_watch_is_a_null_array_in_resp2_and_resp3(diff):
    diff.check_many([["WATCH", "w"], ["SET", "w", "1"]])
    assert tx(diff) == b"*-1\r\n"
    diff.hello3()
    diff.check_many([["WATCH", "w"], ["SET", "w", "2"]])
    assert tx(diff) == b"_\r\n"


# ---- blocking commands inside MULTI -----------------------------------------------------

def test_blocking_commands_inside_exec_do_not_block(diff):
    r = diff.check_many([["MULTI"], ["BLPOP", "nol", "0"], ["BRPOP", "nol", "nol2", "0"],
                         ["BRPOPLPUSH", "nol", "dst", "0"], ["BLMOVE", "nol", "dst", "LEFT", "RIGHT", "0"],
                         ["BZPOPMIN", "noz", "0"], ["BZPOPMAX", "noz", "1"],
                         ["BLMPOP", "0", "1", "nol", "LEFT"], ["BZMPOP", "0", "1", "noz", "MIN"], ["EXEC"]])
    assert r[-1] == b"*8\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n*-1\r\n*-1\r\n"
    diff.hello3()
    diff.check_many([["MULTI"], ["BLPOP", "nol", "0"], ["BLMOVE", "nol", "dst", "LEFT", "RIGHT", "0"],
                     ["BZMPOP", "0", "1", "noz", "MIN"], ["EXEC"]])


def test_blocking_commands_inside_exec_pop_when_data_is_there(diff):
    diff.check_many([["MULTI"], ["RPUSH", "l", "a", "b"], ["BLPOP", "l", "0"],
                     ["BLMOVE", "l", "d", "LEFT", "LEFT", "0"], ["BLPOP", "l", "0"],
                     ["ZADD", "z", "1", "m"], ["BZPOPMIN", "z", "0"], ["EXEC"]])


def test_a_push_inside_exec_wakes_a_blocked_client_after_exec(diff, other):
    for c in (other.ref, other.fc):
        c.send_command("BLPOP", "wl", "0")
    _wait_blocked(diff, 1)
    diff.check_many([["MULTI"], ["LPUSH", "wl", "a"], ["LPUSH", "wl", "b"], ["LLEN", "wl"], ["EXEC"]])
    r, f = other.ref.read_reply(), other.fc.read_reply()
    assert r == f == b"*2\r\n$2\r\nwl\r\n$1\r\nb\r\n"
    diff.check("LRANGE", "wl", "0", "-1")


def _wait_blocked(diff, n, timeout=3.0):
    for c in (diff.ref, diff.fc):
        deadline = time.monotonic() + timeout
        while True:
            info = c.call("INFO", "clients").decode()
            if int(info.split("blocked_clients:")[1].split("\r\n")[0]) == n:
                break
            assert time.monotonic() < deadline, "client did not block"
            time.sleep(0.005)


# ---- WATCH ------------------------------------------------------------------------------

def test_watch_then_unchanged_key_executes(diff):
    diff.check_many([["SET", "w", "1"], ["WATCH", "w"], ["WATCH", "w", "x", "y"]])
    assert tx(diff) == b"*1\r\n+PONG\r\n"


def test_own_write_before_multi_invalidates_watch(diff):
    diff.check_many([["WATCH", "w"], ["SET", "w", "1"]])
    assert tx(diff) == b"*-1\r\n"


def test_unwatch_forgets_watched_keys(diff, other):
    diff.check_many([["WATCH", "w"], ["UNWATCH"]])
    other.check("SET", "w", "1")
    assert tx(diff) == b"*1\r\n+PONG\r\n"


def test_unwatch_clears_an_already_touched_watch(diff, other):
    diff.check("WATCH", "w")
    other.check("SET", "w", "1")
    diff.check("UNWATCH")
    assert tx(diff) == b"*1\r\n+PONG\r\n"


def test_exec_and_discard_unwatch(diff, other):
    diff.check_many([["WATCH", "w"], ["MULTI"], ["SET", "w", "1"], ["EXEC"]])
    other.check("SET", "w", "2")
    assert tx(diff) == b"*1\r\n+PONG\r\n"
    diff.check_many([["WATCH", "w"], ["MULTI"], ["DISCARD"]])
    other.check("SET", "w", "3")
    assert tx(diff) == b"*1\r\n+PONG\r\n"


def test_aborted_exec_unwatches_too(diff, other):
    diff.check("WATCH", "w")
    other.check("SET", "w", "1")
    assert tx(diff) == b"*-1\r\n"
    other.check("SET", "w", "2")
    assert tx(diff) == b"*1\r\n+PONG\r\n"


def test_watch_is_per_database(diff, other):
    diff.check("WATCH", "w")
    other.check_many([["SELECT", "1"], ["SET", "w", "1"], ["SELECT", "0"]])
    assert tx(diff) == b"*1\r\n+PONG\r\n"
    diff.check_many([["SELECT", "1"], ["WATCH", "w"], ["SELECT", "0"]])
    other.check_many([["SELECT", "1"], ["SET", "w", "2"], ["SELECT", "0"]])
    assert tx(diff) == b"*-1\r\n"


def test_watch_of_many_keys_and_binary_keys(diff, other):
    keys = [b"k%d" % i for i in range(200)] + [b"", b"a\x00b"]
    diff.check("WATCH", *keys)
    other.check("SET", b"a\x00b", "1")
    assert tx(diff) == b"*-1\r\n"
    diff.check("WATCH", *keys)
    other.check("SET", b"", "1")
    assert tx(diff) == b"*-1\r\n"
    diff.check("WATCH", *keys)
    other.check("SET", "unwatched", "1")
    assert tx(diff) == b"*1\r\n+PONG\r\n"


def test_commands_queued_after_a_touch_still_reply_queued(diff, other):
    diff.check_many([["WATCH", "w"], ["MULTI"], ["SET", "a", "1"]])
    other.check("SET", "w", "1")
    diff.check_many([["SET", "b", "1"], ["EXEC"], ["EXISTS", "a", "b"]])


def test_disconnect_of_a_watching_client_is_clean(ref_server, fc_server, diff):
    for server in (ref_server, fc_server):
        c = RawClient(server.host, server.port)
        c.call("WATCH", "w", "x")
        c.call("MULTI")
        c.call("SET", "w", "1")
        c.close()
    diff.check("SET", "w", "2")
    diff.check("EXISTS", "w")
    diff.check("WATCH", "w")
    assert tx(diff) == b"*1\r\n+PONG\r\n"


def test_flushdb_and_flushall_touch_only_existing_watched_keys(diff, other):
    diff.check("WATCH", "w")
    other.check("FLUSHDB")
    assert tx(diff) == b"*1\r\n+PONG\r\n"
    diff.check_many([["SET", "w", "1"], ["WATCH", "w"]])
    other.check("FLUSHDB")
    assert tx(diff) == b"*-1\r\n"
    diff.check_many([["SET", "w", "1"], ["WATCH", "w"]])
    other.check("FLUSHALL")
    assert tx(diff) == b"*-1\r\n"
    # a flush of another db does not touch
    diff.check_many([["SET", "w", "1"], ["WATCH", "w"]])
    other.check_many([["SELECT", "2"], ["FLUSHDB"], ["SELECT", "0"]])
    assert tx(diff) == b"*1\r\n+PONG\r\n"


def test_swapdb_touches_keys_existing_in_either_db(diff, other):
    diff.check("WATCH", "w")
    other.check_many([["SELECT", "1"], ["SET", "w", "1"], ["SWAPDB", "0", "1"], ["SELECT", "0"]])
    assert tx(diff) == b"*-1\r\n"
    diff.check_many([["FLUSHALL"], ["WATCH", "w"]])
    other.check_many([["SELECT", "1"], ["SET", "j", "1"], ["SWAPDB", "0", "1"], ["SELECT", "0"]])
    assert tx(diff) == b"*1\r\n+PONG\r\n"
    diff.check_many([["FLUSHALL"], ["SET", "w", "1"], ["WATCH", "w"]])
    other.check("SWAPDB", "0", "1")
    assert tx(diff) == b"*-1\r\n"
    diff.check("FLUSHALL")


# ---- WATCH and expiry (Redis 7.0 rules) ---------------------------------------------------

def test_key_expiring_after_watch_aborts_exec(diff):
    diff.check_many([["SET", "e", "v", "PX", "80"], ["WATCH", "e"]])
    time.sleep(0.2)
    assert tx(diff) == b"*-1\r\n"


def test_key_expiring_after_watch_and_deleted_aborts_exec(diff, other):
    diff.check_many([["SET", "e", "v", "PX", "80"], ["WATCH", "e"]])
    time.sleep(0.2)
    other.check("GET", "e")
    assert tx(diff) == b"*-1\r\n"


def test_key_already_expired_at_watch_time_does_not_abort(diff, other):
    # whether it is deleted (lazily, actively, by DEL or FLUSHDB) or not
    for delete in (None, ["GET", "e"], ["DEL", "e"], ["EXISTS", "e"], ["FLUSHDB"]):
        diff.check("SET", "e", "v", "PX", "30")
        time.sleep(0.08)
        diff.check("WATCH", "e")
        if delete:
            other.check(*delete)
        assert tx(diff) == b"*1\r\n+PONG\r\n", delete


def test_key_already_expired_at_watch_time_then_actively_expired_does_not_abort(diff):
    diff.check("SET", "e", "v", "PX", "30")
    time.sleep(0.08)
    diff.check("WATCH", "e")
    # wait (bounded) for active expiry to delete it on both servers (DBSIZE does
    # not expire lazily)
    deadline = time.monotonic() + 5
    while diff.ref.call("DBSIZE") != b":0\r\n" or diff.fc.call("DBSIZE") != b":0\r\n":
        assert time.monotonic() < deadline, "active expiry did not run"
        time.sleep(0.02)
    assert tx(diff) == b"*1\r\n+PONG\r\n"


def test_key_already_expired_at_watch_time_then_written_aborts(diff, other):
    diff.check("SET", "e", "v", "PX", "30")
    time.sleep(0.08)
    diff.check("WATCH", "e")
    other.check("SET", "e", "new")
    assert tx(diff) == b"*-1\r\n"


def test_write_setting_a_ttl_aborts(diff, other):
    diff.check_many([["SET", "e", "v"], ["WATCH", "e"]])
    other.check("SET", "e", "v", "PX", "30")
    time.sleep(0.08)
    assert tx(diff) == b"*-1\r\n"


# ---- a WATCH race for a write of every type family ------------------------------------------

DUMP_SOURCE = ["SET", "src", "payload"]

RACES = [
    # (setup, write by the other client) -- the watched key is always "k"
    ([], ["SET", "k", "v"]),
    ([["SET", "k", "v"]], ["SET", "k", "v", "NX"]),          # no change: no touch
    ([], ["SETNX", "k", "v"]),
    ([], ["SETEX", "k", "100", "v"]),
    ([], ["PSETEX", "k", "100000", "v"]),
    ([["SET", "k", "v"]], ["GETSET", "k", "w"]),
    ([["SET", "k", "v"]], ["GETDEL", "k"]),
    ([["SET", "k", "v"]], ["GETEX", "k", "PX", "100000"]),
    ([["SET", "k", "v"]], ["GETEX", "k"]),                   # no option: no touch
    ([], ["MSET", "a", "1", "k", "2"]),
    ([], ["MSETNX", "a", "1", "k", "2"]),
    ([], ["INCR", "k"]),
    ([], ["DECRBY", "k", "5"]),
    ([], ["INCRBYFLOAT", "k", "1.5"]),
    ([], ["APPEND", "k", "x"]),
    ([], ["SETRANGE", "k", "3", "x"]),
    ([], ["SETBIT", "k", "7", "1"]),
    ([["SET", "a", "x"]], ["BITOP", "NOT", "k", "a"]),
    ([], ["BITFIELD", "k", "SET", "u8", "0", "1"]),
    ([["SET", "k", "v"]], ["DEL", "k"]),
    ([["SET", "k", "v"]], ["UNLINK", "a", "k"]),
    ([], ["DEL", "k"]),                                      # missing: no touch
    ([["SET", "k", "v"]], ["EXPIRE", "k", "100"]),
    ([["SET", "k", "v"]], ["PEXPIREAT", "k", "99999999999999"]),
    ([["SET", "k", "v", "EX", "100"]], ["PERSIST", "k"]),
    ([["SET", "k", "v"]], ["PERSIST", "k"]),                 # no TTL: no touch
    ([["SET", "k", "v"]], ["EXPIRE", "k", "0"]),
    ([["SET", "k", "v"]], ["RENAME", "k", "x"]),
    ([["SET", "x", "v"]], ["RENAME", "x", "k"]),
    ([["SET", "x", "v"]], ["RENAMENX", "x", "k"]),
    ([["SET", "k", "v"]], ["MOVE", "k", "5"]),
    ([["SET", "x", "v"]], ["COPY", "x", "k"]),
    ([["RPUSH", "x", "3", "1", "2"]], ["SORT", "x", "STORE", "k"]),
    ([], ["LPUSH", "k", "a"]),
    ([], ["RPUSH", "k", "a"]),
    ([["RPUSH", "k", "a"]], ["LPUSHX", "k", "b"]),
    ([["RPUSH", "k", "a", "b"]], ["LPOP", "k"]),
    ([["RPUSH", "k", "a", "b"]], ["RPOP", "k"]),
    ([["RPUSH", "k", "a", "b"]], ["LSET", "k", "0", "z"]),
    ([["RPUSH", "k", "a", "b"]], ["LTRIM", "k", "0", "0"]),
    ([["RPUSH", "k", "a", "b"]], ["LREM", "k", "0", "a"]),
    ([["RPUSH", "k", "a", "b"]], ["LINSERT", "k", "BEFORE", "a", "z"]),
    ([["RPUSH", "k", "a", "b"]], ["LMOVE", "k", "x", "LEFT", "RIGHT"]),
    ([["RPUSH", "x", "a", "b"]], ["LMOVE", "x", "k", "LEFT", "RIGHT"]),
    ([["RPUSH", "x", "a", "b"]], ["RPOPLPUSH", "x", "k"]),
    ([["RPUSH", "k", "a", "b"]], ["LMPOP", "1", "k", "LEFT"]),
    ([], ["HSET", "k", "f", "v"]),
    ([["HSET", "k", "f", "v"]], ["HSETNX", "k", "f", "w"]),  # exists: no touch
    ([["HSET", "k", "f", "v"]], ["HDEL", "k", "f"]),
    ([], ["HINCRBY", "k", "f", "1"]),
    ([], ["HINCRBYFLOAT", "k", "f", "1.5"]),
    ([], ["HMSET", "k", "f", "v"]),
    ([], ["SADD", "k", "m"]),
    ([["SADD", "k", "m"]], ["SADD", "k", "m"]),              # nothing added: no touch
    ([["SADD", "k", "m", "n"]], ["SREM", "k", "m"]),
    ([["SADD", "k", "m"]], ["SPOP", "k"]),
    ([["SADD", "k", "m"]], ["SMOVE", "k", "x", "m"]),
    ([["SADD", "x", "m"]], ["SMOVE", "x", "k", "m"]),
    ([["SADD", "a", "m"]], ["SUNIONSTORE", "k", "a"]),
    ([["SADD", "a", "m"]], ["SINTERSTORE", "k", "a"]),
    ([["SADD", "a", "m"]], ["SDIFFSTORE", "k", "a"]),
    ([], ["ZADD", "k", "1", "m"]),
    ([["ZADD", "k", "1", "m"]], ["ZADD", "k", "1", "m"]),    # unchanged: no touch
    ([], ["ZINCRBY", "k", "1", "m"]),
    ([["ZADD", "k", "1", "m", "2", "n"]], ["ZREM", "k", "m"]),
    ([["ZADD", "k", "1", "m", "2", "n"]], ["ZPOPMIN", "k"]),
    ([["ZADD", "k", "1", "m", "2", "n"]], ["ZREMRANGEBYSCORE", "k", "0", "1"]),
    ([["ZADD", "k", "1", "m", "2", "n"]], ["ZMPOP", "1", "k", "MAX"]),
    ([["ZADD", "a", "1", "m"]], ["ZUNIONSTORE", "k", "1", "a"]),
    ([["ZADD", "a", "1", "m"]], ["ZRANGESTORE", "k", "a", "0", "-1"]),
    ([["SET", "k", "v"]], ["RESTORE", "k", "0", "@dump", "REPLACE"]),
    ([], ["RESTORE", "k", "0", "@dump"]),
]


def _race_id(case):
    setup, write = case
    return " ".join(str(a) for a in write) + (" (existing)" if setup else "")


@pytest.mark.parametrize("case", RACES, ids=[_race_id(c) for c in RACES])
def test_watch_race_with_a_write_from_another_client(diff, other, case):
    setup, write = case
    for cmd in setup + [DUMP_SOURCE]:
        diff.check(*cmd)
    if "@dump" in write:
        payload = parse(diff.ref.call("DUMP", "src"))
        write = [payload if a == "@dump" else a for a in write]
    diff.check("WATCH", "k")
    other.check(*write)
    diff.check_many(TX)


def test_watch_race_with_a_served_blocked_move(diff, other, ref_server, fc_server):
    # the served BLMOVE writes the watched destination: that touches the watch too
    diff.check("WATCH", "k")
    for c in (other.ref, other.fc):
        c.send_command("BLMOVE", "src", "k", "LEFT", "LEFT", "0")
    _wait_blocked(diff, 1)
    third = Diff(RawClient(ref_server.host, ref_server.port), RawClient(fc_server.host, fc_server.port))
    third.check("RPUSH", "src", "a")
    assert other.ref.read_reply() == other.fc.read_reply() == b"$1\r\na\r\n"
    assert tx(diff) == b"*-1\r\n"
    third.ref.close()
    third.fc.close()


# ---- CLIENT PAUSE -------------------------------------------------------------------------

def test_client_pause_write_postpones_an_exec_that_writes(server_factory):
    # a queued write is postponed when queued; an EXEC is postponed when its queue
    # holds a write, not when it only reads
    ref, fc = _pair(server_factory)
    timings = {}
    for name, server in (("ref", ref), ("fc", fc)):
        a, b = RawClient(*server.address), RawClient(*server.address)
        out = [a.call("MULTI"), a.call("SET", "x", "1"), a.call("GET", "x")]
        assert b.call("CLIENT", "PAUSE", "300", "WRITE") == b"+OK\r\n"
        t = time.monotonic()
        out.append(a.call("EXEC"))
        write_wait = time.monotonic() - t
        out += [a.call("MULTI"), a.call("GET", "x")]
        assert b.call("CLIENT", "PAUSE", "300", "WRITE") == b"+OK\r\n"
        t = time.monotonic()
        out.append(a.call("EXEC"))
        read_wait = time.monotonic() - t
        b.call("CLIENT", "UNPAUSE")
        timings[name] = (out, write_wait > 0.2, read_wait < 0.2)
        a.close()
        b.close()
    assert timings["ref"] == timings["fc"]
    assert timings["ref"][1:] == (True, True)


# ---- RESET ------------------------------------------------------------------------------

def test_reset_discards_the_transaction_and_unwatches(diff, other):
    diff.check_many([["WATCH", "k"], ["MULTI"], ["SET", "k", "1"], ["RESET"], ["EXEC"], ["EXISTS", "k"]])
    diff.check("WATCH", "k")
    other.check("SET", "k", "9")
    diff.check("RESET")
    diff.check_many([["MULTI"], ["GET", "k"], ["EXEC"]])


# ---- CLIENT LIST / INFO -------------------------------------------------------------------

def _client_fields(line: bytes, names):
    fields = dict(kv.split(b"=", 1) for kv in line.split(b" ") if b"=" in kv)
    return {n: fields[n] for n in names}


def _info_line(c):
    raw = parse(c.call("CLIENT", "INFO"))
    return raw.strip()


def _list_line_of(admin, cid):
    for line in parse(admin.call("CLIENT", "LIST")).split(b"\n"):
        if line.startswith(b"id=%d " % cid):
            return line
    raise AssertionError("client not listed")


def test_client_list_shows_multi_count_memory_and_flags(diff, other):
    names = [b"flags", b"multi", b"multi-mem"]
    ids = (parse(diff.ref.call("CLIENT", "ID")), parse(diff.fc.call("CLIENT", "ID")))

    def both():
        r = _client_fields(_list_line_of(other.ref, ids[0]), names)
        f = _client_fields(_list_line_of(other.fc, ids[1]), names)
        assert r == f
        return r

    assert both() == {b"flags": b"N", b"multi": b"-1", b"multi-mem": b"0"}
    diff.check_many([["MULTI"], ["SET", "a", "1"], ["CLIENT", "INFO"]])
    assert both() == {b"flags": b"x", b"multi": b"2", b"multi-mem": b"55"}
    diff.check("DISCARD")
    diff.check("WATCH", "w")
    other.check("SET", "w", "1")
    diff.check_many([["MULTI"], ["SET", "a", "1"]])
    # dirty: flag d, nothing stored any more
    assert both() == {b"flags": b"xd", b"multi": b"0", b"multi-mem": b"0"}
    diff.check("EXEC")
    assert both()[b"flags"] == b"N"


def test_client_info_inside_exec_shows_the_transaction(diff):
    diff.check_many([["MULTI"], ["SET", "a", "1"], ["SET", "b", "2"]])
    names = [b"flags", b"multi", b"multi-mem", b"cmd"]
    for c in (diff.ref, diff.fc):
        assert c.call("CLIENT", "INFO") == b"+QUEUED\r\n"
    r, f = parse(diff.ref.call("EXEC")), parse(diff.fc.call("EXEC"))
    assert r[:2] == f[:2]
    assert _client_fields(r[2].strip(), names) == _client_fields(f[2].strip(), names) == {
        b"flags": b"x", b"multi": b"3", b"multi-mem": b"84", b"cmd": b"exec"}


def test_info_has_no_watch_fields_in_7_0(diff):
    for c in (diff.ref, diff.fc):
        info = c.call("INFO", "everything").lower()
        assert b"watching_clients" not in info and b"watched_keys" not in info


# ---- stats, MONITOR (private servers: they reset server-wide counters) ----------------------

def _pair(server_factory):
    ref = server_factory("ref")
    fc = server_factory("fc")
    return ref, fc


def _commandstats(c, names):
    info = c.call("INFO", "commandstats").decode()
    out = {}
    for line in info.split("\r\n"):
        m = re.match(r"cmdstat_([^:]+):calls=(\d+),usec=\d+,usec_per_call=[\d.]+,"
                     r"rejected_calls=(\d+),failed_calls=(\d+)", line)
        if m and m.group(1) in names:
            out[m.group(1)] = tuple(int(x) for x in m.groups()[1:])
    return out


def _errorstats(c):
    info = c.call("INFO", "errorstats").decode()
    return sorted(x for x in info.split("\r\n") if x.startswith("errorstat_"))


def test_commandstats_count_queued_commands_when_executed(server_factory):
    ref, fc = _pair(server_factory)
    d = Diff(RawClient(*ref.address), RawClient(*fc.address))
    d.check_many([["CONFIG", "RESETSTAT"], ["SET", "s", "x"],
                  ["MULTI"], ["SET", "a", "1"], ["FOO"], ["GET", "a"], ["EXEC"],
                  ["MULTI"], ["SET", "a", "2"], ["INCR", "a"], ["INCR", "s"], ["EXEC"],
                  ["MULTI"], ["DISCARD"], ["EXEC", "x"], ["WATCH", "a"], ["UNWATCH"],
                  ["MULTI"], ["SAVE"], ["EXEC"],
                  ["MULTI"], ["SET", "a"], ["EXEC"],
                  ["WATCH", "a"], ["SET", "a", "3"], ["MULTI"], ["GET", "a"], ["EXEC"]])
    names = {"set", "get", "incr", "multi", "exec", "discard", "watch", "unwatch", "save"}
    assert _commandstats(d.ref, names) == _commandstats(d.fc, names)
    assert _errorstats(d.ref) == _errorstats(d.fc)


def test_monitor_shows_queued_commands_when_executed(server_factory):
    ref, fc = _pair(server_factory)
    lines = {}
    for name, server in (("ref", ref), ("fc", fc)):
        m = RawClient(*server.address)
        assert m.call("MONITOR") == b"+OK\r\n"
        c = RawClient(*server.address)
        for cmd in (["MULTI"], ["SET", "a", "1"], ["FOO"], ["GET", "a"], ["EXEC"],
                    ["MULTI"], ["SET", "a", "2"], ["INCR", "a"], ["EXEC"],
                    ["MULTI"], ["DISCARD"], ["EXEC", "x"], ["WATCH", "a"], ["UNWATCH"],
                    ["MULTI"], ["SELECT", "3"], ["SET", "b", "1"], ["CONFIG", "GET", "maxmemory"],
                    ["EXEC"], ["PING"]):
            c.call(*cmd)
        got = []
        while not got or b'"PING"' not in got[-1]:
            got.append(m.read_reply())
        lines[name] = [re.sub(rb"^\+[\d.]+ \[(\d+) [^\]]+\]", rb"[\1]", x) for x in got]
        m.close()
        c.close()
    assert lines["ref"] == lines["fc"]


def test_slowlog_logs_the_commands_inside_exec_not_exec(server_factory):
    ref, fc = _pair(server_factory)
    logs = {}
    for name, server in (("ref", ref), ("fc", fc)):
        c = RawClient(*server.address)
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
        c.call("SLOWLOG", "RESET")
        for cmd in (["MULTI"], ["SET", "a", "1"], ["GET", "a"], ["EXEC"], ["MULTI"], ["DISCARD"]):
            c.call(*cmd)
        entries = parse(c.call("SLOWLOG", "GET", "-1"))
        logs[name] = [e[3] for e in entries]      # the argv of each entry, newest first
        c.close()
    assert logs["ref"] == logs["fc"]


# ---- propagation (AOF bytes of the reference) ---------------------------------------------

@pytest.fixture
def prop(servers):  # noqa: F811
    p = Prop(*servers)
    yield p
    p.close()


def test_exec_propagates_its_effects_as_one_unit(prop):
    for cmd in (["MULTI"], ["SET", "a", "1"], ["EXEC"]):
        prop.same(*cmd)
    for cmd in (["MULTI"], ["SET", "a", "2"], ["INCR", "a"], ["GET", "a"], ["EXEC"]):
        prop.same(*cmd)
    for cmd in (["MULTI"], ["GET", "a"], ["EXEC"]):              # read-only: nothing
        prop.same(*cmd)
    for cmd in (["MULTI"], ["SET", "b", "1"], ["DISCARD"]):
        prop.same(*cmd)
    for cmd in (["MULTI"], ["INCR", "a"], ["SELECT", "4"], ["SET", "c", "1"], ["SELECT", "0"], ["EXEC"]):
        prop.same(*cmd)
    for cmd in (["MULTI"], ["SET", "s", "x"], ["INCR", "s"], ["EXPIRE", "s", "100"], ["EXEC"]):
        prop.same(*cmd)
    cmds = prop.check()
    assert [c[0] for c in cmds].count(b"MULTI") == 3
    assert b"EXEC" in [c[0] for c in cmds]


def test_aborted_transactions_propagate_nothing(prop):
    prop.same("WATCH", "a")
    prop.same("SET", "a", "1")
    for cmd in (["MULTI"], ["SET", "a", "2"], ["EXEC"], ["MULTI"], ["FOO"], ["SET", "a", "3"], ["EXEC"]):
        prop.same(*cmd)
    assert len(prop.check()) == 2      # SELECT + the SET outside


# ---- property: random interleavings of two clients --------------------------------------

_PKEY = st.sampled_from([b"a", b"b", b""])
_PCMD = st.one_of(
    st.lists(_PKEY, min_size=1, max_size=3).map(lambda ks: (b"WATCH", *ks)),
    st.sampled_from([(b"UNWATCH",), (b"MULTI",), (b"EXEC",), (b"DISCARD",), (b"FOO",), (b"GET",),
                     (b"FLUSHDB",), (b"SWAPDB", b"0", b"1"), (b"SELECT", b"0"), (b"SELECT", b"1"),
                     (b"SAVE",), (b"EXEC", b"x"), (b"BLPOP", b"a", b"0.01")]),
    st.tuples(st.sampled_from([b"SET", b"LPUSH", b"SADD"]), _PKEY, st.sampled_from([b"1", b"x"])),
    st.tuples(st.sampled_from([b"INCR", b"DEL", b"GET", b"PERSIST", b"EXISTS"]), _PKEY),
    st.tuples(st.just(b"EXPIRE"), _PKEY, st.just(b"100")),
)


@settings(
    max_examples=int(os.environ.get("FASTCACHE_PROPERTY_EXAMPLES", "200")),
    derandomize=not os.environ.get("FASTCACHE_PROPERTY_RANDOM"),
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seq=st.lists(st.tuples(st.integers(0, 1), _PCMD), min_size=3, max_size=25), resp3=st.booleans())
def test_random_two_client_transaction_sequences_match_reference(diff, other, seq, resp3):
    try:
        for d in (diff, other):
            d.check_many([[b"RESET"], [b"FLUSHALL"]])
        if resp3:
            diff.hello3()
        for who, argv in seq:
            (diff, other)[who].check(*argv)
    finally:
        for d in (diff, other):
            d.check(b"RESET")
