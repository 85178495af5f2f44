"""Pub/sub fan-out load: one publisher, N subscribers, bounded in messages and time.

redis-benchmark cannot subscribe, so this is the bench's own loader: raw sockets
driven by one epoll loop in the bench process (pinned to the load-generator core
like every other generator).  The publisher keeps `pipeline` PUBLISH commands in
flight; every message has the same size, so replies and deliveries are counted
by bytes, which keeps the loader far cheaper per message than the server.

Figures per run: publish/s (PUBLISH replies received / wall time), delivered
messages/s (bytes received by all subscribers / message size / wall time), and
server CPU µs per PUBLISH.  A run is valid only if every subscriber got every
message and every PUBLISH answered the subscriber count.
"""
from __future__ import annotations

import select
import socket
import time

from .resp import encode


DRAIN_S = 0.002        # how often the subscribers are read


def _connect(host: str, port: int, rcvbuf: int = 0) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def _read_exact_lines(s: socket.socket, n_crlf: int) -> bytes:
    got = b""
    while got.count(b"\r\n") < n_crlf:
        chunk = s.recv(65536)
        if not chunk:
            raise OSError("server closed the connection during setup")
        got += chunk
    return got


def run_fanout(server, *, subscribers: int = 50, messages: int = 100_000, pipeline: int = 16,
               size: int = 64, channel: str = "bench:fanout", timeout: float = 60.0) -> dict:
    """One timed fan-out run against `server` (bench.servers.Server); a round dict with
    rps (publishes/s), delivered_per_s, cpu_us (server CPU per publish) or {"error": ...}."""
    payload = b"v" * size
    ch = channel.encode()
    subs = []
    pub = None
    try:
        for _ in range(subscribers):
            s = _connect(server.host, server.port, rcvbuf=4 << 20)
            s.sendall(encode("SUBSCRIBE", ch))
            _read_exact_lines(s, 6)            # *3 $9 subscribe $n ch :1
            s.setblocking(False)
            subs.append(s)
        pub = _connect(server.host, server.port)
        pub.sendall(encode("PUBSUB", "NUMSUB", ch))
        numsub = _read_exact_lines(pub, 4)     # *2 $n ch :N
        if not numsub.endswith(b":%d\r\n" % subscribers):
            return {"error": f"PUBSUB NUMSUB: {numsub[:80]!r}"}
        pub.setblocking(False)
        one_cmd = encode("PUBLISH", ch, payload)
        reply = b":%d\r\n" % subscribers
        msg_len = len(b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(ch), ch, size, payload))
        want_per_sub = msg_len * messages

        # Subscribers are drained in one pass every DRAIN_S (their receive buffers
        # hold far more than that), so the loader's cost per message stays small
        # next to the server's: at 50 subscribers, reading each delivery as it
        # arrives would make the Python loader the bottleneck.
        got = [0] * subscribers
        ep = select.epoll()
        pub_fd = pub.fileno()
        ep.register(pub_fd, select.EPOLLIN)
        sent = 0
        replies_bytes = 0
        out = b""
        cpu0 = server.cpu()
        t0 = time.perf_counter()
        deadline = t0 + timeout
        next_drain = t0

        def drain() -> bool:
            done = True
            for i, s in enumerate(subs):
                while got[i] < want_per_sub:
                    try:
                        data = s.recv(1 << 20)
                    except BlockingIOError:
                        break
                    if not data:
                        raise OSError("a subscriber was disconnected")
                    got[i] += len(data)
                if got[i] < want_per_sub:
                    done = False
            return done

        while True:
            now = time.perf_counter()
            if now > deadline:
                return {"error": f"timeout after {timeout}s: {replies_bytes // len(reply)} replies, "
                                 f"{sum(got) // msg_len} deliveries"}
            in_flight = sent - replies_bytes // len(reply)
            if not out and sent < messages and in_flight < pipeline:
                k = min(pipeline - in_flight, messages - sent)
                out = one_cmd * k
                sent += k
            if out:
                try:
                    n = pub.send(out)
                    out = out[n:]
                except BlockingIOError:
                    pass
            if replies_bytes < len(reply) * messages:
                if ep.poll(0.002):
                    data = pub.recv(1 << 20)
                    if not data:
                        return {"error": "publisher connection closed"}
                    replies_bytes += len(data)
            if now >= next_drain or replies_bytes >= len(reply) * messages:
                if drain() and replies_bytes >= len(reply) * messages:
                    break
                next_drain = time.perf_counter() + DRAIN_S
                if replies_bytes >= len(reply) * messages:
                    time.sleep(0.0005)
        wall = time.perf_counter() - t0
        cpu1 = server.cpu()
        ep.close()
        if any(v != want_per_sub for v in got):
            return {"error": "a subscriber got more or fewer bytes than sent"}
        if replies_bytes != len(reply) * messages:
            return {"error": "unexpected PUBLISH replies"}
        r = {"rps": messages / wall, "delivered_per_s": messages * subscribers / wall}
        if cpu0 is not None and cpu1 is not None:
            r["cpu_us"] = (cpu1 - cpu0) / messages * 1e6
        return r
    finally:
        for s in subs:
            s.close()
        if pub is not None:
            pub.close()
