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

MARK = b"__notify_test_marker__"
ALL_EVENTS = "AKEnm"
RANDOM_REPLIES = {"SPOP", "SRANDMEMBER", "HRANDFIELD", "ZRANDMEMBER"}

S = "SET"
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
    ("dump_restore", [[S, "a", "1"]], [["DEL", "a"], ["RESTORE", "a", "0",
                                        b"\x00\xc0\x01\n\x00\xbf\xfd\x1b\xe8\xa7\x05\xf7\x04"],
                                        ["RESTORE", "a", "0", b"\x00\xc0\x01\n\x00\xbf\xfd\x1b\xe8\xa7\x05\xf7\x04",
                                         "REPLACE"],
                                        ["RESTORE", "b", "100000", b"\x00\xc0\x01\n\x00\xbf\xfd\x1b\xe8\xa7\x05\xf7\x04"],
                                        ["RESTORE", "c", "1", b"\x00\xc0\x01\n\x00\xbf\xfd\x1b\xe8\xa7\x05\xf7\x04",
                                         "ABSTTL"],
                                        ["DUMP", "nokey"]]),
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
    # ---- wrong type: no event ----
    ("wrongtype_writes", [["LPUSH", "l", "a"]], [["INCR", "l"], ["SADD", "l", "a"], ["HSET", "l", "a", "b"],
                                                 ["ZADD", "l", "1", "a"], ["APPEND", "l", "x"], ["SETBIT", "l", "1", "1"]]),
]


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
        client.call(*cmd)
    sub = _sub(server)
    try:
        assert client.call("CONFIG", "SET", "notify-keyspace-events", flags) == b"+OK\r\n"
        out = []
        for cmd in commands:
            reply = parse(client.call(*cmd))
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
        client.call("SELECT", "0")
        sub.close()


@pytest.mark.parametrize("setup,commands", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_events_match_reference(ref, fc, ref_server, fc_server, setup, commands):
    r = record(ref, ref_server, setup, commands)
    f = record(fc, fc_server, setup, commands)
    assert f == r
