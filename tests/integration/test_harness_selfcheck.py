"""Self-checks of the test support code (no server needed for most): if the raw client framed
replies wrongly, every differential test would compare the wrong bytes."""

from __future__ import annotations

import pytest

from support.diff import Diff, DiffMismatch, nonneg_integer
from support.resp import Push, RespError, Verbatim, encode_command, frame, parse, parse_all

REPLIES = [
    (b"+OK\r\n", "OK"),
    (b"-ERR bad\r\n", RespError("ERR bad")),
    (b":-42\r\n", -42),
    (b"$-1\r\n", None),
    (b"*-1\r\n", None),
    (b"$0\r\n\r\n", b""),
    (b"$4\r\na\r\nb\r\n", b"a\r\nb"),  # CRLF inside a bulk is data
    (b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n", [b"a", [1]]),
    (b"_\r\n", None),
    (b"#t\r\n", True),
    (b",-inf\r\n", float("-inf")),
    (b"(123456789012345678901234567890\r\n", 123456789012345678901234567890),
    (b"!9\r\nERR oops!\r\n", RespError("ERR oops!")),
    (b"=8\r\ntxt:a\r\nb\r\n", b"a\r\nb"),
    (b"%1\r\n+k\r\n*2\r\n:1\r\n:2\r\n", {"k": [1, 2]}),
    (b"~2\r\n:1\r\n:2\r\n", {1, 2}),
    (b">2\r\n+message\r\n$1\r\nx\r\n", Push(["message", b"x"])),
    (b"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n", b"v"),  # attribute + the reply it decorates
]


@pytest.mark.parametrize("raw,value", REPLIES, ids=[repr(r[0])[:30] for r in REPLIES])
def test_framing_and_parsing(raw, value):
    assert frame(raw) == len(raw)
    assert parse(raw) == value
    # Every strict prefix is incomplete, so a reply split across reads is never cut short.
    for i in range(len(raw)):
        assert frame(raw[:i]) == -1, (raw, i)
    # Trailing data belongs to the next reply.
    assert frame(raw + b"+OK\r\n") == len(raw)


def test_verbatim_format_and_parse_all():
    v = parse(b"=7\r\nmkd:abc\r\n")
    assert isinstance(v, Verbatim) and v.fmt == "mkd" and v == b"abc"
    assert parse_all(b"+a\r\n:1\r\n$-1\r\n") == ["a", 1, None]


def test_encode_command():
    assert encode_command("SET", b"k\x00", 10, 1.5) == b"*4\r\n$3\r\nSET\r\n$2\r\nk\x00\r\n$2\r\n10\r\n$3\r\n1.5\r\n"


def test_nonneg_integer_normalizer():
    assert nonneg_integer(b":0\r\n") == nonneg_integer(b":99\r\n") == "nonneg"
    assert nonneg_integer(b":-2\r\n") == -2
    assert nonneg_integer(b"$1\r\nx\r\n") == b"$1\r\nx\r\n"


def test_diff_reports_mismatch_between_two_servers(ref_server, server_factory):
    """The harness must fail, readably, when the servers differ: here two reference servers
    where one has INCRBYFLOAT renamed away."""
    from support.resp import RawClient

    other = server_factory("ref", ["--rename-command", "INCRBYFLOAT", ""], name="renamed")
    with RawClient(ref_server.host, ref_server.port) as a, RawClient(other.host, other.port) as b:
        d = Diff(a, b)
        d.check("SET", "selfcheck:x", "1")
        with pytest.raises(DiffMismatch, match=r"(?s)INCRBYFLOAT selfcheck:x 1.*unknown command"):
            d.check("INCRBYFLOAT", "selfcheck:x", "1")
        with pytest.raises(DiffMismatch, match=r"#1 INCRBYFLOAT"):
            d.check_many([["SET", "selfcheck:x", "1"], ["INCRBYFLOAT", "selfcheck:x", "1"]])
        a.call("DEL", "selfcheck:x")
