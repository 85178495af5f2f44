"""The Lua libraries Redis 7.0 gives scripts: ``cjson``, ``cmsgpack``, ``bit`` and ``struct``.

``install(runtime)`` adds them as globals to a ``lupa.lua51.LuaRuntime``.  They are written
in Lua (one ``.lua`` file per library, loaded from this package) and reproduce the byte
formats, number formatting and error messages of the C libraries Redis bundles.

Call ``install`` on a fresh runtime, before the scripting sandbox removes or locks globals:
the libraries keep private references to ``coroutine``, ``string``, ``math`` and ``next``
taken at install time, so scripts cannot tamper with them later.  Library functions are
real C functions to Lua (see cfunction.lua for why); when one raises an error it replaces
itself in its library table, so a sandbox must expose the globals ``install`` defines (or
proxies whose ``__index`` is the library), not copies of the tables.

Known deviations from Redis 7.0.15 (all checked by tests/commands/test_lualibs_diff.py):

- "bad argument" errors name the function by its library name; C Lua names it from the call
  site ('?' under ``pcall(f, ...)``, "calling 'f' on bad self" for method calls).
- A library function kept in a local variable is dead after it raised once (the global one
  is replaced); see cfunction.lua.
- ``cmsgpack.unpack`` of a map with a nil or NaN key: the "table index is nil/NaN" error gets
  the caller's position prefix, which Redis's does not.
- With ``readonly`` the globals are proxies: ``pairs(cjson)`` lists nothing and
  ``getmetatable(cjson)`` is false.
- Object key order follows the table traversal order of the Lua VM; Redis's Lua hashes
  strings of 32 bytes and more differently from stock Lua 5.1 (lupa), so tables with such
  keys can traverse -- and encode -- in another order.
"""
from __future__ import annotations

import os
import struct as _struct

__all__ = ["LIBRARIES", "install"]

#: Global names ``install`` defines, in Redis's load order.
LIBRARIES = ("cjson", "struct", "cmsgpack", "bit")

_DIR = os.path.dirname(os.path.abspath(__file__))
_SOURCES: dict[str, str] = {}


def _source(name: str) -> str:
    src = _SOURCES.get(name)
    if src is None:
        with open(os.path.join(_DIR, name + ".lua"), encoding="utf-8") as f:
            src = _SOURCES[name] = f.read()
    return src


# NaN bit patterns are invisible to pure Lua; these keep them exact (numbers in and out, so
# no string conversion of the runtime is involved; packed bytes come back as a Lua string).
def _pack_double(x):
    return _struct.pack(">d", x)


def _pack_float(x):
    return _struct.pack(">f", x)


def _unpack_double(hi, lo):
    return _struct.unpack(">d", _struct.pack(">II", int(hi), int(lo)))[0]


def _unpack_float(bits):
    return _struct.unpack(">f", _struct.pack(">I", int(bits)))[0]


_NULL_SRC = """
-- cjson.null: Redis uses a NULL lightuserdata; Lua code can only make a full
-- userdata, which type() also calls "userdata" and which prints the same.
local p = newproxy(true)
getmetatable(p).__tostring = function() return 'userdata: (nil)' end
return p
"""

_SET_GLOBALS_SRC = """
local H, readonly, cjson, struct, cmsgpack, bit = ...
local setmetatable, error = setmetatable, error
-- Redis 7.0 makes its library tables read-only ("Attempt to modify a readonly
-- table", at the assigning line), so one script cannot change what the next
-- one sees.  Stock Lua 5.1 has no such flag: the global is an empty proxy
-- whose __index is the library.  (Consequence: pairs()/next() over the proxy
-- see no fields, where Redis's read-only tables still list theirs.)
-- __newindex is a C function (cfunction.lua) so the error names the assigning
-- line and error handlers step over it, as over Redis's C check.
local function protect(lib)
  if not readonly then return lib end
  local mt = {__index = lib, __metatable = false}
  H.cfunction(mt, '__newindex', function() error('Attempt to modify a readonly table', 0) end)
  return setmetatable({}, mt)
end
rawset(_G, 'cjson', protect(cjson))
rawset(_G, 'struct', protect(struct))
rawset(_G, 'cmsgpack', protect(cmsgpack))
rawset(_G, 'bit', protect(bit))
"""


def install(runtime, readonly: bool = True) -> dict:
    """Define the ``cjson``, ``struct``, ``cmsgpack`` and ``bit`` globals in ``runtime``.

    With ``readonly`` (the default, as Redis 7.0) the globals are read-only proxies of the
    library tables.  Returns ``{name: library table}`` (the tables themselves) plus
    ``"null"``: the ``cjson.null`` value (a userdata, which Redis's Lua-to-RESP conversion
    turns into a null reply like any other userdata).
    """
    helpers = runtime.execute(_source("cfunction"))
    ieee = runtime.execute(_source("ieee754"), _pack_double, _pack_float, _unpack_double, _unpack_float)
    null = runtime.execute(_NULL_SRC)
    libs = {
        "cjson": runtime.execute(_source("cjson"), helpers, null),
        "struct": runtime.execute(_source("struct"), helpers, ieee),
        "cmsgpack": runtime.execute(_source("cmsgpack"), helpers, ieee),
        "bit": runtime.execute(_source("bit"), helpers),
    }
    runtime.execute(_SET_GLOBALS_SRC, helpers, bool(readonly), *(libs[name] for name in LIBRARIES))
    libs["null"] = null
    return libs
