"""Redis 7 functions: FUNCTION LOAD/DELETE/LIST/DUMP/RESTORE/FLUSH/STATS/KILL/HELP,
FCALL and FCALL_RO (Redis 7.0.15 semantics).

A library is Lua code that starts with ``#!lua name=<lib>``.  Loading it runs the
code once with a tiny API -- ``redis.register_function``, ``redis.log``, the
``redis.REDIS_VERSION*`` and ``redis.LOG_*`` constants -- and every other global
raising Redis's "nonexistent global variable" error; the functions it registers
then run with the whole scripting API (redis.call, conversions, BUSY/KILL).

Functions have their own Lua state, as in Redis: a second
:class:`fastcache.scripting.ScriptEngine`.  All libraries share one globals table
(`G`), an empty table that refuses writes and whose reads go to the load API
while a library loads and to the engine's script sandbox afterwards (Redis swaps
the globals' ``__index`` the same way).  Callbacks inherit `G` as their
environment, so a function sees the run-time API whichever library defined it.

FCALL enters through functions.pxi (effects-only propagation, like EVAL), then
:func:`fcall` looks the function up, validates numkeys and runs it through the
engine's runner: a per-function Lua wrapper takes KEYS/ARGV from the runner and
calls ``callback(keys, args)`` (functions see no KEYS/ARGV globals).

Persistence: RDB save/load and the AOF rewrite reach the library codes through
``core.rdb_set_functions_hooks``; FUNCTION DUMP/RESTORE use Redis's payload
(RDB_OPCODE_FUNCTION2 + code as an RDB string per library, RDB version, CRC64).
"""
from __future__ import annotations

import time

from fastcache._core import core
from fastcache.respvalue import Error, OrderedSet, Simple, help_reply
from fastcache.scripting import E_SLOW_EVAL, _tobytes, script_kill

__all__ = ["FunctionsEngine", "functions_engine", "fcall", "HANDLERS"]

RDB_OPCODE_FUNCTION2 = 245
RDB_OPCODE_FUNCTION = 246      # pre-GA 7.0 format, refused like Redis

# function flags as FUNCTION LIST shows them: a bit mask in Redis, so always in
# this order and without repeats, whatever order register_function was given
FLAG_ORDER = (b"no-writes", b"allow-oom", b"allow-stale", b"no-cluster", b"allow-cross-slot-keys")

E_LIB_NAME = (b"Library names can only contain letters, numbers, or underscores(_) and must be "
              b"at least one character long")

# Lua side of the function engine (chunk "=fastcache", so the engine's error
# handler skips its frames when it reports a line).
_FUNCTIONS_LUA = rb"""
local envs, pyerr = ...
-- the engine's sandbox: `env` the read-only globals scripts see, `genv` the
-- table behind it (where the runner puts KEYS/ARGV)
local env, genv = envs[1], envs[2]
local redis_rt = env.redis
-- Redis's functions state has no __redis__err__handler global (EVAL's has): the
-- runner holds the error handler itself, so functions don't see it in _G
rawset(genv, '__redis__err__handler', nil)
local type, error, rawget, rawset, pairs, next, tostring, select = type, error, rawget, rawset, pairs, next, tostring, select
local setmetatable, setfenv, loadstring, xpcall, lower = setmetatable, setfenv, loadstring, xpcall, string.lower

local function readonly() error('Attempt to modify a readonly table', 2) end
local function nonexistent(t, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end
local ro_mt = {__index = nonexistent, __newindex = readonly, __metatable = false}

-- the libraries' globals: reads go to the load API or to the run-time sandbox
local gmt = {__index = env, __newindex = readonly, __metatable = false}
local G = setmetatable({}, gmt)

local FLAGS = {['no-writes'] = true, ['allow-oom'] = true, ['allow-stale'] = true,
               ['no-cluster'] = true, ['allow-cross-slot-keys'] = true}

local pending                 -- functions registered by the library being loaded
local function fail(msg) error({err = 'ERR ' .. msg}) end

local function isstr(v) local t = type(v); return t == 'string' or t == 'number' end

local function add(name, cb, flags, desc)
  -- functionLibCreateFunction: name check, then per-library uniqueness
  name = tostring(name)
  if #name == 0 or name:find('[^%w_]') then
    fail('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long')
  end
  if pending.byname[name] then fail('Function already exists in the library') end
  pending.byname[name] = true
  pending[#pending + 1] = {name, cb, flags, desc}
end

local function read_flags(t)
  local out = {}
  for _, f in pairs(t) do
    if type(f) ~= 'string' or not FLAGS[lower(f)] then return nil end
    out[#out + 1] = lower(f)
  end
  return out
end

local function register_function(...)
  local n = select('#', ...)
  if pending == nil then fail('redis.register_function can only be called on FUNCTION LOAD command') end
  if n < 1 or n > 2 then fail('wrong number of arguments to redis.register_function') end
  if n == 2 then
    local name, cb = ...
    if not isstr(name) then fail('first argument to redis.register_function must be a string') end
    if type(cb) ~= 'function' then fail('second argument to redis.register_function must be a function') end
    return add(name, cb, {}, nil)
  end
  local t = ...
  if type(t) ~= 'table' then
    fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).')
  end
  local name, cb, flags, desc
  flags = {}
  for k, v in pairs(t) do
    if not isstr(k) then fail('named argument key given to redis.register_function is not a string') end
    local key = lower(tostring(k))
    if key == 'function_name' then
      if not isstr(v) then fail('function_name argument given to redis.register_function must be a string') end
      name = tostring(v)
    elseif key == 'description' then
      if not isstr(v) then fail('description argument given to redis.register_function must be a string') end
      desc = tostring(v)
    elseif key == 'callback' then
      if type(v) ~= 'function' then fail('callback argument given to redis.register_function must be a function') end
      cb = v
    elseif key == 'flags' then
      if type(v) ~= 'table' then
        fail('flags argument to redis.register_function must be a table representing function flags')
      end
      flags = read_flags(v)
      if not flags then fail('unknown flag given') end
    else
      fail('unknown argument given to redis.register_function')
    end
  end
  if name == nil then fail('redis.register_function must get a function name argument') end
  if cb == nil then fail('redis.register_function must get a callback argument') end
  return add(name, cb, flags, desc)
end

local load_redis = {register_function = register_function, log = redis_rt.log,
                    REDIS_VERSION = redis_rt.REDIS_VERSION,
                    REDIS_VERSION_NUM = redis_rt.REDIS_VERSION_NUM,
                    LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3}
setmetatable(load_redis, ro_mt)
local load_api = setmetatable({redis = load_redis}, ro_mt)

local function load_errh(e)
  if type(e) == 'table' then
    local m = rawget(e, 'err')
    if type(m) == 'string' then return m end
  end
  -- raised by a Python library function (redis.log): its Redis error text
  if type(e) == 'userdata' then return pyerr() end
  return 'ERR ' .. tostring(e)
end

-- a wrapper per function: the engine's runner puts the call's keys and args in
-- KEYS/ARGV; functions get them as arguments and see neither global
local function wrap(cb)
  return function()
    local k, a = rawget(genv, 'KEYS'), rawget(genv, 'ARGV')
    rawset(genv, 'KEYS', nil)
    rawset(genv, 'ARGV', nil)
    return cb(k, a)
  end
end

-- compile and run a library's code; returns true, {name, wrapper, flags, desc}...
-- or false, stage ('compile' | 'run'), message
local function load(code)
  local f, e = loadstring(code, '@user_function')
  if not f then return false, 'compile', e end
  setfenv(f, G)
  pending = {byname = {}}
  gmt.__index = load_api
  local ok, err = xpcall(f, load_errh)
  gmt.__index = env
  local regs = pending
  pending = nil
  if not ok then return false, 'run', err end
  local out = {}
  for i = 1, #regs do
    local r = regs[i]
    out[i] = {r[1], wrap(r[2]), r[3], r[4]}
  end
  return true, out
end

return load
"""


LOAD_TIMEOUT_MS = 500

# shared.slowevalerr: FUNCTION KILL/STATS while an EVAL script (not a function) runs


def _functions_lua_class(base):
    """The functions' Lua engine: a ScriptEngine whose count hook also stops a
    FUNCTION LOAD that runs past its deadline (the class is built on first use so
    that importing this module does not import the scripting engine)."""
    class FunctionsLua(base):
        load_deadline = None
        load_timedout = False

        def _hook(self):
            if self.load_deadline is not None:
                if time.monotonic() > self.load_deadline:
                    self.load_timedout = True
                    return True
                return False
            return base._hook(self)
    return FunctionsLua


def _parse_metadata(code: bytes):
    """functionExtractLibMetaData: (engine, name, body) or raises ValueError(msg).
    The body keeps the shebang's newline so line numbers match the reference."""
    if not code.startswith(b"#!"):
        raise ValueError(b"ERR Missing library metadata")
    # strchr on the C string: a NUL before the newline hides it
    nl = code.find(b"\n")
    z = code.find(b"\0")
    if nl < 0 or 0 <= z < nl:
        raise ValueError(b"ERR Invalid library metadata")
    parts = core.sdssplitargs(code[:nl])
    if not parts:
        raise ValueError(b"ERR Invalid library metadata")
    engine = parts[0][2:]
    name = None
    for p in parts[1:]:
        if p[:5].lower() == b"name=":
            if name is not None:
                raise ValueError(b"ERR Invalid metadata value, name argument was given multiple times")
            name = p[5:]
            continue
        raise ValueError(b"ERR Invalid metadata value given: " + p)
    if name is None:
        raise ValueError(b"ERR Library name was not given")
    return engine, name, code[nl:]


def _valid_name(name: bytes) -> bool:
    return bool(name) and all(ch == 95 or 48 <= ch <= 57 or 65 <= ch <= 90 or 97 <= ch <= 122
                              for ch in name)


class Function:
    """One registered function: name, Lua wrapper, flags (list of bytes), description."""
    __slots__ = ("name", "fn", "flags", "description", "library", "ro")

    def __init__(self, name, fn, flags, description, library):
        self.name = name
        self.fn = fn
        self.flags = flags
        self.description = description
        self.library = library
        self.ro = b"no-writes" in flags


class Library:
    __slots__ = ("name", "code", "functions")

    def __init__(self, name, code):
        self.name = name
        self.code = code
        self.functions = {}


class FunctionsEngine:
    """The libraries, the function index and the Lua state they run in."""

    def __init__(self, server=None):
        self.server = server
        self.libraries = {}     # name -> Library
        self.functions = {}     # lowercased name -> Function
        self._lua = None

    # ---- Lua state ----
    def lua(self):
        """The scripting engine (own Lua state) functions compile and run in."""
        if self._lua is None:
            from fastcache import scripting
            # the EVAL engine owns the connection-less client redis.call() runs
            # on (script.pxi's script_client): make sure it exists
            scripting.engine(self.server)
            # its own Lua state, not the EVAL one: eval_engine=False leaves
            # script.pxi's EVAL binding (cache, converters, EVALSHA's state) alone
            eng = _functions_lua_class(scripting.ScriptEngine)(self.server, eval_engine=False)
            load = eng.runtime.eval("loadstring")(_FUNCTIONS_LUA, b"=fastcache")
            self._load = load(eng._env, core.script_take_error)
            self._lua = eng
            # FCALL runs in functions.pxi from here on
            core.functions_bind_engine(self.functions, eng)
        elif self.server is not None and self._lua.server is None:
            self._lua.server = self.server
        return self._lua

    # ---- creating libraries ----
    def create(self, code: bytes, replace=False, into=None):
        """functionsCreateWithLibraryCtx: compile `code` and link its library into
        `into` (default: the live set, a (libraries, functions) pair); returns the
        library name or raises ValueError(error text)."""
        libs, funcs = into if into is not None else (self.libraries, self.functions)
        engine, name, body = _parse_metadata(code)
        if not _valid_name(name):
            raise ValueError(b"ERR " + E_LIB_NAME)
        if engine.upper() != b"LUA":
            raise ValueError(b"ERR Engine '" + engine + b"' not found")
        old = libs.get(name)
        if old is not None and not replace:
            raise ValueError(b"ERR Library '" + name + b"' already exists")
        lua = self.lua()
        # a library's top-level code may run LOAD_TIMEOUT_MS at most (the count
        # hook checks the deadline; luaEngineLoadHook)
        lua.load_deadline = time.monotonic() + LOAD_TIMEOUT_MS / 1000.0
        lua.load_timedout = False
        try:
            res = self._load(body)
        finally:
            lua.load_deadline = None
            if lua.load_timedout:
                lua._arm_hook(True)     # the kill switched the hook to every line
        if lua.load_timedout:
            raise ValueError(b"ERR Error registering functions: ERR FUNCTION LOAD timeout")
        if not res[0]:
            if res[1] == b"compile":
                raise ValueError(b"ERR Error compiling function: " + _tobytes(res[2]))
            raise ValueError(b"ERR Error registering functions: " + _tobytes(res[2]))
        regs = res[1]
        lib = Library(name, code)
        n = len(regs)
        for i in range(1, n + 1):
            r = regs[i]
            fname = _tobytes(r[1])
            given = set(_tobytes(f) for f in _lua_list(r[3]))
            flags = [f for f in FLAG_ORDER if f in given]
            desc = r[4]
            lib.functions[fname] = Function(fname, r[2], flags, None if desc is None else _tobytes(desc), lib)
        if not lib.functions:
            raise ValueError(b"ERR No functions registered")
        for fname in lib.functions:
            other = funcs.get(fname.lower())
            if other is not None and other.library is not old:
                raise ValueError(b"ERR Function " + fname + b" already exists")
        if old is not None:
            _unlink(libs, funcs, old)
        _link(libs, funcs, lib)
        del lua
        return name

    def delete(self, name):
        lib = self.libraries.get(name)
        if lib is None:
            return False
        _unlink(self.libraries, self.functions, lib)
        return True

    def flush(self):
        self._set(({}, {}))
        if self._lua is not None:
            try:
                self._lua.runtime.eval("collectgarbage('collect')")
            except Exception:
                pass

    def codes(self):
        """Every library's code (RDB save, AOF rewrite, FUNCTION DUMP)."""
        return [lib.code for lib in self.libraries.values()]

    def replace_all(self, codes):
        """RDB load: the file's libraries replace the current ones; raises
        ValueError and keeps the current set when one does not load."""
        libs, funcs = {}, {}
        for code in codes:
            self.create(code, False, (libs, funcs))
        self._set((libs, funcs))

    def _set(self, sets):
        # the function index is updated in place: functions.pxi's FCALL path holds it
        libs, funcs = sets
        self.libraries = libs
        if funcs is not self.functions:
            self.functions.clear()
            self.functions.update(funcs)

    # ---- DUMP / RESTORE ----
    def dump(self):
        body = b"".join(bytes((RDB_OPCODE_FUNCTION2,)) + core.rdb_encode_string(code)
                        for code in self.codes())
        return core.dump_payload_seal(body)

    def restore(self, payload, policy):
        """functionRestoreCommand: load the payload into a fresh set, then join
        it into the live one by policy; raises ValueError(error text)."""
        if not core.dump_payload_check(payload):
            raise ValueError(b"ERR DUMP payload version or checksum are wrong")
        libs, funcs = {}, {}
        pos, end = 0, len(payload) - 10
        while pos < end:
            t = payload[pos]
            pos += 1
            if t == RDB_OPCODE_FUNCTION:
                # the pre-GA record (engine name first): 7.0.15 fails on it so
                raise ValueError(b"ERR Failed loading engine name")
            if t != RDB_OPCODE_FUNCTION2:
                raise ValueError(b"ERR given type is not a function")
            r = core.rdb_decode_string(payload, pos)
            if r is None or r[1] > end:
                raise ValueError(b"ERR Failed loading library payload")
            code, pos = r
            self.create(code, False, (libs, funcs))
        if policy == b"flush":
            self._set((libs, funcs))
            return
        # libraryJoin: library collisions first (error or unlink the old one),
        # then function-name collisions; any error restores the live set
        saved_libs, saved_funcs = dict(self.libraries), dict(self.functions)
        try:
            for name, lib in libs.items():
                old = self.libraries.get(name)
                if old is not None:
                    if policy != b"replace":
                        raise ValueError(b"ERR Library " + name + b" already exists")
                    _unlink(self.libraries, self.functions, old)
            for lib in libs.values():
                for fname in lib.functions:
                    if fname.lower() in self.functions:
                        raise ValueError(b"ERR Function " + fname + b" already exists")
            for lib in libs.values():
                _link(self.libraries, self.functions, lib)
        except ValueError:
            self._set((saved_libs, saved_funcs))
            raise

    # ---- FCALL ----
    def call(self, c, argv, ro):
        """fcallCommandGeneric: lookup, numkeys, the _ro check, then run (the
        slow path: see functions.pxi)."""
        f = self.functions.get(argv[1].lower())
        if f is None:
            c.reply(Error(b"ERR Function not found"))
            return
        numkeys = core.strict_ll(argv[2])
        if numkeys is None:
            c.reply(Error(b"ERR Bad number of keys provided"))
            return
        if numkeys > len(argv) - 3:
            c.reply(Error(b"ERR Number of keys can't be greater than number of args"))
            return
        if numkeys < 0:
            c.reply(Error(b"ERR Number of keys can't be negative"))
            return
        if ro and not f.ro:
            c.reply(Error(b"ERR Can not execute a script with write flag using *_ro command."))
            return
        # (functions.pxi runs FCALL itself once the Lua state exists, which it
        # does whenever there is a function; this path is its fallback)
        from fastcache import scripting
        eng = self.lua()
        core.script_bind_lua(eng._convert, eng._mkerr)
        try:
            eng.run(c, f.fn, f.name, argv[3:], numkeys, ro or f.ro)
        finally:
            # the EVAL engine's converters back (the EVAL state is otherwise untouched)
            ev = scripting._engine
            if ev is not None:
                core.script_bind_lua(ev._convert, ev._mkerr)


# Library names are case-sensitive; the server-wide function index is not (FCALL
# ECHO finds `echo`, and `F1` collides with another library's `f1`), while one
# library's own table is: `g` and `G` may both be registered, the first one
# linked wins the index (dictAdd), as in Redis.
def _link(libs, funcs, lib):
    libs[lib.name] = lib
    for fname, f in lib.functions.items():
        funcs.setdefault(fname.lower(), f)


def _unlink(libs, funcs, lib):
    libs.pop(lib.name, None)
    for fname, f in lib.functions.items():
        if funcs.get(fname.lower()) is f:
            del funcs[fname.lower()]


def _lua_list(t):
    out = []
    i = 1
    while True:
        v = t[i]
        if v is None:
            return out
        out.append(v)
        i += 1


_engine = None


def functions_engine(server=None):
    """The server's function engine (created on first use)."""
    global _engine
    if _engine is None:
        _engine = FunctionsEngine(server)
    elif server is not None and _engine.server is None:
        _engine.server = server
        if _engine._lua is not None and _engine._lua.server is None:
            _engine._lua.server = server
    return _engine


def fcall(c, argv, ro):
    """FCALL/FCALL_RO entry (bound into functions.pxi)."""
    functions_engine(c.server).call(c, argv, ro)


# ---- FUNCTION -----------------------------------------------------------------------------

def cmd_function_load(c, argv):
    replace = False
    i = 2
    while i < len(argv) - 1:
        opt = argv[i]
        if opt.lower() == b"replace":
            replace = True
        else:
            c.reply(Error(b"ERR Unknown option given: " + opt))
            return
        i += 1
    try:
        name = functions_engine(c.server).create(argv[-1], replace)
    except ValueError as e:
        c.reply(Error(e.args[0]))
        return
    core.functions_dirty()
    c.reply(name)


def cmd_function_delete(c, argv):
    if not functions_engine(c.server).delete(argv[2]):
        c.reply(Error(b"ERR Library not found"))
        return
    core.functions_dirty()
    c.reply(Simple(b"OK"))


def cmd_function_flush(c, argv):
    if len(argv) == 3:
        if argv[2].lower() not in (b"sync", b"async"):
            c.reply(Error(b"ERR FUNCTION FLUSH only supports SYNC|ASYNC option"))
            return
    elif len(argv) > 3:
        c.reply(Error(b"ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP."))
        return
    functions_engine(c.server).flush()
    core.functions_dirty()
    c.reply(Simple(b"OK"))


def cmd_function_list(c, argv):
    pattern = None
    withcode = False
    i = 2
    while i < len(argv):
        a = argv[i].lower()
        if a == b"withcode" and not withcode:
            withcode = True
        elif a == b"libraryname" and pattern is None:
            if i + 1 >= len(argv):
                c.reply(Error(b"ERR library name argument was not given"))
                return
            i += 1
            pattern = argv[i]
        else:
            c.reply(Error(b"ERR Unknown argument " + argv[i]))
            return
        i += 1
    out = []
    for lib in functions_engine(c.server).libraries.values():
        if pattern is not None and not core.stringmatch(pattern, lib.name, True):
            continue
        funcs = [{b"name": f.name, b"description": f.description,
                  b"flags": OrderedSet(Simple(x) for x in f.flags)} for f in lib.functions.values()]
        d = {b"library_name": lib.name, b"engine": b"LUA", b"functions": funcs}
        if withcode:
            d[b"library_code"] = lib.code
        out.append(d)
    c.reply(out)


def cmd_function_dump(c, argv):
    c.reply(functions_engine(c.server).dump())


def cmd_function_restore(c, argv):
    policy = b"append"
    if len(argv) == 4:
        policy = argv[3].lower()
        if policy not in (b"flush", b"append", b"replace"):
            c.reply(Error(b"ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."))
            return
    elif len(argv) > 4:
        c.reply(Error(b"ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP."))
        return
    try:
        functions_engine(c.server).restore(argv[2], policy)
    except ValueError as e:
        c.reply(Error(e.args[0]))
        return
    core.functions_dirty()
    c.reply(Simple(b"OK"))


def cmd_function_stats(c, argv):
    eng = functions_engine(c.server)
    running = None
    cur = core.functions_running()
    if cur is None and core.script_state()[0]:
        # an EVAL script is running (functionStatsCommand answers slowevalerr)
        c.reply(Error(E_SLOW_EVAL))
        return
    if cur is not None:
        running = {b"name": cur[0], b"command": cur[1], b"duration_ms": cur[2]}
    c.reply({b"running_script": running,
             b"engines": {b"LUA": {b"libraries_count": len(eng.libraries),
                                   b"functions_count": len(eng.functions)}}})


def cmd_function_kill(c, argv):
    script_kill(c, False)


_FUNCTION_HELP = [
    b"LOAD [REPLACE] <FUNCTION CODE>",
    b"    Create a new library with the given library name and code.",
    b"DELETE <LIBRARY NAME>",
    b"    Delete the given library.",
    b"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    b"    Return general information on all the libraries:",
    b"    * Library name",
    b"    * The engine used to run the Library",
    b"    * Library description",
    b"    * Functions list",
    b"    * Library code (if WITHCODE is given)",
    b"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    b"STATS",
    b"    Return information about the current function running:",
    b"    * Function name",
    b"    * Command used to run the function",
    b"    * Duration in MS that the function is running",
    b"    If no function is running, return nil",
    b"    In addition, returns a list of available engines.",
    b"KILL",
    b"    Kill the current running function.",
    b"FLUSH [ASYNC|SYNC]",
    b"    Delete all the libraries.",
    b"    When called without the optional mode argument, the behavior is determined by the",
    b"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    b"    * ASYNC: Asynchronously flush the libraries.",
    b"    * SYNC: Synchronously flush the libraries.",
    b"DUMP",
    b"    Return a serialized payload representing the current libraries, can be restored using "
    b"FUNCTION RESTORE command",
    b"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    b"    Restore the libraries represented by the given payload, it is possible to give a restore "
    b"policy to",
    b"    control how to handle existing libraries (default APPEND):",
    b"    * FLUSH: delete all existing libraries.",
    b"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    b"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace "
    b"the old",
    b"      libraries with the new libraries (notice that even on this option there is a chance of "
    b"failure",
    b"      in case of functions name collision with another library).",
]


def cmd_function_help(c, argv):
    c.reply(help_reply(b"FUNCTION", _FUNCTION_HELP))


def info_fields():
    """INFO memory fields of the function engine (Redis 7.0 names), for
    fastcache/introspection.py.  used_memory_functions approximates Redis's
    functionsMemoryOverhead: library and function names, descriptions and code."""
    e = _engine
    if e is None:
        return {"number_of_functions": 0, "number_of_libraries": 0,
                "used_memory_vm_functions": 0, "used_memory_functions": 0}
    overhead = 0
    for lib in e.libraries.values():
        overhead += 64 + len(lib.name) + len(lib.code)
        for f in lib.functions.values():
            overhead += 64 + len(f.name) + len(f.description or b"")
    return {"number_of_functions": len(e.functions), "number_of_libraries": len(e.libraries),
            "used_memory_vm_functions": e._lua.memory() if e._lua is not None else 0,
            "used_memory_functions": overhead}


# ---- persistence hooks ----------------------------------------------------------------------

def _rdb_get():
    e = _engine
    return e.codes() if e is not None else []


def _rdb_set(codes):
    if not codes and (_engine is None or not _engine.libraries):
        return
    functions_engine().replace_all(codes)


core.rdb_set_functions_hooks(_rdb_get, _rdb_set)
core.functions_bind(fcall)


HANDLERS = {
    "function|load": cmd_function_load,
    "function|delete": cmd_function_delete,
    "function|flush": cmd_function_flush,
    "function|list": cmd_function_list,
    "function|dump": cmd_function_dump,
    "function|restore": cmd_function_restore,
    "function|stats": cmd_function_stats,
    "function|kill": cmd_function_kill,
    "function|help": cmd_function_help,
}
