"""A raw RESP client for tests: it returns the exact bytes of each reply.

Differential tests compare these bytes between fastcache and the reference server, so the
client must never reinterpret a reply.  ``read_reply`` frames exactly one reply of any RESP2
or RESP3 type (aggregates nested to any depth; an attribute ``|`` is framed together with
the reply it decorates; a push ``>`` is returned as its own reply).  ``parse`` turns raw
bytes into Python values for assertions.  Every read has a timeout so a misbehaving server
fails a test instead of hanging it.
"""

from __future__ import annotations

import socket
import time
from typing import Iterable, Sequence

__all__ = [
    "RawClient",
    "RespError",
    "Push",
    "Verbatim",
    "ConnectionClosed",
    "ReplyTimeout",
    "encode_command",
    "frame",
    "parse",
    "parse_all",
]

DEFAULT_TIMEOUT = 10.0


class ConnectionClosed(ConnectionError):
    """The server closed the connection before a full reply arrived."""

    def __init__(self, msg: str, partial: bytes = b""):
        super().__init__(msg)
        self.partial = partial


class ReplyTimeout(TimeoutError):
    """No complete reply within the timeout; ``partial`` holds what did arrive."""

    def __init__(self, msg: str, partial: bytes = b""):
        super().__init__(msg)
        self.partial = partial


class RespError:
    """A parsed error reply (kept as a value, not raised, so it can be compared)."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message

    @property
    def code(self) -> str:
        return self.message.split(" ", 1)[0]

    def __eq__(self, other):
        return isinstance(other, RespError) and other.message == self.message

    def __hash__(self):
        return hash(("RespError", self.message))

    def __repr__(self):
        return f"RespError({self.message!r})"


class Push(list):
    """A parsed RESP3 push message (``>``)."""

    def __repr__(self):
        return f"Push({list.__repr__(self)})"


class Verbatim(bytes):
    """A parsed RESP3 verbatim string; ``fmt`` is the 3-letter format (``txt``/``mkd``)."""

    fmt: str

    def __new__(cls, fmt: str, data: bytes):
        obj = super().__new__(cls, data)
        obj.fmt = fmt
        return obj


def _to_bytes(a) -> bytes:
    if isinstance(a, bytes):
        return a
    if isinstance(a, (bytearray, memoryview)):
        return bytes(a)
    if isinstance(a, str):
        return a.encode()
    if isinstance(a, bool):
        raise TypeError("bool argument is ambiguous; pass b'1' or b'0'")
    if isinstance(a, (int, float)):
        return repr(a).encode()
    raise TypeError(f"cannot encode {type(a).__name__} as a RESP argument")


def encode_command(*args) -> bytes:
    """Encode one command as a RESP multibulk (arguments: bytes, str, int or float)."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        b = _to_bytes(a)
        parts.append(b"$%d\r\n" % len(b))
        parts.append(b)
        parts.append(b"\r\n")
    return b"".join(parts)


class _Incomplete(Exception):
    """Internal: the buffer ends before the reply does; ``need`` is a minimum total length."""

    def __init__(self, need: int = 0):
        self.need = need


_AGGREGATES = {ord("*"): 1, ord("~"): 1, ord(">"): 1, ord("%"): 2, ord("|"): 2}
_LINE_TYPES = set(b"+-:_,#(")
_BLOB_TYPES = set(b"$!=")


def _line(buf, pos: int) -> tuple[int, int]:
    """(end of line content, start of next line) for the line at pos."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise _Incomplete()
    return end, end + 2


def _frame(buf, pos: int) -> int:
    """Return the offset just past the reply starting at pos; raises _Incomplete or ValueError."""
    if pos >= len(buf):
        raise _Incomplete()
    t = buf[pos]
    end, nxt = _line(buf, pos)
    if t in _LINE_TYPES:
        return nxt
    if t in _BLOB_TYPES:
        n = int(buf[pos + 1:end])
        if n < 0:  # RESP2 null bulk ($-1)
            return nxt
        stop = nxt + n + 2
        if stop > len(buf):
            raise _Incomplete(stop)
        if buf[stop - 2:stop] != b"\r\n":
            raise ValueError(f"bulk of length {n} not terminated by CRLF at offset {stop - 2}")
        return stop
    if t in _AGGREGATES:
        n = int(buf[pos + 1:end])
        p = nxt
        for _ in range(max(n, 0) * _AGGREGATES[t]):  # *-1 is the RESP2 null array
            p = _frame(buf, p)
        if t == ord("|"):
            # An attribute is metadata for the reply that follows: frame them as one.
            p = _frame(buf, p)
        return p
    raise ValueError(f"unknown RESP type byte {bytes([t])!r} at offset {pos}: {bytes(buf[pos:pos + 40])!r}")


def frame(raw: bytes) -> int:
    """Length of the first complete reply in raw, or -1 if raw holds no complete reply."""
    try:
        return _frame(raw, 0)
    except _Incomplete:
        return -1


def _parse(buf: bytes, pos: int):
    t = buf[pos]
    end, nxt = _line(buf, pos)
    body = buf[pos + 1:end]
    if t == ord("+"):
        return body.decode("utf-8", "replace"), nxt
    if t == ord("-"):
        return RespError(body.decode("utf-8", "replace")), nxt
    if t == ord(":") or t == ord("("):
        return int(body), nxt
    if t == ord("_"):
        return None, nxt
    if t == ord("#"):
        return body == b"t", nxt
    if t == ord(","):
        return float(body), nxt  # Python accepts inf/-inf/nan as RESP3 spells them
    if t in _BLOB_TYPES:
        n = int(body)
        if n < 0:
            return None, nxt
        data = bytes(buf[nxt:nxt + n])
        if t == ord("!"):
            return RespError(data.decode("utf-8", "replace")), nxt + n + 2
        if t == ord("="):
            return Verbatim(data[:3].decode(), data[4:]), nxt + n + 2
        return data, nxt + n + 2
    if t in (ord("*"), ord("~"), ord(">")):
        n = int(body)
        if n < 0:
            return None, nxt
        items = []
        p = nxt
        for _ in range(n):
            v, p = _parse(buf, p)
            items.append(v)
        if t == ord(">"):
            return Push(items), p
        if t == ord("~"):
            try:
                return set(items), p
            except TypeError:  # unhashable members (nested aggregates): keep a list
                return items, p
        return items, p
    if t in (ord("%"), ord("|")):
        n = int(body)
        d = {}
        p = nxt
        for _ in range(n):
            k, p = _parse(buf, p)
            v, p = _parse(buf, p)
            if isinstance(k, list):
                k = tuple(k)
            d[k] = v
        if t == ord("|"):
            # Attributes are dropped from the parsed value; compare raw bytes to check them.
            return _parse(buf, p)
        return d, p
    raise ValueError(f"unknown RESP type byte {bytes([t])!r}")


def parse(raw: bytes):
    """Parse one raw reply into Python values.

    simple string -> str, error -> RespError, integer/big number -> int, bulk -> bytes,
    null -> None, array -> list, map -> dict, set -> set, double -> float, boolean -> bool,
    verbatim -> Verbatim (bytes), push -> Push (list).  Attributes are skipped.
    """
    v, end = _parse(bytes(raw), 0)
    if end != len(raw):
        raise ValueError(f"trailing bytes after reply: {bytes(raw[end:end + 40])!r}")
    return v


def parse_all(raw: bytes) -> list:
    """Parse a concatenation of replies into a list of values."""
    raw = bytes(raw)
    out, p = [], 0
    while p < len(raw):
        v, p = _parse(raw, p)
        out.append(v)
    return out


class RawClient:
    """A blocking RESP connection that hands back raw reply bytes.

    >>> c = RawClient("127.0.0.1", 6379)
    >>> c.call("SET", "k", "v")
    b'+OK\\r\\n'
    """

    def __init__(self, host: str, port: int, timeout: float = DEFAULT_TIMEOUT, *, nodelay: bool = True):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if nodelay:
            # Partial-write tests rely on each send() leaving as its own segment.
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.closed = False

    # -- writing ---------------------------------------------------------------------------

    def send(self, raw: bytes) -> None:
        """Write raw bytes as they are (inline commands, partial frames, garbage)."""
        self.sock.sendall(raw)

    def send_command(self, *args) -> None:
        self.sock.sendall(encode_command(*args))

    # -- reading ---------------------------------------------------------------------------

    def _fill(self, want: int, deadline: float) -> None:
        """Receive at least one more chunk (bigger when a long bulk is known to be coming)."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ReplyTimeout(
                f"no complete reply within {self.timeout}s from {self.host}:{self.port}; "
                f"buffered {len(self.buf)} bytes: {bytes(self.buf[:200])!r}", bytes(self.buf))
        self.sock.settimeout(remaining)
        size = max(65536, min(want - len(self.buf), 16 << 20))
        try:
            chunk = self.sock.recv(size)
        except socket.timeout:
            raise ReplyTimeout(
                f"no complete reply within {self.timeout}s from {self.host}:{self.port}; "
                f"buffered {len(self.buf)} bytes: {bytes(self.buf[:200])!r}", bytes(self.buf)) from None
        except ConnectionResetError as e:
            self.closed = True
            raise ConnectionClosed(f"connection reset: {e}; buffered {bytes(self.buf[:200])!r}",
                                   bytes(self.buf)) from None
        if not chunk:
            self.closed = True
            raise ConnectionClosed(
                f"server closed the connection; buffered {len(self.buf)} bytes: {bytes(self.buf[:200])!r}",
                bytes(self.buf))
        self.buf += chunk

    def read_reply(self, timeout: float | None = None) -> bytes:
        """Raw bytes of exactly one reply (blocking up to timeout, default the client's)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            try:
                end = _frame(self.buf, 0)
            except _Incomplete as inc:
                self._fill(inc.need, deadline)
                continue
            out = bytes(self.buf[:end])
            del self.buf[:end]
            return out

    def read_replies(self, n: int, timeout: float | None = None) -> list[bytes]:
        """n raw replies, with one overall deadline."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        out = []
        for _ in range(n):
            out.append(self.read_reply(timeout=max(0.0, deadline - time.monotonic())))
        return out

    def call(self, *args, timeout: float | None = None) -> bytes:
        """Send one command and return the raw bytes of its reply."""
        self.send_command(*args)
        return self.read_reply(timeout)

    def pcall(self, *args, timeout: float | None = None):
        """Like call, but parsed."""
        return parse(self.call(*args, timeout=timeout))

    def pipeline(self, commands: Iterable[Sequence], timeout: float | None = None) -> list[bytes]:
        """Send every command in one write, then read one raw reply per command."""
        commands = list(commands)
        self.sock.sendall(b"".join(encode_command(*argv) for argv in commands))
        return self.read_replies(len(commands), timeout)

    def read_until_close(self, timeout: float | None = None) -> bytes:
        """Everything the server sends until it closes the connection.

        Raises ReplyTimeout if the connection is still open at the deadline (the server was
        expected to close it)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            try:
                self._fill(1 << 20, deadline)
            except ConnectionClosed:
                out = bytes(self.buf)
                self.buf.clear()
                return out

    def read_available(self, wait: float = 0.2) -> bytes:
        """Whatever arrives within `wait` seconds (may be empty); does not raise on close."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                self._fill(1 << 20, deadline)
            except (ReplyTimeout, ConnectionClosed):
                break
        out = bytes(self.buf)
        self.buf.clear()
        return out

    def is_closed_by_peer(self, wait: float = 2.0) -> bool:
        """True if the server closes the connection within `wait` seconds (data is discarded)."""
        try:
            self.read_until_close(timeout=wait)
            return True
        except ReplyTimeout:
            return False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "RawClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
