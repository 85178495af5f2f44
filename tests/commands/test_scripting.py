"""EVAL / EVALSHA / EVAL_RO / EVALSHA_RO / SCRIPT: differential tests against Redis 7.0.15.

Every script's reply (values, error texts with their `script: <sha>, on
@user_script:LINE.` suffix) is compared byte for byte, in RESP2 and RESP3."""
from __future__ import annotations

import hashlib
import time

import pytest

from support.resp import RawClient


def sha(body: str) -> str:
    return hashlib.sha1(body.encode()).hexdigest()


@pytest.fixture(autouse=True)
def _fresh_cache(diff):
    diff.check("SCRIPT", "FLUSH")
    yield


# ---- Lua -> RESP conversions ---------------------------------------------------------

RETURNS = [
    "return 3.99", "return -3.99", "return 0", "return 1/0", "return 0/0", "return 1e30",
    "return -1e30", "return 2^53", "return true", "return false", "return nil", "return 'x'",
    "return ''", "return {}", "return {1,2,nil,4}", "return {1,{2,{'a',true,false}},'x'}",
    "return {err='My Error'}", "return {err='lower case'}", "return {ok='FINE'}",
    "return {1,{err='E x'},{ok='k'}}", "return {double=3.5}", "return {double='3.5'}",
    "return {double=1/0}", "return {double=-1/0}", "return {double=0.1}",
    "return {big_number='123456789012345678901234567890'}", "return {map={a=1}}",
    "return {set={a=true}}", "return {verbatim_string={format='txt',string='hi'}}",
    "return {a=1}", "return {map={a=1},set={b=true}}", "return {err=1}", "return {ok=1}",
    "return {map=1}", "return {map={[1]='x',[true]=false}}", "return print",
    "return {1, print, 2}", "return {ok='a' .. string.char(13, 10) .. 'b'}",
    "return {err='E a' .. string.char(10) .. 'b'}",
    "return redis.status_reply('FINE')", "return redis.error_reply('My Error')",
    "return redis.error_reply('-X My Error')", "return redis.error_reply('single')",
    "return redis.error_reply()", "return redis.error_reply(5)", "return redis.status_reply()",
]


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("body", RETURNS)
def test_lua_values_convert_to_resp_like_redis(diff, resp, body):
    if resp == 3:
        diff.hello3()
    diff.check("EVAL", body, "0")


SETRESP3 = [
    "redis.setresp(3) return true", "redis.setresp(3) return false",
    "redis.setresp(3) return redis.call('hgetall','h')",
    "redis.setresp(3) return {redis.call('get','nokey')}",
    "redis.setresp(3) return type(redis.call('get','nokey'))",
    "return type(redis.call('get','nokey'))",
    "redis.setresp(3) return redis.call('ping')",
    "redis.setresp(3) local r = redis.call('ping') return type(r)",
    "redis.setresp(3) local r = redis.call('hgetall','h') return {type(r), type(r.map)}",
    "redis.setresp(3) local r = redis.call('smembers','s') return r",
    "redis.setresp(3) local r = redis.call('smembers','s') return type(r.set)",
    "local r = redis.call('hgetall','h') return r",
    "redis.setresp(3) return redis.call('hgetall','h')",
    "redis.setresp(3) return redis.call('zscore','z','m')",
    "redis.setresp(3) local r = redis.call('zscore','z','m') return {type(r), r.double}",
    "return redis.call('zscore','z','m')",
    "return redis.call('lrange','l',0,-1)",
    "return redis.call('lrange','nolist',0,-1)",
    "redis.setresp(2) return redis.call('hgetall','h')",
]


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("body", SETRESP3)
def test_command_replies_convert_to_lua_in_resp2_and_resp3(diff, resp, body):
    diff.check_many([("HSET", "h", "f", "v"), ("SADD", "s", "m"), ("ZADD", "z", "1.5", "m"),
                     ("RPUSH", "l", "a", "b")])
    if resp == 3:
        diff.hello3()
    diff.check("EVAL", body, "0")


# ---- redis.call arguments and errors ---------------------------------------------------

CALLS = [
    "return redis.call('nosuch')", "return redis.call('get')", "return redis.call('get','a','b')",
    "return redis.pcall('nosuch')", "return redis.pcall('get','a','b')",
    "return redis.call('incr','s')", "return redis.pcall('incr','s')",
    "return {redis.pcall('incr','s')}", "return redis.call()", "return redis.call(1)",
    "return redis.call({})", "return redis.call('ping', {})", "return redis.call('ping', true)",
    "return redis.call('ping', nil)", "return redis.call('echo', 1.5)",
    "return redis.call('echo', 12345678901234567890)", "return redis.call('echo', 1/0)", "return redis.call('echo', -0.0)",
    "return redis.call('echo', 100)", "return redis.call('echo', 0.1)",
    "return redis.call('echo', 1e15)", "return redis.call('echo', 123456789012)",
    "return redis.call('subscribe','x')", "return redis.call('multi')", "return redis.call('exec')",
    "return redis.call('eval', 'return 1', 0)", "return redis.call('watch', 'k')",
    "return redis.call('blpop', 'l', 0)", "return redis.call('script', 'load', 'return 1')",
    "return redis.call('client', 'id')",
    "local r = redis.pcall('nosuch') return {type(r), r.err}",
    "local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), type(e), e}",
    "local ok, e = pcall(function() return redis.call('incr','s') end) return {type(e), e}",
    "local ok, e = pcall(error, {err='X y'}) return {type(e), e}",
    "local ok, e = pcall(function() return foo end) return e",
    "local ok, e = pcall(redis.call, 'nosuch') error(e)",
    "\n\nreturn redis.call('set', 'k')",
    "local function f()\n return redis.call('nosuch')\nend\nreturn f()",
    "local function f()\n error('deep')\nend\nreturn f()",
    "error()", "error(nil)", "error(12)", "error('x', 0)", "error('boom')",
    "error({err='TAB boom'})", "return 1 +", "x = 1", "return y",
    "return redis.call('set','k',3.7) and redis.call('get','k')",
    "return redis.call('set','k',1e20) and redis.call('get','k')",
]


@pytest.mark.parametrize("body", CALLS)
def test_redis_call_errors_and_arguments_match_redis(diff, body):
    diff.check("SET", "s", "x")
    diff.check("EVAL", body, "0")


LIB = [
    "return redis.sha1hex('')", "return redis.sha1hex('abc')", "return redis.sha1hex()",
    "return redis.replicate_commands()", "return redis.breakpoint()", "return redis.debug('x')",
    "return redis.set_repl(redis.REPL_ALL)", "return redis.set_repl(99)", "return redis.set_repl()",
    "return redis.log(redis.LOG_WARNING, 'hello', 'x')", "return redis.log(99, 'hello')",
    "return redis.log(1)", "return redis.setresp(4)", "return redis.setresp('x')",
    "return redis.setresp()", "return redis.REDIS_VERSION", "return redis.REDIS_VERSION_NUM",
    "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
    "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}",
]


@pytest.mark.parametrize("body", LIB)
def test_redis_library_functions(diff, body):
    diff.check("EVAL", body, "0")


# ---- sandbox -----------------------------------------------------------------------------

SANDBOX = [
    "return os", "return print", "return io", "return debug", "return require",
    "return loadfile", "return dofile", "return getfenv", "return setfenv", "return python",
    "return _VERSION", "x = 1", "_G.x = 1", "return y", "local t = {} t.x = 1 return t.x",
    "local t={} for k,v in pairs(_G) do t[#t+1]=k end table.sort(t) return t",
    "local t={} for k in pairs(string) do t[#t+1]=k end table.sort(t) return t",
    "local t={} for k in pairs(table) do t[#t+1]=k end table.sort(t) return t",
    "local t={} for k in pairs(math) do t[#t+1]=k end table.sort(t) return t",
    "local t={} for k in pairs(coroutine) do t[#t+1]=k end table.sort(t) return t",
    "return loadstring('return 1 + 1')()", "return loadstring('return os')()",
    "return type(KEYS) .. type(ARGV)",
    "math.randomseed(7) return {tostring(math.random()), math.random(10), math.random(3,9)}",
    "math.randomseed(1) local t = {} for i=1,5 do t[i] = math.random(1000) end return t",
    # library tables and the globals are read-only (Redis 7.0.15)
    "string.x = 1 return 1", "string.len = nil return 1", "redis.call = nil return 1",
    "redis.x = 1 return 1", "math.pi = 3 return 1", "setmetatable(_G, nil) return 1",
    "getmetatable('').__index = nil return 1", "local r = rawset(_G, 'zz', 1) return r",
    "KEYS[1] = 'x' return KEYS[1]", "return type(redis.call)", "return type(redis.sha1hex)",
    "local t = setmetatable({}, {}) return 1", "return type(getmetatable(''))",
    "local co = coroutine.create(function() return redis.call('ping') end) "
    "local ok, r = coroutine.resume(co) return {tostring(ok), r}",
    "return {string.format('%d', 3.9), tostring(nil)}", "return unpack({1,2,3})",
    "return loadstring('x = 1')", "local f = loadstring('zz = 1') f() return 1",
    "local f = loadstring(string.dump(function() return 1 end)) return f()",
    "local t = {} for k, v in pairs(redis) do t[#t+1] = k end table.sort(t) return t",
    "local t = {} for k, v in next, math do t[#t+1] = k end table.sort(t) return t",
    "return rawget(string, 'len') ~= nil",
]


@pytest.mark.parametrize("body", SANDBOX)
def test_sandbox_globals_and_libraries(diff, body):
    diff.check("EVAL", body, "0")


# ---- KEYS / ARGV / numkeys ---------------------------------------------------------------

def test_keys_and_argv_tables(diff):
    diff.check("EVAL", "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", "2", "k1", "k2", "a1", "a2")
    diff.check("EVAL", "return {#KEYS, #ARGV}", "0")
    diff.check("EVAL", "return {#KEYS, #ARGV}", "3", "a", "b", "c")
    diff.check("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "bin\x00key", "v\x00al")
    diff.check("EVAL", "return {redis.call('get', KEYS[1]), string.len(KEYS[1])}", "1", "bin\x00key")
    diff.check("EVAL", "return redis.call('get', KEYS[1])", "1", "")


@pytest.mark.parametrize("args", [
    ("1",), ("-1",), ("x",), ("2", "a"), ("9223372036854775808",), ("01",), (" 1", "a"),
])
def test_numkeys_validation(diff, args):
    diff.check("EVAL", "return 1", *args)
    diff.check("EVALSHA", sha("return 1"), *args)


def test_eval_arity(diff):
    diff.check("EVAL")
    diff.check("EVAL", "return 1")
    diff.check("EVALSHA", "x")
    diff.check("EVAL_RO", "return 1")


# ---- script cache --------------------------------------------------------------------------

def test_evalsha_and_script_load_exists_flush(diff):
    body = "return {KEYS[1], ARGV[1]}"
    diff.check("EVALSHA", sha(body), "1", "k", "a")
    diff.check("SCRIPT", "LOAD", body)
    diff.check("EVALSHA", sha(body), "1", "k", "a")
    diff.check("EVALSHA", sha(body).upper(), "1", "k", "a")
    diff.check("EVALSHA_RO", sha(body), "1", "k", "a")
    diff.check("SCRIPT", "EXISTS", sha(body), "ffff", sha(body).upper(), sha("nope"))
    diff.check("SCRIPT", "FLUSH")
    diff.check("SCRIPT", "EXISTS", sha(body))
    diff.check("EVALSHA", sha(body), "1", "k", "a")
    diff.check("EVAL", body, "1", "k", "a")
    diff.check("EVALSHA", sha(body), "1", "k", "a")
    diff.check("SCRIPT", "FLUSH", "ASYNC")
    diff.check("SCRIPT", "FLUSH", "sync")
    diff.check("SCRIPT", "FLUSH", "x")
    diff.check("SCRIPT", "FLUSH", "ASYNC", "SYNC")
    diff.check("EVALSHA", "0000", "0")
    diff.check("SCRIPT", "LOAD", "return +")
    diff.check("SCRIPT", "KILL")
    diff.check("SCRIPT", "HELP")
    diff.check("SCRIPT", "NOSUCH")
    diff.check("SCRIPT", "DEBUG", "no")


# ---- shebang flags and read-only scripts ----------------------------------------------------

SHEBANG = [
    "#!lua flags=no-writes\nreturn redis.call('set','k','v')",
    "#!lua flags=no-writes\nreturn redis.call('get','k')",
    "#!lua flags=no-writes\nreturn redis.call('nosuch')",
    "#!lua\nreturn redis.call('nosuch')", "#!lua flags=bad\nreturn 1",
    "#!lua flags=no-writes,bad\nreturn 1", "#!luax\nreturn 1", "#!python\nreturn 1",
    "#!lua name=x\nreturn 1", "#!lua flags=\nreturn 1",
    "#!lua flags=no-writes flags=allow-oom\nreturn 1", "#!lua", "#!lua\n",
    "#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 7",
    "#!lua flags=no-cluster\nreturn redis.call('set','k','v')", "#! lua\nreturn 1",
    "#!lua  \nreturn 1",
]


@pytest.mark.parametrize("body", SHEBANG)
def test_shebang_flags(diff, body):
    diff.check("EVAL", body, "0")
    diff.check("SCRIPT", "LOAD", body)


@pytest.mark.parametrize("body", [
    "return redis.call('set','k','v')", "return redis.pcall('set','k','v')",
    "return redis.call('get','k')", "return redis.call('incr','k')",
])
def test_read_only_scripts_reject_writes(diff, body):
    diff.check("EVAL_RO", body, "0")
    diff.check("SCRIPT", "LOAD", body)
    diff.check("EVALSHA_RO", sha(body), "0")
    diff.check("GET", "k")


# ---- effects on the keyspace, SELECT ------------------------------------------------------------

def test_script_writes_are_visible_and_select_is_local_to_the_script(diff):
    diff.check("EVAL", "redis.call('set','a','1') redis.call('incr','a') return redis.call('get','a')", "0")
    diff.check("EVAL", "redis.call('select', 5) return redis.call('set','x','y')", "0")
    diff.check("EXISTS", "x")
    diff.check("SELECT", "5")
    diff.check("GET", "x")
    diff.check("EVAL", "return redis.call('get','x')", "0")
    diff.check("SELECT", "0")


def test_script_error_counts_in_info_errorstats_shape(diff, fc):
    # a failing script is a failed command, not a crash: the connection keeps working
    diff.check("EVAL", "return redis.call('incr', 'nokey') + redis.call('nosuch')", "0")
    diff.check("PING")


def test_info_memory_has_the_scripting_fields(fc):
    fc.call("SCRIPT", "LOAD", "return 1")
    info = fc.call("INFO", "memory").decode()
    for field in ("used_memory_lua:", "used_memory_vm_eval:", "used_memory_scripts_eval:",
                  "number_of_cached_scripts:"):
        assert field in info
    assert "number_of_cached_scripts:1" in info


def test_monitor_shows_script_commands_as_lua(fc_server, fc):
    mon = RawClient(fc_server.host, fc_server.port)
    try:
        assert mon.call("MONITOR") == b"+OK\r\n"
        fc.call("EVAL", "return redis.call('incr', KEYS[1])", "1", "ctr")
        lines = b""
        deadline = time.time() + 5
        while b"[0 lua]" not in lines and time.time() < deadline:
            lines += mon.read_reply(timeout=5)
        assert b'[0 lua] "incr" "ctr"' in lines
    finally:
        mon.close()


def _stats(client):
    def lines(section, prefix):
        text = client.call("INFO", section).decode()
        return sorted(x for x in text.split("\r\n") if x.startswith(prefix))
    errs = lines("errorstats", "errorstat_")
    cmds = [x.split(",usec=")[0] + "," + x.split(",rejected_calls=")[1]
            for x in lines("commandstats", "cmdstat_") if x.startswith(("cmdstat_eval:", "cmdstat_incr:"))]
    total = [x for x in lines("stats", "total_error_replies")]
    return errs, cmds, total


def test_script_errors_count_in_errorstats_like_redis(diff, ref, fc):
    """A command's error raised or returned by a script is counted once (when the
    command replied it); the script's other errors and errors nested in a table
    result are counted; the EVAL fails when its reply is or holds an error."""
    diff.check("CONFIG", "RESETSTAT")
    diff.check("SET", "s", "x")
    for body in ["return redis.call('incr','s')", "return redis.pcall('incr','s')",
                 "local r = redis.pcall('incr','s') return 1", "return {err='MYERR x'}",
                 "error('x')", "return redis.call('nosuch')", "return {1,{err='INNER x'}}",
                 "return {1,redis.pcall('incr','s')}", "return 1"]:
        diff.check("EVAL", body, "0")
    assert _stats(ref) == _stats(fc)


@pytest.mark.parametrize("resp", [2, 3])
def test_evalsha_replies_every_kind_of_result_like_eval(diff, resp):
    """EVALSHA's C fast path (scalars) and its fallback (tables, errors, nil,
    booleans) give the same bytes as the reference."""
    if resp == 3:
        diff.hello3()
    diff.check("SET", "s", "x")
    for body in RETURNS + CALLS[:12] + ["redis.setresp(3) return true", "return redis.call('incr', KEYS[1])"]:
        diff.check("SCRIPT", "LOAD", body)
        diff.check("EVALSHA", sha(body), "1", "ctr")
        diff.check("EVALSHA_RO", sha(body).upper(), "1", "ctr")
    diff.check("SCRIPT", "FLUSH")
    diff.check("EVALSHA", sha("return 1"), "0")


# ---- MONITOR: the EVAL line first, then the "[0 lua]" lines of its commands ------------------

def _monitor_feed(srv, calls):
    import re
    c, m = RawClient(srv.host, srv.port), RawClient(srv.host, srv.port)
    try:
        c.call("FUNCTION", "LOAD", "REPLACE", "#!lua name=monlib\nredis.register_function('mf', "
               "function(keys, args) redis.call('set', keys[1], args[1]) return redis.call('get', keys[1]) end)\n")
        sh = c.call("SCRIPT", "LOAD", "redis.call('incr', KEYS[1]) return redis.call('get', KEYS[1])")[5:-2]
        assert m.call("MONITOR") == b"+OK\r\n"
        for args in calls:
            c.call(*[sh if a == "<sha>" else a for a in args])
        c.call("PING")
        data = b""
        deadline = time.time() + 5
        while not data.endswith(b'"PING"\r\n') and time.time() < deadline:
            data += m.read_available(0.2)
        # "+<time> [db addr]": the client's address differs, the lua client's does not
        lines = [re.sub(r'^\+\d+\.\d{6} ', "", ln) for ln in data.decode("latin-1").split("\r\n") if ln]
        return [re.sub(r'^\[(\d+) (?!lua\])[^\]]*\]', r"[\1 client]", ln) for ln in lines]
    finally:
        c.call("FUNCTION", "DELETE", "monlib")
        m.close()
        c.close()


def test_monitor_shows_eval_evalsha_fcall_before_their_commands(fc_server, ref_server):
    calls = [
        ("EVAL", "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", "1", "k", "v"),
        ("EVALSHA", "<sha>", "1", "n"),
        ("EVALSHA", "0" * 40, "0"),                              # NOSCRIPT: still shown
        ("EVAL", "return redis.call('nosuch')", "0"),
        ("EVAL_RO", "return redis.call('get', 'k')", "0"),
        ("EVAL", "return 1", "x"),                               # bad numkeys: still shown
        ("FCALL", "mf", "1", "fk", "fv"),
        ("FCALL", "nosuch", "0"),
        ("FCALL_RO", "mf", "1", "fk", "fv"),
    ]
    fc, ref = _monitor_feed(fc_server, calls), _monitor_feed(ref_server, calls)
    assert fc == ref
    assert fc[0].startswith('[0 client] "EVAL"') and fc[1] == '[0 lua] "set" "k" "v"'
