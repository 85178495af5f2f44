"""Busy scripts (integration): past busy-reply-threshold other clients get -BUSY, SCRIPT
KILL stops a script that has not written, UNKILLABLE one that has.  Each test runs on
a private fastcache and a private reference server with the same expectations."""
from __future__ import annotations

import threading
import time

import pytest

from support.resp import ConnectionClosed, RawClient


# ---- busy scripts: BUSY replies, SCRIPT KILL, UNKILLABLE -----------------------------------------

def _busy_script_run(server, body, out):
    c = RawClient(server.host, server.port)
    try:
        out.append(c.call("EVAL", body, "0", timeout=30))
    except ConnectionClosed:
        out.append(b"<closed>")      # SHUTDOWN NOSAVE ended the server
    c.close()


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_busy_script_gets_busy_replies_and_script_kill(server_factory, kind):
    s = server_factory(kind, ["--busy-reply-threshold", "100"])
    out = []
    c = RawClient(s.host, s.port)
    t = threading.Thread(target=_busy_script_run, args=(s, "local i = 0 while true do i = i + 1 end", out))
    t.start()
    time.sleep(0.5)
    assert c.call("GET", "x", timeout=10) == (b"-BUSY Redis is busy running a script. You can only call "
                                              b"SCRIPT KILL or SHUTDOWN NOSAVE.\r\n")
    assert c.call("SCRIPT", "KILL", timeout=10) == b"+OK\r\n"
    t.join(10)
    assert out and out[0].startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    assert c.call("PING") == b"+PONG\r\n"
    assert c.call("SCRIPT", "KILL") == b"-NOTBUSY No scripts in execution right now.\r\n"
    c.close()


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_busy_script_that_wrote_is_unkillable(server_factory, kind):
    s = server_factory(kind, ["--busy-reply-threshold", "100"])
    out = []
    body = "redis.call('set','w','1') local t = redis.call('time') local s = tonumber(t[1]) " \
           "while true do local n = redis.call('time') if tonumber(n[1]) > s + 1 then break end end return 'done'"
    c = RawClient(s.host, s.port)
    t = threading.Thread(target=_busy_script_run, args=(s, body, out))
    t.start()
    time.sleep(0.5)
    assert c.call("SCRIPT", "KILL", timeout=10).startswith(b"-UNKILLABLE Sorry the script already executed")
    t.join(15)
    assert out == [b"$4\r\ndone\r\n"]
    assert c.call("GET", "w") == b"$1\r\n1\r\n"
    c.close()


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_shutdown_needs_nosave_during_a_busy_script(server_factory, kind):
    s = server_factory(kind, ["--busy-reply-threshold", "100"])
    out = []
    c = RawClient(s.host, s.port)
    t = threading.Thread(target=_busy_script_run, args=(s, "while true do end", out))
    t.start()
    time.sleep(0.5)
    assert c.call("SHUTDOWN", timeout=10).startswith(b"-BUSY Redis is busy running a script.")
    c.send(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
    t.join(10)
    assert not t.is_alive()
    deadline = time.time() + 10
    while s.is_running() and time.time() < deadline:
        time.sleep(0.05)
    assert not s.is_running()


# ---- effects replication: a script propagates the commands it ran, never EVAL ------------------

def test_script_effects_are_propagated_like_the_reference_aof(server_factory):
    from support.resp import parse_all
    ref_s = server_factory("ref", ["--appendonly", "yes", "--appendfsync", "always"])
    fc_s = server_factory("fc", ["--enable-debug-command", "yes"])
    ref, fc = RawClient(ref_s.host, ref_s.port), RawClient(fc_s.host, fc_s.port)
    fc.call("DEBUG", "PROPAGATED")
    fc.call("DEBUG", "PROPAGATED")
    _, off = ref_s.aof_tail(0)
    scripts = [
        ("redis.call('set','a','1') redis.call('incr','a') return redis.call('get','a')", "0"),
        ("return redis.call('get','a')", "0"),                       # read-only: nothing
        ("return redis.call('incr',KEYS[1])", "1", "a"),               # one op: no MULTI
        ("redis.call('select', 3) return redis.call('set','x','y')", "0"),
        ("redis.call('del','nokey') return 1", "0"),                 # no change: nothing
        ("redis.pcall('incr','a','b') redis.call('lpush','l','1','2') "
         "return redis.call('rpop','l')", "0"),
        # set_repl(REPL_NONE): the write between is not propagated
        ("redis.set_repl(redis.REPL_NONE) redis.call('set','q','1') "
         "redis.set_repl(redis.REPL_ALL) return redis.call('set','r','1')", "0"),
        ("redis.set_repl(redis.REPL_NONE) return redis.call('set','q','2')", "0"),
        ("return redis.call('set','q','3')", "0"),                   # reset per script
        ("return redis.call('script','load','return 1')", "0"),
    ]
    for s in scripts:
        assert ref.call("EVAL", *s) == fc.call("EVAL", *s)
    ref_raw, off = ref_s.aof_tail(off)
    fc_raw = parse_all(fc.call("DEBUG", "PROPAGATED"))[0]
    assert [list(x) for x in parse_all(fc_raw)] == [list(x) for x in parse_all(ref_raw)]
    ref.close()
    fc.close()


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_a_client_that_connects_during_a_busy_script_is_served(server_factory, kind):
    """New connections are accepted while the script runs (redis-cli SCRIPT KILL
    from a fresh connection works), and keep working after it ends."""
    s = server_factory(kind, ["--busy-reply-threshold", "100"])
    out = []
    t = threading.Thread(target=_busy_script_run, args=(s, "while true do end", out))
    t.start()
    time.sleep(0.5)
    c = RawClient(s.host, s.port)
    assert c.call("PING", timeout=10).startswith(b"-BUSY ")
    assert c.call("SCRIPT", "KILL", timeout=10) == b"+OK\r\n"
    t.join(10)
    assert out and out[0].startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    assert c.call("SET", "k", "v", timeout=10) == b"+OK\r\n"
    assert c.call("GET", "k", timeout=10) == b"$1\r\nv\r\n"
    c.close()


# ---- SCRIPT KILL leaves nothing armed behind: the next slow script runs to completion -------

def _busy_call_run(server, args, out):
    c = RawClient(server.host, server.port)
    try:
        out.append(c.call(*args, timeout=30))
    except ConnectionClosed:
        out.append(b"<closed>")
    c.close()


@pytest.mark.parametrize("mode", ["eval", "evalsha"])
@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_a_slow_script_after_a_killed_one_runs_to_completion(server_factory, kind, mode):
    s = server_factory(kind, ["--busy-reply-threshold", "100"])
    c = RawClient(s.host, s.port)
    busy = "local i = 0 while true do i = i + 1 end"
    # several million instructions: the count hook fires many times, and past the
    # threshold the script is "busy", but it ends by itself
    slow = "local i = 0 while i < 3000000 do i = i + 1 end return i"
    if mode == "eval":
        first, second = ("EVAL", busy, "0"), ("EVAL", slow, "0")
    else:
        sha1 = c.call("SCRIPT", "LOAD", busy)[5:-2].decode()
        sha2 = c.call("SCRIPT", "LOAD", slow)[5:-2].decode()
        first, second = ("EVALSHA", sha1, "0"), ("EVALSHA", sha2, "0")
    out = []
    t = threading.Thread(target=_busy_call_run, args=(s, first, out))
    t.start()
    time.sleep(0.5)
    assert c.call("SCRIPT", "KILL", timeout=10) == b"+OK\r\n"
    t.join(10)
    assert out and out[0].startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    for _ in range(2):
        assert c.call(*second, timeout=30) == b":3000000\r\n"
    c.close()


# ---- busy functions: other clients are pointed at FUNCTION KILL ----------------------------------

_BUSY_LIB = ("#!lua name=busylib\n"
             "redis.register_function{function_name='spin', callback=function(keys, args) "
             "local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}\n"
             "redis.register_function('spinw', function(keys, args) redis.call('set', 'w', '1') "
             "local t = redis.call('time') local s = tonumber(t[1]) "
             "while true do local n = redis.call('time') if tonumber(n[1]) > s + 1 then break end end "
             "return 'done' end)\n")

_BUSY_FN = b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"
_BUSY_EVAL = b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_busy_function_gets_function_busy_replies_and_script_kill_is_refused(server_factory, kind):
    s = server_factory(kind, ["--busy-reply-threshold", "100"])
    c = RawClient(s.host, s.port)
    assert c.call("FUNCTION", "LOAD", _BUSY_LIB) == b"$7\r\nbusylib\r\n"
    out = []
    t = threading.Thread(target=_busy_call_run, args=(s, ("FCALL", "spin", "0"), out))
    t.start()
    time.sleep(0.5)
    assert c.call("GET", "x", timeout=10) == _BUSY_FN
    assert c.call("SHUTDOWN", timeout=10) == _BUSY_FN
    assert c.call("SCRIPT", "KILL", timeout=10) == _BUSY_FN
    assert c.call("FUNCTION", "KILL", timeout=10) == b"+OK\r\n"
    t.join(10)
    assert out and out[0].startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    assert c.call("FUNCTION", "KILL") == b"-NOTBUSY No scripts in execution right now.\r\n"
    # an EVAL after a function: the EVAL text again, and FUNCTION KILL refused
    out = []
    t = threading.Thread(target=_busy_call_run, args=(s, ("EVAL", "while true do end", "0"), out))
    t.start()
    time.sleep(0.5)
    assert c.call("GET", "x", timeout=10) == _BUSY_EVAL
    assert c.call("FUNCTION", "KILL", timeout=10) == _BUSY_EVAL
    assert c.call("SCRIPT", "KILL", timeout=10) == b"+OK\r\n"
    t.join(10)
    assert out and out[0].startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    assert c.call("PING") == b"+PONG\r\n"
    c.close()


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_busy_function_that_wrote_is_unkillable_by_either_kill(server_factory, kind):
    s = server_factory(kind, ["--busy-reply-threshold", "100"])
    c = RawClient(s.host, s.port)
    c.call("FUNCTION", "LOAD", _BUSY_LIB)
    out = []
    t = threading.Thread(target=_busy_call_run, args=(s, ("FCALL", "spinw", "0"), out))
    t.start()
    time.sleep(0.5)
    # UNKILLABLE is checked before the kind of script (scriptKill's order)
    assert c.call("SCRIPT", "KILL", timeout=10).startswith(b"-UNKILLABLE Sorry the script already executed")
    assert c.call("FUNCTION", "KILL", timeout=10).startswith(b"-UNKILLABLE Sorry the script already executed")
    t.join(15)
    assert out == [b"$4\r\ndone\r\n"]
    c.close()


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_a_new_client_during_a_busy_script_keeps_replies_bigger_than_the_socket_buffer(server_factory, kind):
    """A connection accepted while a script is busy pipelines more commands than its
    socket buffer can answer for (each gets -BUSY) and reads nothing until the end:
    every reply is delivered, in order, after the event loop takes the connection."""
    import socket
    s = server_factory(kind, ["--busy-reply-threshold", "100"])
    out = []
    t = threading.Thread(target=_busy_script_run, args=(s, "while true do end", out))
    t.start()
    time.sleep(0.5)
    n = 40000
    sock = socket.create_connection((s.host, s.port), timeout=30)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    sock.sendall(b"*1\r\n$4\r\nPING\r\n" * n + b"*2\r\n$6\r\nSCRIPT\r\n$4\r\nKILL\r\n")
    time.sleep(1.0)                       # not reading: the server's sends fill up
    expected = _BUSY_EVAL * n + b"+OK\r\n"
    data = b""
    while len(data) < len(expected):
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    assert len(data) == len(expected) and data == expected
    t.join(10)
    assert out and out[0].startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    sock.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n$4\r\nPING\r\n")
    data = b""
    while len(data) < 12:
        data += sock.recv(100)
    assert data == b"+OK\r\n+PONG\r\n"
    sock.close()
