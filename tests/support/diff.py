"""The differential harness: the same command to the reference server and to fastcache.

``Diff.check`` asserts that both raw replies are byte-identical, so error texts, RESP types
and number formatting are all compared.  Where a field legitimately differs (a TTL that
ticked, a client id, a server name), pass ``normalize``: a function applied to each raw reply
before comparing (see the helpers at the bottom of this module).
"""

from __future__ import annotations

import difflib
from typing import Callable, Iterable, Sequence

from .resp import RawClient, encode_command, parse

__all__ = [
    "Diff",
    "DiffMismatch",
    "format_mismatch",
    "nonneg_integer",
    "parsed",
    "sorted_array",
]

Normalizer = Callable[[bytes], object]


class DiffMismatch(AssertionError):
    """The two servers replied differently."""


def _show_cmd(argv: Sequence) -> str:
    parts = []
    for a in argv:
        if isinstance(a, (bytes, bytearray)):
            try:
                s = bytes(a).decode("ascii")
                parts.append(s if s and s.isprintable() and " " not in s and '"' not in s else repr(s))
            except UnicodeDecodeError:
                parts.append(repr(bytes(a)))
        else:
            parts.append(str(a))
    text = " ".join(parts)
    return text if len(text) < 500 else text[:500] + f"... ({len(text)} chars)"


def _show_reply(raw) -> str:
    r = repr(raw)
    return r if len(r) < 2000 else r[:2000] + f"... ({len(raw)} bytes)"


def format_mismatch(what: str, ref, fc, context: str = "") -> str:
    """A readable explanation of a mismatch: the command, both replies, and a line diff."""
    lines = [f"reply mismatch for: {what}"]
    if context:
        lines.append(context)
    lines.append(f"  reference: {_show_reply(ref)}")
    lines.append(f"  fastcache: {_show_reply(fc)}")
    if isinstance(ref, (bytes, bytearray)) and isinstance(fc, (bytes, bytearray)):
        a = bytes(ref).split(b"\r\n")
        b = bytes(fc).split(b"\r\n")
        if len(a) > 2 or len(b) > 2:
            d = difflib.unified_diff([repr(x) for x in a], [repr(x) for x in b],
                                     "reference", "fastcache", lineterm="", n=2)
            lines.extend("  " + x for x in list(d)[:80])
    return "\n".join(lines)


class Diff:
    """Run commands on both servers and require identical replies.

    ``ref`` and ``fc`` are RawClients connected to the reference server and to fastcache.
    """

    def __init__(self, ref: RawClient, fc: RawClient):
        self.ref = ref
        self.fc = fc

    def _compare(self, what: str, r: bytes, f: bytes, normalize: Normalizer | None, context: str = "") -> bytes:
        __tracebackhide__ = True  # pytest: show the test line and our message, not this frame
        if normalize is None:
            if r != f:
                raise DiffMismatch(format_mismatch(what, r, f, context))
        else:
            nr, nf = normalize(r), normalize(f)
            if nr != nf:
                raise DiffMismatch(format_mismatch(
                    what, r, f, (context + "\n" if context else "") +
                    f"  (after normalize: reference={nr!r} fastcache={nf!r})"))
        return r

    def check(self, *args, normalize: Normalizer | None = None) -> bytes:
        """Send one command to both; assert identical raw replies; return the reference reply."""
        __tracebackhide__ = True
        payload = encode_command(*args)
        # Write to both before reading either, so the two servers work in parallel.
        self.ref.send(payload)
        self.fc.send(payload)
        r = self.ref.read_reply()
        f = self.fc.read_reply()
        return self._compare(_show_cmd(args), r, f, normalize)

    def pcheck(self, *args, normalize: Normalizer | None = None):
        """check() and parse the reply."""
        return parse(self.check(*args, normalize=normalize))

    def check_many(self, commands: Iterable[Sequence],
                   normalize: Normalizer | Sequence[Normalizer | None] | None = None) -> list[bytes]:
        """Pipeline all commands in one write to each server; compare reply by reply.

        ``normalize`` is one function for every reply or a sequence aligned with commands.
        On failure the message names the first differing command and its index."""
        __tracebackhide__ = True
        commands = list(commands)
        if normalize is None or callable(normalize):
            norms = [normalize] * len(commands)
        else:
            norms = list(normalize)
            assert len(norms) == len(commands), "one normalizer per command"
        payload = b"".join(encode_command(*argv) for argv in commands)
        self.ref.send(payload)
        self.fc.send(payload)
        rs = self.ref.read_replies(len(commands))
        fs = self.fc.read_replies(len(commands))
        for i, (argv, r, f, n) in enumerate(zip(commands, rs, fs, norms)):
            ctx = ""
            if i:
                prev = commands[max(0, i - 8):i]
                ctx = "  after: " + " | ".join(_show_cmd(a) for a in prev)
            self._compare(f"#{i} {_show_cmd(argv)}", r, f, n, ctx)
        return rs

    def check_raw(self, raw: bytes, replies: int = 1, normalize: Normalizer | None = None) -> list[bytes]:
        """Send raw bytes (inline commands, odd framing) to both; compare `replies` replies."""
        __tracebackhide__ = True
        self.ref.send(raw)
        self.fc.send(raw)
        rs = self.ref.read_replies(replies)
        fs = self.fc.read_replies(replies)
        for i, (r, f) in enumerate(zip(rs, fs)):
            self._compare(f"raw {raw[:200]!r} reply #{i}", r, f, normalize)
        return rs

    def check_raw_then_close(self, raw: bytes, timeout: float = 5.0) -> bytes:
        """Send raw bytes to both; both must send the same bytes and then close the connection."""
        __tracebackhide__ = True
        self.ref.send(raw)
        self.fc.send(raw)
        r = self.ref.read_until_close(timeout)
        f = self.fc.read_until_close(timeout)
        return self._compare(f"raw {raw[:200]!r} (until close)", r, f, None)

    def hello3(self) -> tuple[dict, dict]:
        """Switch both connections to RESP3.  The HELLO replies are not compared byte for byte
        (client id and possibly server name differ); both must be maps with the same keys,
        proto 3 and version 7.0.15.  Returns both parsed maps."""
        r = parse(self.ref.call("HELLO", "3"))
        f = parse(self.fc.call("HELLO", "3"))
        assert isinstance(f, dict), f"fastcache HELLO 3 did not return a map: {f!r}"
        assert list(f.keys()) == list(r.keys()), format_mismatch("HELLO 3 keys", list(r), list(f))
        assert f[b"proto"] == 3 and f[b"version"] == r[b"version"], format_mismatch("HELLO 3", r, f)
        return r, f

    def hello2(self) -> None:
        """Switch both connections back to RESP2."""
        self.ref.call("HELLO", "2")
        self.fc.call("HELLO", "2")


# -- normalizers ----------------------------------------------------------------------------

def parsed(raw: bytes):
    """Compare parsed values instead of bytes (e.g. where only RESP framing may differ)."""
    return parse(raw)


def nonneg_integer(raw: bytes):
    """For TTL-like replies: any integer >= 0 becomes the token 'nonneg'; negatives and errors
    stay exact (so -1 "no expiry" and -2 "no key" are still checked)."""
    if raw.startswith(b":"):
        n = int(raw[1:-2])
        return "nonneg" if n >= 0 else n
    return raw


def sorted_array(raw: bytes):
    """For replies whose element order is unspecified (SMEMBERS, KEYS, ...)."""
    v = parse(raw)
    if isinstance(v, list):
        return sorted(v, key=repr)
    return v
