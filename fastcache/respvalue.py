"""Reply encoder for the admin (Python) path: Python values -> RESP2/RESP3 bytes.

The data plane builds replies in C; this module serves Python handlers
(INFO, COMMAND, CONFIG, CLIENT LIST ...), so it favours clarity, but it still
avoids per-value overhead: one dispatch dict keyed by exact type, one output
list joined once, pre-built small-integer headers.

Type mapping (RESP2 / RESP3):

    int                 :n              :n
    bool                :1 / :0         #t / #f
    bytes, str          $len bulk       $len bulk          (str is UTF-8 encoded)
    None                $-1             _
    float               $ bulk          ,double            (Redis's "%.17g", inf/-inf)
    list, tuple         *n array        *n array
    dict, OrderedPairs  *2n flat        %n map             (insertion order kept)
    set, frozenset      *n array        ~n set
    OrderedSet(list)    *n array        ~n set             (order kept)
    Simple(b)           +b              +b
    Error(b)            -b              -b                 (b is e.g. b"ERR foo")
    Verbatim(t, fmt)    $ bulk of t     =len fmt:t
    NullArray           *-1             _
    Push(list)          *n array        >n push

Subclasses of the builtin types are accepted (looked up along the MRO once).
"""

from __future__ import annotations

import math

__all__ = ["encode", "Simple", "Error", "Verbatim", "NullArray", "Push", "OrderedPairs",
           "OrderedSet", "format_double"]


class Simple(bytes):
    """A simple string reply (``+OK``)."""
    __slots__ = ()


class Error(bytes):
    """An error reply; the value is the text after the dash, e.g. ``b"ERR foo"``."""
    __slots__ = ()


class Verbatim:
    """A verbatim string (RESP3 ``=``); a plain bulk string under RESP2."""
    __slots__ = ("text", "fmt")

    def __init__(self, text, fmt: bytes = b"txt"):
        self.text = text.encode() if isinstance(text, str) else bytes(text)
        if len(fmt) != 3:
            raise ValueError("verbatim format must be 3 bytes")
        self.fmt = fmt


class _NullArrayType:
    __slots__ = ()

    def __repr__(self):
        return "NullArray"


#: The null array (``*-1`` in RESP2, ``_`` in RESP3).
NullArray = _NullArrayType()


class Push(list):
    """An out-of-band push message (RESP3 ``>``); a plain array under RESP2."""
    __slots__ = ()


class OrderedPairs(list):
    """A map given as a list of (key, value) pairs; order (and duplicates) kept."""
    __slots__ = ()


class OrderedSet(list):
    """A set reply whose element order matters (RESP3 ``~``); a plain array under RESP2.

    Redis emits e.g. command flags as a set in a fixed order; Python sets would lose it.
    """
    __slots__ = ()


# Pre-built ":n\r\n" / "*n\r\n" / "$n\r\n" for small n -- the common case in
# admin replies.
_SMALL = 512
_INT = [b":%d\r\n" % i for i in range(_SMALL)]
_ARR = [b"*%d\r\n" % i for i in range(_SMALL)]
_BULK = [b"$%d\r\n" % i for i in range(_SMALL)]
_CRLF = b"\r\n"


def format_double(d: float) -> bytes:
    """Format a double the way Redis 7.0's addReplyDouble does (``%.17g``, inf/-inf)."""
    if math.isinf(d):
        return b"inf" if d > 0 else b"-inf"
    if d != d:  # NaN: glibc prints "nan" or "-nan" depending on the sign bit.
        return b"-nan" if math.copysign(1.0, d) < 0 else b"nan"
    return b"%.17g" % d


def _bulk(out, b):
    n = len(b)
    out.append(_BULK[n] if n < _SMALL else b"$%d\r\n" % n)
    out.append(b)
    out.append(_CRLF)


def _enc_bytes(out, obj, resp):
    _bulk(out, obj)


def _enc_str(out, obj, resp):
    _bulk(out, obj.encode())


def _enc_int(out, obj, resp):
    out.append(_INT[obj] if 0 <= obj < _SMALL else b":%d\r\n" % obj)


def _enc_bool(out, obj, resp):
    if resp == 3:
        out.append(b"#t\r\n" if obj else b"#f\r\n")
    else:
        out.append(b":1\r\n" if obj else b":0\r\n")


def _enc_none(out, obj, resp):
    out.append(b"_\r\n" if resp == 3 else b"$-1\r\n")


def _enc_float(out, obj, resp):
    s = format_double(obj)
    if resp == 3:
        out.append(b"," + s + _CRLF)
    else:
        _bulk(out, s)


def _header(out, prefix, n):
    if prefix == b"*" and n < _SMALL:
        out.append(_ARR[n])
    else:
        out.append(b"%s%d\r\n" % (prefix, n))


def _enc_list(out, obj, resp):
    _header(out, b"*", len(obj))
    enc = _encode_into
    for item in obj:
        enc(out, item, resp)


def _enc_set(out, obj, resp):
    _header(out, b"~" if resp == 3 else b"*", len(obj))
    enc = _encode_into
    for item in obj:
        enc(out, item, resp)


def _enc_dict(out, obj, resp):
    if resp == 3:
        _header(out, b"%", len(obj))
    else:
        _header(out, b"*", 2 * len(obj))
    enc = _encode_into
    for k, v in obj.items():
        enc(out, k, resp)
        enc(out, v, resp)


def _enc_pairs(out, obj, resp):
    if resp == 3:
        _header(out, b"%", len(obj))
    else:
        _header(out, b"*", 2 * len(obj))
    enc = _encode_into
    for k, v in obj:
        enc(out, k, resp)
        enc(out, v, resp)


def _enc_push(out, obj, resp):
    _header(out, b">" if resp == 3 else b"*", len(obj))
    enc = _encode_into
    for item in obj:
        enc(out, item, resp)


def _enc_simple(out, obj, resp):
    out.append(b"+" + obj + _CRLF)


def _enc_error(out, obj, resp):
    out.append(b"-" + obj + _CRLF)


def _enc_verbatim(out, obj, resp):
    if resp == 3:
        body = obj.fmt + b":" + obj.text
        out.append(b"=%d\r\n" % len(body))
        out.append(body)
        out.append(_CRLF)
    else:
        _bulk(out, obj.text)


def _enc_nullarray(out, obj, resp):
    out.append(b"_\r\n" if resp == 3 else b"*-1\r\n")


# Exact-type dispatch. Wrapper classes come first in MRO resolution below so
# that e.g. Simple (a bytes subclass) is not encoded as a bulk string.
_DISPATCH = {
    bytes: _enc_bytes,
    bytearray: _enc_bytes,
    memoryview: lambda out, obj, resp: _bulk(out, bytes(obj)),
    str: _enc_str,
    int: _enc_int,
    bool: _enc_bool,
    type(None): _enc_none,
    float: _enc_float,
    list: _enc_list,
    tuple: _enc_list,
    dict: _enc_dict,
    set: _enc_set,
    frozenset: _enc_set,
    Simple: _enc_simple,
    Error: _enc_error,
    Verbatim: _enc_verbatim,
    _NullArrayType: _enc_nullarray,
    Push: _enc_push,
    OrderedPairs: _enc_pairs,
    OrderedSet: _enc_set,
}


def _resolve(tp):
    for base in tp.__mro__:
        fn = _DISPATCH.get(base)
        if fn is not None:
            _DISPATCH[tp] = fn  # cache for next time
            return fn
    raise TypeError("cannot encode %s as a RESP value" % tp.__name__)


def _encode_into(out, obj, resp):
    fn = _DISPATCH.get(type(obj))
    if fn is None:
        fn = _resolve(type(obj))
    fn(out, obj, resp)


def encode(obj, resp: int = 2) -> bytes:
    """Encode ``obj`` as one RESP reply for protocol version ``resp`` (2 or 3)."""
    out: list = []
    _encode_into(out, obj, resp)
    return b"".join(out)


def help_reply(name, lines):
    """Redis's addReplyHelp for Python handlers: '<NAME> <subcommand> [<arg> [value]
    [opt] ...]. Subcommands are:', the lines, then 'HELP' / '    Prints this help.'
    (7.0.15's wording), all simple strings.  C commands use add_reply_help (reply.pxi)."""
    def b(x):
        return x if isinstance(x, bytes) else x.encode()
    return [Simple(b(x)) for x in
            [b(name).upper() + b" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
             *lines, b"HELP", b"    Prints this help."]]
