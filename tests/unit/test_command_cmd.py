"""COMMAND on the admin path, checked against the reference redis-server byte for byte.

The handler runs in-process with a fake client (no fastcache server); the expected
bytes come from the session reference server (``ref`` fixture).  Redis emits
commands (and a container's subcommands) in its hash-table order, which changes
with every process (random hash seed), so those aggregates are compared after
sorting their elements; everything else must be identical.  COMMAND DOCS is
compared without summary/complexity/history (our summaries are our own words).
"""

from __future__ import annotations

import shutil

import pytest

from fastcache import commands, introspection, respvalue
from tests.support.resp import _frame
from tests.support.servers import reference_cmd

pytestmark = pytest.mark.skipif(shutil.which(reference_cmd()[0]) is None,
                                reason="reference redis-server is not installed")

ALL_NAMES = {d.fullname for d in commands.iter_all()}


class FakeServer:
    def __init__(self, implemented):
        self.implemented = implemented


class FakeClient:
    def __init__(self, resp=2, implemented=ALL_NAMES):
        self.resp = resp
        self.server = FakeServer(set(implemented))
        self.out = []

    def reply(self, obj):
        self.out.append(respvalue.encode(obj, self.resp))


def run(*args, resp=2, implemented=ALL_NAMES) -> bytes:
    c = FakeClient(resp, implemented)
    introspection.cmd_command(c, [a.encode() if isinstance(a, str) else a for a in args])
    assert len(c.out) == 1, "exactly one reply per call"
    return c.out[0]


# -- raw reply trees ----------------------------------------------------------------
# A node is [header_line_bytes, [children]] (a list) for aggregates, raw bytes for
# leaves; map children are (key, value) tuples.

_AGG = {ord("*"): 1, ord("~"): 1, ord(">"): 1, ord("%"): 2}


def tree(raw: bytes, pos: int = 0):
    t = raw[pos]
    if t in _AGG:
        eol = raw.index(b"\r\n", pos)
        n = int(raw[pos + 1:eol])
        p = eol + 2
        kids = []
        for _ in range(max(n, 0)):
            if _AGG[t] == 2:
                k, p = tree(raw, p)
                v, p = tree(raw, p)
                kids.append((k, v))
            else:
                k, p = tree(raw, p)
                kids.append(k)
        return [raw[pos:eol], kids], p
    end = _frame(raw, pos)
    return raw[pos:end], end


def parse_tree(raw: bytes):
    node, end = tree(raw)
    assert end == len(raw), "trailing bytes after one reply"
    return node


def unparse(node) -> bytes:
    if isinstance(node, bytes):
        return node
    if isinstance(node, tuple):  # a map pair
        return unparse(node[0]) + unparse(node[1])
    head, kids = node
    return head + b"\r\n" + b"".join(unparse(k) for k in kids)


def sorted_kids(node):
    head, kids = node
    return [head, sorted(kids, key=unparse)]


def canon_info_entry(entry):
    """Sort the subcommand list (element 10) of one COMMAND INFO entry."""
    if isinstance(entry, bytes):  # nil
        return entry
    head, kids = entry
    kids = list(kids)
    kids[9] = sorted_kids(kids[9])
    return [head, kids]


def canon_info_reply(raw: bytes) -> bytes:
    head, entries = parse_tree(raw)
    return unparse([head, [canon_info_entry(e) for e in entries]])


def canon_info_all(raw: bytes) -> bytes:
    head, entries = parse_tree(raw)
    return unparse(sorted_kids([head, [canon_info_entry(e) for e in entries]]))


_DROPPED = (b"summary", b"complexity", b"history")


def docs_canon(node):
    """A DOCS reply as comparable nested lists: prose fields dropped, name->doc maps sorted."""
    return docs_map(node, resp3=node[0][:1] == b"%")


def _pairs(node, resp3):
    head, kids = node
    if resp3:
        return kids
    return list(zip(kids[::2], kids[1::2]))


def docs_map(node, resp3):
    """A map of command name -> doc map (top level or 'subcommands')."""
    out = []
    for name, doc in _pairs(node, resp3):
        out.append((name, doc_fields(doc, resp3)))
    return ("map", sorted(out, key=repr))


def doc_fields(doc, resp3):
    fields = []
    for k, v in _pairs(doc, resp3):
        key = k.split(b"\r\n")[1]
        if key in _DROPPED:
            continue
        if key == b"subcommands":
            fields.append((k, docs_map(v, resp3)))
        else:
            fields.append((k, plain(v)))
    return fields


def plain(node):
    if isinstance(node, bytes):
        return node
    head, kids = node
    if head[:1] == b"%":
        return [head, [(plain(k), plain(v)) for k, v in kids]]
    return [head, [plain(k) for k in kids]]


# -- fixtures ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def refc(ref_server):
    from tests.support.resp import RawClient
    c2 = RawClient(ref_server.host, ref_server.port)
    c3 = RawClient(ref_server.host, ref_server.port)
    assert c3.call("HELLO", "3").startswith(b"%")
    yield {2: c2, 3: c3}
    c2.close()
    c3.close()


# -- COMMAND INFO -------------------------------------------------------------------

@pytest.mark.parametrize("resp", [2, 3])
def test_command_info_every_command_matches_reference(refc, resp):
    mismatches = []
    for name in sorted(ALL_NAMES):
        want = refc[resp].call("COMMAND", "INFO", name)
        got = run("COMMAND", "INFO", name, resp=resp)
        if commands.lookup(name).subcommands:
            want, got = canon_info_reply(want), canon_info_reply(got)
        if want != got:
            mismatches.append((name, want[:300], got[:300]))
    assert not mismatches, mismatches[:3]


@pytest.mark.parametrize("resp", [2, 3])
def test_command_info_unknown_and_mixed_names(refc, resp):
    args = ["COMMAND", "INFO", "get", "nosuch", "CONFIG|GET", "config|nosuch", "get|x",
            "a|b|c", "Set"]
    assert run(*args, resp=resp) == refc[resp].call(*args)


@pytest.mark.parametrize("resp", [2, 3])
def test_command_without_args_and_info_all(refc, resp):
    for args in (["COMMAND"], ["COMMAND", "INFO"]):
        want = canon_info_all(refc[resp].call(*args))
        assert canon_info_all(run(*args, resp=resp)) == want


def test_command_count(refc):
    assert run("COMMAND", "COUNT") == refc[2].call("COMMAND", "COUNT") == b":240\r\n"


def test_command_info_hides_unimplemented_commands():
    impl = {"get", "config|get", "set"}
    assert run("COMMAND", "COUNT", implemented=impl) == b":3\r\n"
    assert run("COMMAND", "INFO", "del", implemented=impl) == b"*1\r\n$-1\r\n"
    entry = parse_tree(run("COMMAND", "INFO", "config", implemented=impl))[1][0]
    subs = entry[1][9][1]
    assert [s[1][0] for s in subs] == [b"$10\r\nconfig|get\r\n"]
    assert run("COMMAND", "INFO", "config|set", implemented=impl) == b"*1\r\n$-1\r\n"
    assert run("COMMAND", "LIST", implemented=impl) == \
        respvalue.encode(["config", "config|get", "get", "set"], 2)
    assert run("COMMAND", "DOCS", "del", "get", implemented=impl).startswith(b"*2\r\n$3\r\nget\r\n")
    assert run("COMMAND", "GETKEYS", "del", "k", implemented=impl) == \
        b"-ERR Invalid command specified\r\n"


# -- COMMAND LIST -------------------------------------------------------------------

LIST_CASES = [
    ["COMMAND", "LIST"],
    ["COMMAND", "LIST", "FILTERBY", "PATTERN", "xa*"],
    ["COMMAND", "LIST", "FILTERBY", "pattern", "CONFIG*"],
    ["COMMAND", "LIST", "FILTERBY", "PATTERN", "*|*"],
    ["COMMAND", "LIST", "FILTERBY", "PATTERN", "[a-c]?t*"],
    ["COMMAND", "LIST", "FILTERBY", "PATTERN", "[^a-y]*"],
    ["COMMAND", "LIST", "FILTERBY", "PATTERN", "*\\|get"],
    ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "hyperloglog"],
    ["COMMAND", "LIST", "FILTERBY", "aclcat", "HyperLogLog"],
    ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "dangerous"],
    ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "@keyspace"],
    ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"],
    ["COMMAND", "LIST", "FILTERBY", "MODULE", "x"],
    ["COMMAND", "LIST", "FILTERBY"],
    ["COMMAND", "LIST", "FILTERBY", "FOO", "x"],
    ["COMMAND", "LIST", "x"],
    ["COMMAND", "LIST", "FILTERBY", "PATTERN", "xa*", "x"],
]


@pytest.mark.parametrize("args", LIST_CASES, ids=lambda a: " ".join(a[2:]) or "all")
@pytest.mark.parametrize("resp", [2, 3])
def test_command_list(refc, args, resp):
    want = refc[resp].call(*args)
    got = run(*args, resp=resp)
    if want[:1] == b"*":
        want, got = unparse(sorted_kids(parse_tree(want))), unparse(sorted_kids(parse_tree(got)))
    assert got == want


# -- COMMAND GETKEYS / GETKEYSANDFLAGS ------------------------------------------------

GETKEYS_CASES = [
    ["get", "a"], ["GET", "a"], ["get", "a", "b"], ["get"], ["ping"], ["nosuch", "a"],
    ["set", "a", "b"], ["set", "a", "b", "GET"], ["mset", "a", "1", "b", "2"],
    ["mset", "a", "1", "b"], ["del", "a", "b", "c"], ["mget", "a", "b"],
    ["config", "get", "x"], ["config", "nosub"], ["config"], ["spublish", "a", "b"],
    ["object", "encoding", "k"], ["OBJECT", "ENCODING", "k"], ["memory", "usage", "k"],
    ["eval", "s", "0"], ["eval", "s", "2", "a", "b"], ["eval", "s", "2x", "a", "b"],
    ["eval", "s", "3", "a", "b"], ["eval", "s", "-1", "a"], ["eval", "s", "1", "a", "x", "y"],
    ["evalsha_ro", "s", "1", "a"], ["fcall", "f", "1", "k", "arg"], ["fcall", "f", "0"],
    ["zunionstore", "d", "2", "a", "b"], ["zunionstore", "d", "0", "a"],
    ["zunionstore", "d", "3", "a", "b"], ["zunionstore", "d", "2", "a", "b", "WEIGHTS", "1", "2"],
    ["zinter", "2", "a", "b"], ["zinter", "0", "a"], ["zdiff", "1", "a", "withscores"],
    ["zintercard", "2", "a", "b", "limit", "0"], ["sintercard", "1", "a"],
    ["lmpop", "2", "a", "b", "LEFT"], ["lmpop", "0", "a", "LEFT"],
    ["blmpop", "0", "2", "a", "b", "LEFT"], ["zmpop", "1", "a", "MIN"],
    ["bzmpop", "1.5", "1", "a", "MIN"], ["bzmpop", "1", "x", "a", "MIN"],
    ["sort", "a"], ["sort", "a", "store", "b"], ["sort", "a", "STORE", "b", "store", "c"],
    ["sort", "a", "get", "store", "by", "x"], ["sort", "a", "limit", "store", "x", "y"],
    ["sort", "a", "store"], ["sort_ro", "a", "by", "x"],
    ["migrate", "h", "6379", "k", "0", "10"],
    ["migrate", "h", "6379", "", "0", "10", "KEYS", "a", "b"],
    ["migrate", "h", "6379", "k", "0", "10", "KEYS", "a", "b"],
    ["migrate", "h", "6379", "", "0", "10", "COPY", "REPLACE", "KEYS", "a"],
    ["georadius", "g", "0", "0", "1", "km"], ["georadius", "g", "0", "0", "1", "km", "STORE", "d"],
    ["georadius", "g", "0", "0", "1", "km", "STORE"],
    ["georadius", "g", "0", "0", "1", "km", "STOREDIST", "d", "STORE", "e"],
    ["georadiusbymember", "g", "m", "1", "km", "store", "d"],
    ["georadiusbymember", "g", "m", "1", "km", "x", "store"],
    ["xread", "streams", "a", "0"], ["xread", "count", "1", "streams", "a", "b", "0", "0"],
    ["xread", "streams", "a"], ["xread", "streams", "a", "b", "0"], ["xread", "block", "0", "x"],
    ["xreadgroup", "group", "g", "c", "streams", "a", "0"],
    ["xreadgroup", "group", "g", "streams", "streams", "s", "0"],
    ["lcs", "a", "b"], ["rename", "a", "b"], ["smove", "a", "b", "m"],
    ["bitop", "and", "d", "a", "b"], ["pfcount", "a", "b"], ["getex", "a", "persist"],
    ["bitfield", "k", "get", "u8", "0"], ["bitfield", "k", "get", "u8", "0", "overflow", "sat"],
    ["bitfield", "k", "get", "u8"], ["bitfield", "k", "incrby", "u8", "0", "1"], ["bitfield", "k"],
    ["set", "a", "b", "ex", "10", "get"], ["set", "a", "b", "GETX"], ["bitfield_ro", "k", "get", "u8", "0"], ["xadd", "s", "*", "f", "v"], ["blpop", "a", "b", "0"],
    ["lmove", "a", "b", "left", "right"], ["geosearchstore", "d", "s", "frommember", "m"],
    ["command", "getkeys", "get", "x"], ["publish", "c", "m"], ["subscribe", "c"],
    ["exists", "a"], ["touch", "a", "b"], ["copy", "a", "b", "db", "1"],
]


@pytest.mark.parametrize("sub", ["GETKEYS", "GETKEYSANDFLAGS"])
@pytest.mark.parametrize("resp", [2, 3])
def test_command_getkeys_cases(refc, sub, resp):
    mismatches = []
    for case in GETKEYS_CASES:
        args = ["COMMAND", sub] + case
        want = refc[resp].call(*args)
        got = run(*args, resp=resp)
        if want != got:
            mismatches.append((case, want, got))
    assert not mismatches, mismatches


@pytest.mark.parametrize("args", [
    ["COMMAND", "FOO"], ["COMMAND", "foo\r\nbar"], ["COMMAND", "x" * 300],
    ["COMMAND", "COUNT", "x"], ["COMMAND", "GETKEYS"], ["COMMAND", "GETKEYS", "get"],
    ["COMMAND", "HELP"], ["command", "help"], ["COMMAND", "HELP", "x"],
    ["COMMAND", "GETKEYSANDFLAGS", "x"], ["command", "Count"],
], ids=repr)
@pytest.mark.parametrize("resp", [2, 3])
def test_command_subcommand_errors_and_help(refc, args, resp):
    assert run(*args, resp=resp) == refc[resp].call(*args)


# -- COMMAND DOCS -------------------------------------------------------------------

@pytest.mark.parametrize("resp", [2, 3])
def test_command_docs_all_match_reference_except_prose(refc, resp):
    want = docs_canon(parse_tree(refc[resp].call("COMMAND", "DOCS")))
    got = docs_canon(parse_tree(run("COMMAND", "DOCS", resp=resp)))
    assert got == want


@pytest.mark.parametrize("resp", [2, 3])
def test_command_docs_each_command_matches_reference(refc, resp):
    bad = []
    for name in sorted(ALL_NAMES):
        want = docs_canon(parse_tree(refc[resp].call("COMMAND", "DOCS", name)))
        got = docs_canon(parse_tree(run("COMMAND", "DOCS", name, resp=resp)))
        if want != got:
            bad.append(name)
    assert not bad


@pytest.mark.parametrize("resp", [2, 3])
def test_command_docs_names_and_unknowns(refc, resp):
    args = ["COMMAND", "DOCS", "config|get", "GET", "get", "nosuch", "get|x"]
    want = docs_canon(parse_tree(refc[resp].call(*args)))
    assert docs_canon(parse_tree(run(*args, resp=resp))) == want
    assert run("COMMAND", "DOCS", "nosuch", resp=resp) == refc[resp].call(
        "COMMAND", "DOCS", "nosuch")


def test_command_docs_carry_our_summary_and_no_complexity():
    raw = run("COMMAND", "DOCS", "get", resp=3)
    assert b"$7\r\nsummary\r\n" in raw
    assert commands.lookup("get").summary.encode() in raw
    assert b"complexity" not in raw and b"history" not in raw


# -- glob ---------------------------------------------------------------------------

@pytest.mark.parametrize("pattern,string,expected", [
    # Redis's matcher never matches an empty string (KEYS * only works through a
    # shortcut): "**" finds no key named "" on the reference server.
    (b"*", b"", False), (b"a*", b"abc", True), (b"a?c", b"abc", True), (b"a?c", b"ac", False),
    (b"[abc]x", b"bx", True), (b"[^abc]x", b"bx", False), (b"[a-c]", b"b", True),
    (b"[c-a]", b"b", True), (b"\\*", b"*", True), (b"\\*", b"a", False), (b"a**b", b"ab", True),
    (b"[\\]]", b"]", True), (b"[ab", b"a", True), (b"h[e]llo", b"hello", True),
])
def test_stringmatch(pattern, string, expected):
    assert introspection.stringmatch(pattern, string) is expected
