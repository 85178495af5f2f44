"""SORT and SORT_RO (Redis sort.c), compared byte for byte with the reference.

Sources are lists (default nodes and tiny compressed nodes), sets (intset and hashtable) and
sorted sets (skiplist; the listpack threshold is set to 0 on both servers so the encodings
agree).  Where the reference's output order depends on its hash table iteration (a
hashtable set or a sorted set's member dict feeding ties, or BY nosort over a hashtable set)
the replies are compared as multisets.
"""

from __future__ import annotations

import random

import pytest

from support.diff import sorted_array
from support.resp import parse

LONG_MAX = b"9223372036854775807"
LONG_MIN = b"-9223372036854775808"
BIN = b"bin\x00key"

KINDS = ["list", "list_tiny", "set", "set_ht", "zset"]


@pytest.fixture
def restore_config(diff):
    """Undo the encoding knobs the tests change (shared session servers)."""
    yield
    for c in (diff.ref, diff.fc):
        c.call("CONFIG", "SET", "list-max-listpack-size", "-2")
        c.call("CONFIG", "SET", "list-compress-depth", "0")
        c.call("CONFIG", "SET", "set-max-intset-entries", "512")
        c.call("CONFIG", "SET", "zset-max-listpack-entries", "128")


def make(diff, kind, key, items):
    """Create `key` of the given kind holding items (in this order for lists) on both
    servers; assert the encoding agrees.  Returns whether the source order is the same
    on both servers (False for hashtable sets and sorted sets: their SORT input order
    is the reference's hash table order)."""
    if kind == "list_tiny":
        diff.check("CONFIG", "SET", "list-max-listpack-size", "2")
        diff.check("CONFIG", "SET", "list-compress-depth", "1")
    if kind == "set_ht":
        diff.check("CONFIG", "SET", "set-max-intset-entries", "0")
    if kind == "zset":
        diff.check("CONFIG", "SET", "zset-max-listpack-entries", "0")
    for i in range(0, len(items), 100):
        chunk = items[i:i + 100]
        if kind.startswith("list"):
            diff.check("RPUSH", key, *chunk)
        elif kind.startswith("set"):
            diff.check("SADD", key, *chunk)
        else:
            args = []
            for j, m in enumerate(chunk):
                args += [str(i + j), m]
            diff.check("ZADD", key, *args)
    diff.check("OBJECT", "ENCODING", key)
    return kind.startswith("list") or (kind == "set" and all(_is_int(x) for x in items))


def count_only(raw: bytes):
    """For BY nosort + LIMIT over a hashtable set: which members fall in the range depends
    on the hash table order; only the reply's size is comparable."""
    v = parse(raw)
    return len(v) if isinstance(v, list) else v


def _is_int(x):
    try:
        return str(int(x)).encode() == (x if isinstance(x, bytes) else x.encode())
    except ValueError:
        return False


@pytest.fixture(params=KINDS)
def kind(request, restore_config):
    return request.param


NUMS = [b"5", b"3", b"9", b"-1", b"7", b"20", b"8", b"0", b"11", b"-30"]
WORDS = [b"pear", b"apple", b"Banana", b"cherry", b"", b"apple2", b"z", b"10", b"9", b"a\x00b"]


# ---- plain numeric and ALPHA sorts ---------------------------------------------------------

def test_sort_numeric_every_kind(diff, kind):
    make(diff, kind, "k", NUMS)
    for extra in ([], ["ASC"], ["DESC"], ["DESC", "ASC"], ["ASC", "DESC"]):
        diff.check("SORT", "k", *extra)
        diff.check("SORT_RO", "k", *extra)


def test_sort_alpha_every_kind(diff, kind):
    items = WORDS if not kind.startswith("set") or kind == "set_ht" else NUMS
    make(diff, kind, "k", items)
    diff.check("SORT", "k", "ALPHA")
    diff.check("SORT", "k", "ALPHA", "DESC")
    diff.check("SORT_RO", "k", "alpha", "desc")


def test_sort_alpha_words_in_a_set(diff, restore_config):
    make(diff, "set", "k", WORDS)
    diff.check("OBJECT", "ENCODING", "k")
    diff.check("SORT", "k", "ALPHA")
    diff.check("SORT", "k", "ALPHA", "DESC", "LIMIT", "2", "4")


def test_sort_numeric_of_words_is_an_error(diff, kind):
    make(diff, kind, "k", [b"1", b"abc", b"2"])
    diff.check("SORT", "k")
    diff.check("SORT", "k", "DESC", "LIMIT", "0", "1")
    diff.check("SORT_RO", "k")


@pytest.mark.parametrize("bad", [b"abc", b"1 ", b"1e400", b"-1e400", b"1e-400", b"nan", b"NaN",
                                 b"1x", b"--1", b"0x", b"1.5.5"])
def test_sort_scores_that_cant_be_converted(diff, bad):
    diff.check("RPUSH", "k", "1", bad, "2")
    diff.check("SORT", "k")
    # the error wins over STORE: nothing is stored and the destination stays
    diff.check("SET", "dst", "keep")
    diff.check("SORT", "k", "STORE", "dst")
    diff.check("GET", "dst")


def test_sort_strtod_accepts_what_c_accepts(diff):
    # strtod over a C string: "" is 0, blanks before, hex floats, inf, '+', bytes after NUL
    diff.check("RPUSH", "k", "", " 1", "0x10", "1e3", "+5", "inf", "-inf", "-INFINITY", "\t2.5",
               b"3\x00junk", "-0", "0", ".5", "5.", "1E2", "0x1p3")
    diff.check("SORT", "k")
    diff.check("SORT", "k", "DESC")


# (no intset variant: these members aren't integers, so a set of them is a hashtable)
@pytest.mark.parametrize("kind_", [k for k in KINDS if k != "set"])
def test_sort_equal_scores_compare_elements_binary(diff, restore_config, kind_):
    items = [b"1.0", b"1", b"01", b"1e0", b"1.00", b"+1", b"0x1", b"2", b"0.5e1"]
    make(diff, kind_, "k", items)
    diff.check("SORT", "k")
    diff.check("SORT", "k", "DESC")
    diff.check("SORT", "k", "LIMIT", "1", "3")


def test_sort_alpha_binary_and_nul_bytes(diff):
    # ALPHA compares with strcoll over C strings (stops at NUL): "a\0x" == "a\0y" and the
    # stable sort keeps their input order; with STORE the comparison is binary
    items = [b"a\x00y", b"b", b"a\x00x", b"a", b"\xff", b"\x01", b"A", b"a\x00x"]
    diff.check("RPUSH", "k", *items)
    diff.check("SORT", "k", "ALPHA")
    diff.check("SORT", "k", "ALPHA", "DESC")
    diff.check("SORT", "k", "ALPHA", "STORE", "d")
    diff.check("LRANGE", "d", "0", "-1")
    diff.check("SORT", "k", "ALPHA", "DESC", "STORE", "d")
    diff.check("LRANGE", "d", "0", "-1")


# ---- LIMIT -------------------------------------------------------------------------------

LIMITS = [("0", "0"), ("0", "-1"), ("0", "3"), ("-5", "3"), ("2", "100"), ("100", "2"), ("3", "-1"),
          ("3", "-7"), ("9", "1"), ("10", "1"), ("-1", "-1"), ("1", "0"), ("5", LONG_MAX),
          (LONG_MAX, LONG_MAX), (LONG_MIN, "2"), ("2", LONG_MIN), ("0", LONG_MAX)]


def test_sort_limit_edges(diff, kind):
    same_order = make(diff, kind, "k", NUMS)
    norm = None if same_order else sorted_array
    nosort_norm = None if same_order or kind == "zset" else count_only
    for off, cnt in LIMITS:
        diff.check("SORT", "k", "LIMIT", off, cnt)
        diff.check("SORT", "k", "LIMIT", off, cnt, "DESC")
        diff.check("SORT", "k", "BY", "nosort", "LIMIT", off, cnt, normalize=nosort_norm)
        diff.check("SORT", "k", "BY", "nosort", "DESC", "LIMIT", off, cnt, normalize=nosort_norm)
        diff.check("SORT", "k", "BY", "w_*", "LIMIT", off, cnt, normalize=norm)
        diff.check("SORT", "k", "LIMIT", off, cnt, "GET", "#", "GET", "nokey*")
        diff.check("SORT", "k", "LIMIT", off, cnt, "STORE", "dst")
        diff.check("LRANGE", "dst", "0", "-1")


def test_sort_limit_last_one_wins_and_errors(diff):
    diff.check("RPUSH", "k", *NUMS)
    diff.check("SORT", "k", "LIMIT", "0", "5", "LIMIT", "2", "2")
    diff.check("SORT", "k", "LIMIT", "x", "2")
    diff.check("SORT", "k", "LIMIT", "1", "2.5")
    diff.check("SORT", "k", "LIMIT", "1", "99999999999999999999")
    diff.check("SORT", "k", "LIMIT", "1")
    diff.check("SORT", "k", "LIMIT")


# ---- BY ----------------------------------------------------------------------------------

def test_sort_by_nosort_keeps_native_order(diff, kind):
    same_order = make(diff, kind, "k", NUMS)
    norm = None if same_order or kind == "zset" else sorted_array
    for args in (["BY", "nosort"], ["BY", "nosort", "DESC"], ["BY", "#"], ["BY", b"w_\x00*"],
                 ["BY", "nosort", "ALPHA"], ["BY", "nosort", "GET", "#", "GET", "g_*"]):
        diff.check("SORT", "k", *args, normalize=norm)
    for args in (["BY", "nosort", "LIMIT", "2", "3"], ["BY", "nosort", "DESC", "LIMIT", "2", "3"]):
        diff.check("SORT", "k", *args, normalize=None if norm is None else count_only)


def test_sort_by_nosort_store(diff, kind):
    # a set sorted BY nosort into STORE is sorted ALPHA (deterministic result); lists and
    # sorted sets keep their order
    make(diff, kind, "k", NUMS)
    diff.check("SORT", "k", "BY", "nosort", "STORE", "dst")
    diff.check("LRANGE", "dst", "0", "-1")
    diff.check("SORT", "k", "BY", "nosort", "DESC", "LIMIT", "1", "4", "STORE", "dst")
    diff.check("LRANGE", "dst", "0", "-1")
    diff.check("SORT", "k", "BY", "nosort", "GET", "#", "GET", "g_*", "STORE", "dst")
    diff.check("LRANGE", "dst", "0", "-1")


def test_sort_zset_nosort_uses_score_order(diff, restore_config):
    diff.check("CONFIG", "SET", "zset-max-listpack-entries", "0")
    diff.check("ZADD", "z", "3", "c", "1", "a", "2", "b", "5", "e", "4", "d", "4", "dd")
    diff.check("OBJECT", "ENCODING", "z")
    for args in ([], ["DESC"], ["LIMIT", "1", "2"], ["DESC", "LIMIT", "1", "2"], ["LIMIT", "5", "10"],
                 ["DESC", "LIMIT", "5", "10"], ["LIMIT", "6", "1"], ["DESC", "LIMIT", "0", "0"]):
        diff.check("SORT", "z", "BY", "nosort", *args)
    diff.check("SORT", "z", "ALPHA")
    diff.check("SORT", "z", "ALPHA", "DESC", "LIMIT", "1", "3")


def test_sort_by_weights(diff, kind):
    same_order = make(diff, kind, "k", NUMS)
    norm = None if same_order else sorted_array
    weights = {b"5": b"50", b"3": b"-3", b"9": b"9.5", b"-1": b"0x10", b"7": b"abc-not-used",
               b"20": b"1e2", b"0": b"3"}
    for m, w in weights.items():
        if m != b"7":
            diff.check("SET", b"w_" + m, w)
    diff.check("HSET", "w_7", "f", "1")            # wrong type: counts as missing (score 0)
    # missing weights (8, 11, -30) and the hash all score 0: ties broken by the element
    diff.check("SORT", "k", "BY", "w_*")
    diff.check("SORT", "k", "BY", "w_*", "DESC")
    diff.check("SORT", "k", "BY", "w_*", "LIMIT", "1", "4")
    diff.check("SORT", "k", "BY", "w_*", "DESC", "LIMIT", "2", "3")
    diff.check("SORT", "k", "BY", "w_*", "GET", "#", "GET", "w_*")
    # ALPHA BY: missing values first; ties keep the input order (lists, intsets only)
    diff.check("SORT", "k", "BY", "w_*", "ALPHA", normalize=norm)
    diff.check("SORT", "k", "BY", "w_*", "ALPHA", "DESC", normalize=norm)
    diff.check("SORT", "k", "BY", "w_*", "ALPHA", "STORE", "dst")
    diff.check("LRANGE", "dst", "0", "-1", normalize=norm)
    diff.check("SET", "w_8", "oops")
    diff.check("SORT", "k", "BY", "w_*")
    diff.check("SORT_RO", "k", "BY", "w_*")


def test_sort_by_hash_field(diff, restore_config):
    diff.check("RPUSH", "k", "a", "b", "c", "d", "e", "f")
    diff.check("HSET", "h_a", "w", "3", "name", "Alice")
    diff.check("HSET", "h_b", "w", "-2.5", "name", "Bob")
    diff.check("HSET", "h_c", "w", "100")              # no name field
    diff.check("CONFIG", "SET", "hash-max-listpack-entries", "1")
    diff.check("HSET", "h_d", "w", "7", "name", "Dora")   # hashtable encoding
    diff.check("CONFIG", "SET", "hash-max-listpack-entries", "128")
    diff.check("OBJECT", "ENCODING", "h_d")
    diff.check("SET", "h_e", "5")                       # not a hash: missing
    diff.check("SORT", "k", "BY", "h_*->w")
    diff.check("SORT", "k", "BY", "h_*->w", "DESC", "GET", "#", "GET", "h_*->name", "GET", "h_*->w")
    diff.check("SORT", "k", "BY", "h_*->name", "ALPHA")
    diff.check("SORT", "k", "BY", "h_*->name", "ALPHA", "DESC")
    diff.check("SORT", "k", "BY", "h_*->nofield")
    diff.check("SORT", "k", "GET", "h_*->name", "STORE", "dst")
    diff.check("LRANGE", "dst", "0", "-1")
    for c in (diff.ref, diff.fc):
        c.call("CONFIG", "SET", "hash-max-listpack-entries", "128")


def test_sort_pattern_c_string_quirks(diff):
    diff.check("RPUSH", "k", "1", "2", "3")
    diff.check("SET", "x1->", "a")       # "->" at the end is part of the key
    diff.check("SET", "x2->", "b")
    diff.check("SET", "p_1_*", "star")   # only the first '*' is replaced
    diff.check("SET", "p_2_*", "star2")
    diff.check("HSET", "h1", "f\x00g", "nul-field", "f", "plain")
    diff.check("SET", b"n\x001", "after-nul")
    for pat in (b"x*->", b"p_*_*", b"h*->f\x00g", b"h*->f", b"n\x00*", b"#", b"#\x00junk", b"##",
                b"*", b"nokey", b"", b"*->", b"->*", b"h*->", b"h*-", b"h*>f"):
        diff.check("SORT", "k", "GET", pat)
        diff.check("SORT", "k", "BY", pat, "ALPHA")
        diff.check("SORT", "k", "GET", pat, "STORE", "dst")
        diff.check("LRANGE", "dst", "0", "-1")


def test_sort_by_integer_encoded_values(diff):
    diff.check("RPUSH", "k", "a", "b", "c", "d")
    diff.check("SET", "w_a", "10")
    diff.check("INCR", "w_b")
    diff.check("SET", "w_c", "-9223372036854775808")
    diff.check("HSET", "hw_a", "f", "12")
    diff.check("HSET", "hw_b", "f", "-7")
    diff.check("HSET", "hw_c", "f", "9223372036854775807")
    diff.check("SORT", "k", "BY", "w_*")
    diff.check("SORT", "k", "BY", "w_*", "ALPHA")
    diff.check("SORT", "k", "BY", "hw_*->f")
    diff.check("SORT", "k", "BY", "hw_*->f", "ALPHA", "GET", "hw_*->f")


# ---- GET ---------------------------------------------------------------------------------

def test_sort_get_patterns(diff, kind):
    same_order = make(diff, kind, "k", [b"1", b"2", b"3", b"10"])
    diff.check("SET", "o_1", "one")
    diff.check("SET", "o_10", "ten")
    diff.check("LPUSH", "o_2", "list-not-string")
    diff.check("HSET", "hh_3", "f", "three")
    diff.check("SORT", "k", "GET", "o_*")
    diff.check("SORT", "k", "GET", "#", "GET", "o_*", "GET", "hh_*->f", "GET", "nope_*", "GET", "o_1")
    diff.check("SORT", "k", "DESC", "GET", "o_*", "LIMIT", "1", "2")
    diff.check("SORT", "k", "GET", "o_*", "STORE", "dst")
    diff.check("LRANGE", "dst", "0", "-1")
    diff.check("SORT", "k", "GET", "#", "GET", "nope_*", "STORE", "dst")
    diff.check("LRANGE", "dst", "0", "-1")
    diff.check("SORT", "k", "BY", "nosort", "GET", "o_*", normalize=None if same_order or kind == "zset"
               else sorted_array)


def test_sort_resp3(diff, kind):
    make(diff, kind, "k", NUMS)
    diff.check("SET", "o_5", "five")
    diff.hello3()
    diff.check("SORT", "k")
    diff.check("SORT", "k", "GET", "#", "GET", "o_*")
    diff.check("SORT", "k", "LIMIT", "0", "0")
    diff.check("SORT", "missing", "GET", "o_*")
    diff.check("SORT", "k", "STORE", "dst")
    # numeric BY: missing weights all score 0, ties broken by the element (deterministic
    # whatever the set's hash order, unlike ALPHA BY ties)
    diff.check("SORT", "k", "BY", "w_*", "GET", "o_*", "LIMIT", "1", "2")
    diff.check("SORT_RO", "k", "GET", "nope_*")
    diff.check("RPUSH", "bad", "x")
    diff.check("SORT", "bad")
    diff.hello2()


# ---- STORE -------------------------------------------------------------------------------

def test_sort_store_replaces_and_deletes(diff, kind):
    make(diff, kind, "k", NUMS)
    diff.check("SET", "dst", "old", "EX", "1000")
    diff.check("SORT", "k", "STORE", "dst")
    diff.check("TYPE", "dst")
    diff.check("TTL", "dst")               # setKey drops the TTL
    diff.check("OBJECT", "ENCODING", "dst")
    diff.check("LRANGE", "dst", "0", "-1")
    diff.check("SORT", "k", "DESC", "STORE", "dst")
    diff.check("LRANGE", "dst", "0", "-1")
    # empty result: the destination is deleted
    diff.check("SORT", "k", "LIMIT", "0", "0", "STORE", "dst")
    diff.check("EXISTS", "dst")
    diff.check("SORT", "missing", "STORE", "dst")
    diff.check("SORT", "missing", "STORE", "dst")
    diff.check("EXISTS", "dst")


def test_sort_store_onto_its_source(diff):
    diff.check("RPUSH", "k", *NUMS)
    diff.check("SORT", "k", "DESC", "STORE", "k")
    diff.check("LRANGE", "k", "0", "-1")
    diff.check("SADD", "s", "3", "1", "2")
    diff.check("SORT", "s", "STORE", "s")
    diff.check("TYPE", "s")
    diff.check("LRANGE", "s", "0", "-1")
    diff.check("SORT", "s", "LIMIT", "5", "5", "STORE", "s")
    diff.check("EXISTS", "s")


def test_sort_store_big_result_encoding(diff, restore_config):
    items = [b"%d" % random.Random(7).randrange(10**6) for _ in range(1)] + \
            [b"%d" % x for x in random.Random(3).sample(range(10**6), 700)]
    diff.check("CONFIG", "SET", "list-max-listpack-size", "5")
    diff.check("CONFIG", "SET", "list-compress-depth", "2")
    for i in range(0, len(items), 100):
        diff.check("RPUSH", "k", *items[i:i + 100])
    diff.check("SORT", "k", "STORE", "dst")
    diff.check("LRANGE", "dst", "0", "-1")
    diff.check("SORT", "k", "BY", "nosort", "DESC", "LIMIT", "300", "250")
    diff.check("SORT", "k", "BY", "nosort", "LIMIT", "300", "250")
    diff.check("SORT", "k", "ALPHA", "LIMIT", "10", "20")
    diff.check("MEMORY", "USAGE", "dst", normalize=lambda r: r[:1])


def test_sort_ro_refuses_store(diff):
    diff.check("RPUSH", "k", "2", "1")
    diff.check("SORT_RO", "k", "STORE", "dst")
    diff.check("SORT_RO", "k", "store")
    diff.check("EXISTS", "dst")
    diff.check("SORT_RO", "k", "BY", "nosort", "GET", "#", "LIMIT", "0", "1", "DESC", "ALPHA")


# ---- errors, types, keys -----------------------------------------------------------------

def test_sort_syntax_errors_come_before_the_lookup(diff):
    diff.check("SET", "str", "x")
    diff.check("RPUSH", "k", "1")
    for key in ("str", "k", "missing"):
        for args in (["FOO"], ["BY"], ["GET"], ["STORE"], ["LIMIT", "1"], ["LIMIT", "a", "b"],
                     ["ASC", "DESC", "ALPHA", "junk"], ["GET", "#", "GET"], [b"asc\x00x"],
                     [b"alpha\x00"], ["LIMIT", "0", "1", "0"]):
            diff.check("SORT", key, *args)
            diff.check("SORT_RO", key, *args)


def test_sort_wrong_type_and_missing(diff):
    diff.check("SET", "str", "x")
    diff.check("HSET", "h", "f", "v")
    diff.check("SORT", "str")
    diff.check("SORT", "h", "ALPHA")
    diff.check("SORT", "str", "STORE", "dst")
    diff.check("SORT_RO", "h")
    diff.check("SORT", "missing")
    diff.check("SORT", "missing", "BY", "w_*", "GET", "#", "LIMIT", "0", "10", "DESC", "ALPHA")
    diff.check("SORT")
    diff.check("SORT_RO")


def test_sort_binary_and_empty_keys(diff):
    diff.check("RPUSH", BIN, "3", "1", "2")
    diff.check("RPUSH", "", "b", "a")
    diff.check("SET", b"w_\x00", "5")
    diff.check("SORT", BIN)
    diff.check("SORT", "", "ALPHA")
    diff.check("SORT", BIN, "STORE", "")
    diff.check("LRANGE", "", "0", "-1")
    diff.check("SORT", "", "STORE", BIN)
    diff.check("LRANGE", BIN, "0", "-1")
    diff.check("RPUSH", "z", b"\x00", b"")
    diff.check("SORT", "z", "BY", "w_*", "GET", "w_*")


def test_sort_options_are_case_insensitive(diff):
    diff.check("RPUSH", "k", "b", "a", "c")
    diff.check("sort", "k", "aLpHa", "dEsC", "lImIt", "0", "2", "gEt", "#", "StOrE", "d")
    diff.check("LRANGE", "d", "0", "-1")
    diff.check("sort_ro", "k", "Alpha", "By", "NoSort")


# ---- tie order: stable full sort, Redis's partial quicksort with LIMIT --------------------

@pytest.mark.parametrize("seed", range(6))
def test_sort_alpha_by_ties_follow_reference(diff, seed):
    rnd = random.Random(seed)
    n = rnd.choice([5, 7, 8, 12, 41, 60, 150])
    items = [b"e%03d" % i for i in range(n)]
    rnd.shuffle(items)
    diff.check("RPUSH", "k", *items)
    vals = [b"a", b"b", b"c", b"B"]
    args = []
    for it in items:
        if rnd.random() < 0.8:
            args += [b"w_" + it, rnd.choice(vals)]
    diff.check("MSET", *args)
    cmds = [("SORT", "k", "BY", "w_*", "ALPHA"), ("SORT", "k", "BY", "w_*", "ALPHA", "DESC"),
            ("SORT", "k", "BY", "nokey_*", "ALPHA", "LIMIT", "0", "3")]
    for _ in range(25):
        off = rnd.randrange(-2, n + 2)
        cnt = rnd.randrange(-1, n + 2)
        extra = rnd.choice([[], ["DESC"]])
        cmds.append(("SORT", "k", "BY", "w_*", "ALPHA", "LIMIT", str(off), str(cnt), *extra))
        cmds.append(("SORT", "k", "BY", "w_*", "ALPHA", "LIMIT", str(off), str(cnt), "STORE", "d", *extra))
        cmds.append(("LRANGE", "d", "0", "-1"))
        cmds.append(("SORT", "k", "BY", "w_*", "LIMIT", str(off), str(cnt), *extra))
    diff.check_many(cmds)


def test_sort_intset_by_ties(diff):
    diff.check("SADD", "s", *[str(i) for i in range(0, 90, 3)])
    diff.check("MSET", *[x for i in range(0, 90, 6) for x in ("w_%d" % i, "same")])
    diff.check("SORT", "s", "BY", "w_*", "ALPHA")
    diff.check("SORT", "s", "BY", "w_*", "ALPHA", "LIMIT", "3", "9")
    diff.check("SORT", "s", "BY", "w_*", "ALPHA", "DESC", "LIMIT", "20", "9")
    diff.check("SORT", "s", "BY", "w_*", "LIMIT", "20", "9")


def test_sort_reply_counts_against_parse(diff):
    # sanity: outputs have the expected shapes (one entry per GET per element)
    diff.check("RPUSH", "k", "1", "2", "3")
    r = parse(diff.check("SORT", "k", "GET", "#", "GET", "x_*", "GET", "#"))
    assert len(r) == 9
    assert parse(diff.check("SORT", "k", "GET", "#", "STORE", "d")) == 3


@pytest.mark.parametrize("cmd", ["SORT", "SORT_RO"])
def test_sort_converts_a_listpack_sorted_set_to_skiplist(diff, cmd):
    """Redis's sortCommandGeneric converts a listpack zset for good, even for
    SORT_RO; the order it then sees is the score order."""
    diff.check("ZADD", "zl", "3", "c", "1", "a", "2", "b", "4", "d")
    diff.check("OBJECT", "ENCODING", "zl")
    diff.check(cmd, "zl", "BY", "nosort")
    diff.check("OBJECT", "ENCODING", "zl")
    diff.check(cmd, "zl", "ALPHA", "DESC")
    diff.check("ZRANGE", "zl", "0", "-1", "WITHSCORES")
