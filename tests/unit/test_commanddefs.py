"""The generated command table is fresh, complete and consistent.

- Regenerating fastcache/commanddefs.py from a running reference redis-server must
  give the checked-in file byte for byte (skipped only when redis-server is missing).
- The commands API derives what Redis derives (movablekeys) and agrees with the
  legacy (first, last, step) key positions where those are meaningful.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

from fastcache import commanddefs, commands
from tests.support.servers import reference_cmd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "ci", "gen_commands.py")
TABLE = os.path.join(ROOT, "fastcache", "commanddefs.py")


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_commands", GEN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(shutil.which(reference_cmd()[0]) is None,
                    reason="redis-server is not installed: cannot regenerate the table")
def test_commanddefs_is_fresh(ref_server):
    gen = _load_generator()
    text = gen.generate("127.0.0.1", ref_server.port)
    with open(TABLE) as f:
        current = f.read()
    assert text == current, "fastcache/commanddefs.py is stale: run python ci/gen_commands.py"


def test_table_is_sorted_and_complete():
    names = [c["name"] for c in commanddefs.COMMANDS]
    assert names == sorted(names)
    assert len(names) == 240
    for c in commanddefs.COMMANDS:
        subs = [s["name"] for s in c["subcommands"]]
        assert subs == sorted(subs)
        assert all(s.startswith(c["name"] + "|") for s in subs)
    assert sum(1 for _ in commands.iter_all()) == 366


def test_every_command_has_our_summary_and_no_redis_prose():
    from ci.command_summaries import SUMMARIES  # noqa: F401 (importable as data)
    for d in commands.iter_all():
        assert d.summary and d.summary == SUMMARIES[d.fullname]
        assert "complexity" not in d.raw and "history" not in d.raw


def test_lookup():
    assert commands.lookup("GET").fullname == "get"
    assert commands.lookup(b"get") is commands.lookup("get")
    assert commands.lookup("CONFIG|Get").fullname == "config|get"
    assert commands.lookup("config|get").parent is commands.lookup("config")
    assert commands.lookup("nosuch") is None
    assert commands.lookup("get|x") is None
    assert commands.lookup("config|nosuch") is None
    assert commands.lookup_argv([b"config", b"GET", b"x"]).fullname == "config|get"
    assert commands.lookup_argv([b"config"]).fullname == "config"
    assert commands.lookup_argv([b"config", b"nosuch"]) is None
    assert commands.lookup_argv([b"get", b"k"]).fullname == "get"


def test_flag_bits():
    get = commands.lookup("get")
    assert commands.flag_bits(get) == commands.FLAG_READONLY | commands.FLAG_FAST
    setc = commands.lookup("set")
    assert commands.flag_bits(setc) & commands.FLAG_WRITE
    assert commands.flag_bits(setc) & commands.FLAG_DENYOOM
    assert commands.flag_bits(commands.lookup("auth")) & commands.FLAG_NO_AUTH
    assert commands.flag_bits(commands.lookup("save")) & commands.FLAG_NO_MULTI
    assert commands.flag_bits(commands.lookup("blpop")) & commands.FLAG_BLOCKING
    assert commands.flag_bits(commands.lookup("eval")) & commands.FLAG_NO_MANDATORY_KEYS
    assert commands.flag_bits(commands.lookup("subscribe")) & commands.FLAG_PUBSUB
    assert commands.flag_bits(commands.lookup("config|set")) & commands.FLAG_ADMIN
    assert commands.flag_bits(commands.lookup("ping")) & commands.FLAG_ALLOW_BUSY == 0
    assert commands.flag_bits(commands.lookup("shutdown")) & commands.FLAG_ALLOW_BUSY
    # Every flag name in the table is known.
    for d in commands.iter_all():
        for f in d.flags:
            assert f in commands.FLAG_NAMES


def test_movablekeys_is_derived_as_redis_does():
    for d in commands.iter_all():
        assert commands.derive_movablekeys(d) == ("movablekeys" in d.flags), d.fullname
        assert bool(commands.flag_bits(d) & commands.FLAG_MOVABLE_KEYS) == \
            ("movablekeys" in d.flags)


def _legacy_positions(d, argc):
    if d.first_key == 0:
        return []
    last = d.last_key if d.last_key >= 0 else argc + d.last_key
    return list(range(d.first_key, last + 1, d.step))


def test_get_keys_agrees_with_legacy_positions():
    # For fixed-position commands the key specs and (first,last,step) agree.
    for d in commands.iter_all():
        if "movablekeys" in d.flags or not d.key_specs or d.parent is not None:
            continue
        if any("not_key" in s["flags"] for s in d.key_specs):
            continue
        argc = d.arity if d.arity > 0 else max(-d.arity, 1) + 4
        if d.arity < 0 and d.step > 1:
            argc = -d.arity + (d.step - (-d.arity - 1) % d.step) % d.step + d.step
        argv = [d.fullname.encode()] + [b"a%d" % i for i in range(1, argc)]
        keys = commands.get_keys(d, argv)
        legacy = _legacy_positions(d, argc)
        assert keys[:len(legacy)] == legacy or sorted(keys) == sorted(legacy), \
            (d.fullname, argv, keys, legacy)


def test_get_keys_examples():
    lk = commands.lookup
    assert commands.get_keys(lk("mset"), [b"mset", b"a", b"1", b"b", b"2"]) == [1, 3]
    assert commands.get_keys(lk("zunionstore"), [b"zunionstore", b"d", b"2", b"a", b"b"]) == \
        [1, 3, 4]
    assert commands.get_keys(lk("eval"), [b"eval", b"s", b"0"]) == []
    assert commands.get_keys(lk("xread"), [b"xread", b"count", b"2", b"streams", b"a", b"b",
                                           b"0", b"0"]) == [4, 5]
    assert commands.get_keys(lk("sort"), [b"sort", b"a", b"store", b"d"]) == [1, 3]
    assert commands.get_keys(lk("migrate"), [b"migrate", b"h", b"1", b"", b"0", b"5", b"keys",
                                             b"x", b"y"]) == [7, 8]
    assert commands.get_keys(lk("object|encoding"), [b"object", b"encoding", b"k"]) == [2]
    assert commands.get_keys(lk("spublish"), [b"spublish", b"ch", b"m"]) == []
    kf = commands.get_keys_with_flags(lk("set"), [b"set", b"k", b"v", b"GET"])
    assert kf == [(1, commands.KEY_RW | commands.KEY_ACCESS | commands.KEY_UPDATE)]
