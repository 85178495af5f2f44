"""List commands (Redis t_list.c, non-blocking), compared byte for byte with the reference.

Redis 7.0 lists are always OBJECT ENCODING "quicklist"; what varies is the node layout.
Most tests run once per layout (``layout`` fixture): the default (8 KiB nodes), tiny
nodes (a few entries per node, so every command crosses node boundaries) and tiny nodes
with LZF compression of inner nodes (list-compress-depth), set with CONFIG SET on both
servers and restored afterwards.  Elements are long enough (>= 48-byte nodes) for the
compressed layouts to really compress.
"""

from __future__ import annotations

import pytest

from support.resp import parse

BIN = b"bin\x00key\r\n"
LONG = b"x" * 30

LAYOUTS = {
    "default": (b"-2", b"0"),
    "tiny": (b"2", b"0"),
    "compressed": (b"3", b"1"),
    "compressed_depth2": (b"4", b"2"),
    "bytes4k_compressed": (b"-1", b"1"),
}


@pytest.fixture(params=list(LAYOUTS), ids=list(LAYOUTS))
def layout(request, diff):
    size, depth = LAYOUTS[request.param]
    diff.check("CONFIG", "SET", "list-max-listpack-size", size)
    diff.check("CONFIG", "SET", "list-compress-depth", depth)
    yield request.param
    for c in (diff.ref, diff.fc):
        c.call("CONFIG", "SET", "list-max-listpack-size", "-2")
        c.call("CONFIG", "SET", "list-compress-depth", "0")


def elems(n, prefix=b"e"):
    """n distinct, compressible elements of ~40 bytes (some are integers)."""
    out = []
    for i in range(n):
        out.append(str(i * 7).encode() if i % 5 == 0 else prefix + b"%05d-" % i + LONG)
    return out


def fill(diff, key, items, cmd="RPUSH"):
    for i in range(0, len(items), 50):
        diff.check(cmd, key, *items[i:i + 50])


# ---- push / length / range ----------------------------------------------------------------

def test_push_and_range_basic(diff, layout):
    diff.check_many([
        ("RPUSH", "l", "a", "b", "c"),
        ("LPUSH", "l", "x", "y"),
        ("LRANGE", "l", "0", "-1"),
        ("LLEN", "l"),
        ("LLEN", "nokey"),
        ("OBJECT", "ENCODING", "l"),
        ("TYPE", "l"),
        ("RPUSH", BIN, b"\x00", b"", b"\r\n", BIN),
        ("LRANGE", BIN, "0", "-1"),
        ("RPUSH", b"", b""),
        ("LRANGE", b"", "0", "-1"),
        ("LPUSH", "l"),
        ("RPUSH",),
    ])


def test_push_integers_of_every_listpack_width(diff, layout):
    nums = [b"0", b"1", b"127", b"128", b"-1", b"4095", b"-4096", b"4096", b"-4097", b"32767",
            b"-32768", b"32768", b"8388607", b"-8388608", b"8388608", b"2147483647", b"-2147483648",
            b"2147483648", b"9223372036854775807", b"-9223372036854775808",
            b"9223372036854775808", b"01", b"-0", b"+1", b" 1", b"1 ", b"1.5", b"0x10",
            b"12345678901234567890123"]
    diff.check("RPUSH", "n", *nums)
    diff.check("LPUSH", "n", *nums)
    diff.check("LRANGE", "n", "0", "-1")
    for i in range(-len(nums) * 2, len(nums) * 2, 7):
        diff.check("LINDEX", "n", str(i))


def test_push_large_elements(diff, layout):
    diff.check_many([
        ("RPUSH", "big", b"a" * 63, b"b" * 64, b"c" * 4095, b"d" * 4096, b"e" * 9000),
        ("LPUSH", "big", b"f" * 70000, "small"),
        ("RPUSH", "big", "tail"),
        ("LRANGE", "big", "0", "-1"),
        ("LINDEX", "big", "3"),
        ("LLEN", "big"),
    ])


def test_pushx_only_on_existing_lists(diff, layout):
    diff.check_many([
        ("LPUSHX", "l", "a"),
        ("RPUSHX", "l", "a", "b"),
        ("EXISTS", "l"),
        ("RPUSH", "l", "m"),
        ("LPUSHX", "l", "a", "b"),
        ("RPUSHX", "l", "y", "z"),
        ("LRANGE", "l", "0", "-1"),
        ("LPUSHX", "l"),
    ])


def test_lrange_index_normalisation(diff, layout):
    fill(diff, "l", elems(40))
    cases = [("0", "-1"), ("0", "0"), ("-1", "-1"), ("5", "2"), ("-100", "100"), ("39", "39"),
             ("40", "50"), ("-41", "-40"), ("-40", "-40"), ("10", "-10"), ("-5", "1000"),
             ("-9223372036854775808", "9223372036854775807"), ("9223372036854775807", "0"),
             ("0", "-9223372036854775808"), ("13", "27"), ("-27", "-13")]
    for s, e in cases:
        diff.check("LRANGE", "l", s, e)
    diff.check_many([
        ("LRANGE", "l", "x", "1"),
        ("LRANGE", "l", "1", "1.0"),
        ("LRANGE", "nokey", "x", "1"),
        ("LRANGE", "nokey", "0", "-1"),
        ("LRANGE", "l", "0"),
    ])


# ---- pop ------------------------------------------------------------------------------------

def test_pop_single_and_counts(diff, layout):
    fill(diff, "l", elems(30))
    diff.check_many([
        ("LPOP", "l"),
        ("RPOP", "l"),
        ("LPOP", "l", "0"),
        ("LPOP", "l", "3"),
        ("RPOP", "l", "4"),
        ("LLEN", "l"),
        ("RPOP", "l", "100"),
        ("EXISTS", "l"),
        ("LPOP", "l"),
        ("RPOP", "l", "1"),
        ("LPOP", "l", "0"),
    ])


def test_pop_count_errors_and_arity(diff):
    diff.check("RPUSH", "l", "a", "b")
    diff.check_many([
        ("LPOP", "l", "-1"),
        ("LPOP", "l", "abc"),
        ("RPOP", "l", "1.5"),
        ("LPOP", "nokey", "-1"),
        ("LPOP", "l", "1", "2"),
        ("RPOP", "l", "1", "2"),
        ("LPOP",),
        ("LRANGE", "l", "0", "-1"),
    ])


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_pop_null_shapes(diff, resp3):
    if resp3:
        diff.hello3()
    diff.check("RPUSH", "l", "a")
    diff.check_many([
        ("LPOP", "nokey"),
        ("RPOP", "nokey"),
        ("LPOP", "nokey", "0"),
        ("LPOP", "nokey", "2"),
        ("LPOP", "l", "0"),
        ("LINDEX", "nokey", "0"),
        ("LINDEX", "l", "5"),
        ("LPOS", "nokey", "a"),
        ("LPOS", "l", "zz"),
        ("LPOS", "nokey", "a", "COUNT", "0"),
        ("LMPOP", "1", "nokey", "LEFT"),
        ("LMPOP", "2", "l", "nokey", "LEFT", "COUNT", "5"),
        ("LMOVE", "nokey", "d", "LEFT", "RIGHT"),
        ("RPOPLPUSH", "nokey", "d"),
        ("LRANGE", "nokey", "0", "-1"),
    ])


# ---- LINDEX / LSET -----------------------------------------------------------------------

def test_lindex_every_position(diff, layout):
    fill(diff, "l", elems(25))
    for i in range(-27, 27):
        diff.check("LINDEX", "l", str(i))
    diff.check_many([
        ("LINDEX", "l", "x"),
        ("LINDEX", "nokey", "x"),
        ("LINDEX", "l", "9223372036854775807"),
        ("LINDEX", "l", "-9223372036854775808"),
    ])


def test_lset_every_position_and_errors(diff, layout):
    fill(diff, "l", elems(25))
    for i in range(-26, 26, 3):
        diff.check("LSET", "l", str(i), b"v%d" % i + LONG)
    diff.check_many([
        ("LSET", "l", "0", "12345"),
        ("LSET", "l", "-1", b"z" * 5000),
        ("LSET", "l", "1", ""),
        ("LSET", "l", "x", "v"),
        ("LSET", "nokey", "x", "v"),
        ("LSET", "nokey", "0", "v"),
        ("LSET", "l", "25", "v"),
        ("LSET", "l", "-26", "v"),
        ("LRANGE", "l", "0", "-1"),
    ])


# ---- LINSERT ------------------------------------------------------------------------------

def test_linsert_before_after_everywhere(diff, layout):
    items = elems(20)
    fill(diff, "l", items)
    for i, pivot in enumerate(items[::3]):
        where = "BEFORE" if i % 2 else "after"
        diff.check("LINSERT", "l", where, pivot, b"ins%d" % i + LONG)
    diff.check_many([
        ("LINSERT", "l", "BEFORE", items[0], "first"),
        ("LINSERT", "l", "AFTER", items[-1], "last"),
        ("LINSERT", "l", "AFTER", "nosuch", "x"),
        ("LINSERT", "nokey", "AFTER", "a", "x"),
        ("LINSERT", "l", "MIDDLE", items[0], "x"),
        ("LINSERT", "nokey", "MIDDLE", "a", "x"),
        ("LINSERT", "l", b"before\x00junk", items[1], "nul"),
        ("LINSERT", "l", "before", "0", "before-int"),
        ("LRANGE", "l", "0", "-1"),
        ("LLEN", "l"),
    ])


def test_linsert_repeatedly_into_one_spot(diff, layout):
    fill(diff, "l", elems(10))
    for i in range(40):
        diff.check("LINSERT", "l", "AFTER" if i % 3 else "BEFORE", elems(10)[5], b"n%d" % i + LONG)
    diff.check("LRANGE", "l", "0", "-1")


# ---- LTRIM ---------------------------------------------------------------------------------

@pytest.mark.parametrize("start,end", [("0", "-1"), ("1", "-2"), ("5", "10"), ("-7", "-3"),
                                       ("10", "5"), ("0", "0"), ("-1", "-1"), ("100", "200"),
                                       ("-100", "3"), ("3", "1000"),
                                       ("-9223372036854775808", "9223372036854775807")])
def test_ltrim_ranges(diff, layout, start, end):
    fill(diff, "l", elems(30))
    diff.check_many([
        ("LTRIM", "l", start, end),
        ("LRANGE", "l", "0", "-1"),
        ("EXISTS", "l"),
    ])


def test_ltrim_errors_and_capped_list(diff, layout):
    diff.check_many([
        ("LTRIM", "nokey", "0", "1"),
        ("LTRIM", "nokey", "x", "1"),
        ("RPUSH", "l", "a"),
        ("LTRIM", "l", "0", "y"),
    ])
    for i in range(60):
        diff.check("LPUSH", "cap", b"item%d" % i + LONG)
        diff.check("LTRIM", "cap", "0", "9")
    diff.check("LRANGE", "cap", "0", "-1")


# ---- LREM ----------------------------------------------------------------------------------

@pytest.mark.parametrize("count", ["0", "1", "2", "-1", "-3", "100", "-100",
                                   "-9223372036854775808", "9223372036854775807"])
def test_lrem_counts(diff, layout, count):
    items = []
    for i in range(30):
        items.append(b"dup" + LONG if i % 3 == 0 else b"u%d" % i + LONG)
    fill(diff, "l", items)
    diff.check_many([
        ("LREM", "l", count, b"dup" + LONG),
        ("LRANGE", "l", "0", "-1"),
        ("LREM", "l", count, "nosuch"),
        ("LLEN", "l"),
    ])


def test_lrem_deletes_the_key_and_errors(diff, layout):
    diff.check_many([
        ("RPUSH", "l", "1", "1", "1"),
        ("LREM", "l", "0", "1"),
        ("EXISTS", "l"),
        ("LREM", "nokey", "0", "1"),
        ("LREM", "nokey", "x", "1"),
        ("RPUSH", "l", "a"),
        ("LREM", "l", "x", "a"),
        ("LREM", "l", "1"),
    ])


# ---- LPOS ----------------------------------------------------------------------------------

def test_lpos_options(diff, layout):
    items = [b"a", b"b", b"c", b"a", b"1", b"a", b"b", b"1", b"a"] * 4
    fill(diff, "l", items)
    cases = [
        (), ("RANK", "1"), ("RANK", "2"), ("RANK", "-1"), ("RANK", "-3"), ("RANK", "100"),
        ("COUNT", "0"), ("COUNT", "2"), ("COUNT", "100"), ("RANK", "3", "COUNT", "3"),
        ("RANK", "-2", "COUNT", "0"), ("MAXLEN", "4"), ("MAXLEN", "1"), ("MAXLEN", "0"),
        ("COUNT", "0", "MAXLEN", "10"), ("RANK", "-1", "MAXLEN", "5", "COUNT", "0"),
        ("rank", "2", "count", "1", "maxlen", "100"), ("RANK", "1", "RANK", "2"),
        ("RANK", "-9223372036854775807"), ("RANK", "-9223372036854775808"),
        ("RANK", "-9223372036854775808", "COUNT", "2"), ("RANK", "9223372036854775807"),
    ]
    for opts in cases:
        for el in (b"a", b"1", b"c", b"zz"):
            diff.check("LPOS", "l", el, *opts)


def test_lpos_errors(diff):
    diff.check("RPUSH", "l", "a")
    diff.check_many([
        ("LPOS", "l", "a", "RANK", "0"),
        ("LPOS", "l", "a", "RANK", "abc"),
        ("LPOS", "l", "a", "COUNT", "-1"),
        ("LPOS", "l", "a", "COUNT", "abc"),
        ("LPOS", "l", "a", "MAXLEN", "-1"),
        ("LPOS", "l", "a", "MAXLEN", "x"),
        ("LPOS", "l", "a", "FOO"),
        ("LPOS", "l", "a", "RANK"),
        ("LPOS", "nokey", "a", "RANK", "0"),
        ("LPOS", "l"),
    ])


# ---- LMOVE / RPOPLPUSH ---------------------------------------------------------------------

@pytest.mark.parametrize("wfrom", ["LEFT", "RIGHT"])
@pytest.mark.parametrize("wto", ["LEFT", "RIGHT"])
def test_lmove_directions(diff, layout, wfrom, wto):
    fill(diff, "src", elems(12))
    diff.check("RPUSH", "dst", "d1", "d2")
    for _ in range(5):
        diff.check("LMOVE", "src", "dst", wfrom, wto)
    for _ in range(3):
        diff.check("LMOVE", "src", "src", wfrom, wto)
    diff.check_many([
        ("LRANGE", "src", "0", "-1"),
        ("LRANGE", "dst", "0", "-1"),
        ("LMOVE", "src", "new", wfrom.lower(), wto.lower()),
        ("LRANGE", "new", "0", "-1"),
    ])


def test_lmove_edge_cases(diff):
    diff.check_many([
        ("RPUSH", "one", "x"),
        ("LMOVE", "one", "one", "LEFT", "RIGHT"),
        ("LRANGE", "one", "0", "-1"),
        ("LMOVE", "one", "other", "LEFT", "RIGHT"),
        ("EXISTS", "one"),
        ("LRANGE", "other", "0", "-1"),
        ("SET", "s", "v"),
        ("LMOVE", "other", "s", "LEFT", "LEFT"),
        ("LRANGE", "other", "0", "-1"),
        ("LMOVE", "s", "other", "LEFT", "LEFT"),
        ("LMOVE", "nokey", "s", "LEFT", "LEFT"),
        ("LMOVE", "other", "x", "UP", "LEFT"),
        ("LMOVE", "other", "x", "LEFT", "DOWN"),
        ("LMOVE", "nokey", "x", "UP", "LEFT"),
        ("RPOPLPUSH", "other", "s"),
        ("RPOPLPUSH", "other", "other"),
        ("RPOPLPUSH", "other", "third"),
        ("EXISTS", "other"),
        ("LRANGE", "third", "0", "-1"),
        ("RPUSH", "ints", "12345", "-7"),
        ("RPOPLPUSH", "ints", "ints2"),
        ("LMOVE", "ints", "ints2", "LEFT", "LEFT"),
        ("LRANGE", "ints2", "0", "-1"),
        ("RPUSH", "bigv", b"q" * 300),
        ("LMOVE", "bigv", "bigv2", "LEFT", "LEFT"),
        ("LRANGE", "bigv2", "0", "-1"),
    ])


# ---- LMPOP ---------------------------------------------------------------------------------

def test_lmpop(diff, layout):
    fill(diff, "l2", elems(10))
    diff.check("RPUSH", "l3", "a", "b", "c")
    diff.check_many([
        ("LMPOP", "1", "l2", "LEFT"),
        ("LMPOP", "2", "nokey", "l2", "RIGHT"),
        ("LMPOP", "3", "nokey", "l3", "l2", "left", "COUNT", "2"),
        ("LMPOP", "2", "l3", "l2", "RIGHT", "count", "10"),
        ("EXISTS", "l3"),
        ("LMPOP", "2", "l3", "l2", "LEFT", "COUNT", "100"),
        ("LMPOP", "2", "l3", "l2", "LEFT"),
        ("EXISTS", "l2"),
    ])


def test_lmpop_errors(diff):
    diff.check("RPUSH", "l", "a", "b")
    diff.check("SET", "s", "v")
    diff.check_many([
        ("LMPOP", "0", "l", "LEFT"),
        ("LMPOP", "abc", "l", "LEFT"),
        ("LMPOP", "-1", "l", "LEFT"),
        ("LMPOP", "9223372036854775807", "l", "LEFT"),
        ("LMPOP", "2", "l", "LEFT"),
        ("LMPOP", "1", "l", "UP"),
        ("LMPOP", "1", "l", "LEFT", "COUNT", "0"),
        ("LMPOP", "1", "l", "LEFT", "COUNT", "-1"),
        ("LMPOP", "1", "l", "LEFT", "COUNT", "x"),
        ("LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"),
        ("LMPOP", "1", "l", "LEFT", "COUNT"),
        ("LMPOP", "1", "l", "LEFT", "FOO"),
        ("LMPOP", "2", "s", "l", "LEFT"),
        ("LMPOP", "2", "nokey", "s", "LEFT"),
        ("LMPOP", "2", "l", "s", "LEFT"),
        ("LMPOP", "1", "l"),
        ("LRANGE", "l", "0", "-1"),
    ])


def test_lmpop_resp3(diff):
    diff.hello3()
    diff.check("RPUSH", "l", "a", "b", "c")
    diff.check_many([
        ("LMPOP", "1", "l", "RIGHT", "COUNT", "2"),
        ("LMPOP", "1", "l", "RIGHT"),
        ("LMPOP", "1", "l", "RIGHT"),
        ("LPOP", "nokey", "1"),
    ])


# ---- type checks and keyspace integration -----------------------------------------------

def test_every_list_command_rejects_other_types(diff):
    diff.check("SET", "s", "v")
    diff.check("RPUSH", "l", "a")
    diff.check_many([
        ("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"), ("RPUSHX", "s", "a"),
        ("LPOP", "s"), ("RPOP", "s"), ("LPOP", "s", "2"), ("LLEN", "s"), ("LINDEX", "s", "0"),
        ("LINDEX", "s", "x"), ("LSET", "s", "0", "v"), ("LSET", "s", "x", "v"),
        ("LINSERT", "s", "BEFORE", "a", "b"), ("LRANGE", "s", "0", "-1"), ("LTRIM", "s", "0", "1"),
        ("LREM", "s", "0", "a"), ("LPOS", "s", "a"), ("LMOVE", "s", "l", "LEFT", "LEFT"),
        ("RPOPLPUSH", "s", "l"), ("RPOPLPUSH", "l", "s"), ("LMPOP", "1", "s", "LEFT"),
        ("GET", "l"), ("APPEND", "l", "x"), ("INCR", "l"),
        ("LRANGE", "l", "0", "-1"),
    ])


def test_lists_with_keyspace_commands(diff, layout):
    fill(diff, "l", elems(20))
    diff.check_many([
        ("TYPE", "l"),
        ("OBJECT", "ENCODING", "l"),
        ("COPY", "l", "c"),
        ("LRANGE", "c", "0", "-1"),
        ("RPUSH", "c", "more"),
        ("LLEN", "l"),
        ("LLEN", "c"),
        ("RENAME", "c", "r"),
        ("LRANGE", "r", "0", "-1"),
        ("MOVE", "r", "1"),
        ("EXISTS", "r"),
        ("SELECT", "1"),
        ("LRANGE", "r", "0", "-1"),
        ("DEL", "r"),
        ("SELECT", "0"),
        ("EXPIRE", "l", "100"),
        ("RPUSH", "l", "x"),
        ("TTL", "l"),
        ("UNLINK", "l"),
        ("EXISTS", "l"),
        ("RPUSH", "t", "a"),
        ("SCAN", "0", "TYPE", "list"),
        ("SCAN", "0", "TYPE", "string"),
    ])


def test_list_lazy_expiry(diff):
    diff.check_many([
        ("RPUSH", "l", "a", "b"),
        ("PEXPIRE", "l", "1"),
    ])
    import time
    time.sleep(0.05)
    diff.check_many([
        ("LLEN", "l"),
        ("LPUSHX", "l", "x"),
        ("RPUSH", "l", "new"),
        ("LRANGE", "l", "0", "-1"),
        ("TTL", "l"),
    ])


def test_memory_usage_is_plausible(fc):
    if fc.call("MEMORY", "USAGE", "nokey").startswith(b"-ERR unknown"):
        pytest.skip("MEMORY USAGE not on this branch")
    fc.call("RPUSH", "l", *[b"%d-" % i + LONG for i in range(1000)])
    n = parse(fc.call("MEMORY", "USAGE", "l", "SAMPLES", "0"))
    assert 35_000 < n < 80_000, n
