"""Property test: random sequences of string, bitmap, keyspace and expiry commands must get
byte-identical replies from fastcache and the reference redis-server.

Determinism matters more than breadth here, because a flaky differential test is worse than
none:
- Expiry times are either in the past/zero/negative (the key goes at once), far in the
  future (nothing expires during the run), or out of range (an error).  Nothing may expire
  while a sequence runs, so there is no sleeping and no race.
- Relative times get a per-command jitter of whole seconds (command index), so two EXPIREs on
  one key never land on the same millisecond; GT/LT comparisons then have the same outcome on
  both servers even though the servers run the command a few microseconds apart.
- TTL/PTTL/EXPIRETIME/PEXPIRETIME are normalised (any value >= 0 compares equal).
- Bit offsets and SETRANGE offsets stay small (or are errors), so no command allocates 512 MB.
"""

from __future__ import annotations

import os
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.diff import nonneg_integer

# A small pool, so commands collide on the same keys.  "list" holds a list (made with RPUSH
# before every sequence); only WRONGTYPE behaviour is checked on it.
KEYS = [b"k", b"", b"\x00\xff", b"a b", b"key:1", b"list"]
LIST_KEY = b"list"

VALUES = [
    b"", b"v", b"hello world", b"\x00\xff\x00", b"0", b"1", b"-1", b"10", b"007", b" 1", b"1 ",
    b"+5", b"0x10", b"3.14", b"-0.0", b"1e5", b"1e400", b"inf", b"nan", b"abc",
    b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808",
    b"18446744073709551615", b"4611686018427387904", b"12345678901234567890123",
]

INTS = [
    b"0", b"1", b"-1", b"2", b"100", b"-100", b"9223372036854775807", b"-9223372036854775808",
    b"9223372036854775806", b"9223372036854775808", b"-9223372036854775809", b"4611686018427387904",
    b"1.5", b"abc", b"", b" 1", b"+1", b"01", b"-0",
]

FLOATS = [
    b"0", b"1", b"-1", b"0.1", b"1.5", b"-2.25", b"1e3", b"1E-3", b"3.0e2", b"1e308", b"-1e308",
    b"1.7976931348623157e308", b"5e-324", b"inf", b"-inf", b"+inf", b"nan", b"abc", b"", b" 1",
    b"0x10", b"10.50", b"123456789012345678901234567890", b"-0.0",
]

OFFSETS = [b"0", b"1", b"3", b"7", b"8", b"15", b"63", b"100", b"-1", b"-3", b"-100", b"abc",
           b"9223372036854775807", b"-9223372036854775808"]

BIT_OFFSETS = [b"0", b"1", b"7", b"8", b"9", b"31", b"100", b"999", b"-1", b"4294967296", b"abc", b"1.0"]

# SETRANGE offsets: small, negative, or exactly 512 MB (an error for any non-empty value and a
# no-op for the empty one: never an allocation).
SETRANGE_OFFSETS = [b"0", b"1", b"2", b"5", b"10", b"50", b"-1", b"536870912", b"abc"]


class Rel:
    """A relative expire time, resolved at run time with a per-command jitter."""

    def __init__(self, unit: str, base: int):
        self.unit, self.base = unit, base

    def resolve(self, index: int) -> bytes:
        if self.base <= 0:
            return str(self.base).encode()
        jitter = index + 1 if self.unit == "s" else (index + 1) * 1000
        return str(self.base + jitter).encode()

    def __repr__(self):
        return f"Rel({self.unit}{self.base})"


class Abs:
    """An absolute (unix time) expire, resolved against the clock when the sequence runs."""

    def __init__(self, unit: str, offset: int):
        self.unit, self.offset = unit, offset

    def resolve(self, index: int, now_ms: int) -> bytes:
        if self.offset is None:
            return b"0"
        if self.unit == "s":
            return str(now_ms // 1000 + self.offset + index + 1).encode()
        return str(now_ms + self.offset * 1000 + (index + 1) * 1000).encode()

    def __repr__(self):
        return f"Abs({self.unit}{'0' if self.offset is None else format(self.offset, '+')})"


# Seconds.  Positive ones are far apart from each other and from the absolute offsets below, so
# the jitter (< 40 s) never changes an ordering.
REL_SECONDS = [0, -1, -100, 1000, 100_000, 10_000_000, 1_000_000_000]
ABS_OFFSETS = [-100_000, -1000, 500, 50_000, 5_000_000, 500_000_000]

# Times that are errors however the clock reads (overflow or not a number).
BAD_TIMES = [b"9223372036854775807", b"-9223372036854775808", b"9223372036854775", b"abc", b"1.5", b""]


def _rel(unit):
    return st.sampled_from(REL_SECONDS).map(lambda s: Rel(unit, s if unit == "s" else s * 1000))


def _reltime(unit):
    # Mostly valid times; sometimes one that is an error whatever the clock says.
    return st.one_of(_rel(unit), _rel(unit), _rel(unit), st.sampled_from(BAD_TIMES))


def _abs(unit):
    return st.one_of(st.sampled_from(ABS_OFFSETS).map(lambda o: Abs(unit, o)), st.just(Abs(unit, None)))


keys = st.sampled_from(KEYS)
values = st.one_of(st.sampled_from(VALUES), st.binary(max_size=12))
ints = st.sampled_from(INTS)
floats = st.sampled_from(FLOATS)


def cmd(name, *parts):
    """A strategy for one command: name plus strategies for its arguments (lists flattened)."""
    return st.tuples(st.just(name), *parts).map(lambda t: _flatten(t))


def _flatten(t):
    out = []
    for x in t:
        if isinstance(x, (list, tuple)):
            out.extend(_flatten(x))
        else:
            out.append(x)
    return out


def _opt(*choices):
    """Zero or one of the given option strategies (each producing a list)."""
    return st.one_of(st.just([]), *choices)


set_expiry = st.one_of(
    st.tuples(st.just(b"EX"), _reltime("s")),
    st.tuples(st.just(b"PX"), _reltime("ms")),
    st.tuples(st.just(b"EXAT"), st.one_of(_abs("s"), st.sampled_from(BAD_TIMES))),
    st.tuples(st.just(b"PXAT"), st.one_of(_abs("ms"), st.sampled_from(BAD_TIMES))),
    st.just([b"KEEPTTL"]),
)

set_options = st.lists(
    st.one_of(st.just([b"NX"]), st.just([b"XX"]), st.just([b"GET"]), set_expiry,
              st.just([b"nx"]), st.just([b"BOGUS"])),
    max_size=3,
)

getex_options = _opt(
    st.tuples(st.just(b"EX"), _reltime("s")),
    st.tuples(st.just(b"PX"), _reltime("ms")),
    st.tuples(st.just(b"EXAT"), _abs("s")),
    st.tuples(st.just(b"PXAT"), _abs("ms")),
    st.just([b"PERSIST"]),
    st.just([b"PERSIST", b"EX", b"100"]),
    st.just([b"BOGUS"]),
)

expire_flags = st.one_of(
    st.just([]),
    st.sampled_from([[b"NX"], [b"XX"], [b"GT"], [b"LT"], [b"gt"], [b"xx"]]),
    st.sampled_from([[b"NX", b"XX"], [b"GT", b"LT"], [b"XX", b"GT"], [b"XX", b"LT"], [b"NX", b"GT"], [b"BOGUS"]]),
)

bit_range = _opt(
    st.tuples(st.sampled_from(OFFSETS), st.sampled_from(OFFSETS)),
    st.tuples(st.sampled_from(OFFSETS), st.sampled_from(OFFSETS), st.sampled_from([b"BYTE", b"BIT", b"bit", b"WORD"])),
    st.tuples(st.sampled_from(OFFSETS)),  # BITCOUNT with only start: syntax error
)

bitpos_range = _opt(
    st.tuples(st.sampled_from(OFFSETS)),
    st.tuples(st.sampled_from(OFFSETS), st.sampled_from(OFFSETS)),
    st.tuples(st.sampled_from(OFFSETS), st.sampled_from(OFFSETS), st.sampled_from([b"BYTE", b"BIT"])),
)

# TTL-like commands whose replies depend on the clock.
CLOCK_COMMANDS = {b"TTL", b"PTTL", b"EXPIRETIME", b"PEXPIRETIME"}

COMMANDS = st.one_of(
    # strings
    cmd(b"SET", keys, values, set_options),
    cmd(b"GET", keys),
    cmd(b"APPEND", keys, values),
    cmd(b"INCR", keys),
    cmd(b"DECR", keys),
    cmd(b"INCRBY", keys, ints),
    cmd(b"DECRBY", keys, ints),
    cmd(b"INCRBYFLOAT", keys, floats),
    cmd(b"GETRANGE", keys, st.sampled_from(OFFSETS), st.sampled_from(OFFSETS)),
    cmd(b"SETRANGE", keys, st.sampled_from(SETRANGE_OFFSETS), values),
    cmd(b"STRLEN", keys),
    cmd(b"MSET", st.lists(st.tuples(keys, values), min_size=1, max_size=3)),
    cmd(b"MSETNX", st.lists(st.tuples(keys, values), min_size=1, max_size=3)),
    cmd(b"MGET", st.lists(keys, min_size=1, max_size=4)),
    cmd(b"GETSET", keys, values),
    cmd(b"GETDEL", keys),
    cmd(b"GETEX", keys, getex_options),
    cmd(b"SETNX", keys, values),
    cmd(b"SETEX", keys, _reltime("s"), values),
    cmd(b"PSETEX", keys, _reltime("ms"), values),
    # bitmaps
    cmd(b"SETBIT", keys, st.sampled_from(BIT_OFFSETS), st.sampled_from([b"0", b"1", b"2", b"-1", b"x"])),
    cmd(b"GETBIT", keys, st.sampled_from(BIT_OFFSETS)),
    cmd(b"BITCOUNT", keys, bit_range),
    cmd(b"BITPOS", keys, st.sampled_from([b"0", b"1", b"2"]), bitpos_range),
    # keyspace
    cmd(b"DEL", st.lists(keys, min_size=1, max_size=3)),
    cmd(b"UNLINK", st.lists(keys, min_size=1, max_size=2)),
    cmd(b"EXISTS", st.lists(keys, min_size=1, max_size=4)),
    cmd(b"TYPE", keys),
    cmd(b"RENAME", keys, keys),
    cmd(b"RENAMENX", keys, keys),
    cmd(b"COPY", keys, keys, _opt(st.just([b"REPLACE"]), st.just([b"DB", b"1"]),
                                  st.just([b"DB", b"0", b"REPLACE"]), st.just([b"DB", b"99"]))),
    # expiry
    cmd(b"EXPIRE", keys, _reltime("s"), expire_flags),
    cmd(b"PEXPIRE", keys, _reltime("ms"), expire_flags),
    cmd(b"EXPIREAT", keys, st.one_of(_abs("s"), st.sampled_from(BAD_TIMES)), expire_flags),
    cmd(b"PEXPIREAT", keys, st.one_of(_abs("ms"), st.sampled_from(BAD_TIMES)), expire_flags),
    cmd(b"PERSIST", keys),
    cmd(b"TTL", keys),
    cmd(b"PTTL", keys),
    cmd(b"EXPIRETIME", keys),
    cmd(b"PEXPIRETIME", keys),
)


def resolve(seq: list[list], now_ms: int) -> list[list[bytes]]:
    """Turn Rel/Abs placeholders into concrete arguments for this run."""
    out = []
    for i, argv in enumerate(seq):
        row = []
        for a in argv:
            if isinstance(a, Rel):
                row.append(a.resolve(i))
            elif isinstance(a, Abs):
                row.append(a.resolve(i, now_ms))
            else:
                row.append(a)
        out.append(row)
    return out


def _server_has_lists(diff, _cache={}):
    """Whether fastcache implements lists yet (COMMAND INFO RPUSH is nil when it
    doesn't): until then "list" is an ordinary key and WRONGTYPE can't arise."""
    if "v" not in _cache:
        _cache["v"] = diff.fc.call(b"COMMAND", b"INFO", b"RPUSH") != b"*1\r\n$-1\r\n"
    return _cache["v"]


@settings(
    # FASTCACHE_PROPERTY_EXAMPLES=5000 FASTCACHE_PROPERTY_RANDOM=1 for a deeper local hunt.
    max_examples=int(os.environ.get("FASTCACHE_PROPERTY_EXAMPLES", "200")),
    derandomize=not os.environ.get("FASTCACHE_PROPERTY_RANDOM"),  # same examples on every CI run
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seq=st.lists(COMMANDS, min_size=5, max_size=40))
def test_random_string_and_keyspace_sequences_match_reference(diff, seq):
    now_ms = int(time.time() * 1000)
    # Fresh state for every example (the function-scoped fixture is shared between examples).
    setup = [[b"FLUSHALL"]]
    if _server_has_lists(diff):
        setup.append([b"RPUSH", LIST_KEY, b"a", b"b", b"c"])
    commands = setup + resolve(seq, now_ms)
    norms = [nonneg_integer if argv[0] in CLOCK_COMMANDS else None for argv in commands]
    diff.check_many(commands, normalize=norms)
