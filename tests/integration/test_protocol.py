"""Protocol-level behaviour: RESP framing, inline commands, protocol errors and limits,
pipelining, big values, many clients, garbage input, and real clients/tools.

Most tests are differential (the reference redis-server 7.0.15 is the oracle, byte for
byte).  Tests that change server-wide limits use private servers from ``server_factory``.
"""

from __future__ import annotations

import hashlib
import random
import resource
import shutil
import subprocess
import time

import pytest

from support.diff import format_mismatch
from support.resp import ConnectionClosed, RawClient, ReplyTimeout, encode_command, parse
from support.servers import rss_bytes

# ------------------------------------------------------------------------------------------
# inline commands


INLINE_CASES = [
    # (raw request, number of replies)
    (b"PING\r\n", 1),
    (b"PING\n", 1),  # a bare LF ends an inline command too
    (b"\r\n\r\nPING\r\n  \r\nPING\n", 2),  # empty and blank lines are ignored, no reply
    (b'SET k "\\x41\\n\\t\\"q" \r\nGET k\r\n', 2),  # escapes inside double quotes
    (b'SET "a b" "c d"\r\nGET "a b"\r\n', 2),
    (b"ECHO 'it\\'s'\r\n", 1),  # the only escape inside single quotes
    (b'ECHO "\\xzz"\r\n', 1),  # an invalid \x escape is kept literally (as "xzz")
    (b'ECHO "\\x4"\r\n', 1),
    (b'ECHO "\\a\\b\\r\\z"\r\n', 1),
    (b'ECHO ""\r\n', 1),
    (b"ECHO ''\r\n", 1),
    (b"SET\tk\t v \r\nGET k\r\n", 2),  # tabs and runs of spaces separate arguments
    (b"NOSUCHCMD a b\r\n", 1),
    (b"set K 1\r\nincr K\r\nGeT K\r\n", 3),  # command names are case-insensitive
    (b"HELLO 4\r\n", 1),
]


@pytest.mark.parametrize("raw,replies", INLINE_CASES, ids=[repr(c[0])[:40] for c in INLINE_CASES])
def test_inline_command_replies_match_reference(diff, raw, replies):
    diff.check_raw(raw, replies)
    # The connection must still be usable afterwards.
    diff.check("PING")


@pytest.mark.parametrize("raw", [
    b'SET k "unbalanced\r\n',
    b"SET k 'a\r\n",
    b'SET k "a"b\r\n',  # a closing quote must be followed by a space or the end
    b"PING\r\nECHO 'it''s'\r\n",  # the PONG is sent, then the error
])
def test_inline_unbalanced_quotes_error_then_close(diff, raw):
    out = diff.check_raw_then_close(raw)
    assert out.endswith(b"-ERR Protocol error: unbalanced quotes in request\r\n")


def test_too_big_inline_request_error_then_close(diff):
    # More than 64 KiB without a newline.
    out = diff.check_raw_then_close(b"a" * 70000)
    assert out == b"-ERR Protocol error: too big inline request\r\n"


# ------------------------------------------------------------------------------------------
# multibulk framing


PROTOCOL_ERRORS = [
    b"*abc\r\n",
    b"*+1\r\n$4\r\nPING\r\n",
    b"*1 \r\n$4\r\nPING\r\n",
    b"*0\r\n*  1\r\n",
    b"*2147483648\r\n",  # above INT_MAX
    b"*1\r\n$abc\r\n",
    b"*1\r\n$-1\r\n",  # a null bulk is not a valid request argument
    b"*1\r\n$04\r\nPING\r\n",  # leading zeros are rejected
    b"*1\r\n$536870913\r\n",  # one over the default proto-max-bulk-len (512 MB)
    b"*1\r\nx\r\n",
    b"*2\r\n$4\r\nECHO\r\n:1\r\n",
    b"*1\r\n$4\r\nPING\r\n*1\n$4\r\nPING\r\n",  # first command served, then the error
    b"*" + b"1" * 70000,
    b"*1\r\n$" + b"1" * 70000,
]


@pytest.mark.parametrize("raw", PROTOCOL_ERRORS, ids=[repr(r)[:40] for r in PROTOCOL_ERRORS])
def test_protocol_error_text_then_close(diff, raw):
    out = diff.check_raw_then_close(raw)
    assert b"-ERR Protocol error: " in out


def test_protocol_error_does_not_affect_other_clients(diff, fc_server):
    with RawClient(fc_server.host, fc_server.port) as bad:
        bad.send(b"*1\r\nx\r\n")
        bad.read_until_close(5)
    diff.check("SET", "k", "v")
    diff.check("GET", "k")


@pytest.mark.parametrize("raw,replies", [
    (b"*-1\r\n*0\r\nPING\r\n", 1),  # *-1 and *0 are skipped silently
    (b"*1\r\n$4\r\nPINGxx", 1),  # the two bytes after a bulk are skipped, not checked
    (b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPINGx\r\n", 2),
    (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nabcde\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", 2),
    (b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", 1),
    (b"*1\r\n$4\r\nping\r\n*2\r\n$4\r\necho\r\n$3\r\n\x00\r\n\r\n", 2),  # binary-safe bulk
])
def test_multibulk_framing_quirks_match_reference(diff, raw, replies):
    diff.check_raw(raw, replies)
    diff.check("PING")


def _send_split(client: RawClient, raw: bytes, cuts: list[int], pause: float = 0.002) -> None:
    # TCP_NODELAY is on and we pause between writes, so each piece arrives on its own read.
    prev = 0
    for cut in cuts + [len(raw)]:
        client.send(raw[prev:cut])
        prev = cut
        time.sleep(pause)


def test_multibulk_split_at_every_byte_boundary(ref, fc):
    raw = encode_command("SET", "key", "hello") + encode_command("GET", "key")
    for i in range(1, len(raw)):
        for c in (ref, fc):
            _send_split(c, raw, [i], pause=0.001)
        r = ref.read_replies(2)
        f = fc.read_replies(2)
        assert r == f, format_mismatch(f"split at byte {i}", r, f)
        assert r == [b"+OK\r\n", b"$5\r\nhello\r\n"]


def test_multibulk_one_byte_at_a_time(ref, fc):
    raw = (encode_command("SET", "k", "v" * 40) + encode_command("APPEND", "k", "\r\n")
           + encode_command("STRLEN", "k") + b"PING\r\n")
    for c in (ref, fc):
        _send_split(c, raw, list(range(1, len(raw))), pause=0.0005)
    assert ref.read_replies(4) == fc.read_replies(4) == [b"+OK\r\n", b":42\r\n", b":42\r\n", b"+PONG\r\n"]


def test_inline_split_at_every_byte_boundary(ref, fc):
    raw = b'SET k "a b"\r\nGET k\r\n'
    for i in range(1, len(raw)):
        for c in (ref, fc):
            _send_split(c, raw, [i], pause=0.001)
        r, f = ref.read_replies(2), fc.read_replies(2)
        assert r == f == [b"+OK\r\n", b"$3\r\na b\r\n"], format_mismatch(f"inline split at {i}", r, f)


# ------------------------------------------------------------------------------------------
# limits: authentication, proto-max-bulk-len, client-query-buffer-limit


def _outcomes(servers, raw: bytes, wait: float = 1.0) -> list[tuple[bytes, bool]]:
    """For each server: (bytes received, closed by the server?) after sending raw on a new
    connection.  All servers get the request before any is read, so waits overlap."""
    clients = [RawClient(s.host, s.port, timeout=5) for s in servers]
    try:
        for c in clients:
            try:
                c.send(raw)
            except OSError:
                pass  # the server may close while we are still writing a big payload
        deadline = time.monotonic() + wait
        out = []
        for c in clients:
            try:
                out.append((c.read_until_close(max(0.05, deadline - time.monotonic())), True))
            except ReplyTimeout as e:
                out.append((e.partial, False))
            except ConnectionClosed as e:
                out.append((e.partial, True))
        return out
    finally:
        for c in clients:
            c.close()


@pytest.fixture
def auth_servers(server_factory):
    ref = server_factory("ref", ["--requirepass", "s3cret"], password="s3cret")
    fc = server_factory("fc", ["--requirepass", "s3cret"], password="s3cret")
    return ref, fc


@pytest.mark.parametrize("raw", [
    b"*11\r\n",  # more than 10 arguments before AUTH is refused
    b"*10\r\n",
    b"*1\r\n$16385\r\n",  # a bulk over 16 KiB before AUTH is refused
    b"*1\r\n$16384\r\n",
    b"PING\r\n",
    b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
    b"AUTH wrong\r\n",
    b"AUTH s3cret\r\n*11\r\n",  # after AUTH the small limits no longer apply
])
def test_unauthenticated_request_limits(auth_servers, raw):
    r, f = _outcomes(auth_servers, raw, wait=0.7)
    assert r == f, format_mismatch(repr(raw), r, f)


@pytest.fixture
def limited_servers(server_factory):
    args = ["--proto-max-bulk-len", "1mb", "--client-query-buffer-limit", "1mb"]
    return server_factory("ref", args), server_factory("fc", args)


@pytest.mark.parametrize("raw", [
    b"*1\r\n$1048577\r\n",  # over proto-max-bulk-len: refused on the header alone
    b"*1\r\n$1048576\r\n",  # exactly the limit: accepted, the server waits for the data
    encode_command("SET", "k", b"x" * 500_000) + encode_command("STRLEN", "k"),
    encode_command("SET", "k", b"x" * 600_000) * 3,  # queries add up only while buffered
    encode_command("SET", "k", b"x" * 2_000_000),  # over client-query-buffer-limit: closed, no reply
], ids=["over-bulk-len", "at-bulk-len", "500k", "3x600k", "over-querybuf"])
def test_proto_max_bulk_len_and_query_buffer_limit(limited_servers, raw):
    r, f = _outcomes(limited_servers, raw)
    assert r == f, format_mismatch(repr(raw[:60]), r, f)
    # Both keep serving other clients.
    for s in limited_servers:
        with RawClient(s.host, s.port) as c:
            assert c.call("PING") == b"+PONG\r\n"


def test_limits_reported_by_config_get(limited_servers):
    ref, fc = limited_servers
    for name in ("proto-max-bulk-len", "client-query-buffer-limit"):
        with RawClient(ref.host, ref.port) as r, RawClient(fc.host, fc.port) as f:
            assert r.call("CONFIG", "GET", name) == f.call("CONFIG", "GET", name)


def test_huge_bulk_headers_do_not_allocate(fc_server):
    """Announcing a 512 MB bulk and sending a few bytes must not make the server commit
    that memory (it may reserve address space, not resident pages)."""
    before = rss_bytes(fc_server.pid)
    clients = []
    try:
        for _ in range(20):
            c = RawClient(fc_server.host, fc_server.port)
            c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870000\r\n" + b"x" * 100_000)
            clients.append(c)
        time.sleep(0.5)
        with RawClient(fc_server.host, fc_server.port) as probe:
            assert probe.call("PING") == b"+PONG\r\n"
        after = rss_bytes(fc_server.pid)
        # 20 x 100 kB really arrived; allow generous slack but nowhere near 20 x 512 MB.
        assert after - before < 256 << 20, f"RSS grew from {before >> 20} MB to {after >> 20} MB"
    finally:
        for c in clients:
            c.close()


# ------------------------------------------------------------------------------------------
# pipelining and big payloads


def test_pipeline_10000_commands_in_one_write(diff):
    cmds = []
    for i in range(10_000):
        k = f"key:{i % 97}"
        op = i % 5
        if op == 0:
            cmds.append(["SET", k, str(i)])
        elif op == 1:
            cmds.append(["INCR", k])
        elif op == 2:
            cmds.append(["GET", k])
        elif op == 3:
            cmds.append(["APPEND", k, "x"])  # makes some INCRs fail with "not an integer"
        else:
            cmds.append(["EXISTS", k, "nokey"])
    replies = diff.check_many(cmds)
    assert len(replies) == 10_000


def test_pipeline_10000_inline_commands(diff):
    raw = b"".join(b"INCR counter\r\n" for _ in range(10_000))
    replies = diff.check_raw(raw, 10_000)
    assert replies[-1] == b":10000\r\n"


def _big_value(size: int) -> bytes:
    # Not compressible/periodic in a way a bug could hide behind: a repeated 1 MiB random block
    # with a per-block counter.
    rnd = random.Random(1234)
    block = rnd.randbytes(1 << 20)
    out = bytearray()
    i = 0
    while len(out) < size:
        out += i.to_bytes(4, "little") + block
        i += 1
    return bytes(out[:size])


@pytest.mark.slow
def test_100mb_value_set_get_roundtrip(fc_server):
    size = 100 * 1000 * 1000
    value = _big_value(size)
    digest = hashlib.sha256(value).hexdigest()
    with RawClient(fc_server.host, fc_server.port, timeout=60) as c:
        assert c.call("SET", "big", value) == b"+OK\r\n"
        del value
        assert c.call("STRLEN", "big") == b":%d\r\n" % size
        raw = c.call("GET", "big")
        header = b"$%d\r\n" % size
        assert raw.startswith(header) and raw.endswith(b"\r\n")
        body = memoryview(raw)[len(header):-2]
        assert len(body) == size
        assert hashlib.sha256(body).hexdigest() == digest
        assert c.call("GETRANGE", "big", str(size - 3), "-1") == b"$3\r\n" + bytes(body[-3:]) + b"\r\n"
        assert c.call("DEL", "big") == b":1\r\n"


# ------------------------------------------------------------------------------------------
# many clients and garbage


def _raise_nofile(n: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        new = n if hard == resource.RLIM_INFINITY else min(n, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < n:
        pytest.skip(f"cannot raise RLIMIT_NOFILE to {n}")


def test_1000_concurrent_clients(fc_server, fc):
    n = 1000
    _raise_nofile(n + 200)
    clients = []
    try:
        for i in range(n):
            clients.append(RawClient(fc_server.host, fc_server.port, timeout=20))
        # Every connection is open at once; each writes, then all are read.
        for i, c in enumerate(clients):
            c.send(encode_command("SET", f"client:{i}", str(i)) + encode_command("INCR", "shared"))
        for i, c in enumerate(clients):
            assert c.read_reply() == b"+OK\r\n", f"client {i}"
            assert c.read_reply().startswith(b":"), f"client {i}"
        for i, c in enumerate(clients):
            c.send(encode_command("GET", f"client:{i}"))
        for i, c in enumerate(clients):
            v = str(i).encode()
            assert c.read_reply() == b"$%d\r\n%s\r\n" % (len(v), v)
        with RawClient(fc_server.host, fc_server.port) as probe:
            assert probe.call("GET", "shared") == b"$4\r\n1000\r\n"
            assert probe.call("DBSIZE") == b":1001\r\n"
    finally:
        for c in clients:
            c.close()


_TEMPLATES = [
    encode_command("SET", "g:key", "value"),
    encode_command("GET", "g:key"),
    encode_command("INCRBY", "g:n", "10"),
    encode_command("ECHO", "hello world"),
    encode_command("MSET", "g:a", "1", "g:b", "2"),
    b"PING\r\n",
    b'SET g:q "quoted \\x41"\r\n',
    b"*3\r\n$3\r\nSET\r\n",
]


def _garbage(rnd: random.Random) -> bytes:
    kind = rnd.randrange(4)
    if kind == 0:  # pure random bytes
        return rnd.randbytes(rnd.randrange(1, 300))
    if kind == 1:  # random bytes biased towards protocol characters
        alphabet = b"*$:+-\r\n0123456789 \"'\\x"
        return bytes(rnd.choice(alphabet) for _ in range(rnd.randrange(1, 200)))
    # mutated valid requests: flip, insert or delete bytes
    data = bytearray(b"".join(rnd.choice(_TEMPLATES) for _ in range(rnd.randrange(1, 5))))
    for _ in range(rnd.randrange(1, 4)):
        pos = rnd.randrange(len(data))
        op = rnd.randrange(3)
        if op == 0:
            data[pos] = rnd.randrange(256)
        elif op == 1:
            data.insert(pos, rnd.choice(b"*$\r\n-0123456789"))
        elif len(data) > 1:
            del data[pos]
    return bytes(data)


def test_garbage_clients_do_not_hurt_the_server(fc_server):
    rnd = random.Random(20240501)
    with RawClient(fc_server.host, fc_server.port) as keeper:
        assert keeper.call("SET", "keeper", "alive") == b"+OK\r\n"
        for round_ in range(5):
            bad = []
            for _ in range(40):
                c = RawClient(fc_server.host, fc_server.port, timeout=2)
                try:
                    c.send(_garbage(rnd))
                except OSError:
                    pass
                bad.append(c)
            for c in bad:
                c.read_available(0.01)
                c.close()
            assert fc_server.is_running(), f"server died in garbage round {round_}:\n{fc_server.log_text(4000)}"
            assert keeper.call("PING") == b"+PONG\r\n"
            assert keeper.call("GET", "keeper") == b"$5\r\nalive\r\n"


def test_garbage_replies_match_reference(ref_server, fc_server, diff):
    """The same garbage to both servers: the same replies, and the same decision to close."""
    rnd = random.Random(7)
    cases = [_garbage(rnd) for _ in range(40)]
    pairs = []
    try:
        for raw in cases:
            r = RawClient(ref_server.host, ref_server.port, timeout=2)
            f = RawClient(fc_server.host, fc_server.port, timeout=2)
            for c in (r, f):
                try:
                    c.send(raw)
                except OSError:
                    pass
            pairs.append((raw, r, f))
        time.sleep(0.5)
        for raw, r, f in pairs:
            rr = (r.read_available(0.05), r.closed)
            ff = (f.read_available(0.05), f.closed)
            assert rr == ff, format_mismatch(f"garbage {raw!r}", rr, ff)
    finally:
        for _, r, f in pairs:
            r.close()
            f.close()
    diff.check("PING")


# ------------------------------------------------------------------------------------------
# RESP3


def test_resp3_replies_match_reference(diff):
    diff.hello3()
    diff.check("GET", "missing")  # null is _ in RESP3
    diff.check("SET", "k", "v")
    diff.check("CONFIG", "GET", "maxmemory")  # a map in RESP3
    diff.check("EXISTS", "k")
    diff.check("INCRBYFLOAT", "f", "1.5")
    diff.check("MGET", "k", "missing", "f")
    diff.check("HELLO", "4")
    diff.hello2()
    diff.check("GET", "missing")


# ------------------------------------------------------------------------------------------
# real clients and tools


def test_redis_py_with_hiredis_smoke(fc_server):
    redis = pytest.importorskip("redis")
    from redis.utils import HIREDIS_AVAILABLE

    assert HIREDIS_AVAILABLE, "hiredis is a test dependency: the fast parser must be exercised"
    for protocol in (2, 3):
        r = redis.Redis(host=fc_server.host, port=fc_server.port, protocol=protocol,
                        socket_timeout=10)
        try:
            r.flushall()
            assert r.ping() is True
            assert r.set("greeting", "hello") is True
            assert r.get("greeting") == b"hello"
            assert r.get("missing") is None
            assert r.incr("counter") == 1
            assert r.incrby("counter", 41) == 42
            assert r.append("greeting", " world") == 11
            assert r.mget("greeting", "missing", "counter") == [b"hello world", None, b"42"]
            assert r.set("ttl", "x", ex=100) is True
            assert 0 < r.ttl("ttl") <= 100
            assert r.exists("greeting", "counter", "missing") == 2
            assert r.delete("greeting") == 1
            pipe = r.pipeline(transaction=False)
            for i in range(100):
                pipe.set(f"p:{i}", i)
                pipe.get(f"p:{i}")
            out = pipe.execute()
            assert out[1::2] == [str(i).encode() for i in range(100)]
            with pytest.raises(redis.ResponseError, match="value is not an integer"):
                r.execute_command("INCRBY", "counter", "x")
        finally:
            r.close()


def _cli(server, *args, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["redis-cli", "-h", server.host, "-p", str(server.port), *args],
                          input=stdin, capture_output=True, timeout=60)


@pytest.mark.skipif(shutil.which("redis-cli") is None, reason="redis-cli not installed")
def test_redis_cli_smoke_matches_reference(ref_server, fc_server, ref, fc):
    script = [
        ["PING"],
        ["SET", "cli:k", "hello world"],
        ["GET", "cli:k"],
        ["GET", "cli:missing"],
        ["INCR", "cli:n"],
        ["INCRBY", "cli:n", "x"],
        ["MGET", "cli:k", "cli:missing", "cli:n"],
        ["NOSUCHCMD"],
    ]
    for extra in ([], ["--raw"], ["--no-raw"], ["-3"]):
        ref.call("FLUSHALL")
        fc.call("FLUSHALL")
        for argv in script:
            r = _cli(ref_server, *extra, *argv)
            f = _cli(fc_server, *extra, *argv)
            assert (r.returncode, r.stdout) == (f.returncode, f.stdout), \
                format_mismatch(f"redis-cli {' '.join(extra + argv)}", (r.returncode, r.stdout, r.stderr),
                                (f.returncode, f.stdout, f.stderr))
    # Pipe mode (mass insertion) speaks raw RESP.
    payload = b"".join(encode_command("SET", f"pipe:{i}", str(i)) for i in range(1000))
    f = _cli(fc_server, "--pipe", stdin=payload)
    assert f.returncode == 0, f.stdout + f.stderr
    assert b"errors: 0, replies: 1000" in f.stdout, f.stdout
    assert fc.call("GET", "pipe:999") == b"$3\r\n999\r\n"


# redis-benchmark's default test list, with the command each test needs.
BENCHMARK_TESTS = {
    "ping_inline": "ping", "ping_mbulk": "ping", "set": "set", "get": "get", "incr": "incr",
    "lpush": "lpush", "rpush": "rpush", "lpop": "lpop", "rpop": "rpop", "sadd": "sadd", "hset": "hset",
    "spop": "spop", "zadd": "zadd", "zpopmin": "zpopmin", "lrange_100": "lrange", "lrange_300": "lrange",
    "lrange_500": "lrange", "lrange_600": "lrange", "mset": "mset",
}


@pytest.mark.skipif(shutil.which("redis-benchmark") is None, reason="redis-benchmark not installed")
def test_redis_benchmark_default_tests_run_without_errors(fc_server):
    """Every test of redis-benchmark's default list whose command the server
    implements (COMMAND INFO tells) runs with no error; the list grows with the
    server, and the string/keyspace ones must always be there."""
    c = RawClient(fc_server.host, fc_server.port)
    names = list(dict.fromkeys(BENCHMARK_TESTS.values()))
    info = parse(c.call("COMMAND", "INFO", *names))
    have = {n for n, i in zip(names, info) if i is not None}
    assert {"ping", "set", "get", "incr", "mset"} <= have
    tests = [t for t, cmd in BENCHMARK_TESTS.items() if cmd in have]
    p = subprocess.run(
        ["redis-benchmark", "-h", fc_server.host, "-p", str(fc_server.port),
         "-t", ",".join(tests), "-n", "2000", "-c", "20", "-q"],
        capture_output=True, timeout=300)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    assert p.returncode == 0, out
    bad = [line for line in out.splitlines() if "rror" in line or "ERR" in line]
    assert not bad, "redis-benchmark reported errors:\n" + "\n".join(bad[:20])
    # One result line per test (-q prints "NAME: N requests per second ...").
    for name in tests:
        assert name.upper().split("_")[0] in out, f"no result for {name}:\n{out}"
    assert fc_server.is_running()
