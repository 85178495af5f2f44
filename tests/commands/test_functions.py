"""Redis 7 functions: FUNCTION * and FCALL/FCALL_RO, differential against redis-server
7.0.15, plus persistence round trips (RDB both ways, DEBUG RELOAD, AOF rewrite) and
the busy/kill machinery.

FLUSHALL keeps function libraries, so every test that loads some starts with
FUNCTION FLUSH on both servers (the `fdiff` fixture).  FUNCTION LIST orders
libraries and functions by Redis's hash tables; replies with more than one are
compared after sorting (`_sorted_list`)."""
from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from support.resp import RawClient, parse, parse_all
from support.servers import ServerHandle, fastcache_cmd, reference_cmd


@pytest.fixture
def fdiff(diff):
    diff.check("FUNCTION", "FLUSH")
    yield diff
    diff.ref.call("FUNCTION", "FLUSH")
    diff.fc.call("FUNCTION", "FLUSH")


def lib(name, body):
    return "#!lua name=%s\n%s" % (name, body)


def _canon(v):
    """Sort FUNCTION LIST libraries and their functions (hash-table order in Redis)."""
    if isinstance(v, list):
        out = []
        for libinfo in v:
            if isinstance(libinfo, dict):
                d = dict(libinfo)
                d[b"functions"] = sorted((sorted(f.items(), key=repr) if isinstance(f, dict) else f
                                          for f in d[b"functions"]), key=repr)
                out.append(sorted(d.items(), key=repr))
            else:   # RESP2: flat [k, v, ...]
                pairs = dict(zip(libinfo[::2], libinfo[1::2]))
                pairs[b"functions"] = sorted((f for f in pairs[b"functions"]), key=repr)
                out.append(sorted(pairs.items(), key=repr))
        return sorted(out, key=repr)
    return v


def _sorted_list(raw):
    # the RESP3 type (map vs array) is kept by comparing the first bytes too
    return raw[:4], _canon(parse(raw))


# ---- FUNCTION LOAD ------------------------------------------------------------------------------

LOAD_BODIES = [
    'redis.register_function("f", 1)',
    'redis.register_function(1, function() end)',
    'redis.register_function("f", function() end, 3)',
    'redis.register_function()',
    'redis.register_function{function_name=1, callback=function() end}',
    'redis.register_function{function_name="f", callback=1}',
    'redis.register_function{function_name="f"}',
    'redis.register_function{callback=function() end}',
    'redis.register_function{function_name="f", callback=function() end, flags="no-writes"}',
    'redis.register_function{function_name="f", callback=function() end, flags={1}}',
    'redis.register_function{function_name="f", callback=function() end, flags={"bad"}}',
    'redis.register_function{function_name="f", callback=function() end, description=1}',
    'redis.register_function{function_name="f", callback=function() end, foo=1}',
    'redis.register_function{[1]="f", callback=function() end}',
    'redis.register_function("", function() end)',
    'redis.register_function("f-1", function() end)',
    'redis.register_function("f")',
    'redis.register_function("f", function() end) redis.register_function("f", function() end)',
    'redis.log(redis.LOG_WARNING, "loading") redis.register_function("f", function() end)',
    'redis.log()',
    'redis.log(9, "x")',
    'local t = redis.register_function t("f", function() end) '
    'redis.register_function("g", function() local r = t("h", function() end) return r end)',
    'redis.register_function("v", function() return redis.REDIS_VERSION end)',
    'redis.foo = 1',
    'foo = 1',
    'local x = foo',
    'redis.call("ping")',
    'local v = redis.pcall',
    'local v = redis.setresp',
    'local v = string.format("%d", 1)',
    'local v = math.floor(1)',
    'error("boom")',
    'local t = {} t.x = 1 redis.register_function("f", function() end)',
    'syntax error here',
    'local a = 1',
    'redis.register_function{function_name="f", callback=function() end, '
    'flags={"allow-oom","allow-stale","no-cluster","allow-cross-slot-keys","no-writes"}, description="d"}',
    'redis.register_function{function_name="f", callback=function() end, flags={}}',
    'redis.register_function{FUNCTION_NAME="f", CALLBACK=function() end}',
]


@pytest.mark.parametrize("body", LOAD_BODIES)
def test_function_load_registration_and_errors_match(fdiff, body):
    fdiff.check("FUNCTION", "LOAD", lib("x", body))
    fdiff.check("FUNCTION", "LIST", normalize=_sorted_list)
    fdiff.check("FCALL", "g", "0")
    fdiff.check("FUNCTION", "DELETE", "x")


@pytest.mark.parametrize("code", [
    "return 1",
    "#!lua name=x",
    "#!lua\nlocal a",
    "#!js name=x\nlocal a",
    "#!lua name=x foo=bar\nlocal a",
    "#!lua name=x name=y\nlocal a",
    "#!lua name=\nlocal a",
    "#!lua name=a-b\nlocal a",
    "#!lua name=x\r\nredis.register_function('f', function() end)",
    "#!lua  name=x \nredis.register_function('f', function() end)",
    "#!LUA NAME=x\nredis.register_function('f', function() end)",
    "",
    # the shebang is split like redis-cli input (sdssplitargs): quotes and escapes
    '#!lua name="x"\nredis.register_function(\'f\', function() end)',
    "#!lua name='x'\nredis.register_function('f', function() end)",
    '#!lua "name=x"\nredis.register_function(\'f\', function() end)',
    '#!lua name="x\nredis.register_function(\'f\', function() end)',
    '#!lua name="x"y\nredis.register_function(\'f\', function() end)',
    '#!lua name="\\x41b"\nredis.register_function(\'f\', function() end)',
    '#!"lua" name=x\nredis.register_function(\'f\', function() end)',
    "#!lua\tname=x\nredis.register_function('f', function() end)",
    "#! lua name=x\nredis.register_function('f', function() end)",
    "#!lua name=x\x00y\nredis.register_function('f', function() end)",
])
def test_function_load_metadata_errors_match(fdiff, code):
    fdiff.check("FUNCTION", "LOAD", code)
    fdiff.check("FUNCTION", "LIST")


def test_function_load_replace_and_collisions(fdiff):
    fdiff.check_many([
        ("FUNCTION", "LOAD", lib("x", "redis.register_function('f', function() return 1 end)\n"
                                      "redis.register_function('g', function() return 2 end)")),
        ("FUNCTION", "LOAD", lib("x", "redis.register_function('h', function() end)")),
        ("FUNCTION", "LOAD", lib("y", "redis.register_function('g', function() end)")),
        ("FUNCTION", "LOAD", "REPLACE", lib("y", "redis.register_function('g', function() end)")),
        ("FUNCTION", "LOAD", "REPLACE", lib("x", "redis.register_function('g', function() return 3 end)")),
        ("FCALL", "g", "0"),
        ("FCALL", "f", "0"),
        ("FUNCTION", "LOAD", "replace", "REPLACE", lib("x", "redis.register_function('g', function() end)")),
        ("FUNCTION", "LOAD", "FOO", lib("y", "redis.register_function('g', function() end)")),
        ("FUNCTION", "LOAD", "REPLACE", lib("x", "syntax error")),
        ("FCALL", "g", "0"),
        ("FUNCTION", "LOAD"),
        ("FUNCTION", "LIST"),
    ])


# ---- FUNCTION LIST / STATS / DELETE / FLUSH / HELP / KILL ----------------------------------------

def _load_two(d):
    d.check("FUNCTION", "LOAD", lib("mylib", "redis.register_function('f1', function(k, a) return 1 end)\n"
                                    "redis.register_function{function_name='f2', callback=function() end, "
                                    "flags={'no-writes', 'allow-stale'}, description='second one'}"))
    d.check("FUNCTION", "LOAD", lib("other", "redis.register_function('o1', function() end)"))


@pytest.mark.parametrize("resp", [2, 3])
def test_function_list_shape_and_options(fdiff, resp):
    if resp == 3:
        fdiff.hello3()
    _load_two(fdiff)
    for args in [(), ("WITHCODE",), ("LIBRARYNAME", "my*"), ("libraryname", "*", "withcode"),
                 ("WITHCODE", "LIBRARYNAME", "other"), ("LIBRARYNAME", "zz"), ("LIBRARYNAME", "MYLIB")]:
        fdiff.check("FUNCTION", "LIST", *args, normalize=_sorted_list)
    for args in [("foo",), ("LIBRARYNAME",), ("WITHCODE", "WITHCODE"), ("LIBRARYNAME", "a", "LIBRARYNAME", "b")]:
        fdiff.check("FUNCTION", "LIST", *args)


@pytest.mark.parametrize("resp", [2, 3])
def test_function_stats_counts_libraries_and_functions(fdiff, resp):
    if resp == 3:
        fdiff.hello3()
    fdiff.check("FUNCTION", "STATS")
    _load_two(fdiff)
    fdiff.check("FUNCTION", "STATS")
    fdiff.check("FUNCTION", "STATS", "x")


def test_function_delete_flush_help_kill(fdiff):
    _load_two(fdiff)
    fdiff.check_many([
        ("FUNCTION", "DELETE", "nope"),
        ("FUNCTION", "DELETE"),
        ("FUNCTION", "DELETE", "a", "b"),
        ("FUNCTION", "DELETE", "other"),
        ("FCALL", "o1", "0"),
        ("FUNCTION", "DELETE", "other"),
        ("FUNCTION", "FLUSH", "FOO"),
        ("FUNCTION", "FLUSH", "sync", "x"),
        ("FUNCTION", "FLUSH", "ASYNC"),
        ("FUNCTION", "STATS"),
        ("FUNCTION", "FLUSH", "sync"),
        ("FUNCTION", "FLUSH"),
        ("FUNCTION", "HELP"),
        ("FUNCTION", "help", "x"),
        ("FUNCTION", "KILL"),
        ("FUNCTION", "KILL", "x"),
        ("FUNCTION", "FOO"),
        ("FUNCTION",),
        ("FUNCTION", "DUMP", "x"),
    ])


def test_flushall_keeps_function_libraries(fdiff):
    _load_two(fdiff)
    fdiff.check("FLUSHALL")
    fdiff.check("FCALL", "f1", "0")
    fdiff.check("FUNCTION", "STATS")


# ---- FUNCTION DUMP / RESTORE --------------------------------------------------------------------

def test_function_dump_of_nothing_is_identical(fdiff):
    fdiff.check("FUNCTION", "DUMP")


def test_function_dump_restores_across_servers_both_ways(fdiff):
    ref, fc = fdiff.ref, fdiff.fc
    _load_two(fdiff)
    # a library long enough to be LZF-compressed in the payload
    fdiff.check("FUNCTION", "LOAD", lib("big", "redis.register_function('big', function() return '%s' end)"
                                        % ("abc" * 200)))
    ref_dump = parse(ref.call("FUNCTION", "DUMP"))
    fc_dump = parse(fc.call("FUNCTION", "DUMP"))
    fdiff.check("FUNCTION", "FLUSH")
    # each restores the other's payload
    assert ref.call("FUNCTION", "RESTORE", fc_dump) == b"+OK\r\n"
    assert fc.call("FUNCTION", "RESTORE", ref_dump) == b"+OK\r\n"
    fdiff.check("FUNCTION", "LIST", "WITHCODE", normalize=_sorted_list)
    fdiff.check("FCALL", "big", "0")
    fdiff.check("FCALL_RO", "f2", "0")


def test_function_restore_policies_and_errors(fdiff):
    ref, fc = fdiff.ref, fdiff.fc
    fdiff.check("FUNCTION", "LOAD", lib("a", "redis.register_function('fa', function() return 1 end)"))
    payload = parse(ref.call("FUNCTION", "DUMP"))
    fdiff.check("SET", "k", "v")
    key_dump = parse(ref.call("DUMP", "k"))
    fdiff.check_many([
        ("FUNCTION", "RESTORE", payload),
        ("FUNCTION", "RESTORE", payload, "APPEND"),
        ("FUNCTION", "RESTORE", payload, "REPLACE"),
        ("FUNCTION", "RESTORE", payload, "flush"),
        ("FUNCTION", "RESTORE", payload, "BAD"),
        ("FUNCTION", "RESTORE", payload, "FLUSH", "x"),
        ("FUNCTION", "RESTORE", b"garbage"),
        ("FUNCTION", "RESTORE", b""),
        ("FUNCTION", "RESTORE", payload[:-1] + b"x"),
        ("FUNCTION", "RESTORE", key_dump),
        ("FUNCTION", "DELETE", "a"),
        ("FUNCTION", "LOAD", lib("c", "redis.register_function('fa', function() return 3 end)")),
        ("FUNCTION", "RESTORE", payload),
        ("FUNCTION", "RESTORE", payload, "REPLACE"),
        ("FCALL", "fa", "0"),
        ("FUNCTION", "RESTORE", payload, "FLUSH"),
        ("FCALL", "fa", "0"),
        ("FUNCTION", "LIST"),
    ])
    # a restore that fails leaves the libraries as they were
    fdiff.check("FUNCTION", "LOAD", lib("b", "redis.register_function('fb', function() return 2 end)"))
    both = parse(ref.call("FUNCTION", "DUMP"))
    fdiff.check("FUNCTION", "DELETE", "b")
    fdiff.check("FUNCTION", "LOAD", lib("z", "redis.register_function('fb', function() return 9 end)"))
    fdiff.check("FUNCTION", "RESTORE", both, "REPLACE")
    fdiff.check("FUNCTION", "LIST", normalize=_sorted_list)
    assert fc.call("FCALL", "fb", "0") == b":9\r\n"


# ---- FCALL / FCALL_RO -----------------------------------------------------------------------------

FLIB = lib("lib", """
redis.register_function('echo', function(keys, args) return {keys, args} end)
redis.register_function('w', function(keys, args) return redis.call('set', keys[1], args[1]) end)
redis.register_function{function_name='ro', callback=function(keys, args)
  return redis.call('set', keys[1], args[1]) end, flags={'no-writes'}}
redis.register_function{function_name='rget', callback=function(keys, args)
  return redis.call('get', keys[1]) end, flags={'no-writes'}}
redis.register_function('err', function(keys, args) return redis.call('nosuch') end)
redis.register_function('err2', function(keys, args) local x = nil; return x.y end)
redis.register_function('err3', function(keys, args) return redis.error_reply('MY err') end)
redis.register_function('g', function(keys, args) return KEYS end)
redis.register_function('g2', function(keys, args) foo = 1 end)
redis.register_function('r3', function(keys, args) redis.setresp(3); return redis.call('hgetall', keys[1]) end)
redis.register_function('dbl', function(keys, args) return {double=1.5} end)
redis.register_function('pc', function(keys, args) return redis.pcall('incr', keys[1]) end)
redis.register_function('tbl', function(keys, args) return {1, 'two', {3, false}, true, {ok='fine'}} end)
redis.register_function('st', function(keys, args) return redis.status_reply('DONE') end)
redis.register_function('nums', function(keys, args) return {3.9, -2.5, #args} end)
redis.register_function('ver', function() return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM} end)
redis.register_function('sha', function(keys, args) return redis.sha1hex(args[1]) end)
redis.register_function('inc', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)
""")


@pytest.mark.parametrize("resp", [2, 3])
def test_fcall_arguments_replies_and_errors_match(fdiff, resp):
    if resp == 3:
        fdiff.hello3()
    fdiff.check("FUNCTION", "LOAD", FLIB)
    fdiff.check_many([
        ("FCALL", "echo", "2", "a", "b", "c", "d"),
        ("FCALL", "echo", "0"),
        ("FCALL", "echo", "1", b"\x00bin\x00key", b""),
        ("FCALL", "echo", "2", "", ""),
        ("FCALL", "echo", "-1"),
        ("FCALL", "echo", "3", "a"),
        ("FCALL", "echo", "x"),
        ("FCALL", "echo", "01"),
        ("FCALL", "echo", " 1", "a"),
        ("FCALL", "nosuch", "0"),
        ("FCALL", "nosuch", "x"),
        ("FCALL", "echo"),
        ("FCALL", "w", "1", "k", "v"),
        ("FCALL", "ro", "1", "k", "v"),
        ("FCALL_RO", "w", "1", "k", "v"),
        ("FCALL_RO", "rget", "1", "k"),
        ("FCALL_RO", "nosuch", "0"),
        ("FCALL_RO", "rget", "x"),
        ("FCALL", "err", "0"),
        ("FCALL", "err2", "0"),
        ("FCALL", "err3", "0"),
        ("FCALL", "g", "0"),
        ("FCALL", "g2", "0"),
        ("HSET", "h", "a", "1"),
        ("FCALL", "r3", "1", "h"),
        ("FCALL", "dbl", "0"),
        ("SET", "s", "x"),
        ("FCALL", "pc", "1", "s"),
        ("FCALL", "tbl", "0"),
        ("FCALL", "st", "0"),
        ("FCALL", "nums", "0", "a", "b"),
        ("FCALL", "ver", "0"),
        ("FCALL", "sha", "0", "abc"),
        ("FCALL", "inc", "1", "n", "5"),
        ("FCALL", "inc", "1", "s", "5"),
        ("FCALL", "inc", "1", "n", "9223372036854775807"),
        ("FCALL", "ECHO", "0"),
        ("fcall", "echo", "0", "x"),
    ])


def test_fcall_uses_the_callers_db_and_counts_in_commandstats(fdiff):
    fdiff.check("FUNCTION", "LOAD", FLIB)
    fdiff.check("SELECT", "3")
    fdiff.check("FCALL", "w", "1", "k", "in3")
    fdiff.check("GET", "k")
    fdiff.check("SELECT", "0")
    fdiff.check("GET", "k")


# popular-library style code: a lock release (compare and delete) and a fixed-window
# rate limiter, as client libraries ship them
POPULAR = lib("popular", """
local function release(keys, args)
  if redis.call('get', keys[1]) == args[1] then
    return redis.call('del', keys[1])
  end
  return 0
end
local function limit(keys, args)
  local n = redis.call('incr', keys[1])
  if n == 1 then redis.call('pexpire', keys[1], args[2]) end
  if n > tonumber(args[1]) then return {0, n, redis.call('pttl', keys[1]) > 0} end
  return {1, n}
end
redis.register_function('lock_release', release)
redis.register_function{function_name='rate_limit', callback=limit, description='fixed window'}
redis.register_function{function_name='lock_owner', callback=function(keys) return redis.call('get', keys[1]) end,
                        flags={'no-writes'}}
""")


def test_fcall_lock_release_and_rate_limiter(fdiff):
    fdiff.check("FUNCTION", "LOAD", POPULAR)
    cmds = [("SET", "lock", "token-1", "NX", "PX", "100000"),
            ("FCALL", "lock_release", "1", "lock", "token-2"),
            ("FCALL_RO", "lock_owner", "1", "lock"),
            ("FCALL", "lock_release", "1", "lock", "token-1"),
            ("EXISTS", "lock"),
            ("FCALL", "lock_release", "1", "lock", "token-1")]
    cmds += [("FCALL", "rate_limit", "1", "rl:user", "3", "60000")] * 5
    fdiff.check_many(cmds)
    fdiff.check("PTTL", "rl:user", normalize=lambda r: r[:1])


# ---- propagation: effects of FCALL, FUNCTION commands verbatim ---------------------------------

def test_fcall_propagates_its_effects_and_function_commands_verbatim(server_factory):
    ref = server_factory("ref", ["--appendonly", "yes", "--appendfsync", "always"])
    fc = server_factory("fc", ["--enable-debug-command", "yes"])
    rc, fcc = RawClient(*ref.address), RawClient(*fc.address)
    _, off = ref.aof_tail(0)
    fcc.call("DEBUG", "PROPAGATED")
    fcc.call("DEBUG", "PROPAGATED")
    cmds = [("FUNCTION", "LOAD", POPULAR),
            ("FUNCTION", "LOAD", "bad"),
            ("SET", "lock", "t1"),
            ("FCALL", "lock_release", "1", "lock", "t1"),
            ("FCALL", "lock_release", "1", "lock", "t1"),
            ("FCALL_RO", "lock_owner", "1", "lock"),
            ("FCALL", "rate_limit", "1", "rl", "3", "60000"),
            ("FUNCTION", "DELETE", "popular"),
            ("FUNCTION", "RESTORE", parse(rc.call("FUNCTION", "DUMP"))),
            ("FUNCTION", "FLUSH")]
    for cmd in cmds:
        assert rc.call(*cmd) == fcc.call(*cmd), cmd
    ref_raw, _ = ref.aof_tail(off)
    fc_raw = parse_all(fcc.call("DEBUG", "PROPAGATED"))[0]
    ref_cmds = [list(x) for x in parse_all(ref_raw)]
    fc_cmds = [list(x) for x in parse_all(fc_raw)]
    # PEXPIRE becomes PEXPIREAT with an absolute time: compare its shape only
    mask = (lambda cs: [c[:2] + [b"<ms>"] if c[0].upper() == b"PEXPIREAT" else c for c in cs])
    assert mask(fc_cmds) == mask(ref_cmds)
    rc.close()
    fcc.close()


# ---- persistence ----------------------------------------------------------------------------------

def _start_on(kind, directory, extra=()):
    h = ServerHandle(fastcache_cmd() if kind == "fc" else reference_cmd(), list(extra),
                     name="fastcache" if kind == "fc" else "reference")
    h.dir = directory
    return h.start()


def test_rdb_with_libraries_loads_both_ways(server_factory, tmp_path):
    src = server_factory("ref")
    c = RawClient(*src.address)
    assert c.call("FUNCTION", "LOAD", POPULAR) == b"$7\r\npopular\r\n"
    assert c.call("FUNCTION", "LOAD", FLIB) == b"$3\r\nlib\r\n"
    c.call("SET", "lock", "tok")
    assert c.call("SAVE") == b"+OK\r\n"
    ref_list = _canon(parse(c.call("FUNCTION", "LIST", "WITHCODE")))
    c.close()
    d1 = tmp_path / "a"
    d1.mkdir()
    shutil.copy(os.path.join(src.dir, "dump.rdb"), d1 / "dump.rdb")
    fc = _start_on("fc", str(d1))
    try:
        f = RawClient(*fc.address)
        assert _canon(parse(f.call("FUNCTION", "LIST", "WITHCODE"))) == ref_list
        assert f.call("FCALL", "lock_release", "1", "lock", "tok") == b":1\r\n"
        assert f.call("FUNCTION", "LOAD", lib("mine", "redis.register_function('m', function() return 7 end)")) \
            == b"$4\r\nmine\r\n"
        assert f.call("SAVE") == b"+OK\r\n"
        fc_list = _canon(parse(f.call("FUNCTION", "LIST", "WITHCODE")))
        f.close()
    finally:
        fc.stop()
    d2 = tmp_path / "b"
    d2.mkdir()
    shutil.copy(d1 / "dump.rdb", d2 / "dump.rdb")
    ref2 = _start_on("ref", str(d2))
    try:
        r = RawClient(*ref2.address)
        assert _canon(parse(r.call("FUNCTION", "LIST", "WITHCODE"))) == fc_list
        assert r.call("FCALL", "m", "0") == b":7\r\n"
        r.close()
    finally:
        ref2.cleanup()
    fc.cleanup()


def test_debug_reload_keeps_libraries(server_factory):
    fc = server_factory("fc", ["--enable-debug-command", "yes"])
    c = RawClient(*fc.address)
    c.call("FUNCTION", "LOAD", POPULAR)
    c.call("SET", "k", "v")
    assert c.call("DEBUG", "RELOAD") == b"+OK\r\n"
    assert c.call("FCALL_RO", "lock_owner", "1", "k") == b"$1\r\nv\r\n"
    assert c.call("FUNCTION", "FLUSH") == b"+OK\r\n"
    assert c.call("DEBUG", "RELOAD") == b"+OK\r\n"
    assert c.call("FUNCTION", "STATS").count(b":0\r\n") == 2
    c.close()


def test_corrupt_library_in_rdb_fails_the_load(server_factory, tmp_path):
    # a library whose code does not compile: Redis refuses such a file too
    fc = server_factory("fc")
    c = RawClient(*fc.address)
    c.call("FUNCTION", "LOAD", lib("good", "redis.register_function('g', function() return 1 end)"))
    c.call("SAVE")
    c.close()
    data = open(os.path.join(fc.dir, "dump.rdb"), "rb").read()
    bad = data.replace(b"return 1", b"return +")
    assert bad != data
    d = tmp_path / "bad"
    d.mkdir()
    # a zero CRC64 trailer is not checked, so only the library is wrong
    (d / "dump.rdb").write_bytes(bad[:-8] + b"\x00" * 8)
    h = ServerHandle(fastcache_cmd(), [], name="fastcache")
    h.dir = str(d)
    with pytest.raises(Exception):
        h.start()
    assert "Failed loading library" in h.log_text()
    h.cleanup()
    fc.stop()


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_rewrite_keeps_libraries(server_factory, preamble):
    fc = server_factory("fc", ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble])
    c = RawClient(*fc.address)
    c.call("FUNCTION", "LOAD", POPULAR)
    c.call("FCALL", "rate_limit", "1", "rl", "5", "600000")
    assert c.call("BGREWRITEAOF").startswith(b"+")
    deadline = time.time() + 20
    while time.time() < deadline:
        info = c.call("INFO", "persistence")
        if b"aof_rewrite_in_progress:0" in info and b"aof_rewrite_scheduled:0" in info:
            break
        time.sleep(0.1)
    c.call("FUNCTION", "LOAD", lib("after", "redis.register_function('after', function() return 5 end)"))
    c.close()
    fc.restart()
    c = RawClient(*fc.address)
    assert c.call("FCALL", "rate_limit", "1", "rl", "5", "600000") == b"*2\r\n:1\r\n:2\r\n"
    assert c.call("FCALL", "after", "0") == b":5\r\n"
    c.close()


# ---- busy functions: FUNCTION KILL, FUNCTION STATS while running ----------------------------------

def _busy_fcall(server, name, out):
    c = RawClient(server.host, server.port)
    out.append(c.call("FCALL", name, "0", timeout=30))
    c.close()


BUSY = lib("busy", """
redis.register_function('spin', function() local i = 0 while true do i = i + 1 end end)
redis.register_function('count', function() local i = 0 while i < 3000000 do i = i + 1 end return i end)
redis.register_function('spinw', function()
  redis.call('set', 'w', '1')
  local t = redis.call('time') local s = tonumber(t[1])
  while true do local n = redis.call('time') if tonumber(n[1]) > s + 1 then break end end
  return 'done'
end)
""")


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_busy_function_is_killed_by_function_kill(server_factory, kind):
    s = server_factory(kind, ["--busy-reply-threshold", "100"])
    c = RawClient(s.host, s.port)
    c.call("FUNCTION", "LOAD", BUSY)
    out = []
    t = threading.Thread(target=_busy_fcall, args=(s, "spin", out))
    t.start()
    time.sleep(0.5)
    assert c.call("GET", "x", timeout=10).startswith(b"-BUSY Redis is busy running a script.")
    stats = parse(c.call("FUNCTION", "STATS", timeout=10))
    running = dict(zip(stats[1][::2], stats[1][1::2]))
    assert running[b"name"] == b"spin" and running[b"command"] == [b"FCALL", b"spin", b"0"]
    assert c.call("FUNCTION", "KILL", timeout=10) == b"+OK\r\n"
    t.join(10)
    assert out and out[0].startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    assert c.call("FUNCTION", "KILL") == b"-NOTBUSY No scripts in execution right now.\r\n"
    # the next function runs to its end (the kill does not stick to the Lua state)
    assert c.call("FCALL", "count", "0", timeout=20) == b":3000000\r\n"
    c.close()


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_busy_function_that_wrote_is_unkillable(server_factory, kind):
    s = server_factory(kind, ["--busy-reply-threshold", "100"])
    c = RawClient(s.host, s.port)
    c.call("FUNCTION", "LOAD", BUSY)
    out = []
    t = threading.Thread(target=_busy_fcall, args=(s, "spinw", out))
    t.start()
    time.sleep(0.5)
    assert c.call("FUNCTION", "KILL", timeout=10).startswith(b"-UNKILLABLE Sorry the script already executed")
    t.join(15)
    assert out == [b"$4\r\ndone\r\n"]
    c.close()


def test_function_names_are_case_insensitive_library_names_are_not(fdiff):
    fdiff.check_many([
        ("FUNCTION", "LOAD", lib("mylib", "redis.register_function('f1', function() return 1 end)")),
        ("FUNCTION", "LOAD", lib("MYLIB", "redis.register_function('g1', function() return 2 end)")),
        ("FUNCTION", "LOAD", lib("other", "redis.register_function('F1', function() return 3 end)")),
        ("FUNCTION", "DELETE", "MyLib"),
        ("FCALL", "F1", "0"),
        ("FCALL_RO", "G1", "0"),
        ("FUNCTION", "LOAD", lib("x", "redis.register_function{function_name='f', callback=function() end, "
                                      "flags={'NO-WRITES'}}")),
        ("FUNCTION", "LIST", "LIBRARYNAME", "x"),
        ("FCALL_RO", "f", "0"),
        ("FUNCTION", "STATS"),
    ])


def test_eval_and_fcall_interleave_and_script_flush_keeps_functions(fdiff):
    fdiff.check("FUNCTION", "LOAD", FLIB)
    fdiff.check("HSET", "h", "a", "1", "b", "2")
    sha = parse(fdiff.check("SCRIPT", "LOAD", "return redis.call('hgetall', KEYS[1])"))
    fdiff.check_many([
        ("FCALL", "r3", "1", "h"),
        ("EVAL", "return redis.call('hgetall', KEYS[1])", "1", "h"),
        ("EVALSHA", sha, "1", "h"),
        ("FCALL", "echo", "1", "k", "a"),
        ("EVALSHA", sha, "1", "h"),
        ("SCRIPT", "FLUSH"),
        ("FCALL", "r3", "1", "h"),
        ("EVAL", "return {KEYS[1], ARGV[1]}", "1", "k", "a"),
        ("FCALL", "g", "0"),
    ])


def test_functions_see_the_run_time_api_not_the_load_time_one(fdiff):
    fdiff.check("FUNCTION", "LOAD", lib("t", """
local captured = redis
redis.register_function('a', function() return type(redis.register_function) end)
redis.register_function('b', function() return tostring(redis.foo) end)
redis.register_function('c', function() return captured.call('ping') end)
redis.register_function('d', function() return type(captured.register_function) end)
redis.register_function('e', function() return redis.register_function('zz', function() end) end)
redis.register_function('f', function() return {type(string), type(math.floor), _G == nil} end)
redis.register_function('g', function() return pcall(function() return x.y end) end)
"""))
    fdiff.check_many([("FCALL", f, "0") for f in "abcdefg"])


def test_fcall_and_function_load_inside_multi(fdiff):
    fdiff.check_many([
        ("MULTI",),
        ("FUNCTION", "LOAD", POPULAR),
        ("SET", "lock", "t"),
        ("FCALL", "lock_release", "1", "lock", "t"),
        ("FCALL", "nosuch", "0"),
        ("EXEC",),
        ("EXISTS", "lock"),
        ("MULTI",),
        ("FCALL", "lock_release"),
        ("EXEC",),
    ])


def test_function_load_that_never_ends_times_out(fdiff):
    fdiff.check("FUNCTION", "LOAD", lib("loop", "local i = 0 while true do i = i + 1 end"))
    fdiff.check("FUNCTION", "LOAD", lib("loop", "redis.register_function('f', function() return 1 end)"))
    fdiff.check("FCALL", "f", "0")


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_function_stats_and_kill_during_a_busy_eval_point_to_script_kill(server_factory, kind):
    s = server_factory(kind, ["--busy-reply-threshold", "100"])
    c = RawClient(s.host, s.port)
    out = []

    def run():
        d = RawClient(s.host, s.port)
        out.append(d.call("EVAL", "local i = 0 while true do i = i + 1 end", "0", timeout=30))
        d.close()
    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.5)
    busy = b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
    assert c.call("FUNCTION", "STATS", timeout=10) == busy
    assert c.call("FUNCTION", "KILL", timeout=10) == busy
    assert c.call("SCRIPT", "KILL", timeout=10) == b"+OK\r\n"
    t.join(10)
    assert out and out[0].startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    c.close()


def test_function_restore_of_malformed_payloads(fdiff):
    from fastcache._core import core
    seal = core.dump_payload_seal
    code = b"#!lua name=x\nredis.register_function('f', function() return 1 end)"
    enc = core.rdb_encode_string(code)
    bodies = [b"\xf5" + enc[:10], b"\xf5", b"\xf5" + enc + b"\xf5", b"\xf6" + enc,
              b"\xf5" + core.rdb_encode_string(b"#!lua name=x\nsyntax error"), b"\xf5" + enc + b"\xf5" + enc,
              b"\xf5" + core.rdb_encode_string(b"return 1"), b"\x00" + enc]
    for body in bodies:
        fdiff.check("FUNCTION", "RESTORE", seal(body))
        fdiff.check("FUNCTION", "LIST")
    p = seal(b"\xf5" + enc)
    fdiff.check("FUNCTION", "RESTORE", p[:-10] + b"\x0b\x00" + p[-8:])


def test_monitor_shows_fcall_before_the_commands_it_runs(fdiff, ref_server, fc_server):
    import re
    fdiff.check("FUNCTION", "LOAD", lib("mon", "redis.register_function('mf', function(k, a) "
                                              "return redis.call('set', k[1], a[1]) end)"))
    seen = []
    for server, client in ((ref_server, fdiff.ref), (fc_server, fdiff.fc)):
        m = RawClient(server.host, server.port)
        assert m.call("MONITOR") == b"+OK\r\n"
        client.call("FCALL", "mf", "1", "k", "v")
        client.call("FCALL", "nosuch", "0")
        time.sleep(0.2)
        lines = [re.sub(rb"^\+[0-9.]+ \[0 [^\]]+\] ", b"", x)
                 for x in m.read_available(0.5).split(b"\r\n") if x]
        seen.append(lines)
        m.close()
    assert seen[0] == seen[1] == [b'"FCALL" "mf" "1" "k" "v"', b'"set" "k" "v"', b'"FCALL" "nosuch" "0"']


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_evalsha_keeps_working_after_the_functions_state_is_created(server_factory, kind):
    s = server_factory(kind)
    c = RawClient(s.host, s.port)
    sha = parse(c.call("SCRIPT", "LOAD", "return {KEYS[1], redis.call('incr', KEYS[1])}"))
    sha2 = parse(c.call("SCRIPT", "LOAD", "return redis.call('incr', KEYS[1])"))
    assert c.call("EVALSHA", sha, "1", "n") == b"*2\r\n$1\r\nn\r\n:1\r\n"
    assert c.call("FUNCTION", "LOAD", lib("a", "redis.register_function('f', function(k) "
                                             "return redis.call('incr', k[1]) end)")) == b"$1\r\na\r\n"
    assert c.call("EVALSHA", sha, "1", "n") == b"*2\r\n$1\r\nn\r\n:2\r\n"
    assert c.call("EVALSHA", sha2, "1", "n") == b":3\r\n"
    assert c.call("FCALL", "f", "1", "n") == b":4\r\n"
    assert c.call("EVALSHA", sha2, "1", "n") == b":5\r\n"
    assert c.call("SCRIPT", "FLUSH") == b"+OK\r\n"
    assert c.call("FCALL", "f", "1", "n") == b":6\r\n"
    assert c.call("EVAL", "return redis.call('incr', KEYS[1])", "1", "n") == b":7\r\n"
    c.close()


# ---- cjson, cmsgpack, bit, struct: the same inside EVAL scripts and inside functions ----------

LUALIB_EXPRS = [
    "cjson.encode({1,2,3})", "cjson.encode({a=1})", "cjson.decode('[1,\"x\",true]')[2]",
    "cjson.encode(cjson.decode('{\"k\":[1,2,{\"n\":null}]}'))", "bit.tohex(-1)", "bit.band(0xff, 0x0f)",
    "bit.bor(1, 2, 4)", "bit.lshift(1, 10)", "bit.bxor(5, 3)", "struct.pack('>I2', 258)",
    "struct.unpack('<i4', struct.pack('<i4', -7))", "struct.size('>I4')", "cmsgpack.pack({1,2})",
    "cmsgpack.unpack(cmsgpack.pack({1,2,'x'}))", "cmsgpack.pack('abc', 300)",
    "type(cjson) .. type(cmsgpack) .. type(bit) .. type(struct)",
]


@pytest.mark.parametrize("expr", LUALIB_EXPRS)
def test_lua_libraries_in_eval_and_in_functions(fdiff, expr):
    fdiff.check("EVAL", "return %s" % expr, "0")
    fdiff.check("FUNCTION", "LOAD", lib("lualibs", "redis.register_function('f', function(keys, args) "
                                                   "return %s end)" % expr))
    fdiff.check("FCALL", "f", "0")
    fdiff.check("FCALL_RO", "f", "0")      # no-writes flag missing: refused the same way


def test_lua_library_errors_in_functions_match(fdiff):
    fdiff.check("FUNCTION", "LOAD", lib("lualibs", "\n".join([
        "redis.register_function('bad_json', function() return cjson.decode('{bad') end)",
        "redis.register_function('bad_struct', function() return struct.pack('>Z', 1) end)",
        "redis.register_function('ro_lib', function() cjson.x = 1 return 1 end)",
    ])))
    for name in ("bad_json", "bad_struct", "ro_lib"):
        fdiff.check("FCALL", name, "0")


def test_function_globals_listing_matches(fdiff):
    fdiff.check("FUNCTION", "LOAD", lib("globs", "redis.register_function('g', function() "
                                                "local t={} for k in pairs(_G) do t[#t+1]=k end table.sort(t) "
                                                "return t end)"))
    fdiff.check("FCALL", "g", "0")


# ---- INFO memory: the scripting and functions fields, in the reference's order ----------------

_SCRIPT_MEM_FIELDS = ("used_memory_lua", "used_memory_vm_eval", "used_memory_lua_human",
                      "used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions",
                      "number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total",
                      "used_memory_vm_total_human", "used_memory_functions", "used_memory_scripts",
                      "used_memory_scripts_human")


def _info_memory(client):
    text = parse(client.call("INFO", "memory")).decode()
    pairs = [ln.split(":", 1) for ln in text.split("\r\n") if ln and not ln.startswith("#")]
    return [k for k, _ in pairs], dict(pairs)


def test_info_memory_counts_functions_and_scripts_like_the_reference(fdiff):
    fdiff.check("SCRIPT", "FLUSH")
    fdiff.check("FUNCTION", "LOAD", lib("meminfo", "redis.register_function('f1', function() return 1 end)\n"
                                                   "redis.register_function{function_name='f2', "
                                                   "callback=function() return 2 end, description='d'}"))
    fdiff.check("SCRIPT", "LOAD", "return 'a cached script'")
    fdiff.check("FCALL", "f2", "0")
    seen = {}
    for name, cl in (("fc", fdiff.fc), ("ref", fdiff.ref)):
        order, info = _info_memory(cl)
        seen[name] = [k for k in order if k in _SCRIPT_MEM_FIELDS]
        n = {k: int(info[k]) for k in _SCRIPT_MEM_FIELDS if not k.endswith("_human")}
        assert n["number_of_functions"] == 2 and n["number_of_libraries"] == 1
        assert n["number_of_cached_scripts"] == 1 and n["used_memory_scripts_eval"] > 0
        assert n["used_memory_vm_functions"] > 0 and n["used_memory_functions"] > 0
        assert n["used_memory_vm_total"] == n["used_memory_vm_eval"] + n["used_memory_vm_functions"]
        assert n["used_memory_scripts"] == n["used_memory_scripts_eval"] + n["used_memory_functions"]
        stats = parse(cl.call("MEMORY", "STATS"))
        stats = dict(zip(stats[::2], stats[1::2]))
        assert stats[b"functions.caches"] == n["used_memory_functions"]
        assert stats[b"lua.caches"] == n["used_memory_scripts_eval"]
    assert seen["fc"] == seen["ref"] == list(_SCRIPT_MEM_FIELDS)
    fdiff.check("FUNCTION", "FLUSH")
    for cl in (fdiff.fc, fdiff.ref):
        info = _info_memory(cl)[1]
        assert info["number_of_functions"] == "0" and info["number_of_libraries"] == "0"


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_evalsha_and_fcall_interleave_after_script_flush_and_function_flush(server_factory, kind):
    """Each engine keeps its own Lua state: flushing one (or creating the functions
    state) never disturbs the other's cached scripts or libraries."""
    s = server_factory(kind)
    c = RawClient(s.host, s.port)
    body = "return {KEYS[1], redis.call('incr', KEYS[1]), redis.call('hgetall', 'h')}"
    flib = lib("il", "redis.register_function('f', function(k) return {redis.call('incr', k[1]), "
                     "redis.call('hgetall', 'h')} end)")
    c.call("HSET", "h", "a", "1")
    sha = parse(c.call("SCRIPT", "LOAD", body))
    hsh = b"*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    for round_ in range(2):
        assert c.call("FUNCTION", "LOAD", "REPLACE", flib) == b"$2\r\nil\r\n"
        base = round_ * 8
        assert c.call("EVALSHA", sha, "1", "n") == b"*3\r\n$1\r\nn\r\n:%d\r\n" % (base + 1) + hsh
        assert c.call("FCALL", "f", "1", "n") == b"*2\r\n:%d\r\n" % (base + 2) + hsh
        assert c.call("EVALSHA", sha, "1", "n") == b"*3\r\n$1\r\nn\r\n:%d\r\n" % (base + 3) + hsh
        assert c.call("FUNCTION", "FLUSH") == b"+OK\r\n"
        assert c.call("FCALL", "f", "1", "n") == b"-ERR Function not found\r\n"
        assert c.call("EVALSHA", sha, "1", "n") == b"*3\r\n$1\r\nn\r\n:%d\r\n" % (base + 4) + hsh
        assert c.call("FUNCTION", "LOAD", flib) == b"$2\r\nil\r\n"
        assert c.call("FCALL", "f", "1", "n") == b"*2\r\n:%d\r\n" % (base + 5) + hsh
        assert c.call("SCRIPT", "FLUSH") == b"+OK\r\n"
        assert c.call("EVALSHA", sha, "1", "n").startswith(b"-NOSCRIPT ")
        assert c.call("FCALL", "f", "1", "n") == b"*2\r\n:%d\r\n" % (base + 6) + hsh
        assert parse(c.call("SCRIPT", "LOAD", body)) == sha
        assert c.call("EVALSHA", sha, "1", "n") == b"*3\r\n$1\r\nn\r\n:%d\r\n" % (base + 7) + hsh
        assert c.call("FCALL_RO", "f", "1", "n").startswith(b"-ERR Can not execute a script with write flag")
        assert c.call("EVAL", "return redis.call('incr', KEYS[1])", "1", "n") == b":%d\r\n" % (base + 8)
    c.close()
