"""The server process: command line, signals, SHUTDOWN, listeners, limits, auth.

Each test starts its own servers (server_factory) because it changes
server-wide state; where the reply is deterministic the reference is asked too.
"""
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

import pytest

from support.resp import RawClient
from support.servers import fastcache_cmd, free_port, server_env

LOG_LINE = re.compile(r"^\d+:[MSCX] \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] .+$")


def _client(h, **kw):
    return RawClient(h.host, h.port, **kw)


def _wait_exit(proc, timeout=10.0):
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("server did not exit within %.0fs" % timeout)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_shuts_down_cleanly_with_redis_log_lines(server_factory, sig):
    h = server_factory("fc")
    os.kill(h.pid, sig)
    assert _wait_exit(h.proc) == 0
    log = h.log_text()
    assert "ready to exit, bye bye" in log
    lines = [ln for ln in log.splitlines() if ln.strip()]
    assert lines and all(LOG_LINE.match(ln) for ln in lines), log


def test_shutdown_nosave_closes_connection_and_exits(server_factory):
    h = server_factory("fc")
    c = _client(h)
    c.send(b"SHUTDOWN NOSAVE\r\n")
    assert c.read_until_close() == b""
    assert _wait_exit(h.proc) == 0


@pytest.mark.parametrize("args", [[b"SHUTDOWN", b"ABORT"], [b"SHUTDOWN", b"NOSAVE", b"SAVE"],
                                  [b"SHUTDOWN", b"ABORT", b"NOW"], [b"SHUTDOWN", b"BOGUS"]])
def test_shutdown_errors_match_reference(diff, args):
    diff.check(*args)


def test_config_set_port_moves_the_listener(server_factory):
    h = server_factory("fc")
    new = free_port()
    c = _client(h)
    assert c.call(b"CONFIG", b"SET", b"port", str(new).encode()) == b"+OK\r\n"
    c2 = RawClient("127.0.0.1", new)
    assert c2.call(b"PING") == b"+PONG\r\n"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", h.port), timeout=1).close()
    assert c2.call(b"CONFIG", b"GET", b"port") == b"*2\r\n$4\r\nport\r\n$%d\r\n%d\r\n" % (len(str(new)), new)
    h.port = new  # so the fixture's SHUTDOWN reaches it


def test_config_set_bind_to_unavailable_address_fails_like_redis(server_factory):
    fc = server_factory("fc")
    ref = server_factory("ref")
    args = (b"CONFIG", b"SET", b"bind", b"10.255.255.1")
    assert _client(fc).call(*args) == _client(ref).call(*args)
    assert _client(fc).call(b"PING") == b"+PONG\r\n"


def test_unixsocket_with_permissions(server_factory):
    d = tempfile.mkdtemp(prefix="fc-unix-")
    path = os.path.join(d, "fc.sock")
    server_factory("fc", args=["--unixsocket", path, "--unixsocketperm", "700"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(path)
    s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nu\r\n$1\r\nx\r\nGET u\r\n")
    data = b""
    while not data.endswith(b"$1\r\nx\r\n"):
        chunk = s.recv(100)
        assert chunk
        data += chunk
    assert data == b"+OK\r\n$1\r\nx\r\n"


def test_maxclients_rejects_with_redis_error(server_factory):
    h = server_factory("fc", args=["--maxclients", "2"])
    a, b = _client(h), _client(h)
    assert a.call(b"PING") == b.call(b"PING") == b"+PONG\r\n"
    c = _client(h)
    c.send(b"PING\r\n")
    assert c.read_until_close() == b"-ERR max number of clients reached\r\n"
    a.close()
    time.sleep(0.2)
    assert _client(h).call(b"PING") == b"+PONG\r\n"


def test_idle_client_is_closed_after_timeout(server_factory):
    h = server_factory("fc", args=["--timeout", "1"])
    c = _client(h, timeout=6)
    assert c.call(b"PING") == b"+PONG\r\n"
    t0 = time.monotonic()
    assert c.read_until_close() == b""
    assert 0.8 < time.monotonic() - t0 < 5


def test_requirepass_flow_matches_reference(server_factory):
    fc = _client(server_factory("fc", args=["--requirepass", "s3cret"], password="s3cret"))
    ref = _client(server_factory("ref", args=["--requirepass", "s3cret"], password="s3cret"))
    for cmd in ([b"GET", b"k"], [b"AUTH", b"nope"], [b"AUTH", b"default", b"nope"], [b"AUTH", b"x", b"y", b"z"],
                [b"HELLO", b"3"], [b"AUTH", b"s3cret"], [b"SET", b"k", b"v"], [b"GET", b"k"],
                [b"AUTH", b"default", b"s3cret"]):
        assert fc.call(*cmd) == ref.call(*cmd), cmd


def test_auth_without_password_configured_matches_reference(diff):
    diff.check(b"AUTH", b"foo")
    diff.check(b"AUTH", b"default", b"foo")


def test_config_file_and_command_line_like_redis_server(server_factory):
    d = tempfile.mkdtemp(prefix="fc-conf-")
    conf = os.path.join(d, "fc.conf")
    with open(conf, "w") as f:
        f.write("# test config\nhz 20\nmaxmemory 10mb\ndatabases 4\n")
    h = server_factory("fc", config_file=conf, args=["--hz", "30"])
    c = _client(h)
    assert c.call(b"CONFIG", b"GET", b"hz") == b"*2\r\n$2\r\nhz\r\n$2\r\n30\r\n"
    assert c.call(b"CONFIG", b"GET", b"maxmemory") == b"*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n"
    assert c.call(b"SELECT", b"3") == b"+OK\r\n"
    assert c.call(b"SELECT", b"4") == b"-ERR DB index is out of range\r\n"


def test_bad_config_prints_fatal_block_and_exits_1():
    r = subprocess.run(fastcache_cmd() + ["--port", "notaport"], capture_output=True, text=True, timeout=30, env=server_env())
    assert r.returncode == 1
    assert "FATAL CONFIG FILE ERROR" in r.stderr


def test_daemonize_writes_pidfile_and_detaches(tmp_path):
    port = free_port()
    pidfile = tmp_path / "fc.pid"
    logfile = tmp_path / "fc.log"
    r = subprocess.run(fastcache_cmd() + ["--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes",
                                          "--pidfile", str(pidfile), "--logfile", str(logfile),
                                          "--dir", str(tmp_path), "--save", ""],
                       capture_output=True, timeout=30, env=server_env())
    assert r.returncode == 0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            c = RawClient("127.0.0.1", port)
            break
        except OSError:
            time.sleep(0.1)
    else:
        raise AssertionError("daemon did not start: %s" % (logfile.read_text() if logfile.exists() else ""))
    pid = int(pidfile.read_text())
    assert pid != r.returncode and os.path.exists("/proc/%d" % pid)
    c.send(b"SHUTDOWN NOSAVE\r\n")
    c.read_until_close()
    for _ in range(100):
        if not os.path.exists("/proc/%d" % pid) or open("/proc/%d/stat" % pid).read().split()[2] == "Z":
            break
        time.sleep(0.1)
    assert not pidfile.exists()
    assert "Ready to accept connections" in logfile.read_text()


def test_python_dash_m_and_console_script_agree():
    out = subprocess.run([sys.executable, "-m", "fastcache", "--version"], capture_output=True, text=True,
                         timeout=30, env=server_env())
    assert out.returncode == 0 and "redis_version=7.0.15" in out.stdout
