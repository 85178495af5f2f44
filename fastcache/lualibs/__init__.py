"""The Lua libraries Redis 7.0 gives scripts: ``cjson``, ``cmsgpack``, ``bit`` and ``struct``.

``install(runtime)`` adds them as globals to a ``lupa.lua51.LuaRuntime``.  They are written
in Lua (one ``.lua`` file per library, loaded from this package) and reproduce the byte
formats, number formatting and error messages of the C libraries Redis bundles.

Call ``install`` on a fresh runtime, before the scripting sandbox removes or locks globals:
the libraries keep private references to ``coroutine``, ``string``, ``math`` and ``next``
taken at install time, so scripts cannot tamper with them later.  Library functions are
real C functions to Lua (see cfunction.lua for why); when one raises an error it replaces
itself in its library table, so a sandbox must expose these tables (or read-only proxies
whose ``__index`` is the table), not copies of them.
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
local cjson, struct, cmsgpack, bit = ...
rawset(_G, 'cjson', cjson)
rawset(_G, 'struct', struct)
rawset(_G, 'cmsgpack', cmsgpack)
rawset(_G, 'bit', bit)
"""


def install(runtime) -> dict:
    """Define the ``cjson``, ``struct``, ``cmsgpack`` and ``bit`` globals in ``runtime``.

    Returns ``{name: lua_table}`` plus ``"null"``: the ``cjson.null`` value (a userdata, which
    Redis's Lua-to-RESP conversion turns into a null reply like any other userdata).
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
    runtime.execute(_SET_GLOBALS_SRC, *(libs[name] for name in LIBRARIES))
    libs["null"] = null
    return libs
