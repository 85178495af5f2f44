-- bit: LuaBitOp 1.0.2 semantics (the "bit" global of Redis scripts), in Lua.
--
-- Every operation works on 32-bit values and returns a *signed* 32-bit
-- result (bit.tohex(-1) is "ffffffff", bit.bnot(0) is -1).  Arguments are
-- normalised like LuaBitOp does on doubles: add 2^52+2^51 and keep the low 32
-- bits of the mantissa, so fractions round to nearest-even (tobit(2.5) is 2),
-- values wrap modulo 2^32 and NaN/Inf become 0.  Numeric strings are
-- accepted; anything else is "bad argument #n to 'f' (number expected, got T)".
-- AND/OR/XOR combine bytes through 256x256 lookup tables built on first use.
local H = ...
local cfunction, typeerror = H.cfunction, H.typeerror
local tonumber, type, select = tonumber, type, select
local floor, frexp = math.floor, math.frexp
local sub, concat = string.sub, table.concat

local TWO32, TWO31 = 4294967296, 2147483648
local MAGIC = 6755399441055744  -- 2^52 + 2^51

-- barg(): the unsigned 32-bit value of argument idx.
local function barg(name, idx, nargs, v)
  local x = tonumber(v)
  if x == nil or (type(v) ~= 'number' and type(v) ~= 'string') then
    typeerror(name, idx, 'number', nargs, v)
  end
  local y = x + MAGIC
  if y >= 4503599627370496 and y < 9007199254740992 then
    return y % TWO32  -- the usual case: y's mantissa is y itself
  end
  if y ~= y or y == 1 / 0 or y == -1 / 0 or y == 0 then return 0 end
  -- |x| >= 2^51: the low 32 bits of y's 52-bit mantissa field
  local m = frexp(y)
  if m < 0 then m = -m end
  return (m * 9007199254740992) % TWO32
end

local function signed(b)
  if b >= TWO31 then return b - TWO32 end
  return b
end

-- XOR of two bytes, index a * 256 + b + 1: built on first use from a 16x16
-- nibble table (a few milliseconds, once per runtime).
local XOR8
local function tables()
  local nib = {}
  for a = 0, 15 do
    for b = 0, 15 do
      local r, p, x, y = 0, 1, a, b
      for _ = 1, 4 do
        if x % 2 ~= y % 2 then r = r + p end
        x, y, p = floor(x / 2), floor(y / 2), p * 2
      end
      nib[a * 16 + b + 1] = r
    end
  end
  local t, i = {}, 1
  for ah = 0, 15 do
    for al = 0, 15 do
      for bh = 0, 15 do
        local hi = nib[ah * 16 + bh + 1] * 16
        local base = al * 16 + 1
        for bl = 0, 15 do
          t[i] = hi + nib[base + bl]
          i = i + 1
        end
      end
    end
  end
  XOR8 = t
end

local function bxor2(a, b)
  if not XOR8 then tables() end
  local t = XOR8
  local a1, b1 = a % 256, b % 256
  a, b = (a - a1) / 256, (b - b1) / 256
  local a2, b2 = a % 256, b % 256
  a, b = (a - a2) / 256, (b - b2) / 256
  local a3, b3 = a % 256, b % 256
  a, b = (a - a3) / 256, (b - b3) / 256
  return t[a1 * 256 + b1 + 1] + t[a2 * 256 + b2 + 1] * 256
       + t[a3 * 256 + b3 + 1] * 65536 + t[a * 256 + b + 1] * 16777216
end
-- a & b = (a + b - (a ^ b)) / 2 and a | b = (a + b + (a ^ b)) / 2
local function band2(a, b) return (a + b - bxor2(a, b)) / 2 end
local function bor2(a, b) return (a + b + bxor2(a, b)) / 2 end

local function tobit(...)
  return signed(barg('tobit', 1, select('#', ...), (...)))
end

local function bnot(...)
  return signed(TWO32 - 1 - barg('bnot', 1, select('#', ...), (...)))
end

-- band/bor/bxor: argument 1 first, then from the last down to 2 (LuaBitOp's
-- loop order, which decides which bad argument is reported).
local function fold(name, op)
  return function(...)
    local nargs = select('#', ...)
    local b = barg(name, 1, nargs, (...))
    for i = nargs, 2, -1 do
      b = op(b, barg(name, i, nargs, (select(i, ...))))
    end
    return signed(b)
  end
end

local function shift_args(name, ...)
  local nargs = select('#', ...)
  local x, n = ...
  local b = barg(name, 1, nargs, x)
  return b, barg(name, 2, nargs, n) % 32
end

local function lshift(...)
  local b, n = shift_args('lshift', ...)
  return signed((b % 2 ^ (32 - n)) * 2 ^ n)
end

local function rshift(...)
  local b, n = shift_args('rshift', ...)
  return signed(floor(b / 2 ^ n))
end

local function arshift(...)
  local b, n = shift_args('arshift', ...)
  return floor(signed(b) / 2 ^ n)
end

local function rol(...)
  local b, n = shift_args('rol', ...)
  return signed((b % 2 ^ (32 - n)) * 2 ^ n + floor(b / 2 ^ (32 - n)))
end

local function ror(...)
  local b, n = shift_args('ror', ...)
  return signed(floor(b / 2 ^ n) + (b % 2 ^ n) * 2 ^ (32 - n))
end

local function bswap(...)
  local b = barg('bswap', 1, select('#', ...), (...))
  local b1 = b % 256
  local b2 = floor(b / 256) % 256
  local b3 = floor(b / 65536) % 256
  local b4 = floor(b / 16777216)
  return signed(((b1 * 256 + b2) * 256 + b3) * 256 + b4)
end

local LOWER, UPPER = '0123456789abcdef', '0123456789ABCDEF'
local function tohex(...)
  local nargs = select('#', ...)
  local x, n = ...
  local b = barg('tohex', 1, nargs, x)
  -- an absent width is 8; an explicit nil is a bad argument
  local w = nargs < 2 and 8 or signed(barg('tohex', 2, nargs, n))
  local digits = LOWER
  if w < 0 then w = -w; digits = UPPER end
  if w > 8 then w = 8 end
  local out = {}
  for i = w, 1, -1 do
    local d = b % 16
    out[i] = sub(digits, d + 1, d + 1)
    b = (b - d) / 16
  end
  return concat(out, '', 1, w)
end

-- luaL_register's table: preallocated hash part, functions in LuaBitOp's
-- order (the constructor gives the same pairs() order).
local M = {
  tobit = false, bnot = false, band = false, bor = false, bxor = false, lshift = false,
  rshift = false, arshift = false, rol = false, ror = false, bswap = false, tohex = false,
}
cfunction(M, 'tobit', tobit)
cfunction(M, 'bnot', bnot)
cfunction(M, 'band', fold('band', band2))
cfunction(M, 'bor', fold('bor', bor2))
cfunction(M, 'bxor', fold('bxor', bxor2))
cfunction(M, 'lshift', lshift)
cfunction(M, 'rshift', rshift)
cfunction(M, 'arshift', arshift)
cfunction(M, 'rol', rol)
cfunction(M, 'ror', ror)
cfunction(M, 'bswap', bswap)
cfunction(M, 'tohex', tohex)
return M
