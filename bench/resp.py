"""A tiny synchronous RESP2 client and pipelined bulk loader for the bench.

Deliberately independent of redis-py: the loader must push a million commands in a few seconds,
and the bench must work against a server that answers only a handful of commands.
"""
from __future__ import annotations

import socket


class RespError(Exception):
    """An error reply (``-ERR ...``) from the server; ``str()`` is the reply text."""


def encode(*args) -> bytes:
    """Encode one command as a RESP multibulk (bytes, str and int arguments)."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = b"%d" % a
        elif isinstance(a, float):
            a = repr(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    """One blocking connection. ``call`` parses any RESP2 reply; ``pipeline`` is the fast path."""

    def __init__(self, host: str, port: int, timeout: float = 60.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- generic reply parser (slow path: INFO, CONFIG, DBSIZE ...) --------------------------
    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("server closed the connection")
        if self.pos:
            del self.buf[: self.pos]
            self.pos = 0
        self.buf += chunk

    def _line(self) -> bytes:
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos : i])
                self.pos = i + 2
                return line
            self._fill()

    def _read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RespError(rest.decode(errors="replace"))
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            data = bytes(self.buf[self.pos : self.pos + n])
            self.pos += n + 2
            return data
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise ConnectionError(f"unexpected reply line {line[:80]!r}")

    def call(self, *args):
        """Send one command and return its reply; error replies raise ``RespError``."""
        self.sock.sendall(encode(*args))
        r = self._read()
        if isinstance(r, RespError):
            raise r
        return r

    # -- pipelined fast path ------------------------------------------------------------------
    def pipeline(self, payload: bytes, count: int, lines: int = 1) -> tuple[int, str | None]:
        """Send ``count`` pre-encoded commands at once and swallow their replies.

        Only for commands whose every reply has a fixed number of lines, ``lines`` (1 for
        ``+OK``, ``:n``, ``$-1``, ``-ERR``; 21 for an array of ten bulk strings): replies are
        counted by newlines instead of parsed, which keeps the Python side far cheaper than
        the server it measures. Returns (number of error replies, first error).
        """
        count *= lines
        assert self.pos == len(self.buf), "pipeline() after a partial call()"
        self.buf.clear()
        self.pos = 0
        self.sock.sendall(payload)
        seen = errors = 0
        first_err = None
        at_start = True          # is the next byte the first byte of a reply line?
        recv = self.sock.recv
        while seen < count:
            chunk = recv(1 << 20)
            if not chunk:
                raise ConnectionError("server closed the connection during a pipeline")
            seen += chunk.count(b"\n")
            n_err = chunk.count(b"\n-") + (1 if at_start and chunk[:1] == b"-" else 0)
            if n_err:
                # rare path; an error line split across two recv() calls is reported truncated
                errors += n_err
                if first_err is None:
                    i = 0 if (at_start and chunk[:1] == b"-") else chunk.index(b"\n-") + 1
                    j = chunk.find(b"\r", i)
                    first_err = chunk[i + 1 : j if j > 0 else None].decode(errors="replace")
            at_start = chunk.endswith(b"\n")
        if seen != count:
            raise ConnectionError(f"expected {count} replies, counted {seen}")
        return errors, first_err


def load(conn: Conn, commands, batch: int = 5000) -> tuple[int, int, str | None]:
    """Pipeline an iterable of argument tuples in batches.

    Returns (commands sent, error replies, first error text).
    """
    sent = errs = 0
    first = None
    parts: list[bytes] = []
    for args in commands:
        parts.append(encode(*args))
        if len(parts) >= batch:
            e, f = conn.pipeline(b"".join(parts), len(parts))
            sent += len(parts)
            errs += e
            first = first or f
            parts = []
    if parts:
        e, f = conn.pipeline(b"".join(parts), len(parts))
        sent += len(parts)
        errs += e
        first = first or f
    return sent, errs, first


def parse_info(raw: bytes | str) -> dict[str, str]:
    """INFO text -> {field: value} (section headers and blank lines dropped)."""
    if isinstance(raw, bytes):
        raw = raw.decode(errors="replace")
    out = {}
    for line in raw.splitlines():
        if line and not line.startswith("#") and ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out
