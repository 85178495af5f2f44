"""Blocking list and sorted-set commands: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN
BZPOPMAX BZMPOP, CLIENT UNBLOCK, INFO blocked_clients.

Most tests are multi-client scenarios: the same scenario runs against the reference
redis-server and against fastcache, each step's raw replies are recorded, and the two
transcripts must be byte-identical.  "Is the client blocked yet?" is answered by polling
INFO clients (bounded), never by a blind sleep, so the tests are fast and deterministic.
"""

from __future__ import annotations

import time

import pytest

from support.resp import RawClient


class Scenario:
    """Clients on one server plus a transcript of everything they were told."""

    def __init__(self, server):
        self.server = server
        self.clients: list[RawClient] = []
        self.log: list = []
        self.admin = self.client()
        self.admin.call("FLUSHALL")

    def client(self, resp3: bool = False) -> RawClient:
        c = RawClient(self.server.host, self.server.port, timeout=5)
        if resp3:
            c.call("HELLO", "3")
        self.clients.append(c)
        return c

    def rec(self, what, reply):
        self.log.append((what, reply))
        return reply

    def call(self, c, *args):
        # the command is recorded by name only: client ids differ between servers
        return self.rec(args[:2], c.call(*args))

    def keys(self):
        """KEYS *, sorted (the order is the hash table's)."""
        raw = self.admin.call("KEYS", "*")
        return self.rec("keys", sorted(raw.split(b"\r\n")[2::2]))

    def blocked(self) -> int:
        info = self.admin.call("INFO", "clients").decode()
        return int(info.split("blocked_clients:")[1].split("\r\n")[0])

    def wait_blocked(self, n: int, timeout: float = 3.0):
        """Wait until exactly n clients are blocked (bounded)."""
        deadline = time.monotonic() + timeout
        while self.blocked() != n:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.server.name}: expected {n} blocked clients, "
                                     f"have {self.blocked()}")
            time.sleep(0.005)

    def block(self, c, *args, n: int):
        """Send a blocking command from c and wait until n clients are blocked."""
        c.send_command(*args)
        self.wait_blocked(n)

    def read(self, c, what="reply"):
        return self.rec(what, c.read_reply())

    def nothing(self, c, wait=0.05):
        """Record that c got no reply (it is still blocked)."""
        return self.rec("nothing", c.read_available(wait))

    def close(self):
        for c in self.clients:
            c.close()


@pytest.fixture
def both(ref_server, fc_server):
    """Run a scenario function on both servers and compare the transcripts."""
    def run(fn):
        logs = []
        for server in (ref_server, fc_server):
            s = Scenario(server)
            try:
                fn(s)
            finally:
                s.close()
            logs.append(s.log)
        ref_log, fc_log = logs
        for i, (r, f) in enumerate(zip(ref_log, fc_log)):
            assert r == f, f"step {i}: reference {r!r} != fastcache {f!r}"
        assert len(ref_log) == len(fc_log)
        return ref_log
    return run


PROTOS = pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])

# ---- argument errors (single client, differential) ----------------------------------------


@pytest.mark.parametrize("timeout", [b"abc", b"", b" 1", b"1 ", b"nan", b"1e", b"0x", b"-1", b"-0.5",
                                     b"inf", b"-inf", b"1e16", b"9223372036854775.808"])
def test_bad_timeouts_are_rejected_like_the_reference(diff, timeout):
    for cmd in ([b"BLPOP", b"k"], [b"BRPOP", b"k"], [b"BZPOPMIN", b"k"], [b"BZPOPMAX", b"k"]):
        diff.check(*cmd, timeout)
    diff.check(b"BLMOVE", b"a", b"b", b"LEFT", b"RIGHT", timeout)
    diff.check(b"BRPOPLPUSH", b"a", b"b", timeout)
    diff.check(b"BLMPOP", timeout, b"1", b"k", b"LEFT")
    diff.check(b"BZMPOP", timeout, b"1", b"k", b"MIN")


def test_tiny_and_hex_timeouts_parse_as_the_reference(diff):
    # 1e-400 s and 0.0001 s round *up* to 1 ms (ceil), so they time out at once
    for t in (b"1e-400", b"0.0001", b"0.001"):
        diff.check(b"BLPOP", b"nokey", t)
        diff.check(b"BZPOPMIN", b"nokey", t)
    diff.check(b"LPUSH", b"k", b"v")
    # a non-empty key replies at once whatever the (valid) timeout
    diff.check(b"BLPOP", b"k", b"0x10")


def test_mpop_argument_errors(diff):
    for name, where in ((b"BLMPOP", b"LEFT"), (b"BZMPOP", b"MIN")):
        diff.check(name, b"0.01", b"0", b"k", where)
        diff.check(name, b"abc", b"0", b"k", where)     # numkeys is checked before the timeout
        diff.check(name, b"0.01", b"-1", b"k", where)
        diff.check(name, b"0.01", b"x", b"k", where)
        diff.check(name, b"0.01", b"2", b"k", where)
        diff.check(name, b"0.01", b"5", b"k", where)
        diff.check(name, b"0.01", b"99999999999999999999", b"k", where)
        diff.check(name, b"0.01", b"1", b"k", b"UP")
        diff.check(name, b"0.01", b"1", b"k", where, b"COUNT")
        diff.check(name, b"0.01", b"1", b"k", where, b"COUNT", b"0")
        diff.check(name, b"0.01", b"1", b"k", where, b"COUNT", b"-3")
        diff.check(name, b"0.01", b"1", b"k", where, b"COUNT", b"x")
        diff.check(name, b"0.01", b"1", b"k", where, b"COUNT", b"1", b"COUNT", b"1")
        diff.check(name, b"0.01", b"1", b"k", where, b"EXTRA")
        diff.check(name, b"abc", b"1", b"k", where)


def test_blmove_bad_direction_and_arity(diff):
    diff.check(b"BLMOVE", b"a", b"b", b"UP", b"LEFT", b"0")
    diff.check(b"BLMOVE", b"a", b"b", b"LEFT", b"DOWN", b"x")
    diff.check(b"BLMOVE", b"a", b"b", b"LEFT", b"RIGHT")
    diff.check(b"BLPOP", b"k")
    diff.check(b"BRPOPLPUSH", b"a", b"b")
    diff.check(b"BZPOPMIN", b"k")
    diff.check(b"BLMPOP", b"0", b"1")
    diff.check(b"BZMPOP", b"0", b"1", b"k")


# ---- immediate replies (data present) ------------------------------------------------------

@PROTOS
def test_non_empty_keys_reply_at_once(diff, resp3):
    if resp3:
        diff.hello3()
    diff.check(b"RPUSH", b"l2", b"a", b"b", b"c", b"d", b"e")
    diff.check(b"BLPOP", b"l1", b"l2", b"0")              # first non-empty key
    diff.check(b"BRPOP", b"l1", b"l2", b"0")
    diff.check(b"BLMPOP", b"0", b"2", b"l1", b"l2", b"LEFT", b"COUNT", b"2")
    diff.check(b"BLMPOP", b"0", b"2", b"l1", b"l2", b"RIGHT", b"COUNT", b"10")   # empties l2
    diff.check(b"EXISTS", b"l2")
    diff.check(b"RPUSH", b"s", b"1", b"2", b"3")
    diff.check(b"BLMOVE", b"s", b"d", b"LEFT", b"RIGHT", b"0")
    diff.check(b"BRPOPLPUSH", b"s", b"d", b"0")
    diff.check(b"BLMOVE", b"s", b"s", b"RIGHT", b"LEFT", b"0")
    diff.check(b"LRANGE", b"d", b"0", b"-1")
    diff.check(b"ZADD", b"z", b"1.5", b"a", b"2", b"b", b"-inf", b"c", b"3", b"d")
    diff.check(b"BZPOPMIN", b"nz", b"z", b"0")
    diff.check(b"BZPOPMAX", b"nz", b"z", b"0")
    diff.check(b"BZMPOP", b"0", b"2", b"nz", b"z", b"MIN", b"COUNT", b"1")
    diff.check(b"BZMPOP", b"0", b"1", b"z", b"MAX", b"COUNT", b"5")
    diff.check(b"EXISTS", b"z")
    # binary and empty key names
    diff.check(b"RPUSH", b"\x00bin\xff", b"v\x00")
    diff.check(b"BLPOP", b"", b"\x00bin\xff", b"0")
    diff.check(b"ZADD", b"", b"1", b"m")
    diff.check(b"BZPOPMIN", b"", b"0")


def test_wrong_type_is_an_error_even_after_a_missing_key(diff):
    diff.check(b"SET", b"s", b"v")
    diff.check(b"RPUSH", b"l", b"x")
    diff.check(b"ZADD", b"z", b"1", b"m")
    diff.check(b"BLPOP", b"nokey", b"s", b"l", b"0")
    diff.check(b"BLPOP", b"z", b"0")
    diff.check(b"BLMPOP", b"0", b"2", b"nokey", b"z", b"LEFT")
    diff.check(b"BZPOPMIN", b"nokey", b"l", b"0")
    diff.check(b"BZMPOP", b"0", b"1", b"s", b"MIN")
    diff.check(b"BLMOVE", b"s", b"l", b"LEFT", b"LEFT", b"0")
    diff.check(b"BLMOVE", b"l", b"s", b"LEFT", b"LEFT", b"0")     # destination checked: source present
    diff.check(b"LRANGE", b"l", b"0", b"-1")


# ---- timeouts -------------------------------------------------------------------------------

@PROTOS
def test_timeouts_reply_a_null_array(both, resp3):
    def sc(s):
        c = s.client(resp3)
        t0 = time.monotonic()
        for cmd in (("BLPOP", "a", "b", "0.05"), ("BRPOP", "a", "0.02"),
                    ("BLMOVE", "a", "b", "LEFT", "LEFT", "0.02"), ("BRPOPLPUSH", "a", "b", "0.02"),
                    ("BLMPOP", "0.02", "1", "a", "LEFT"), ("BZPOPMIN", "a", "0.02"),
                    ("BZPOPMAX", "a", "b", "0.02"), ("BZMPOP", "0.02", "2", "a", "b", "MAX", "COUNT", "2")):
            s.call(c, *cmd)
        elapsed = time.monotonic() - t0
        assert 0.19 <= elapsed < 2.0, elapsed
        s.rec("blocked after", s.blocked())
    both(sc)


def test_sub_second_timeout_precision(both):
    def sc(s):
        c = s.client()
        t0 = time.monotonic()
        s.call(c, "BLPOP", "k", "0.15")
        elapsed = time.monotonic() - t0
        assert 0.14 <= elapsed < 0.6, elapsed
    both(sc)


def test_timeouts_fire_in_deadline_order_not_arrival_order(both):
    def sc(s):
        slow, fast = s.client(), s.client()
        s.block(slow, "BLPOP", "k", "0.4", n=1)
        s.block(fast, "BLPOP", "k", "0.05", n=2)
        s.read(fast)
        s.rec("still blocked", s.blocked())
        s.nothing(slow)
        s.read(slow)
    both(sc)


# ---- served by another client ------------------------------------------------------------------

@PROTOS
def test_each_command_is_served_by_a_push(both, resp3):
    def sc(s):
        w = s.client(resp3)
        p = s.admin
        s.block(w, "BLPOP", "a", "b", "0", n=1)
        s.call(p, "RPUSH", "b", "x", "y")
        s.read(w)
        s.block(w, "BRPOP", "c", "0", n=1)
        s.call(p, "LPUSH", "c", "1", "2", "3")
        s.read(w)
        s.block(w, "BLMPOP", "0", "2", "e", "f", "RIGHT", "COUNT", "2", n=1)
        s.call(p, "RPUSH", "f", "1", "2", "3")
        s.read(w)
        s.block(w, "BLMOVE", "g", "h", "RIGHT", "LEFT", "0", n=1)
        s.call(p, "RPUSH", "g", "1", "2")
        s.read(w)
        s.call(p, "LRANGE", "h", "0", "-1")
        s.block(w, "BRPOPLPUSH", "i", "h", "0", n=1)
        s.call(p, "RPUSH", "i", "9")
        s.read(w)
        s.call(p, "LRANGE", "h", "0", "-1")
        s.block(w, "BZPOPMIN", "z1", "z2", "0", n=1)
        s.call(p, "ZADD", "z2", "2.5", "m", "1", "n")
        s.read(w)
        s.block(w, "BZPOPMAX", "z3", "0", n=1)
        s.call(p, "ZINCRBY", "z3", "7", "m")
        s.read(w)
        s.block(w, "BZMPOP", "0", "1", "z4", "MIN", "COUNT", "5", n=1)
        s.call(p, "ZADD", "z4", "3", "c", "1", "a", "2", "b")
        s.read(w)
        s.keys()
    both(sc)


def test_clients_are_served_first_come_first_served(both):
    def sc(s):
        ws = [s.client() for _ in range(4)]
        for i, w in enumerate(ws):
            s.block(w, "BLPOP", "k", "0", n=i + 1)
        s.call(s.admin, "RPUSH", "k", "a", "b", "c")    # three elements: first three clients
        for w in ws[:3]:
            s.read(w)
        s.nothing(ws[3])
        s.call(s.admin, "RPUSH", "k", "d")
        s.read(ws[3])
        s.call(s.admin, "EXISTS", "k")
    both(sc)


def test_fifo_is_per_key_across_commands_and_types(both):
    def sc(s):
        a, b, c = s.client(), s.client(), s.client()
        s.block(a, "BLMPOP", "0", "2", "x", "k", "LEFT", "COUNT", "2", n=1)
        s.block(b, "BRPOP", "k", "0", n=2)
        s.block(c, "BLMOVE", "k", "dst", "LEFT", "LEFT", "0", n=3)
        s.call(s.admin, "RPUSH", "k", "1", "2", "3", "4")
        s.read(a)
        s.read(b)
        s.read(c)
        s.call(s.admin, "LRANGE", "dst", "0", "-1")
        s.call(s.admin, "EXISTS", "k")
    both(sc)


def test_a_blocked_client_on_several_keys_is_served_by_the_one_that_fills(both):
    def sc(s):
        w = s.client()
        s.block(w, "BLPOP", "k1", "k2", "k2", "k3", "0", n=1)   # a repeated key counts once
        s.call(s.admin, "RPUSH", "k3", "v3")
        s.read(w)
        s.call(s.admin, "RPUSH", "k2", "v2")
        s.call(s.admin, "LRANGE", "k2", "0", "-1")
    both(sc)


def test_pipelined_commands_after_a_blocking_one_wait_for_it(both):
    def sc(s):
        w = s.client()
        w.send_command("SET", "before", "1")
        w.send_command("BLPOP", "k", "0")
        w.send_command("SET", "after", "1")
        w.send_command("GET", "before")
        s.wait_blocked(1)
        s.read(w)                                         # +OK of the first SET only
        s.nothing(w)
        s.call(s.admin, "EXISTS", "after")                # not run yet
        w.send_command("INCR", "after")                   # arrives while blocked: queued
        s.nothing(w)
        s.call(s.admin, "RPUSH", "k", "v")
        for _ in range(4):
            s.read(w)
        s.call(s.admin, "GET", "after")
    both(sc)


def test_pipeline_of_several_blocking_commands(both):
    def sc(s):
        w = s.client()
        w.send(b"".join(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n" for _ in range(3)))
        s.wait_blocked(1)
        s.call(s.admin, "RPUSH", "k", "1", "2")
        s.read(w)
        s.read(w)
        s.wait_blocked(1)                                 # the third one blocks again
        s.call(s.admin, "RPUSH", "k", "3")
        s.read(w)
    both(sc)


def test_inline_blocking_command_is_served(both):
    def sc(s):
        w = s.client()
        w.send(b"BLPOP k 0\r\nPING\r\n")
        s.wait_blocked(1)
        s.call(s.admin, "RPUSH", "k", "v")
        s.read(w)
        s.read(w)
    both(sc)


def test_blmove_chain_serves_the_destination_waiter_too(both):
    def sc(s):
        a, b = s.client(), s.client()
        s.block(a, "BLMOVE", "src", "dst", "LEFT", "RIGHT", "0", n=1)
        s.block(b, "BLPOP", "dst", "0", n=2)
        s.call(s.admin, "RPUSH", "src", "e")
        s.read(a)
        s.read(b)
        s.keys()
    both(sc)


def test_pushing_client_sees_the_popped_state_in_its_next_command(both):
    def sc(s):
        w = s.client()
        s.block(w, "BLPOP", "k", "0", n=1)
        s.admin.send_command("RPUSH", "k", "a", "b")
        s.admin.send_command("LRANGE", "k", "0", "-1")
        s.read(s.admin)
        s.read(s.admin)
        s.read(w)
    both(sc)


# ---- keys made ready by other commands ----------------------------------------------------------

def test_rename_move_copy_and_swapdb_wake_waiters(both):
    def sc(s):
        w = s.client()
        s.call(s.admin, "RPUSH", "src", "1")
        s.block(w, "BLPOP", "dst", "0", n=1)
        s.call(s.admin, "RENAME", "src", "dst")
        s.read(w)
        s.call(s.admin, "ZADD", "zsrc", "1", "m")
        s.block(w, "BZPOPMIN", "zdst", "0", n=1)
        s.call(s.admin, "COPY", "zsrc", "zdst")
        s.read(w)
        # MOVE from db 1 into the waiter's db 0
        s.call(s.admin, "SELECT", "1")
        s.call(s.admin, "RPUSH", "mv", "x")
        s.block(w, "BRPOP", "mv", "0", n=1)
        s.call(s.admin, "MOVE", "mv", "0")
        s.read(w)
        # SWAPDB: waiters wait on db 0's id, which now holds db 1's keys
        s.call(s.admin, "RPUSH", "sw", "y")
        s.block(w, "BLPOP", "sw", "0", n=1)
        s.call(s.admin, "SWAPDB", "0", "1")
        s.read(w)
        s.call(s.admin, "SWAPDB", "0", "1")
        s.call(s.admin, "SELECT", "0")
        s.call(s.admin, "ZADD", "u1", "1", "a")
        s.block(w, "BZPOPMAX", "out", "0", n=1)
        s.call(s.admin, "ZUNIONSTORE", "out", "1", "u1")
        s.read(w)
    both(sc)


def test_other_type_at_the_key_keeps_clients_waiting(both):
    def sc(s):
        lw, zw = s.client(), s.client()
        s.block(lw, "BLPOP", "k", "2", n=1)
        s.call(s.admin, "ZADD", "k", "1", "m")           # a zset does not serve a list waiter
        s.nothing(lw)
        s.rec("blocked", s.blocked())
        s.call(s.admin, "DEL", "k")
        s.call(s.admin, "RPUSH", "k", "v")
        s.read(lw)
        s.block(zw, "BZPOPMIN", "k2", "0.3", n=1)
        s.call(s.admin, "LPUSH", "k2", "x")               # a list does not serve a zset waiter
        s.nothing(zw)
        s.read(zw)                                        # ... which times out
        s.call(s.admin, "LRANGE", "k2", "0", "-1")
        s.call(s.admin, "SET", "k3", "str")
        s.block(lw, "BLPOP", "nokey", "0", n=1)
        s.call(s.admin, "SET", "nokey", "s")              # strings never wake anyone
        s.nothing(lw)
        s.call(s.admin, "DEL", "nokey")
        s.call(s.admin, "LPUSH", "nokey", "z")
        s.read(lw)
    both(sc)


def test_blmove_served_into_a_wrong_type_destination(both):
    def sc(s):
        w = s.client()
        s.call(s.admin, "SET", "dst", "str")
        s.block(w, "BLMOVE", "src", "dst", "LEFT", "RIGHT", "0", n=1)
        s.call(s.admin, "RPUSH", "src", "e1", "e2")
        s.read(w)
        s.call(s.admin, "LRANGE", "src", "0", "-1")       # the element stays in the source
        s.rec("blocked", s.blocked())
    both(sc)


# ---- disconnects, CLIENT UNBLOCK, introspection --------------------------------------------------

def test_a_client_that_disconnects_while_blocked_is_forgotten(both):
    def sc(s):
        gone, stays = s.client(), s.client()
        s.block(gone, "BLPOP", "k", "0", n=1)
        s.block(stays, "BLPOP", "k", "0", n=2)
        gone.close()
        s.wait_blocked(1)
        s.call(s.admin, "RPUSH", "k", "a", "b")
        s.read(stays)
        s.call(s.admin, "LRANGE", "k", "0", "-1")
        t = s.client()
        s.block(t, "BZPOPMIN", "z", "0.05", n=1)
        t.close()
        s.wait_blocked(0)
        time.sleep(0.1)                                   # its deadline passes harmlessly
        s.call(s.admin, "PING")
    both(sc)


@PROTOS
def test_client_unblock(both, resp3):
    def sc(s):
        w = s.client(resp3)
        wid = w.call("CLIENT", "ID").decode()[1:-2]
        s.block(w, "BLPOP", "q", "0", n=1)
        s.call(s.admin, "CLIENT", "UNBLOCK", wid)
        s.read(w)
        s.block(w, "BZPOPMAX", "q", "10", n=1)
        s.call(s.admin, "CLIENT", "UNBLOCK", wid, "TIMEOUT")
        s.read(w)
        w.send_command("BLMOVE", "q", "d", "LEFT", "LEFT", "0")
        w.send_command("PING")
        s.wait_blocked(1)
        s.call(s.admin, "CLIENT", "UNBLOCK", wid, "error")
        s.read(w)
        s.read(w)                                         # the pipelined PING runs after
        s.call(s.admin, "CLIENT", "UNBLOCK", wid)         # not blocked: 0
        s.call(s.admin, "CLIENT", "UNBLOCK", wid, "BAD")
        s.call(s.admin, "CLIENT", "UNBLOCK", "abc")
        s.call(s.admin, "CLIENT", "UNBLOCK", "abc", "bad")
        s.call(s.admin, "CLIENT", "UNBLOCK", "999999")
        s.rec("blocked", s.blocked())
    both(sc)


def test_info_counts_blocked_clients_and_timeout_table(both):
    def sc(s):
        a, b = s.client(), s.client()
        s.block(a, "BLPOP", "k", "0", n=1)
        s.block(b, "BZPOPMIN", "z", "30", n=2)
        info = s.admin.call("INFO", "clients").decode()
        s.rec("fields", [line for line in info.split("\r\n")
                         if line.startswith(("blocked_clients", "clients_in_timeout_table"))])
        lines = s.admin.call("CLIENT", "LIST").decode().split("\n")
        s.rec("flags", sorted(f.split(" flags=")[1].split(" ")[0] for f in lines if "flags=" in f))
        s.call(s.admin, "RPUSH", "k", "1")
        s.read(a)
        s.call(s.admin, "ZADD", "z", "1", "m")
        s.read(b)
        s.rec("after", s.blocked())
    both(sc)


def test_many_waiters_and_keys_stay_consistent(both):
    def sc(s):
        ws = [s.client() for _ in range(20)]
        for i, w in enumerate(ws):
            s.block(w, "BLPOP", f"k{i % 3}", f"k{(i + 1) % 3}", "5" if i % 2 else "0", n=i + 1)
        for r in range(3):
            s.call(s.admin, "RPUSH", f"k{r}", *[f"{r}-{j}" for j in range(5)])
        s.wait_blocked(5)
        for w in ws:                  # which client got which element: FIFO per key
            s.rec("got", w.read_available(0.02))
        s.call(s.admin, "RPUSH", "k0", *[str(j) for j in range(10)])
        s.call(s.admin, "RPUSH", "k1", *[str(j) for j in range(10)])
        s.wait_blocked(0)
        for w in ws:
            s.rec("got", w.read_available(0.02))
        s.call(s.admin, "LRANGE", "k0", "0", "-1")
        s.call(s.admin, "LRANGE", "k1", "0", "-1")
    both(sc)


@pytest.mark.parametrize("encoding", ["listpack", "skiplist"])
def test_sorted_set_waiters_are_served_in_both_encodings(both, encoding):
    entries = "128" if encoding == "listpack" else "0"

    def sc(s):
        s.call(s.admin, "CONFIG", "SET", "zset-max-listpack-entries", entries)
        try:
            w = s.client()
            s.block(w, "BZPOPMAX", "z", "0", n=1)
            s.call(s.admin, "ZADD", "z", "1", "a", "2", "b", "3", "c")
            s.read(w)
            s.call(s.admin, "OBJECT", "ENCODING", "z")
            s.call(w, "BZMPOP", "0", "1", "z", "MIN", "COUNT", "1")
            s.call(s.admin, "OBJECT", "ENCODING", "z")
            s.call(w, "BZPOPMIN", "z", "0")
            s.call(s.admin, "EXISTS", "z")
        finally:
            s.admin.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
    both(sc)


def test_client_kill_of_a_blocked_client(both):
    def sc(s):
        w = s.client()
        wid = w.call("CLIENT", "ID").decode()[1:-2]
        s.block(w, "BLPOP", "k", "0", n=1)
        s.rec("kill", s.admin.call("CLIENT", "KILL", "ID", wid))
        s.wait_blocked(0)
        s.rec("closed", w.is_closed_by_peer(2.0))
        s.call(s.admin, "RPUSH", "k", "v")
        s.call(s.admin, "LLEN", "k")
    both(sc)


def test_expired_key_does_not_serve_and_a_new_one_does(both):
    def sc(s):
        w = s.client()
        s.block(w, "BLPOP", "k", "2", n=1)
        s.call(s.admin, "RPUSH", "other", "v")
        s.call(s.admin, "PEXPIRE", "other", "1")
        time.sleep(0.02)
        s.call(s.admin, "RENAME", "other", "k")          # expired: no such key
        s.nothing(w)
        s.call(s.admin, "RPUSH", "k", "fresh")
        s.read(w)
    both(sc)
