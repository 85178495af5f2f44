"""The propagation stream (propagate.pxi) against the reference's AOF.

A reference redis-server runs with ``appendonly yes`` and ``appendfsync always``: what it
appends to its incr file for a command sequence is the truth.  fastcache runs the same
sequence and its stream is read with ``DEBUG PROPAGATED``.  Both streams are parsed into
commands and compared; absolute times (ms) may differ by a small tolerance, and the order
of SPOP's random SREMs inside one MULTI is not compared.
"""

from __future__ import annotations

import os
import time

import pytest

from support.resp import RawClient, parse_all
from support.servers import ServerHandle, fastcache_cmd, reference_cmd

TOLERANCE_MS = 3000


@pytest.fixture(scope="module")
def servers():
    debug = ["--enable-debug-command", "yes"]
    ref = ServerHandle(reference_cmd(), ["--appendonly", "yes", "--appendfsync", "always"] + debug,
                       name="reference").start()
    fc = ServerHandle(fastcache_cmd(), debug, name="fastcache").start()
    try:
        yield ref, fc
    finally:
        ref.cleanup()
        fc.cleanup()


class Prop:
    """Runs the same commands on both servers and compares the propagated streams."""

    def __init__(self, ref_server, fc_server):
        self.ref_server = ref_server
        self.ref = RawClient(*ref_server.address)
        self.fc = RawClient(*fc_server.address)
        self.fc_addr = fc_server.address
        self.ref_addr = ref_server.address
        self.extra = []
        # Both streams end with a marker op in db 9, so the next op in another db
        # gets its SELECT on both sides.
        for c in (self.ref, self.fc):
            assert c.call("FLUSHALL") == b"+OK\r\n"
            c.call("SELECT", "9")
            c.call("SET", "__mark__", "1")
            c.call("SELECT", "0")
        self.fc.call("DEBUG", "PROPAGATED")   # switches it on; drop what is there
        self.fc.call("DEBUG", "PROPAGATED")
        self.offset = os.path.getsize(self._aof())

    def _aof(self):
        return self.ref_server.incr_aof()

    def clients(self):
        """A second pair of clients (ref, fc), e.g. for blocking commands."""
        pair = (RawClient(*self.ref_addr), RawClient(*self.fc_addr))
        self.extra += pair
        return pair

    def run(self, *args):
        """Run one command on both; return (ref reply, fc reply)."""
        return self.ref.call(*args), self.fc.call(*args)

    def same(self, *args):
        r, f = self.run(*args)
        assert r == f, (args, r, f)
        return r

    def streams(self):
        with open(self._aof(), "rb") as f:
            f.seek(self.offset)
            ref_raw = f.read()
        self.offset += len(ref_raw)
        fc_raw = parse_all(self.fc.call("DEBUG", "PROPAGATED"))[0]
        return _cmds(ref_raw), _cmds(fc_raw)

    def check(self, random_members=False):
        """Assert both streams since the last check are the same; return them.
        random_members: SPOP picks differ, so SREM members are not compared."""
        ref, fc = self.streams()
        if random_members:
            ref, fc = _mask_srem(ref), _mask_srem(fc)
        ref, fc = _canon(ref), _canon(fc)
        assert len(ref) == len(fc), (ref, fc)
        for a, b in zip(ref, fc):
            assert _same_cmd(a, b), (a, b, ref, fc)
        return ref

    def close(self):
        for c in [self.ref, self.fc] + self.extra:
            c.close()


def _cmds(raw: bytes):
    return [list(x) for x in parse_all(raw)] if raw else []


def _mask_srem(cmds):
    return [c[:2] + [b"?"] if c[0] == b"SREM" else c for c in cmds]


def _canon(cmds):
    """Sort the ops inside each MULTI ... EXEC (SPOP's SREMs come in random order)."""
    out, i = [], 0
    while i < len(cmds):
        if cmds[i] == [b"MULTI"]:
            j = cmds.index([b"EXEC"], i)
            out += [cmds[i]] + sorted(cmds[i + 1:j]) + [cmds[j]]
            i = j + 1
        else:
            out.append(cmds[i])
            i += 1
    return out


def _is_ms(b: bytes) -> bool:
    return b.isdigit() and 12 <= len(b) <= 14


def _same_cmd(a, b) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        if _is_ms(x) and _is_ms(y) and abs(int(x) - int(y)) <= TOLERANCE_MS:
            continue
        return False
    return True


@pytest.fixture
def prop(servers):
    p = Prop(*servers)
    yield p
    p.close()


def _now_ms():
    return int(time.time() * 1000)


# ---- basics -----------------------------------------------------------------------------

def test_first_command_gets_a_select_and_argv_is_verbatim(prop):
    prop.same("set", "k", "v")
    prop.same("Incr", "n")
    prop.same("APPEND", "k", "w")
    assert prop.check() == [[b"SELECT", b"0"], [b"set", b"k", b"v"], [b"Incr", b"n"],
                            [b"APPEND", b"k", b"w"]]


def test_select_is_emitted_only_when_the_db_changes(prop):
    prop.same("SET", "a", "1")
    prop.same("SELECT", "3")
    prop.same("SET", "b", "1")
    prop.same("SET", "c", "1")
    prop.same("SELECT", "0")
    prop.same("GET", "a")
    prop.same("SET", "d", "1")
    assert [c[0] for c in prop.check()] == [b"SELECT", b"SET", b"SELECT", b"SET", b"SET",
                                            b"SELECT", b"SET"]


def test_reads_failures_and_no_ops_are_not_propagated(prop):
    prop.same("SET", "k", "v")
    prop.same("GET", "k")
    prop.same("LPUSH", "k", "x")                 # WRONGTYPE
    prop.same("SET", "k", "v", "NX")             # condition failed
    prop.same("DEL", "nokey")
    prop.same("EXPIRE", "nokey", "100")
    prop.same("SPOP", "nokey")
    prop.same("SELECT", "1")                     # SELECT alone propagates nothing
    prop.same("SAVE")                            # resets the dirty count: nothing
    assert len(prop.check()) == 2


def test_binary_and_empty_keys_are_encoded_exactly(prop):
    prop.same("SET", b"a\x00b\r\n", b"")
    prop.same("SET", b"", b"\x00")
    prop.check()


# ---- expiry commands --------------------------------------------------------------------

def test_expire_family_becomes_pexpireat_with_options_kept(prop):
    prop.same("SET", "k", "v")
    prop.same("EXPIRE", "k", "100")
    prop.same("PEXPIRE", "k", "100000")
    prop.same("EXPIREAT", "k", str(_now_ms() // 1000 + 500))
    prop.same("pexpireat", "k", str(_now_ms() + 600000))   # verbatim
    prop.same("EXPIRE", "k", "1000", "gt")
    prop.same("EXPIRE", "k", "10", "NX")                   # fails: nothing
    cmds = prop.check()
    assert [c[0] for c in cmds[2:]] == [b"PEXPIREAT"] * 3 + [b"pexpireat", b"PEXPIREAT"]
    assert cmds[-1][-1] == b"gt"


def test_expire_in_the_past_becomes_del(prop):
    for cmd in (("EXPIRE", "k", "-1"), ("PEXPIRE", "k", "0"), ("EXPIREAT", "k", "1"),
                ("PEXPIREAT", "k", "1")):
        prop.same("SET", "k", "v")
        prop.same(*cmd)
    assert [c[0] for c in prop.check()][1:] == [b"SET", b"DEL"] * 4


def test_set_with_a_ttl_becomes_set_pxat(prop):
    prop.same("SET", "a", "v", "EX", "100")
    prop.same("SET", "a", "v", "PX", "100000", "GET")
    prop.same("SET", "a", "v", "EXAT", str(_now_ms() // 1000 + 100))
    prop.same("SET", "a", "v", "PXAT", str(_now_ms() + 100000), "XX")
    prop.same("SET", "a", "v", "KEEPTTL")        # verbatim
    prop.same("SETEX", "b", "100", "v")
    prop.same("PSETEX", "c", "100000", "v")
    cmds = prop.check()
    for c in cmds[1:5] + cmds[6:]:
        assert c[0] == b"SET" and c[3] == b"PXAT" and len(c) == 5
    assert cmds[5] == [b"SET", b"a", b"v", b"KEEPTTL"]


def test_getex_becomes_pexpireat_persist_or_del(prop):
    prop.same("SET", "k", "v")
    prop.same("GETEX", "k", "EX", "100")
    prop.same("GETEX", "k", "PXAT", str(_now_ms() + 100000))
    prop.same("GETEX", "k")                         # nothing
    prop.same("GETEX", "k", "PERSIST")
    prop.same("GETEX", "k", "PERSIST")              # no TTL any more: nothing
    prop.same("GETEX", "k", "EXAT", "1")            # in the past: DEL
    prop.same("GETEX", "k", "EX", "10")             # missing key: nothing
    assert [c[0] for c in prop.check()] == [b"SELECT", b"SET", b"PEXPIREAT", b"PEXPIREAT",
                                            b"PERSIST", b"DEL"]


def test_getset_and_getdel(prop):
    prop.same("getset", "k", "v")
    prop.same("GETDEL", "k")
    prop.same("GETDEL", "k")                        # missing: nothing
    assert prop.check()[1:] == [[b"SET", b"k", b"v"], [b"DEL", b"k"]]


# ---- computed values ----------------------------------------------------------------------

def test_incrbyfloat_becomes_set_keepttl(prop):
    prop.same("SET", "f", "10.5", "EX", "100")
    prop.same("INCRBYFLOAT", "f", "0.1")
    prop.same("INCRBYFLOAT", "new", "3e2")
    prop.same("INCRBYFLOAT", "f", "abc")            # error: nothing
    assert prop.check()[2:] == [[b"SET", b"f", b"10.6", b"KEEPTTL"],
                                [b"SET", b"new", b"300", b"KEEPTTL"]]


def test_hincrbyfloat_becomes_hset(prop):
    prop.same("HSET", "h", "a", "1")
    prop.same("HINCRBYFLOAT", "h", "a", "0.1")
    prop.same("HINCRBYFLOAT", "h", "b", "1e3")
    assert prop.check()[2:] == [[b"HSET", b"h", b"a", b"1.1"], [b"HSET", b"h", b"b", b"1000"]]


# ---- SPOP ---------------------------------------------------------------------------------

def test_spop_becomes_srem_or_del(prop):
    prop.same("SADD", "s", "a")
    prop.run("SPOP", "s")                           # empties the set: still SREM
    prop.same("SADD", "s", "a", "b", "c", "d", "e")
    prop.run("SPOP", "s", "2")                      # few: one SREM each, in MULTI
    prop.run("SPOP", "s", "1")                      # one op: no MULTI
    prop.run("SPOP", "s", "0")                      # nothing
    prop.run("SPOP", "s", "10")                     # all: DEL
    prop.same("SADD", "t", *[str(i) for i in range(10)])
    prop.run("SPOP", "t", "9")                      # most: the popped ones, in MULTI
    cmds = prop.check(random_members=True)
    names = [c[0] for c in cmds]
    assert names[:3] == [b"SELECT", b"SADD", b"SREM"]
    assert names[4:8] == [b"MULTI", b"SREM", b"SREM", b"EXEC"]
    assert names[8:10] == [b"SREM", b"DEL"]
    assert names.count(b"SREM") == 1 + 2 + 1 + 9


def test_spop_of_an_intset_and_a_hashtable(prop):
    prop.same("SADD", "i", "1", "2", "3")
    prop.same("SADD", "h", "x", "y", "z")
    prop.same("SREM", "i", "1", "2")
    prop.same("SREM", "h", "x", "y")
    prop.run("SPOP", "i")
    prop.run("SPOP", "h", "1")                      # count >= size: DEL
    prop.same("SADD", "h", "x", "y", "z")
    prop.run("SPOP", "h", "1")                      # one of three: SREM, no MULTI
    cmds = prop.check(random_members=True)
    assert cmds[-4:] == [[b"SREM", b"i", b"?"], [b"DEL", b"h"], [b"SADD", b"h", b"x", b"y", b"z"],
                         [b"SREM", b"h", b"?"]]


# ---- lists and sorted sets ------------------------------------------------------------------

def test_lmpop_and_zmpop_become_pops_with_the_count_popped(prop):
    prop.same("RPUSH", "l", "a", "b", "c")
    prop.same("LMPOP", "2", "nol", "l", "LEFT", "COUNT", "2")
    prop.same("LMPOP", "1", "l", "RIGHT", "COUNT", "5")
    prop.same("LMPOP", "1", "l", "RIGHT")            # missing: nothing
    prop.same("ZADD", "z", "1", "a", "2", "b")
    prop.same("ZMPOP", "1", "z", "MIN")
    prop.same("ZMPOP", "1", "z", "MAX", "COUNT", "9")
    assert prop.check()[2:] == [[b"LPOP", b"l", b"2"], [b"RPOP", b"l", b"1"],
                                [b"ZADD", b"z", b"1", b"a", b"2", b"b"],
                                [b"ZPOPMIN", b"z", b"1"], [b"ZPOPMAX", b"z", b"1"]]


def test_plain_pops_are_verbatim(prop):
    prop.same("RPUSH", "l", "a", "b", "c")
    prop.same("lpop", "l")
    prop.same("RPOP", "l", "5")
    prop.same("ZADD", "z", "1", "a", "2", "b", "3", "c")
    prop.same("zpopmin", "z")
    prop.same("ZPOPMAX", "z", "5")
    prop.same("LMOVE", "l", "m", "LEFT", "RIGHT")    # missing source: nothing
    prop.check()


def test_blocking_pops_that_find_data_become_non_blocking(prop):
    prop.same("RPUSH", "l", "a", "b", "c", "d", "e", "f")
    prop.same("BLPOP", "nol", "l", "0")
    prop.same("BRPOP", "l", "0")
    prop.same("BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "2")
    prop.same("BLMOVE", "l", "m", "LEFT", "right", "0")
    prop.same("BRPOPLPUSH", "m", "n", "0")
    prop.same("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    prop.same("BZPOPMIN", "z", "0")
    prop.same("BZPOPMAX", "z", "0")
    prop.same("BZMPOP", "0", "1", "z", "MIN", "COUNT", "5")
    cmds = prop.check()
    # served at once, BLMOVE keeps the words as typed
    assert cmds[2:7] == [[b"LPOP", b"l"], [b"RPOP", b"l"], [b"RPOP", b"l", b"2"],
                         [b"LMOVE", b"l", b"m", b"LEFT", b"right"], [b"RPOPLPUSH", b"m", b"n"]]
    assert cmds[8:] == [[b"ZPOPMIN", b"z"], [b"ZPOPMAX", b"z"], [b"ZPOPMIN", b"z", b"2"]]


def test_blocked_clients_served_later_propagate_after_the_push(prop):
    # served after blocking, BLMOVE's words are Redis's lowercase ones
    cases = [("BLPOP", "bl", "0"), ("BRPOP", "bl", "0"), ("BLMOVE", "bm", "dst", "LEFT", "RIGHT", "0"),
             ("BRPOPLPUSH", "bm", "dst", "0"), ("BLMPOP", "0", "1", "bl", "LEFT", "COUNT", "3"),
             ("BZPOPMIN", "bz", "0"), ("BZMPOP", "0", "1", "bz", "MAX", "COUNT", "5")]
    pairs = []
    for args in cases:
        r, f = prop.clients()
        r.send_command(*args)
        f.send_command(*args)
        pairs.append((r, f))
    time.sleep(0.2)
    prop.same("RPUSH", "bl", "a", "b", "c", "d", "e")
    prop.same("LPUSH", "bm", "x", "y")
    prop.same("ZADD", "bz", "1", "a", "2", "b", "3", "c")
    for r, f in pairs:
        assert r.read_reply() == f.read_reply()
    cmds = prop.check()
    names = [c[0] for c in cmds]
    assert names == [b"SELECT", b"RPUSH", b"LPOP", b"RPOP", b"LPOP", b"LPUSH", b"LMOVE",
                     b"RPOPLPUSH", b"ZADD", b"ZPOPMIN", b"ZPOPMAX"]


# ---- keyspace -----------------------------------------------------------------------------

def test_restore_with_a_relative_ttl_gets_absttl(prop):
    prop.same("SET", "x", "1")
    payload = parse_all(prop.ref.call("DUMP", "x"))[0]
    prop.same("RESTORE", "y", "5000", payload)
    prop.same("RESTORE", "y2", "0", payload)                               # verbatim
    prop.same("RESTORE", "y3", str(_now_ms() + 99000), payload, "ABSTTL")  # verbatim
    prop.same("RESTORE", "y", "5000", payload, "REPLACE", "IDLETIME", "10")
    prop.same("RESTORE", "y", "1", payload, "REPLACE", "ABSTTL")           # past: DEL
    prop.same("RESTORE", "y", "1", payload, "REPLACE", "ABSTTL")           # nothing
    cmds = prop.check()
    assert cmds[2][-1] == b"ABSTTL" and len(cmds[2]) == 5
    assert cmds[5][-3:] == [b"IDLETIME", b"10", b"ABSTTL"]
    assert cmds[6] == [b"DEL", b"y"]
    assert len(cmds) == 7


def test_move_copy_swapdb_flush_and_sort_store_are_verbatim(prop):
    prop.same("SET", "k", "v")
    prop.same("MOVE", "k", "2")
    prop.same("SET", "k2", "v")
    prop.same("COPY", "k2", "k3", "DB", "4")
    prop.same("SWAPDB", "0", "1")
    prop.same("FLUSHDB")                 # an empty db: still propagated
    prop.same("RPUSH", "L", "3", "1", "2")
    prop.same("SORT", "L", "STORE", "D")
    prop.same("SORT", "L")               # read: nothing
    prop.same("FLUSHALL")
    prop.same("FLUSHALL")
    assert [c[0] for c in prop.check()] == [b"SELECT", b"SET", b"MOVE", b"SET", b"COPY", b"SWAPDB",
                                            b"FLUSHDB", b"RPUSH", b"SORT", b"FLUSHALL", b"FLUSHALL"]


# ---- expiry -------------------------------------------------------------------------------

@pytest.fixture
def no_active_expire(prop):
    prop.same("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    yield
    prop.same("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_lazy_expiry_propagates_del_before_the_command(prop, no_active_expire):
    for k in ("e1", "e2", "e3", "e4", "e5"):
        prop.same("SET", k, "5", "PX", "20")
    time.sleep(0.1)
    prop.same("GET", "e1")                        # a read: DEL alone
    prop.same("SET", "e2", "w")                   # a write: MULTI DEL SET EXEC
    prop.same("INCR", "e3")
    prop.same("EXPIRE", "e4", "100")              # finds nothing: DEL alone
    prop.same("EXISTS", "e5")
    cmds = prop.check()
    names = [c[0] for c in cmds[6:]]
    assert names == [b"DEL", b"MULTI", b"DEL", b"SET", b"EXEC", b"MULTI", b"DEL", b"INCR", b"EXEC",
                     b"DEL", b"DEL"]


def test_active_expiry_propagates_del(prop):
    prop.same("SET", "gone", "v", "PX", "30")
    prop.same("SELECT", "5")
    prop.same("SET", "gone5", "v", "PX", "30")
    prop.same("SELECT", "0")
    deadline = time.time() + 5
    while time.time() < deadline:
        r, f = prop.run("DBSIZE")
        if r == f == b":0\r\n":
            break
        time.sleep(0.05)
    ref, fc = prop.streams()
    # the cycle's order over dbs may differ: compare as sets of (db, DEL key)
    def dels(cmds):
        db, out = None, set()
        for c in cmds:
            if c[0] == b"SELECT":
                db = c[1]
            elif c[0] == b"DEL":
                out.add((db, c[1]))
        return out
    assert dels(ref) == dels(fc) == {(b"0", b"gone"), (b"5", b"gone5")}
