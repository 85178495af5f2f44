"""client-output-buffer-limit for subscribers: a subscriber that stops reading
is disconnected at the pubsub class's hard limit (at once) or after staying over
the soft limit for its seconds, and the server's memory stays bounded.

Each test runs against fastcache and, to validate the test itself, against the
reference redis-server (same scenario, same expectations)."""
import socket
import time

import pytest

from support.resp import RawClient, encode_command, parse
from support.servers import rss_bytes

KINDS = ["fc", "ref"]


def _silent_subscriber(srv, channel):
    """A raw socket subscriber with a small receive buffer that never reads after
    the SUBSCRIBE confirmation."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    s.connect((srv.host, srv.port))
    s.sendall(encode_command("SUBSCRIBE", channel))
    got = b""
    while got.count(b"\r\n") < 6:
        got += s.recv(4096)
    return s


def _numsub(c, channel):
    return parse(c.call("PUBSUB", "NUMSUB", channel))[1]


def _wait_numsub(c, channel, want, timeout=10.0):
    deadline = time.monotonic() + timeout
    while _numsub(c, channel) != want:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_subscriber_that_stops_reading_is_closed_at_hard_limit_and_rss_stays_bounded(kind, server_factory):
    srv = server_factory(kind)
    pub = RawClient(srv.host, srv.port, timeout=30)
    reader = RawClient(srv.host, srv.port, timeout=30)
    ch = "slow-reader"
    sub = _silent_subscriber(srv, ch)
    # a well-behaved subscriber on the same channel keeps receiving everything
    good = RawClient(srv.host, srv.port, timeout=30)
    good.call("SUBSCRIBE", ch)
    assert _wait_numsub(reader, ch, 2)
    rss0 = rss_bytes(srv.pid)
    peak = rss0
    msg = b"x" * (1 << 20)
    total = 0
    counts = []
    received = 0
    # 200 MB in total, in batches of 4 x 1 MB; the good subscriber drains as we go
    while total < 200 << 20:
        replies = pub.pipeline([("PUBLISH", ch, msg)] * 4)
        counts += [parse(r) for r in replies]
        total += 4 << 20
        for _ in range(4):
            good.read_reply()
            received += 1
        peak = max(peak, rss_bytes(srv.pid))
    # the silent subscriber was dropped: later publishes reach only the good one
    assert counts[0] == 2
    assert counts[-1] == 1, counts[-10:]
    assert received == len(counts)
    assert _numsub(reader, ch) == 1
    # pubsub hard limit is 32 MB: the server never held much more than that for it
    assert peak - rss0 < 80 << 20, "RSS grew by %d MB" % ((peak - rss0) >> 20)
    info = bytes(parse(reader.call("CLIENT", "LIST", "TYPE", "pubsub"))).decode()
    assert info.count("\n") == 1        # only the good subscriber is left
    if kind == "fc":
        assert "scheduled to be closed ASAP for overcoming of output buffer limits" in srv.log_text()
    for c in (pub, reader, good):
        c.close()
    sub.close()


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_soft_limit_closes_after_its_seconds(kind, server_factory):
    srv = server_factory(kind)
    pub = RawClient(srv.host, srv.port, timeout=30)
    assert pub.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 2mb 1") == b"+OK\r\n"
    ch = "soft"
    sub = _silent_subscriber(srv, ch)
    assert _wait_numsub(pub, ch, 1)
    big = b"y" * (16 << 20)     # more than the kernel buffers take
    assert pub.call("PUBLISH", ch, big) == b":1\r\n"      # over the soft limit: clock starts
    assert pub.call("PUBLISH", ch, "small") == b":1\r\n"  # still within its 1 s
    # the output the subscriber hasn't taken shows as omem (and in tot-mem)
    line = bytes(parse(pub.call("CLIENT", "LIST", "TYPE", "pubsub"))).decode()
    kv = dict(x.split("=", 1) for x in line.split())
    assert int(kv["omem"]) > 2 << 20 and int(kv["tot-mem"]) > int(kv["omem"]), line
    assert "P" in kv["flags"] and kv["sub"] == "1", line
    time.sleep(2.5)
    pub.call("PUBLISH", ch, "small")                       # over it for > 1 s: closed now
    assert _wait_numsub(pub, ch, 0)
    pub.close()
    sub.close()


@pytest.mark.parametrize("kind", KINDS)
def test_reading_subscriber_under_the_limits_is_kept(kind, server_factory):
    srv = server_factory(kind)
    pub = RawClient(srv.host, srv.port, timeout=30)
    assert pub.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 512kb 60") == b"+OK\r\n"
    sub = RawClient(srv.host, srv.port, timeout=30)
    sub.call("SUBSCRIBE", "ok")
    msg = b"z" * 200_000
    for _ in range(30):     # 6 MB in total, read as it comes: never over the limits
        assert pub.call("PUBLISH", "ok", msg) == b":1\r\n"
        assert parse(sub.read_reply())[2] == msg
    assert _numsub(pub, "ok") == 1
    pub.close()
    sub.close()


@pytest.mark.parametrize("kind", KINDS)
def test_normal_class_limit_closes_a_client_not_reading_a_big_reply(kind, server_factory):
    srv = server_factory(kind)
    c = RawClient(srv.host, srv.port, timeout=30)
    assert c.call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0") == b"+OK\r\n"
    assert c.call("SET", "big", b"b" * (16 << 20)) == b"+OK\r\n"
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    s.connect((srv.host, srv.port))
    s.sendall(encode_command("CLIENT", "SETNAME", "bigreader") + encode_command("GET", "big"))
    deadline = time.monotonic() + 10
    while b"name=bigreader" in bytes(parse(c.call("CLIENT", "LIST"))):
        assert time.monotonic() < deadline, "the client was not closed"
        time.sleep(0.05)
    # a small reply stays well under the limit
    assert c.call("STRLEN", "big") == b":%d\r\n" % (16 << 20)
    s.close()
    c.close()
