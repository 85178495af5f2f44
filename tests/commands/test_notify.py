"""Keyspace notifications (notify-keyspace-events) and modified-key signalling.

Differential: for every write command (and the read misses that emit "keymiss"),
the stream of messages a ``PSUBSCRIBE *`` client receives from fastcache must be
the reference's, byte for byte: event names, classes, channels, order and count.
Each case is (id, setup, commands): ``setup`` runs with notifications off, then
``commands`` run with ``notify-keyspace-events AKEnm`` (everything, incl. "new" and
"keymiss"); a PUBLISH to a marker channel ends the recording.
"""

from __future__ import annotations

import time

import pytest

from support.resp import RawClient, parse
from support.servers import ServerHandle, fastcache_cmd, reference_cmd

MARK = b"__notify_test_marker__"
ALL_EVENTS = "AKEnm"
SLEEP = object()     # [SLEEP, seconds] in a case: pause (lets a short TTL pass)
NO_ACTIVE_EXPIRE = ["DEBUG", "SET-ACTIVE-EXPIRE", "0"]    # only lazy expiry can delete
RANDOM_REPLIES = {"SPOP", "SRANDMEMBER", "HRANDFIELD", "ZRANDMEMBER"}

S = "SET"
# DUMP payloads of the string "1" and of the list [x, y] (Redis 7.0, RDB 10)
DUMP_1 = b"\x00\xc0\x01\n\x00&x\xe7\xb6\xd1\x01\x11\xfc"
DUMP_LIST = b"\x12\x01\x02\r\r\x00\x00\x00\x02\x00\x81x\x02\x81y\x02\xff\n\x00~\x97[V\x8d\x1a\xfao"
CASES = [
    # ---- strings ----
    ("set_new", [], [[S, "k", "v"]]),
    ("set_existing", [[S, "k", "v"]], [[S, "k", "w"]]),
    ("set_nx_fails", [[S, "k", "v"]], [[S, "k", "w", "NX"]]),
    ("set_xx_missing", [], [[S, "k", "w", "XX"]]),
    ("set_get_ex", [[S, "k", "v"]], [[S, "k", "w", "GET", "EX", "100"]]),
    ("set_keepttl", [[S, "k", "v", "EX", "100"]], [[S, "k", "w", "KEEPTTL"]]),
    ("set_get_wrongtype", [["LPUSH", "k", "a"]], [[S, "k", "w", "GET"]]),
    ("setnx", [], [["SETNX", "k", "v"], ["SETNX", "k", "v"]]),
    ("setex", [], [["SETEX", "k", "100", "v"]]),
    ("psetex", [], [["PSETEX", "k", "100000", "v"]]),
    ("getset", [[S, "k", "v"]], [["GETSET", "k", "w"], ["GETSET", "n", "w"]]),
    ("getdel", [[S, "k", "v"]], [["GETDEL", "k"], ["GETDEL", "k"]]),
    ("getex_ex", [[S, "k", "v"]], [["GETEX", "k", "EX", "100"]]),
    ("getex_persist", [[S, "k", "v", "EX", "100"]], [["GETEX", "k", "PERSIST"], ["GETEX", "k", "PERSIST"]]),
    ("getex_past", [[S, "k", "v"]], [["GETEX", "k", "PXAT", "1"]]),
    ("getex_plain_and_miss", [[S, "k", "v"]], [["GETEX", "k"], ["GETEX", "nokey"]]),
    ("mset", [[S, "a", "1"]], [["MSET", "a", "x", "b", "y", "a", "z"]]),
    ("msetnx", [], [["MSETNX", "a", "x", "b", "y"], ["MSETNX", "a", "1", "c", "2"]]),
    ("incr_family", [[S, "k", "5"]], [["INCR", "k"], ["DECR", "k"], ["INCRBY", "k", "3"],
                                      ["DECRBY", "k", "2"], ["INCR", "new"], ["INCRBY", "k", "x"]]),
    ("incrbyfloat", [[S, "k", "5"]], [["INCRBYFLOAT", "k", "1.5"], ["INCRBYFLOAT", "new", "2"]]),
    ("append", [[S, "k", "a"]], [["APPEND", "k", "b"], ["APPEND", "new", "x"], ["APPEND", "k", ""]]),
    ("setrange", [[S, "k", "hello"]], [["SETRANGE", "k", "1", "a"], ["SETRANGE", "new", "2", "x"],
                                       ["SETRANGE", "k", "0", ""], ["SETRANGE", "none", "3", ""]]),
    ("read_misses", [], [["GET", "k"], ["MGET", "a", "b"], ["STRLEN", "k"], ["GETRANGE", "k", "0", "1"],
                         ["LCS", "a", "b"]]),
    ("read_hits", [[S, "k", "v"]], [["GET", "k"], ["MGET", "k"], ["STRLEN", "k"]]),
    ("binary_keys", [], [[S, b"a\x00b", "v"], [S, "", "v"], ["DEL", b"a\x00b", ""]]),
    ("long_key", [], [[S, "x" * 600, "v"], ["INCR", "y" * 300]]),
    # ---- generic keyspace ----
    ("del", [[S, "a", "1"], [S, "b", "2"]], [["DEL", "a", "b", "c"]]),
    ("unlink", [[S, "a", "1"], ["LPUSH", "b", "x"]], [["UNLINK", "b", "zz", "a"]]),
    ("expire", [[S, "k", "v"]], [["EXPIRE", "k", "100"], ["PEXPIRE", "k", "100000"],
                                 ["EXPIREAT", "k", "99999999999"], ["PEXPIREAT", "k", "99999999999000"]]),
    ("expire_past", [[S, "k", "v"], [S, "j", "v"]], [["EXPIRE", "k", "-1"], ["PEXPIREAT", "j", "1"]]),
    ("expire_missing", [], [["EXPIRE", "k", "100"]]),
    ("expire_nx_fails", [[S, "k", "v", "EX", "100"]], [["EXPIRE", "k", "200", "NX"], ["EXPIRE", "k", "200", "XX"]]),
    ("persist", [[S, "k", "v", "EX", "100"], [S, "j", "v"]], [["PERSIST", "k"], ["PERSIST", "j"], ["PERSIST", "z"]]),
    ("ttl_type_exists_misses", [], [["TTL", "k"], ["PTTL", "k"], ["TYPE", "k"], ["EXISTS", "k"],
                                    ["EXPIRETIME", "k"], ["OBJECT", "ENCODING", "k"], ["TOUCH", "k"]]),
    ("rename", [[S, "a", "1"]], [["RENAME", "a", "b"]]),
    ("rename_over_existing", [[S, "a", "1"], [S, "b", "2"]], [["RENAME", "a", "b"]]),
    ("rename_same", [[S, "a", "1"]], [["RENAME", "a", "a"]]),
    ("rename_missing", [], [["RENAME", "a", "b"]]),
    ("rename_with_ttl", [[S, "a", "1", "EX", "100"]], [["RENAME", "a", "b"]]),
    ("renamenx", [[S, "a", "1"], [S, "c", "1"]], [["RENAMENX", "a", "b"], ["RENAMENX", "b", "c"]]),
    ("move", [[S, "a", "1"]], [["MOVE", "a", "1"], ["MOVE", "a", "1"]]),
    ("move_exists_in_target", [[S, "a", "1"], ["SELECT", "1"], [S, "a", "2"], ["SELECT", "0"]], [["MOVE", "a", "1"]]),
    ("copy", [[S, "a", "1"]], [["COPY", "a", "b"], ["COPY", "a", "b"], ["COPY", "a", "b", "REPLACE"],
                               ["COPY", "a", "b", "DB", "2"], ["COPY", "zz", "b"]]),
    ("copy_list", [["RPUSH", "a", "1", "2"]], [["COPY", "a", "b"]]),
    ("swapdb", [[S, "a", "1"]], [["SWAPDB", "0", "1"], ["SWAPDB", "0", "1"]]),
    ("flushdb", [[S, "a", "1"]], [["FLUSHDB"], ["FLUSHALL"]]),
    ("dump_restore", [[S, "a", "1"]], [["DEL", "a"], ["RESTORE", "a", "0", DUMP_1],
                                        ["RESTORE", "a", "0", DUMP_1], ["RESTORE", "a", "0", DUMP_LIST, "REPLACE"],
                                        ["RESTORE", "b", "100000", DUMP_1], ["RESTORE", "c", "1", DUMP_1, "ABSTTL"],
                                        ["RESTORE", "a", "1", DUMP_1, "ABSTTL", "REPLACE"],
                                        ["RESTORE", "d", "0", b"junk"], ["DUMP", "nokey"]]),
    ("set_ttl_in_other_db", [["SELECT", "5"]], [[S, "k", "v", "EX", "100"], ["EXPIRE", "k", "200"], ["DEL", "k"],
                                                ["GET", "k"], ["SELECT", "0"], [S, "k", "v"]]),
    # ---- bit operations ----
    ("setbit", [], [["SETBIT", "k", "7", "1"], ["SETBIT", "k", "7", "1"], ["SETBIT", "k", "100", "0"]]),
    ("bit_read_misses", [], [["GETBIT", "k", "1"], ["BITCOUNT", "k"], ["BITPOS", "k", "1"]]),
    ("bitfield", [], [["BITFIELD", "k", "SET", "u8", "0", "1", "INCRBY", "u8", "0", "2"],
                      ["BITFIELD", "k", "GET", "u8", "0"], ["BITFIELD", "n", "GET", "u8", "0"],
                      ["BITFIELD_RO", "q", "GET", "u8", "0"],
                      ["BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000"]]),
    ("bitop", [[S, "a", "\x0f"], [S, "b", "\xf0"]], [["BITOP", "OR", "d", "a", "b"], ["BITOP", "AND", "d", "x", "y"],
                                                     ["BITOP", "NOT", "e", "a"], ["BITOP", "AND", "f", "x"]]),
    # ---- hashes ----
    ("hset", [], [["HSET", "h", "a", "1", "b", "2"], ["HSET", "h", "a", "3"], ["HMSET", "h", "c", "4"]]),
    ("hsetnx", [], [["HSETNX", "h", "a", "1"], ["HSETNX", "h", "a", "2"]]),
    ("hdel", [["HSET", "h", "a", "1", "b", "2"]], [["HDEL", "h", "zz"], ["HDEL", "h", "a"], ["HDEL", "h", "b", "c"],
                                                    ["HDEL", "h", "a"]]),
    ("hincr", [["HSET", "h", "a", "1"]], [["HINCRBY", "h", "a", "2"], ["HINCRBYFLOAT", "h", "a", "1.5"],
                                           ["HINCRBY", "n", "a", "2"], ["HINCRBYFLOAT", "m", "a", "1"]]),
    ("hash_read_misses", [], [["HGET", "h", "a"], ["HGETALL", "h"], ["HLEN", "h"], ["HRANDFIELD", "h"],
                              ["HEXISTS", "h", "a"], ["HMGET", "h", "a"]]),
    # ---- sets ----
    ("sadd_srem", [], [["SADD", "s", "a", "b"], ["SADD", "s", "a"], ["SREM", "s", "zz"], ["SREM", "s", "a"],
                       ["SREM", "s", "b"]]),
    ("spop", [["SADD", "s", "a", "b", "c"]], [["SPOP", "s", "0"], ["SPOP", "s", "1"], ["SPOP", "s"], ["SPOP", "s"],
                                              ["SPOP", "s"]]),
    ("spop_count_all", [["SADD", "s", "a", "b", "c"]], [["SPOP", "s", "5"]]),
    ("spop_count_many", [["SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8"]], [["SPOP", "s", "6"]]),
    ("smove", [["SADD", "s", "a", "b"], ["SADD", "t", "c"]], [["SMOVE", "s", "t", "a"], ["SMOVE", "s", "t", "zz"],
                                                             ["SMOVE", "s", "new", "b"], ["SMOVE", "t", "t", "a"]]),
    ("smove_existing_member", [["SADD", "s", "a"], ["SADD", "t", "a"]], [["SMOVE", "s", "t", "a"]]),
    ("set_stores", [["SADD", "a", "1", "2"], ["SADD", "b", "2", "3"]],
     [["SINTERSTORE", "d", "a", "b"], ["SUNIONSTORE", "d", "a", "b"], ["SDIFFSTORE", "d", "a", "b"],
      ["SINTERSTORE", "d", "a", "zz"], ["SINTERSTORE", "d", "a", "zz"], ["SDIFFSTORE", "e", "a", "a"]]),
    ("set_read_misses", [], [["SMEMBERS", "s"], ["SISMEMBER", "s", "a"], ["SCARD", "s"], ["SRANDMEMBER", "s"],
                             ["SINTER", "s", "t"], ["SINTERCARD", "1", "s"]]),
    # ---- sorted sets ----
    ("zadd", [], [["ZADD", "z", "1", "a", "2", "b"], ["ZADD", "z", "1", "a"], ["ZADD", "z", "5", "a"],
                  ["ZADD", "z", "INCR", "1", "a"], ["ZADD", "z", "NX", "1", "a"], ["ZADD", "z", "XX", "1", "q"]]),
    ("zincrby", [], [["ZINCRBY", "z", "1", "a"], ["ZINCRBY", "z", "1", "a"]]),
    ("zadd_incr_nan", [], [["ZADD", "z", "INCR", "inf", "a"], ["ZADD", "z", "INCR", "-inf", "a"],
                           ["ZINCRBY", "z", "-inf", "a"], ["ZADD", "z", "GT", "CH", "5", "a", "1", "b"]]),
    ("zrem", [["ZADD", "z", "1", "a", "2", "b"]], [["ZREM", "z", "q"], ["ZREM", "z", "a"], ["ZREM", "z", "b"]]),
    ("zremrange", [["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]],
     [["ZREMRANGEBYSCORE", "z", "1", "1"], ["ZREMRANGEBYRANK", "z", "0", "0"], ["ZREMRANGEBYLEX", "z", "-", "(a"],
      ["ZREMRANGEBYLEX", "z", "-", "+"], ["ZREMRANGEBYRANK", "z", "0", "0"]]),
    ("zpop", [["ZADD", "z", "1", "a", "2", "b", "3", "c"]], [["ZPOPMIN", "z"], ["ZPOPMAX", "z", "0"], ["ZPOPMAX", "z", "5"],
                                                            ["ZPOPMIN", "z"]]),
    ("zmpop", [["ZADD", "z", "1", "a", "2", "b"]], [["ZMPOP", "2", "q", "z", "MIN"], ["ZMPOP", "1", "z", "MAX", "COUNT", "9"]]),
    ("zstores", [["ZADD", "a", "1", "x", "2", "y"], ["ZADD", "b", "3", "y"]],
     [["ZUNIONSTORE", "d", "2", "a", "b"], ["ZINTERSTORE", "d", "2", "a", "b"], ["ZDIFFSTORE", "d", "2", "a", "b"],
      ["ZINTERSTORE", "d", "2", "a", "zz"], ["ZINTERSTORE", "d", "2", "a", "zz"],
      ["ZRANGESTORE", "r", "a", "0", "-1"], ["ZRANGESTORE", "r", "a", "5", "9"], ["ZRANGESTORE", "r", "a", "5", "9"]]),
    ("zset_read_misses", [], [["ZSCORE", "z", "a"], ["ZRANGE", "z", "0", "-1"], ["ZCARD", "z"], ["ZRANK", "z", "a"],
                              ["ZUNION", "2", "z", "y"], ["ZRANDMEMBER", "z"]]),
    # ---- lists ----
    ("push", [], [["LPUSH", "l", "a"], ["RPUSH", "l", "b", "c"], ["LPUSHX", "l", "d"], ["RPUSHX", "l", "e"],
                  ["LPUSHX", "q", "a"], ["RPUSHX", "q", "a"]]),
    ("pop", [["RPUSH", "l", "a", "b", "c", "d"]], [["LPOP", "l"], ["RPOP", "l"], ["LPOP", "l", "0"],
                                                   ["RPOP", "l", "5"], ["LPOP", "l"], ["LPOP", "l", "2"]]),
    ("lset_linsert_lrem_ltrim", [["RPUSH", "l", "a", "b", "c", "b"]],
     [["LSET", "l", "0", "x"], ["LINSERT", "l", "BEFORE", "b", "y"], ["LINSERT", "l", "AFTER", "zz", "y"],
      ["LREM", "l", "0", "b"], ["LREM", "l", "0", "zz"], ["LTRIM", "l", "0", "0"], ["LTRIM", "l", "0", "-1"],
      ["LTRIM", "l", "5", "9"]]),
    ("lrem_to_empty", [["RPUSH", "l", "a", "a"]], [["LREM", "l", "0", "a"]]),
    ("lmove", [["RPUSH", "l", "a", "b", "c"]], [["LMOVE", "l", "m", "LEFT", "RIGHT"], ["LMOVE", "l", "m", "RIGHT", "LEFT"],
                                               ["RPOPLPUSH", "l", "l"], ["RPOPLPUSH", "l", "m"], ["LMOVE", "l", "m", "LEFT", "LEFT"]]),
    ("lmpop", [["RPUSH", "l", "a", "b", "c"]], [["LMPOP", "2", "q", "l", "LEFT"], ["LMPOP", "1", "l", "RIGHT", "COUNT", "5"]]),
    ("blocking_served_immediately", [["RPUSH", "l", "a", "b"], ["ZADD", "z", "1", "a", "2", "b"]],
     [["BLPOP", "l", "0"], ["BRPOPLPUSH", "l", "m", "0"], ["BLMOVE", "m", "n", "LEFT", "RIGHT", "0"],
      ["BZPOPMIN", "z", "0"], ["BZPOPMAX", "z", "0"], ["BLMPOP", "0", "1", "n", "LEFT"],
      ["RPUSH", "l", "x"], ["BRPOP", "l", "0"], ["ZADD", "z", "1", "a"], ["BZMPOP", "0", "1", "z", "MIN"]]),
    ("list_read_misses", [], [["LRANGE", "l", "0", "-1"], ["LLEN", "l"], ["LINDEX", "l", "0"], ["LPOS", "l", "a"]]),
    # ---- sort ----
    ("sort_store", [["RPUSH", "l", "3", "1", "2"]], [["SORT", "l", "STORE", "d"], ["SORT", "l", "STORE", "d"],
                                                     ["SORT", "zz", "STORE", "d"], ["SORT", "zz", "STORE", "d"],
                                                     ["SORT", "l"], ["SORT_RO", "q"]]),
    ("sort_by_get_misses", [["RPUSH", "l", "3", "1"]], [["SORT", "l", "BY", "w_*", "GET", "o_*"]]),
    # ---- which source lookups are reads (keymiss) and which are writes (none) ----
    ("store_sources_missing", [["SADD", "a", "1"], ["ZADD", "z", "1", "x"]],
     [["SUNIONSTORE", "d", "a", "m1"], ["SDIFFSTORE", "d", "m2", "a"], ["SINTERSTORE", "d", "m3"],
      ["ZUNIONSTORE", "e", "2", "z", "m4"], ["ZDIFFSTORE", "e", "2", "m5", "z"], ["ZINTERCARD", "2", "z", "m6"],
      ["ZRANGESTORE", "f", "m7", "0", "-1"], ["SINTERCARD", "2", "a", "m8"], ["SMOVE", "m9", "a", "1"],
      ["RPOPLPUSH", "m10", "l"], ["LMOVE", "m11", "l", "LEFT", "LEFT"], ["LMPOP", "2", "m12", "m13", "LEFT"],
      ["ZMPOP", "1", "m14", "MIN"], ["BITOP", "OR", "g", "m15"], ["SORT", "m16", "STORE", "h"],
      ["COPY", "m17", "i"], ["RENAME", "m18", "j"], ["MOVE", "m19", "1"], ["GETDEL", "m20"],
      ["GETEX", "m21", "EX", "5"], ["HINCRBY", "m22", "f", "1"], ["SETRANGE", "m23", "0", ""]]),
    ("read_misses_more", [], [["ZSCORE", "m1", "a"], ["ZMSCORE", "m2", "a"], ["ZCOUNT", "m3", "0", "1"],
                              ["ZLEXCOUNT", "m4", "-", "+"], ["ZRANGEBYSCORE", "m5", "0", "1"], ["ZREVRANK", "m6", "a"],
                              ["HSTRLEN", "m7", "f"], ["HKEYS", "m8"], ["HVALS", "m9"], ["SMISMEMBER", "m10", "a"],
                              ["SUNION", "m11"], ["SDIFF", "m12"], ["ZINTER", "1", "m13"], ["ZDIFF", "1", "m14"],
                              ["GETBIT", "m15", "0"], ["BITFIELD_RO", "m16", "GET", "u8", "0"], ["SUBSTR", "m17", "0", "1"],
                              ["SCAN", "0"], ["HSCAN", "m18", "0"], ["SSCAN", "m19", "0"], ["ZSCAN", "m20", "0"],
                              ["DUMP", "m21"], ["MEMORY", "USAGE", "m22"], ["OBJECT", "FREQ", "m23"]]),
    # ---- wrong type: no event ----
    ("wrongtype_writes", [["LPUSH", "l", "a"]], [["INCR", "l"], ["SADD", "l", "a"], ["HSET", "l", "a", "b"],
                                                 ["ZADD", "l", "1", "a"], ["APPEND", "l", "x"], ["SETBIT", "l", "1", "1"]]),
]


def _run(client: RawClient, cmd):
    """One command of a case; [SLEEP, seconds] pauses instead."""
    if cmd[0] is SLEEP:
        time.sleep(cmd[1])
        return None
    return parse(client.call(*cmd))


def _sub(server) -> RawClient:
    s = RawClient(server.host, server.port)
    assert parse(s.call("PSUBSCRIBE", "*"))[0] == b"psubscribe"
    return s


def _drain(sub: RawClient) -> list:
    """The messages a PSUBSCRIBE * client got, up to the marker."""
    out = []
    while True:
        msg = parse(sub.read_reply(timeout=5))
        if msg[0] == b"pmessage" and msg[2] == MARK:
            return out
        out.append(tuple(msg))


def record(client: RawClient, server, setup, commands, flags=ALL_EVENTS) -> list:
    """Run setup quietly, then commands with notifications on; the messages seen
    (plus each command's reply, so a diverging command is easy to spot)."""
    for cmd in setup:
        _run(client, cmd)
    sub = _sub(server)
    try:
        assert client.call("CONFIG", "SET", "notify-keyspace-events", flags) == b"+OK\r\n"
        out = []
        for cmd in commands:
            reply = _run(client, cmd)
            if str(cmd[0]).upper() in RANDOM_REPLIES:
                # which members a random pop picked may differ: compare the shape
                reply = len(reply) if isinstance(reply, list) else type(reply).__name__
            out.append(("reply", reply))
        client.call("CONFIG", "SET", "notify-keyspace-events", "")
        client.call("PUBLISH", MARK, "x")
        out.extend(_drain(sub))
        return out
    finally:
        client.call("CONFIG", "SET", "notify-keyspace-events", "")
        client.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        client.call("SELECT", "0")
        sub.close()


# Lazy expiry, checked with active expiry off (DEBUG SET-ACTIVE-EXPIRE 0) so that
# only the commands under test can find the keys expired.
EXPIRY_CASES = [
    ("lazy_expire_on_read", [NO_ACTIVE_EXPIRE, [S, "k", "v", "PX", "1"], [S, "j", "v", "PX", "1"],
                             ["HSET", "h", "f", "v"], ["PEXPIRE", "h", "1"], [SLEEP, 0.02]],
     [["GET", "k"], ["DEL", "j"], ["HGET", "h", "f"], ["EXISTS", "k"]]),
    ("lazy_expire_on_write", [NO_ACTIVE_EXPIRE, [S, "k", "5", "PX", "1"], ["RPUSH", "l", "a"], ["PEXPIRE", "l", "1"],
                              [SLEEP, 0.02]],
     [["INCR", "k"], ["LPUSH", "l", "b"]]),
    ("lazy_expire_rename_copy", [NO_ACTIVE_EXPIRE, [S, "a", "1", "PX", "1"], [S, "b", "1"], [S, "c", "1", "PX", "1"],
                                 [SLEEP, 0.02]],
     [["RENAME", "a", "x"], ["COPY", "b", "c"]]),
    ("lazy_expire_rename_target_set", [NO_ACTIVE_EXPIRE, [S, "b", "1"], [S, "d", "1", "PX", "1"], [S, "e", "1", "PX", "1"],
                                       [SLEEP, 0.02]],
     [["RENAME", "b", "d"], [S, "e", "2"], ["TTL", "e"]]),
    ("lazy_expire_move_target", [NO_ACTIVE_EXPIRE, [S, "a", "1"], ["SELECT", "1"], [S, "a", "1", "PX", "1"],
                                 ["SELECT", "0"], [SLEEP, 0.02]],
     [["MOVE", "a", "1"]]),
    ("lazy_expire_randomkey", [NO_ACTIVE_EXPIRE, [S, "k", "1", "PX", "1"], [SLEEP, 0.02]],
     [["RANDOMKEY"], ["DBSIZE"]]),
    ("lazy_expire_scan", [NO_ACTIVE_EXPIRE, [S, "k", "1", "PX", "1"], [SLEEP, 0.02]],
     [["SCAN", "0"], ["DBSIZE"]]),
    ("lazy_expire_scan_type", [NO_ACTIVE_EXPIRE, [S, "k", "1", "PX", "1"], [SLEEP, 0.02]],
     [["SCAN", "0", "TYPE", "string"], ["DBSIZE"]]),
    ("lazy_expire_keys_does_not_delete", [NO_ACTIVE_EXPIRE, [S, "k", "1", "PX", "1"], [SLEEP, 0.02]],
     [["KEYS", "*"], ["DBSIZE"], ["TYPE", "k"]]),
]


@pytest.fixture(scope="module")
def debug_pair():
    """A private reference + fastcache pair that accepts DEBUG (to stop active expiry)."""
    args = ["--enable-debug-command", "yes"]
    with ServerHandle(reference_cmd(), args, name="reference") as r, \
            ServerHandle(fastcache_cmd(), args, name="fastcache") as f:
        yield r, f


@pytest.mark.parametrize("setup,commands", [c[1:] for c in EXPIRY_CASES], ids=[c[0] for c in EXPIRY_CASES])
def test_lazy_expiry_events_match_reference(debug_pair, setup, commands):
    """A key found expired by a command is deleted with an "expired" event (not
    "del"), before the command's own events; a read then also reports "keymiss"."""
    out = []
    for server in debug_pair:
        c = RawClient(server.host, server.port)
        try:
            c.call("FLUSHALL")
            out.append(record(c, server, setup, commands))
        finally:
            c.close()
    assert out[1] == out[0]
    assert any(b"expired" in x[2] for x in out[0] if x[0] == b"pmessage")


@pytest.mark.parametrize("setup,commands", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_events_match_reference(ref, fc, ref_server, fc_server, setup, commands):
    r = record(ref, ref_server, setup, commands)
    f = record(fc, fc_server, setup, commands)
    assert f == r


FILTER_SEQUENCE = [[S, "s", "1"], ["INCR", "s"], ["EXPIRE", "s", "100"], ["LPUSH", "l", "a"], ["SADD", "t", "a"],
                   ["HSET", "h", "a", "1"], ["ZADD", "z", "1", "a"], ["GET", "nokey"], ["DEL", "s", "l"],
                   ["RENAME", "t", "u"], ["PERSIST", "h"]]


@pytest.mark.parametrize("flags", ["K$", "El", "Kg", "Egx", "KEA", "Em", "En", "Kn", "Ks", "Eh", "Kz",
                                   "Et", "Ad", "A", "g$lshzxetd", "KE", "AKEm", "xeKEm"])
def test_event_classes_filter_like_reference(ref, fc, ref_server, fc_server, flags):
    """Only the configured classes reach subscribers, and only on the configured
    channel kinds (K: __keyspace@, E: __keyevent@); classes without K/E send nothing."""
    r = record(ref, ref_server, [], FILTER_SEQUENCE, flags)
    f = record(fc, fc_server, [], FILTER_SEQUENCE, flags)
    assert f == r


@pytest.mark.parametrize("value", ["KEA", "AKE", "Kn", "nK", "AKEnm", "g$lshzxetd", "Ag", "xeKEm", "tdn", "",
                                   "KKEE", "$", "Agn"])
def test_config_get_reads_back_canonical_form(diff, value):
    """CONFIG SET notify-keyspace-events reads back in Redis's canonical order
    ("KEA" -> "AKE"; the n of "AKEn" is not shown but still in effect)."""
    try:
        diff.check("CONFIG", "SET", "notify-keyspace-events", value)
        diff.check("CONFIG", "GET", "notify-keyspace-events")
    finally:
        diff.ref.call("CONFIG", "SET", "notify-keyspace-events", "")
        diff.fc.call("CONFIG", "SET", "notify-keyspace-events", "")


@pytest.mark.parametrize("value", ["Q", "KEA ", "k", "a"])
def test_config_set_rejects_unknown_classes(diff, value):
    diff.check("CONFIG", "SET", "notify-keyspace-events", value)
    diff.check("CONFIG", "GET", "notify-keyspace-events")


def _wait_events(sub: RawClient, n: int, timeout: float = 5.0) -> list:
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        out.append(tuple(parse(sub.read_reply(timeout=max(0.1, deadline - time.monotonic())))))
    return out


def _active_expiry_events(client: RawClient, server) -> list:
    sub = _sub(server)
    try:
        client.call("CONFIG", "SET", "notify-keyspace-events", "KEx")
        client.call("SELECT", "3")
        client.call(S, b"k\x00bin", "v", "PX", "30")
        # nobody touches the key: only the active expiry cycle can delete it
        return _wait_events(sub, 2)
    finally:
        client.call("CONFIG", "SET", "notify-keyspace-events", "")
        client.call("SELECT", "0")
        sub.close()


def test_active_expiry_sends_expired_with_the_keys_db(ref, fc, ref_server, fc_server):
    r = _active_expiry_events(ref, ref_server)
    f = _active_expiry_events(fc, fc_server)
    assert r == [(b"pmessage", b"*", b"__keyspace@3__:k\x00bin", b"expired"),
                 (b"pmessage", b"*", b"__keyevent@3__:expired", b"k\x00bin")]
    assert f == r


def _served_pop_events(client: RawClient, server, block_cmd, push_cmds) -> list:
    """A client blocks on block_cmd; push_cmds wake it: the events of the push and
    of the pop served to the blocked client, in order."""
    blocker = RawClient(server.host, server.port)
    sub = _sub(server)
    try:
        client.call("CONFIG", "SET", "notify-keyspace-events", ALL_EVENTS)
        blocker.send_command(*block_cmd)
        # wait until the server has parked it
        deadline = time.monotonic() + 5
        while b"blocked_clients:1" not in client.call("INFO", "clients") and time.monotonic() < deadline:
            time.sleep(0.01)
        replies = [parse(client.call(*cmd)) for cmd in push_cmds]
        replies.append(parse(blocker.read_reply(timeout=5)))
        client.call("CONFIG", "SET", "notify-keyspace-events", "")
        client.call("PUBLISH", MARK, "x")
        return replies + _drain(sub)
    finally:
        client.call("CONFIG", "SET", "notify-keyspace-events", "")
        blocker.close()
        sub.close()


@pytest.mark.parametrize("block_cmd,push_cmds", [
    (["BLPOP", "l", "0"], [["RPUSH", "l", "a"]]),
    (["BRPOP", "l", "0"], [["RPUSH", "l", "a", "b"]]),
    (["BLMOVE", "l", "m", "LEFT", "RIGHT", "0"], [["LPUSH", "l", "a"]]),
    (["BRPOPLPUSH", "l", "l", "0"], [["LPUSH", "l", "a"]]),
    (["BLMPOP", "0", "2", "q", "l", "RIGHT", "COUNT", "5"], [["RPUSH", "l", "a", "b"]]),
    (["BZPOPMIN", "z", "0"], [["ZADD", "z", "1", "a"]]),
    (["BZMPOP", "0", "1", "z", "MAX", "COUNT", "2"], [["ZADD", "z", "1", "a", "2", "b", "3", "c"]]),
], ids=["blpop", "brpop", "blmove", "brpoplpush_same", "blmpop", "bzpopmin", "bzmpop"])
def test_served_blocking_pops_emit_pop_events(ref, fc, ref_server, fc_server, block_cmd, push_cmds):
    r = _served_pop_events(ref, ref_server, block_cmd, push_cmds)
    f = _served_pop_events(fc, fc_server, block_cmd, push_cmds)
    assert f == r


def test_notifications_off_publish_nothing(ref, fc, ref_server, fc_server):
    """The default (empty) setting sends no message at all."""
    cmds = [[S, "k", "v"], ["DEL", "k"], ["GET", "k"], ["LPUSH", "l", "a"], ["LPOP", "l"]]
    assert record(fc, fc_server, [], cmds, "") == record(ref, ref_server, [], cmds, "")
    assert [x for x in record(fc, fc_server, [], cmds, "") if x[0] != "reply"] == []


def test_debug_reload_sends_no_events(debug_pair):
    """Loading (DEBUG RELOAD) adds keys without "new" events, as Redis's
    dbAddRDBLoad; the keys read back normally afterwards."""
    setup = [[S, "a", "1"], ["RPUSH", "l", "x"], ["HSET", "h", "f", "v"], ["SELECT", "2"], [S, "b", "2"],
             ["SELECT", "0"]]
    cmds = [["DEBUG", "RELOAD"], ["GET", "a"], ["LPOP", "l"]]
    out = []
    for server in debug_pair:
        c = RawClient(server.host, server.port)
        try:
            c.call("FLUSHALL")
            out.append(record(c, server, setup, cmds))
        finally:
            c.close()
    assert out[1] == out[0]
    assert [x[2] for x in out[0] if x[0] == b"pmessage"][:2] == [b"__keyspace@0__:l", b"__keyevent@0__:lpop"]


def test_startup_option_enables_notifications(server_factory):
    """notify-keyspace-events given on the command line is in effect from the start."""
    for kind in ("ref", "fc"):
        s = server_factory(kind, args=["--notify-keyspace-events", "KEA"])
        c = RawClient(s.host, s.port)
        sub = _sub(s)
        try:
            assert parse(c.call("CONFIG", "GET", "notify-keyspace-events")) == [b"notify-keyspace-events", b"AKE"]
            c.call(S, "k", "v")
            assert _wait_events(sub, 2) == [(b"pmessage", b"*", b"__keyspace@0__:k", b"set"),
                                            (b"pmessage", b"*", b"__keyevent@0__:set", b"k")], kind
        finally:
            c.close()
            sub.close()


def test_long_binary_key(ref, fc, ref_server, fc_server):
    """Channel names longer than the stack buffer, and a key that holds CRLF and NULs.
    (Kept small: a big value would raise the shared reference's memory peak, which
    MEMORY DOCTOR in another test file reports on.)"""
    key = b"\r\n\x00" + b"k" * 3000
    cmds = [[S, key, "v"], ["APPEND", key, "w"], ["DEL", key]]
    assert record(fc, fc_server, [], cmds) == record(ref, ref_server, [], cmds)


# ---- WATCH: every modified key is signalled (signal_modified_key) --------------------
# The WATCH machinery belongs to the transactions family (multi.pxi); these cases check
# that each command signals the keys it changes.  They skip until MULTI exists.

WATCH_CASES = [
    ("set", [[S, "k", "1"]], [[S, "k", "2"]]),
    ("set_same_value", [[S, "k", "1"]], [[S, "k", "1"]]),
    ("set_nx_fails", [[S, "k", "1"]], [[S, "k", "2", "NX"]]),
    ("get_only", [[S, "k", "1"]], [["GET", "k"]]),
    ("del", [[S, "k", "1"]], [["DEL", "k"]]),
    ("del_missing", [], [["DEL", "k"]]),
    ("expire", [[S, "k", "1"]], [["EXPIRE", "k", "100"]]),
    ("expire_nx_fails", [[S, "k", "1", "EX", "100"]], [["EXPIRE", "k", "50", "NX"]]),
    ("persist", [[S, "k", "1", "EX", "100"]], [["PERSIST", "k"]]),
    ("rename_from", [[S, "k", "1"]], [["RENAME", "k", "j"]]),
    ("rename_to", [[S, "j", "1"]], [["RENAME", "j", "k"]]),
    ("move", [[S, "k", "1"]], [["MOVE", "k", "1"]]),
    ("copy_to", [[S, "j", "1"]], [["COPY", "j", "k"]]),
    ("incr", [], [["INCR", "k"]]),
    ("append", [[S, "k", "1"]], [["APPEND", "k", "x"]]),
    ("setrange_empty", [[S, "k", "1"]], [["SETRANGE", "k", "0", ""]]),
    ("setbit", [], [["SETBIT", "k", "1", "1"]]),
    ("bitfield", [], [["BITFIELD", "k", "SET", "u8", "0", "5"]]),
    ("bitop", [[S, "j", "x"]], [["BITOP", "NOT", "k", "j"]]),
    ("lpush", [], [["LPUSH", "k", "a"]]),
    ("lpushx_missing", [], [["LPUSHX", "k", "a"]]),
    ("lpop_to_empty", [["RPUSH", "k", "a"]], [["LPOP", "k"]]),
    ("lmove_to", [["RPUSH", "j", "a"]], [["LMOVE", "j", "k", "LEFT", "LEFT"]]),
    ("ltrim_nothing", [["RPUSH", "k", "a"]], [["LTRIM", "k", "0", "-1"]]),
    ("sadd", [], [["SADD", "k", "a"]]),
    ("smove_to", [["SADD", "j", "a"]], [["SMOVE", "j", "k", "a"]]),
    ("sinterstore", [["SADD", "j", "a"]], [["SINTERSTORE", "k", "j"]]),
    ("hset", [], [["HSET", "k", "f", "v"]]),
    ("hdel_missing_field", [["HSET", "k", "f", "v"]], [["HDEL", "k", "zz"]]),
    ("zadd", [], [["ZADD", "k", "1", "a"]]),
    ("zadd_no_change", [["ZADD", "k", "1", "a"]], [["ZADD", "k", "1", "a"]]),
    ("zunionstore", [["ZADD", "j", "1", "a"]], [["ZUNIONSTORE", "k", "1", "j"]]),
    ("zpopmin", [["ZADD", "k", "1", "a", "2", "b"]], [["ZPOPMIN", "k"]]),
    ("sort_store", [["RPUSH", "j", "2", "1"]], [["SORT", "j", "STORE", "k"]]),
    ("restore", [], [["RESTORE", "k", "0", DUMP_1]]),
    ("flushdb", [[S, "k", "1"]], [["FLUSHDB"]]),
    ("flushall_empty_db", [], [["FLUSHALL"]]),
    ("flushall", [[S, "k", "1"]], [["FLUSHALL"]]),
    ("swapdb_key_in_other", [["SELECT", "1"], [S, "k", "1"], ["SELECT", "0"]], [["SWAPDB", "0", "1"]]),
    ("swapdb_missing_both", [], [["SWAPDB", "0", "1"]]),
]


def _watch_exec(server, setup, touch) -> bytes:
    a = RawClient(server.host, server.port)
    b = RawClient(server.host, server.port)
    try:
        a.call("FLUSHALL")
        for cmd in setup:
            _run(a, cmd)
        if parse(a.call("WATCH", "k")) != "OK":
            pytest.skip("WATCH is not implemented yet")
        for cmd in touch:
            b.call(*cmd)
        a.call("MULTI")
        a.call("PING")
        return a.call("EXEC")
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("setup,touch", [c[1:] for c in WATCH_CASES], ids=[c[0] for c in WATCH_CASES])
def test_watch_sees_modified_keys_like_reference(ref_server, fc_server, setup, touch):
    r = _watch_exec(ref_server, setup, touch)
    f = _watch_exec(fc_server, setup, touch)
    assert f == r


# ---- RESP3: a client subscribed to its own events sees pushes and replies in
# Redis's order (some commands reply before notifying, e.g. HSET, most after) ----

def _record_resp3_self(server, setup, commands) -> list:
    c = RawClient(server.host, server.port)
    admin = RawClient(server.host, server.port)
    try:
        admin.call("FLUSHALL")
        for cmd in setup:
            _run(admin, cmd)
        c.call("HELLO", "3")
        c.call("PSUBSCRIBE", "*")
        admin.call("CONFIG", "SET", "notify-keyspace-events", ALL_EVENTS)
        out = []
        for cmd in commands:
            if cmd[0] is SLEEP:
                continue
            c.send_command(*cmd)
            while True:
                frame = c.read_reply(timeout=5)
                if frame.startswith(b">"):
                    out.append(("push", parse(frame)))
                    continue
                reply = parse(frame)
                if str(cmd[0]).upper() in RANDOM_REPLIES:
                    reply = len(reply) if isinstance(reply, (list, set)) else type(reply).__name__
                out.append(("reply", reply))
                break
        admin.call("CONFIG", "SET", "notify-keyspace-events", "")
        return out
    finally:
        admin.call("CONFIG", "SET", "notify-keyspace-events", "")
        c.close()
        admin.close()


@pytest.mark.parametrize("setup,commands", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_resp3_self_subscriber_sees_reply_and_push_order(ref_server, fc_server, setup, commands):
    r = _record_resp3_self(ref_server, setup, commands)
    f = _record_resp3_self(fc_server, setup, commands)
    assert f == r
