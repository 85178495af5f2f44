-- Shared helpers of the fastcache Lua libraries (loaded first by install()).
--
-- Why library functions are wrapped in coroutine.wrap: Redis's libraries are C
-- functions, and Lua treats C functions differently in two ways scripts can see:
--  * luaL_error() prefixes the position of the *caller* ("user_script:1: "),
--    and a C function called in tail position (`return cjson.decode(x)`, the
--    most common way scripts use these libraries) keeps its caller's frame, so
--    the prefix is still there.  A Lua function called in tail position
--    replaces its caller's frame and error(msg, 2) would find no position.
--  * Redis's error handler steps over a 'C' frame to report the script line.
-- coroutine.wrap returns a real C function (auxwrap) which, when the wrapped
-- coroutine fails with a string, prefixes luaL_where(L, 1) -- exactly the
-- luaL_error behaviour.  The implementations therefore raise their messages
-- with error(msg, 0) and let the wrapper add the position.
--
-- A coroutine that raised is dead, so on error the wrapper installs a fresh
-- wrapper in the library table before re-raising.  A script that kept the old
-- function in a local variable and calls it again after it failed sees
-- "cannot resume dead coroutine" (documented limitation).
--
-- "bad argument" messages use the function's registered name; C Lua derives
-- the name from the call site ('?' for pcall(f, ...)), which is not visible
-- from inside the coroutine.
local yield, wrap = coroutine.yield, coroutine.wrap
local pcall, error, rawset, type, format, tonumber, tostring =
    pcall, error, rawset, type, string.format, tonumber, tostring

local M = {}

-- Register impl as lib[name], a C function with the semantics above.
local function cfunction(lib, name, impl)
  local loop
  local function finish(ok, ...)
    if ok then
      -- every call is a tail call, so the coroutine's stack stays flat
      return loop(yield(...))
    end
    rawset(lib, name, cfunction(lib, name, impl))
    error((...), 0)
  end
  loop = function(...) return finish(pcall(impl, ...)) end
  local f = wrap(loop)
  rawset(lib, name, f)
  return f
end
M.cfunction = cfunction

-- luaL_argerror's text: "bad argument #n to 'name' (msg)".
function M.argerror(name, n, msg)
  error(format("bad argument #%d to '%s' (%s)", n, name, msg), 0)
end

-- luaL_typerror's text; `got` is luaL_typename of the argument ("no value"
-- when it is absent).
function M.typeerror(name, n, expected, nargs, value)
  local got = n > nargs and "no value" or type(value)
  error(format("bad argument #%d to '%s' (%s expected, got %s)", n, name, expected, got), 0)
end

-- luaL_checknumber: numbers and numeric strings (converted), else a type error.
function M.checknumber(name, n, nargs, v)
  local x = tonumber(v)
  if x == nil then M.typeerror(name, n, "number", nargs, v) end
  return x
end

-- luaL_checklstring: strings and numbers (converted with %.14g), else an error.
function M.checkstring(name, n, nargs, v)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return tostring(v) end
  M.typeerror(name, n, "string", nargs, v)
end

return M
