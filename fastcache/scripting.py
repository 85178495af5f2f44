"""Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis 7.0 semantics).

One real Lua 5.1 state (lupa.lua51) holds the sandbox: Redis's globals only, the
`redis` library, and a global table that refuses new globals and reading undefined
ones.  Scripts are compiled once (chunk name ``@user_script``, so Lua's messages say
``user_script:LINE:``) and cached by the SHA1 of their body.

Crossing the Lua/Python boundary is the cost to keep low (script.pxi):
  - redis.call/redis.pcall are Lua C closures over lupa's own Lua C API (found and
    verified at start-up; the Python entries core.script_call/script_pcall are the
    fallback): arguments go from the Lua stack to the script client's argv, and
    int/bulk/nil/bool replies are pushed as Lua values without Python objects;
    other replies are parsed into tables by a small Lua RESP parser;
  - EVALSHA of a cached script calls the Lua runner through the C API too, and a
    string or number result is replied from C; table results are turned into RESP
    by Lua code (one string crosses back), errors and the rest by Python;
  - KEYS/ARGV are built by the Lua runner from the call's arguments.

The engine is reusable for FUNCTION/FCALL: `compile(body, chunkname)` gives a Lua
function, `run(c, fn, keys, args, ro, name)` runs any compiled function with the
error and reply handling of EVAL.

Busy scripts: a Lua count hook (installed before `debug` is hidden) checks the
elapsed time every HOOK_INSTRUCTIONS instructions.  Past busy-reply-threshold it
serves the other clients directly from their sockets (Redis's
processEventsWhileBlocked), so they get -BUSY and can send SCRIPT KILL or SHUTDOWN
NOSAVE.  Connections that arrive meanwhile are accepted from dups of the listening
sockets and served by blocked_io.EventsWhileBlocked (the start-up loader's
machinery), then handed to the event loop when the script ends.
"""
from __future__ import annotations

import hashlib
import os

from fastcache._core import core
from fastcache.respvalue import Error, Simple, help_reply

try:
    import lupa.lua51 as _lua
except ImportError:     # pragma: no cover - lupa is a dependency
    _lua = None

__all__ = ["ScriptEngine", "engine", "HANDLERS"]

HOOK_INSTRUCTIONS = 100000
REDIS_VERSION = b"7.0.15"
REDIS_VERSION_NUM = 0x07000f

# shebang flags Redis 7.0 accepts for EVAL scripts (#!lua flags=...)
SHEBANG_FLAGS = (b"no-writes", b"allow-oom", b"allow-stale", b"no-cluster", b"allow-cross-slot-keys")

# The globals a script sees (Redis 7.0.15's list); everything else lupa's Lua
# opens (os, io, debug, print, require, getfenv ...) is removed.
ALLOWED_GLOBALS = {
    b"_G", b"_VERSION", b"assert", b"collectgarbage", b"coroutine", b"error", b"gcinfo",
    b"getmetatable", b"ipairs", b"load", b"loadstring", b"math", b"next", b"pairs", b"pcall",
    b"rawequal", b"rawget", b"rawset", b"select", b"setmetatable", b"string", b"table",
    b"tonumber", b"tostring", b"type", b"unpack", b"xpcall", b"redis", b"bit", b"cjson",
    b"cmsgpack", b"struct", b"__redis__err__handler", b"KEYS", b"ARGV",
}

# Internal Lua code (chunk "=fastcache"): redis library wrappers, the runner, the
# RESP parser for aggregate replies and the reply serializer for table results.
_LUA_SUPPORT = rb"""
local pycall, pypcall, pyhook, pyrand, pysrand, pycheckcmd, pyerr = ...
local type, error, rawget, rawset, select, tostring, tonumber = type, error, rawget, rawset, select, tostring, tonumber
local concat, format, sub, find, byte, gsub = table.concat, string.format, string.sub, string.find, string.byte, string.gsub
local floor, pairs, next, unpack, xpcall, maxn = math.floor, pairs, next, unpack, xpcall, table.maxn
local lua_pcall = pcall
local dbg = debug
local sresp = 2         -- the script's RESP version (redis.setresp)
local setfenv = setfenv
-- Scripts run in `env`, a sandbox (set up by _LUA_SANDBOX), not in the real
-- globals: lupa itself needs the real ones (e.g. `debug`) to stay reachable.
-- `env` is an empty read-only proxy over `genv`, which holds the values.
local env, genv = {}, {}

-- ---- RESP -> Lua (aggregate replies of redis.call) ----
local parse
local function line(s, i)
  local e = find(s, '\r\n', i, true)
  return sub(s, i, e - 1), e + 2
end
parse = function(s, i)
  local t = sub(s, i, i)
  local v, n
  v, n = line(s, i + 1)
  if t == '*' or t == '>' then
    local cnt = tonumber(v)
    if cnt < 0 then return false, n end
    local arr = {}
    for j = 1, cnt do arr[j], n = parse(s, n) end
    return arr, n
  elseif t == '$' then
    local len = tonumber(v)
    if len < 0 then return false, n end
    return sub(s, n, n + len - 1), n + len + 2
  elseif t == ':' then return tonumber(v), n
  elseif t == '+' then return {ok = v}, n
  elseif t == '-' then return {err = v}, n
  elseif t == '%' then
    local m = {}
    for j = 1, tonumber(v) do
      local k
      k, n = parse(s, n)
      m[k], n = parse(s, n)
    end
    return {map = m}, n
  elseif t == '~' then
    local m = {}
    for j = 1, tonumber(v) do
      local k
      k, n = parse(s, n)
      m[k] = true
    end
    return {set = m}, n
  elseif t == '_' then return nil, n
  elseif t == '#' then return v == 't', n
  elseif t == ',' then return {double = tonumber(v)}, n
  elseif t == '(' then return {big_number = v}, n
  elseif t == '=' then
    local len = tonumber(v)
    local body = sub(s, n, n + len - 1)
    return {verbatim_string = {format = sub(body, 1, 3), string = sub(body, 5)}}, n + len + 2
  elseif t == '|' then
    -- attributes are skipped, the reply they decorate is returned
    for j = 1, 2 * tonumber(v) do local _; _, n = parse(s, n) end
    return parse(s, n)
  end
  return nil, n
end

local function convert(k, v)
  if k == 1 then return {ok = v}
  elseif k == 3 then return {double = v}
  end
  return (parse(v, 1))
end

local function mkerr(m, from_reply)
  -- an error a command replied is already in errorstats (ignore_err_stats_update)
  if from_reply then return {err = m, ignore_err_stats_update = true} end
  return {err = m}
end

-- ---- Lua -> RESP (table results) ----
local function nocrlf(s) return (gsub(s, '[\r\n]', ' ')) end
local ser
local function null(out, cr) out[#out + 1] = (cr == 3) and '_\r\n' or '$-1\r\n' end
local function fmtd(d) return format('%.17g', d) end
ser = function(v, out, cr)
  local t = type(v)
  if t == 'string' then
    out[#out + 1] = '$' .. #v .. '\r\n' .. v .. '\r\n'
  elseif t == 'number' then
    out[#out + 1] = ':' .. format('%d', v) .. '\r\n'
  elseif t == 'boolean' then
    if sresp == 2 then
      if v then out[#out + 1] = ':1\r\n' else null(out, cr) end
    elseif cr == 3 then out[#out + 1] = v and '#t\r\n' or '#f\r\n'
    else out[#out + 1] = v and ':1\r\n' or ':0\r\n' end
  elseif t == 'table' then
    local f = rawget(v, 'err')
    if type(f) == 'string' then
      f = nocrlf(f)
      out[#out + 1] = '-' .. f .. '\r\n'
      -- errors in the reply are counted in errorstats by Python (run's 4th value)
      local errs = out.errs
      if not errs then errs = {}; out.errs = errs end
      errs[#errs + 1] = f
      errs[#errs + 1] = rawget(v, 'ignore_err_stats_update') and true or false
      return
    end
    f = rawget(v, 'ok')
    if type(f) == 'string' then out[#out + 1] = '+' .. nocrlf(f) .. '\r\n'; return end
    f = rawget(v, 'double')
    if type(f) == 'number' then
      if cr == 3 then out[#out + 1] = ',' .. fmtd(f) .. '\r\n'
      else local s = fmtd(f); out[#out + 1] = '$' .. #s .. '\r\n' .. s .. '\r\n' end
      return
    end
    f = rawget(v, 'big_number')
    if type(f) == 'string' then
      f = nocrlf(f)
      if cr == 3 then out[#out + 1] = '(' .. f .. '\r\n'
      else out[#out + 1] = '$' .. #f .. '\r\n' .. f .. '\r\n' end
      return
    end
    f = rawget(v, 'map')
    if type(f) == 'table' then
      local n = 0
      for _ in next, f do n = n + 1 end
      out[#out + 1] = ((cr == 3) and '%' .. n or '*' .. 2 * n) .. '\r\n'
      for key, val in next, f do ser(key, out, cr); ser(val, out, cr) end
      return
    end
    f = rawget(v, 'set')
    if type(f) == 'table' then
      local n = 0
      for _ in next, f do n = n + 1 end
      out[#out + 1] = ((cr == 3) and '~' or '*') .. n .. '\r\n'
      for key in next, f do ser(key, out, cr) end
      return
    end
    f = rawget(v, 'verbatim_string')
    if type(f) == 'table' then
      local fm, s = rawget(f, 'format'), rawget(f, 'string')
      if type(fm) == 'string' and type(s) == 'string' then
        if cr == 3 then out[#out + 1] = '=' .. (#s + 4) .. '\r\n' .. fm .. ':' .. s .. '\r\n'
        else out[#out + 1] = '$' .. #s .. '\r\n' .. s .. '\r\n' end
        return
      end
    end
    local hdr = #out + 1
    out[hdr] = ''
    local j = 1
    while true do
      local e = rawget(v, j)
      if e == nil then break end
      ser(e, out, cr)
      j = j + 1
    end
    out[hdr] = '*' .. (j - 1) .. '\r\n'
  else
    null(out, cr)
  end
end

-- ---- error handler: {err=..., source=..., line=...} like Redis's ----
local internal_src = '=fastcache'
local function errh(err)
  local level = 2
  local i = dbg.getinfo(level, 'nSl')
  while i and (i.what == 'C' or i.source == internal_src) do
    level = level + 1
    i = dbg.getinfo(level, 'nSl')
  end
  if type(err) == 'userdata' then
    err = mkerr(pyerr())           -- raised by a Python library function
  elseif type(err) ~= 'table' then
    err = {err = 'ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end

-- ---- the runner ----
local function run(f, cr, nkeys, ...)
  local keys, argv = {...}, {}
  local n = select('#', ...)
  for j = nkeys + 1, n do argv[j - nkeys] = keys[j]; keys[j] = nil end
  rawset(genv, 'KEYS', keys)
  rawset(genv, 'ARGV', argv)
  sresp = 2
  local ok, r = xpcall(f, errh)
  if not ok then return 2, r, sresp end
  local t = type(r)
  -- a string or number alone: no tuple to build on the Python side
  if t == 'string' or t == 'number' then return r end
  if t == 'table' then
    local out = {}
    ser(r, out, cr)
    return 1, concat(out), sresp, out.errs
  end
  return 0, r, sresp
end

-- the C fast path of EVALSHA (script.pxi) calls run_c with the SHA: a string
-- or number result comes back alone; anything else is left in `last` for
-- Python (ScriptEngine.finish_last) and true is returned
local fns = {}            -- sha -> compiled function (ScriptEngine.load keeps it)
local last = {}
local function run_c(sha, cr, nkeys, ...)
  local f = fns[sha]
  if not f then return false end
  local a, b, c, d = run(f, cr, nkeys, ...)
  -- run gives one value only for a string or number result (else kind, value, resp)
  if c == nil then return a end
  last[1], last[2], last[3], last[4] = a, b, c, d
  return true
end
local function take_last()
  local a, b, c, d = last[1], last[2], last[3], last[4]
  last[1], last[2], last[3], last[4] = nil, nil, nil, nil
  return a, b, c, d
end

-- ---- the redis library ----
local redis = {}
redis.call = pycall
redis.pcall = pypcall
redis.error_reply = function(...)
  local e = ...
  if select('#', ...) ~= 1 or type(e) ~= 'string' then
    return {err = 'ERR wrong number or type of arguments'}
  end
  -- "-CODE msg" keeps its code, plain text gets ERR (luaPushErrorBuff)
  if sub(e, 1, 1) == '-' then
    local sp = find(e, ' ', 1, true)
    if sp then e = sub(e, 2) else e = 'ERR ' .. sub(e, 2) end
  else
    local sp = find(e, ' ', 1, true)
    if not sp then e = 'ERR ' .. e end
  end
  e = gsub(e, '[\r\n]+$', '')
  return {err = e}
end
redis.status_reply = function(...)
  local s = ...
  if select('#', ...) ~= 1 or type(s) ~= 'string' then
    return {err = 'ERR wrong number or type of arguments'}
  end
  return {ok = s}
end
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.acl_check_cmd = function(...)
  if select('#', ...) < 1 then error({err = 'ERR Please specify at least one argument for this redis lib call'}) end
  if not pycheckcmd(...) then error({err = 'ERR Invalid command passed to redis.acl_check_cmd()'}) end
  return true
end
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3

-- math.random: Redis's deterministic rand48 (same sequence as the reference)
math.random = function(...)
  local r = pyrand()
  local n = select('#', ...)
  if n == 0 then return r end
  local m, u = ...
  if n == 1 then
    m = floor(tonumber(m) or error("bad argument #1 to 'random' (number expected)"))
    if m < 1 then error("bad argument #1 to 'random' (interval is empty)") end
    return floor(r * m) + 1
  end
  m = floor(tonumber(m) or error("bad argument #1 to 'random' (number expected)"))
  u = floor(tonumber(u) or error("bad argument #2 to 'random' (number expected)"))
  if m > u then error("bad argument #2 to 'random' (interval is empty)") end
  return floor(r * (u - m + 1)) + m
end
math.randomseed = function(s) pysrand(floor(tonumber(s) or 0)) end

-- pcall turns Redis error tables into their message (luaRedisPcall)
local function fixpcall(ok, ...)
  if ok then return ok, ... end
  local e = ...
  if type(e) == 'table' then
    local m = rawget(e, 'err')
    if type(m) == 'string' then return false, m end
  elseif type(e) == 'userdata' then
    return false, (pyerr())
  end
  return false, ...
end
local function safe_pcall(f, ...) return fixpcall(lua_pcall(f, ...)) end

-- the busy hook (debug.sethook captured before `debug` is hidden)
local sethook = dbg.sethook
local killed_err = {err = 'ERR Script killed by user with SCRIPT KILL...'}
local killed = false
local function hook()
  if not killed then
    if not pyhook() then return end
    -- killed: from now on raise at every line of user code too, so a pcall in
    -- the script can't swallow it; never inside our own code (the runner and the
    -- error handler must finish)
    killed = true
    sethook(hook, 'l', 100000)
  end
  local i = dbg.getinfo(2, 'S')
  if i and i.what ~= 'C' and i.source ~= internal_src then error(killed_err) end
end
local function arm_hook(on)
  killed = false
  if on then sethook(hook, '', 100000) else sethook() end
end

local lua_loadstring, lua_load = loadstring, load
local function compile(body, name)
  local f, e = lua_loadstring(body, name)
  if not f then return false, e end
  setfenv(f, env)
  return f, false
end
-- code a script compiles itself runs in the sandbox too (Lua 5.1 would give it
-- the real globals)
local function sb_loadstring(s, ...)
  -- no precompiled (binary) chunks: Redis refuses them (their bytecode is unchecked)
  if type(s) == 'string' and byte(s, 1) == 27 then return nil end
  local f, e = lua_loadstring(s, ...)
  if f then setfenv(f, env) end
  return f, e
end
local function sb_load(...)
  local f, e = lua_load(...)
  if f then setfenv(f, env) end
  return f, e
end

local function setresp_lua(r) sresp = r end

return run, redis, safe_pcall, errh, arm_hook, compile, {env, genv}, sb_loadstring, sb_load, convert, mkerr, setresp_lua, {fns, run_c, take_last}
"""

_LUA_SANDBOX = rb"""
local envs, redis, safe_pcall, errh, sb_loadstring, sb_load, allowed = ...
local pyfuncs = {}
for _, name in ipairs({'call', 'pcall', 'sha1hex', 'log', 'setresp', 'set_repl'}) do
  pyfuncs[redis[name]] = true
end
local env, genv = envs[1], envs[2]
local error, tostring, rawtype, rawget, rawset, next, ipairs = error, tostring, type, rawget, rawset, next, ipairs
local setmt, getmt = setmetatable, getmetatable
-- Redis 7.0.15 makes the globals and every library table read-only.  Lua 5.1 has
-- no such tables, so each is an empty proxy (reads fall through to the real table,
-- writes fail); pairs/next/ipairs/rawget see through proxies, rawset and
-- setmetatable refuse them.
local real = setmt({}, {__mode = 'k'})
local function ro_newindex() error("Attempt to modify a readonly table", 2) end
local function readonly(t)
  local p = setmt({}, {__index = t, __newindex = ro_newindex, __metatable = false})
  real[p] = t
  return p
end
for k, v in pairs(_G) do
  if allowed[k] then
    if rawtype(v) == 'table' and k ~= '_G' then v = readonly(v) end
    rawset(genv, k, v)
  end
end
local string_ro = rawget(genv, 'string')
local string_mt = getmt('')
local string_mt_ro = readonly({__index = string_ro})
rawset(genv, 'redis', readonly(redis))
rawset(genv, 'pcall', safe_pcall)
rawset(genv, 'loadstring', sb_loadstring)
rawset(genv, 'load', sb_load)
rawset(genv, '__redis__err__handler', errh)
rawset(genv, 'pairs', function(t) return next, real[t] or t, nil end)
rawset(genv, 'next', function(t, k) return next(real[t] or t, k) end)
rawset(genv, 'ipairs', function(t) return ipairs(real[t] or t) end)
rawset(genv, 'rawget', function(t, k) return rawget(real[t] or t, k) end)
rawset(genv, 'rawset', function(t, k, v)
  if real[t] then error("Attempt to modify a readonly table", 0) end
  return rawset(t, k, v)
end)
rawset(genv, 'setmetatable', function(t, m)
  if real[t] then error("Attempt to modify a readonly table", 0) end
  return setmt(t, m)
end)
rawset(genv, 'getmetatable', function(v)
  local m = getmt(v)
  if m == string_mt then return string_mt_ro end
  return m
end)
-- the library functions implemented in Python are functions to scripts too
rawset(genv, 'type', function(v)
  local t = rawtype(v)
  if t == 'userdata' and pyfuncs[v] then return 'function' end
  return t
end)
setmt(genv, {
  __index = function(t, k)
    error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
  end,
})
rawset(genv, '_G', env)
real[env] = genv
setmt(env, {__index = genv, __newindex = ro_newindex, __metatable = false})
"""


def _deny_attributes(obj, name, setting):
    raise AttributeError("access denied")


def _lua_tostring(v):
    if isinstance(v, bytes):
        return v
    if v is None:
        return b"nil"
    if v is True or v is False:
        return b"true" if v else b"false"
    if isinstance(v, (int, float)):
        return (b"%.14g" % v)
    return b"?"


class _RedisLib:
    """The `redis` library functions that can fail with a Redis error.  They are
    Python callables (C functions to Lua), so a failing `return redis.x(...)` keeps
    the caller's line in the error, as Redis's C implementations do."""
    __slots__ = ("engine",)

    def __init__(self, engine):
        self.engine = engine

    def sha1hex(self, *args):
        # luaL_checklstring: strings and numbers; luaL_error text (no ERR code)
        if len(args) != 1 or not isinstance(args[0], (bytes, int, float)) or isinstance(args[0], bool):
            core.script_raise(b"ERR wrong number of arguments")
        return hashlib.sha1(_lua_tostring(args[0])).hexdigest().encode()

    def log(self, *args):
        if len(args) < 2:
            core.script_raise(b"ERR redis.log() requires two arguments or more.")
        lvl = args[0] if isinstance(args[0], (int, float)) and not isinstance(args[0], bool) else 0
        if lvl < 0 or lvl > 3:
            core.script_raise(b"ERR Invalid debug level.")
        from fastcache.log import logger
        text = b" ".join(_lua_tostring(a) for a in args[1:]).decode("utf-8", "replace")
        (logger.debug, logger.info, logger.info, logger.warning)[int(lvl)](text)

    def setresp(self, *args):
        if len(args) != 1:
            core.script_raise(b"ERR redis.setresp() requires one argument.")
        r = args[0]
        if isinstance(r, bytes):
            try:
                r = float(r)
            except ValueError:
                r = 0
        if r not in (2, 3) or isinstance(r, bool):
            core.script_raise(b"ERR RESP version must be 2 or 3.")
        core.script_set_resp(int(r))
        self.engine._setresp_lua(int(r))

    def set_repl(self, *args):
        if len(args) != 1:
            core.script_raise(b"ERR redis.set_repl() requires two arguments.")
        fl = args[0]
        if not isinstance(fl, (int, float)) or isinstance(fl, bool) or fl not in (0, 1, 2, 3):
            core.script_raise(b"ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, "
                              b"REPL_ALL or REPL_NONE.")
        core.script_set_repl(int(fl))


class _Rand48:
    """Redis's redisLrand48 (rand.c): the generator behind math.random in scripts.
    Its state is server-wide and starts from the default seed, like the reference's."""
    __slots__ = ("x",)
    A = 0x5DEECE66D
    MASK = (1 << 48) - 1

    def __init__(self):
        self.x = 0x1234ABCD330E

    def seed(self, s):
        s &= 0xFFFFFFFF
        self.x = ((s >> 16) << 32) | ((s & 0xFFFF) << 16) | 0x330E

    def random(self):
        self.x = (self.A * self.x + 0xB) & self.MASK
        v = self.x >> 17
        return (v % 0x7FFFFFFF) / 0x7FFFFFFF


def parse_shebang(body: bytes):
    """(flags set, body to compile) for a script that may start with '#!'; raises
    ValueError(error text) for Redis's shebang errors.  The shebang line is blanked
    (kept as an empty line) so Lua's line numbers match the reference's."""
    if not body.startswith(b"#!"):
        return None, body
    nl = body.find(b"\n")
    if nl < 0:
        raise ValueError(b"ERR Invalid script shebang")
    parts = body[:nl].split()
    if not parts or parts[0] != b"#!lua":
        raise ValueError(b"ERR Unexpected engine in script shebang: " + (parts[0] if parts else b"#!"))
    flags = set()
    for p in parts[1:]:
        if p.startswith(b"flags="):
            for f in p[6:].split(b","):
                if not f:
                    continue
                if f not in SHEBANG_FLAGS:
                    raise ValueError(b"ERR Unexpected flag in script shebang: " + f)
                flags.add(f)
        else:
            raise ValueError(b"ERR Unknown lua shebang option: " + p)
    return flags, body[nl:]


class _Script:
    __slots__ = ("sha", "body", "fn", "flags", "ro")

    def __init__(self, sha, body, fn, flags):
        self.sha = sha
        self.body = body
        self.fn = fn
        self.flags = flags
        self.ro = flags is not None and b"no-writes" in flags   # #!lua flags=no-writes


class ScriptEngine:
    """One Lua state, the EVAL script cache, and the run entry FUNCTION/FCALL reuse."""

    def __init__(self, server=None, eval_engine=True):
        self.server = server
        # the EVAL engine binds its state into script.pxi (rebind); another
        # engine (functions.py's) keeps its own and never touches the EVAL one's
        self.eval_engine = eval_engine
        self.rand = _Rand48()
        self.scripts = {}           # sha (lowercase hex bytes) -> _Script
        self.body_bytes = 0
        self._pump = None            # blocked_io.EventsWhileBlocked while a script is busy
        self._listen_dups = []       # dups of the listening sockets it accepts from
        self._new_state()

    # ---- Lua state ----
    def _new_state(self):
        if _lua is None:
            raise RuntimeError("lupa is not installed")
        # attribute_filter: Python objects reachable from Lua (the library
        # functions) expose no attributes -- no way from a script into Python.
        rt = _lua.LuaRuntime(encoding=None, unpack_returned_tuples=True,
                             register_eval=False, register_builtins=False,
                             attribute_filter=_deny_attributes)
        self.runtime = rt
        try:
            from fastcache import lualibs
            lualibs.install(rt)
        except ImportError:
            pass
        loadstring = rt.eval("loadstring")
        support = loadstring(_LUA_SUPPORT, b"=fastcache")
        lib = _RedisLib(self)
        (self._run, redis, safe_pcall, errh, self._arm_hook, self._compile, env, sb_loadstring,
         sb_load, convert, mkerr, self._setresp_lua, cpath) = support(
            core.script_call, core.script_pcall, self._hook, self.rand.random, self.rand.seed,
            self._check_cmd, core.script_take_error)
        for name in ("sha1hex", "log", "setresp", "set_repl"):
            redis[name.encode()] = getattr(lib, name)
        # functions.py runs a second engine (its own Lua state, as Redis's
        # functions have); functions.pxi swaps these converters in around each FCALL
        self._convert, self._mkerr, self._env = convert, mkerr, env
        redis[b"REDIS_VERSION"] = REDIS_VERSION
        redis[b"REDIS_VERSION_NUM"] = REDIS_VERSION_NUM
        allowed = rt.table_from({k: True for k in ALLOWED_GLOBALS})
        loadstring(_LUA_SANDBOX, b"=fastcache")(env, redis, safe_pcall, errh, sb_loadstring, sb_load,
                                                allowed)
        # redis.call/redis.pcall as C closures when lupa's Lua C API is reachable
        # (script.pxi); the Python entries stay otherwise
        g = rt.globals()
        g[b"__fc_redis"] = redis
        g[b"__fc_convert"] = convert
        g[b"__fc_mkerr"] = mkerr
        self._fns, g[b"__fc_run_c"], self._take_last = cpath[1], cpath[2], cpath[3]
        self.c_calls = bool(core.script_install_c_calls(rt, _lua.__file__, self.eval_engine))
        # the count hook stays armed for the life of the state (no per-call cost
        # beyond one check every HOOK_INSTRUCTIONS instructions)
        self._arm_hook(True)
        self._tbl_type = _lua.lua_type
        if self.eval_engine:
            self.rebind()

    def rebind(self):
        """Bind this engine's Lua state as script.pxi's EVAL state: script cache,
        runner, reply converters and (C redis.call) the lua_State* EVALSHA's fast
        path calls into.  Done when the EVAL engine creates a state (start, SCRIPT
        FLUSH); no other engine calls it."""
        core.script_bind_eval_state(self.runtime if self.c_calls else None, self.scripts, self._run,
                                    self._convert, self._mkerr)

    def _accept_during_busy(self):
        """Accept and serve the connections that arrive while a script is busy
        (redis-cli SCRIPT KILL from a new connection is answered).  The same
        machinery as serving during the start-up load: blocked_io.EventsWhileBlocked
        over dups of the listening sockets (TCP and unix) accepts, adopts the socket
        (replies by send(2); what the kernel doesn't take stays in the client's
        buffer), registers the client, and runs its commands; after_busy hands the
        connections to the event loop."""
        if self._pump is None:
            import socket

            from fastcache.blocked_io import EventsWhileBlocked
            listeners = list((getattr(self.server, "tcp_listeners", None) or {}).values())
            unix = getattr(self.server, "unix_listener", None)
            if unix is not None:
                listeners.append(unix)
            dups = []
            for listener in listeners:
                for ls in list(getattr(listener, "sockets", ()) or ()):
                    # a dup: the loop keeps its own listening fd untouched
                    d = socket.socket(fileno=os.dup(ls.fileno()))
                    d.setblocking(False)
                    dups.append(d)
            self._listen_dups = dups
            self._pump = EventsWhileBlocked(self.server, dups)
        self._pump.pump()

    def after_busy(self):
        """The busy script ended: the event loop takes over the connections
        accepted meanwhile (with any reply they have not been sent yet)."""
        pump, self._pump = self._pump, None
        dups, self._listen_dups = self._listen_dups, []
        for d in dups:
            d.close()
        if pump is None:
            return
        loop = getattr(self.server, "loop", None)
        if loop is None:
            for fd in list(pump.conns):
                pump._drop(fd)
            return
        loop.create_task(pump.hand_over(loop))

    def _threshold(self):
        # busy-reply-threshold (alias lua-time-limit), read when the hook fires
        try:
            return int(self.server.config.get("busy-reply-threshold"))
        except Exception:
            return 5000

    def _check_cmd(self, *args):
        return bool(args) and isinstance(args[0], bytes) and core.command_exists(args[0])

    # ---- cache ----
    def compile(self, body: bytes, chunkname: bytes = b"@user_script"):
        """Compile Lua source; returns (function, None) or (None, error message)."""
        fn, err = self._compile(body, chunkname)
        return (fn or None), (err or None)

    def load(self, body: bytes):
        """SCRIPT LOAD / EVAL: the cached _Script for body (compiled on first use);
        raises ValueError(error text) for a shebang or compile error."""
        sha = hashlib.sha1(body).hexdigest().encode()
        s = self.scripts.get(sha)
        if s is not None:
            return s
        flags, src = parse_shebang(body)
        fn, err = self._compile(src, b"@user_script")
        if not fn:
            raise ValueError(b"ERR Error compiling script (new function): " + _tobytes(err))
        s = _Script(sha, body, fn, flags)
        self.scripts[sha] = s
        self._fns[sha] = fn          # for the C fast path of EVALSHA
        self.body_bytes += len(body)
        return s

    def flush(self):
        """SCRIPT FLUSH: drop every script and start a fresh Lua state."""
        self.scripts.clear()
        self.body_bytes = 0
        self._new_state()

    def memory(self):
        """Bytes the Lua state uses (collectgarbage('count') is in KiB)."""
        try:
            return int(self.runtime.eval("collectgarbage('count')") * 1024)
        except Exception:
            return 0

    # ---- running ----
    def eval_command(self, c, argv, is_sha, ro, numkeys):
        """EVAL/EVALSHA[_RO] after numkeys validation (script.pxi)."""
        if is_sha:
            sha = argv[1].lower()
            s = self.scripts.get(sha) if len(sha) == 40 else None
            if s is None:
                core.script_reply_error(c, b"NOSCRIPT No matching script. Please use EVAL.")
                return
        else:
            try:
                s = self.load(argv[1])
            except ValueError as e:
                c.reply(Error(e.args[0]))
                return
        if s.flags is not None and b"no-writes" in s.flags:
            ro = True
        self.run(c, s.fn, s.sha, argv[3:], numkeys, ro)

    def run(self, c, fn, name, args, numkeys, ro):
        """Run compiled function `fn` for client c with KEYS = args[:numkeys] and
        ARGV = the rest; replies to c.  `name` is what error messages call it."""
        core.script_begin(c, ro)
        try:
            r = self._run(fn, c.resp, numkeys, *args)
            if type(r) is not tuple:
                r = (0, r, 2)
            kind, val, sresp = r[0], r[1], r[2]
        finally:
            killed = core.script_kill_requested_p()
            timedout = core.script_state()[2]
            # end the run first, then re-arm: the kill switched the hook to every
            # line, and re-arming runs Lua lines -- with the kill still requested the
            # hook would fire "kill" again and leave the state killed, so the next
            # slow script would be killed at its first hook
            core.script_end()
            if killed:
                self._arm_hook(True)
            if timedout:
                self.after_busy()
        if kind == 0:
            core.script_reply_result(c, val, sresp)
        else:
            self.finish(c, r, name)

    def finish_last(self, c, name):
        """The C fast path's non-scalar result (left in Lua by run_c)."""
        r = self._take_last()
        if r[0] == 0:
            core.script_reply_result(c, r[1], r[2])
        else:
            self.finish(c, r, name)

    def finish(self, c, r, name):
        """Reply a table result (kind 1: RESP serialized by Lua, with the errors it
        holds to count) or an error (kind 2), from the runner's values `r`."""
        if r[0] == 1:
            c.reply_raw(r[1])
            errs = r[3] if len(r) > 3 else None
            if errs is not None:
                vals = [errs[i] for i in range(1, len(errs) + 1)]
                for i in range(0, len(vals), 2):
                    core.script_count_error(c, vals[i], not vals[i + 1])
        else:
            msg, count = self._error_text(r[1], name)
            core.script_reply_error(c, msg, count)

    def _error_text(self, err, name):
        # {err=..., source=..., line=...} -> "<err> script: <name>, on <source>:<line>."
        if self._tbl_type(err) == "table":
            msg = err[b"err"]
            source = err[b"source"]
            line = err[b"line"]
            if not isinstance(msg, bytes):
                msg = b"ERR " + _tobytes(msg)
            if source is not None and line is not None:
                msg += b" script: " + name + b", on " + _tobytes(source) + b":" + _tobytes(line) + b"."
            return msg, not err[b"ignore_err_stats_update"]
        return b"ERR Error running script, " + _tobytes(err), True

    def _hook(self):
        """Count hook: True when the script must be killed."""
        running, wrote, timedout, elapsed = core.script_state()
        if not running:
            return False
        if not timedout:
            threshold = self._threshold()
            if threshold <= 0 or elapsed < threshold:
                return False
            core.script_mark_timedout()
            from fastcache.log import logger
            logger.warning("Slow script detected: still in execution after %d milliseconds. "
                           "You can try killing the script using the SCRIPT KILL command." % elapsed)
        if self.server is not None:
            self._accept_during_busy()
            core.script_serve_busy(list(self.server.clients.values()))
        # SHUTDOWN NOSAVE served above: stop the script so the loop can run the
        # shutdown it scheduled (the caller's connection is closed with the rest)
        if self.server is not None and getattr(self.server, "shutdown_requested", None) is not None:
            return True
        return bool(core.script_kill_requested_p())


def _tobytes(v):
    if isinstance(v, bytes):
        return v
    if isinstance(v, float) and v == int(v):
        v = int(v)
    return str(v).encode()


_engine = None


def engine(server=None):
    """The server's scripting engine (created on first use)."""
    global _engine
    if _engine is None:
        _engine = ScriptEngine(server)
        core.script_set_engine(_engine)
    elif server is not None and _engine.server is None:
        _engine.server = server
    return _engine


# ---- SCRIPT ----------------------------------------------------------------------------

def cmd_script_load(c, argv):
    try:
        s = engine(c.server).load(argv[2])
    except ValueError as e:
        c.reply(Error(e.args[0]))
        return
    c.reply(s.sha)


def cmd_script_exists(c, argv):
    scripts = engine(c.server).scripts
    c.reply([1 if a.lower() in scripts else 0 for a in argv[2:]])


def cmd_script_flush(c, argv):
    if len(argv) > 3 or (len(argv) == 3 and argv[2].lower() not in (b"sync", b"async")):
        c.reply(Error(b"ERR SCRIPT FLUSH only support SYNC|ASYNC option"))
        return
    engine(c.server).flush()
    c.reply(Simple(b"OK"))


E_SLOW_EVAL = core.busy_error_text(True)        # shared.slowevalerr
E_SLOW_FUNCTION = core.busy_error_text(False)   # shared.slowscripterr


def script_kill(c, is_eval):
    """Redis's scriptKill(c, is_eval), behind SCRIPT KILL and FUNCTION KILL: NOTBUSY,
    then UNKILLABLE, then the running kind must match the command (an EVAL is
    stopped by SCRIPT KILL only, a function by FUNCTION KILL only)."""
    running, wrote, timedout, elapsed = core.script_state()
    if not running:
        c.reply(Error(b"NOTBUSY No scripts in execution right now."))
    elif wrote:
        c.reply(Error(b"UNKILLABLE Sorry the script already executed write commands against the "
                      b"dataset. You can either wait the script termination or kill the server in a "
                      b"hard way using the SHUTDOWN NOSAVE command."))
    elif (core.functions_running() is None) != is_eval:
        c.reply(Error(E_SLOW_FUNCTION if is_eval else E_SLOW_EVAL))
    else:
        core.script_request_kill()
        c.reply(Simple(b"OK"))


def cmd_script_kill(c, argv):
    script_kill(c, True)


def cmd_script_debug(c, argv):
    mode = argv[2].lower()
    if mode == b"no":
        c.reply(Simple(b"OK"))
    elif mode in (b"yes", b"sync"):
        c.reply(Error(b"ERR Debugging is not supported by this server"))
    else:
        c.reply(Error(b"ERR Use SCRIPT DEBUG YES/SYNC/NO"))


_SCRIPT_HELP = [
    b"DEBUG (YES|SYNC|NO)",
    b"    Set the debug mode for subsequent scripts executed.",
    b"EXISTS <sha1> [<sha1> ...]",
    b"    Return information about the existence of the scripts in the script cache.",
    b"FLUSH [ASYNC|SYNC]",
    b"    Flush the Lua scripts cache. Very dangerous on replicas.",
    b"    When called without the optional mode argument, the behavior is determined by the",
    b"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    b"    * ASYNC: Asynchronously flush the scripts cache.",
    b"    * SYNC: Synchronously flush the scripts cache.",
    b"KILL",
    b"    Kill the currently executing Lua script.",
    b"LOAD <script>",
    b"    Load a script into the scripts cache without executing it.",
]


def cmd_script_help(c, argv):
    c.reply(help_reply(b"SCRIPT", _SCRIPT_HELP))


def info_fields():
    """INFO memory fields of the scripting engine (Redis 7.0 names)."""
    e = _engine
    lua_mem = e.memory() if e is not None else 0
    n = len(e.scripts) if e is not None else 0
    body = e.body_bytes if e is not None else 0
    return {"used_memory_lua": lua_mem, "used_memory_vm_eval": lua_mem,
            "used_memory_scripts_eval": body, "number_of_cached_scripts": n}


HANDLERS = {
    "script|load": cmd_script_load,
    "script|exists": cmd_script_exists,
    "script|flush": cmd_script_flush,
    "script|kill": cmd_script_kill,
    "script|debug": cmd_script_debug,
    "script|help": cmd_script_help,
}
