-- cmsgpack: MessagePack for Redis scripts (lua-cmsgpack 0.4.0 semantics, as
-- bundled with Redis 7.0), written in Lua for fastcache.
--
-- Facts reproduced from the reference server:
--  * integers (doubles equal to an int64) take the smallest encoding:
--    fixnum, uint8..uint64 for >= 0, int8..int64 for < 0; -0 packs as 0;
--  * other numbers are float32 (0xca) when (float)x == x, else float64;
--  * strings: fixstr < 32 bytes, then str8 (0xd9), str16, str32;
--  * a table is an array when its keys are exactly 1..n (n = #t, an empty
--    table is an empty array), otherwise a map in next() order; tables nested
--    16 deep, functions, userdata (cjson.null too) and threads pack as nil;
--  * unpack returns every value, unpack_one/unpack_limit return the next
--    offset first (-1 at the end); uint64 values >= 2^63 come back negative
--    (the C code pushes them through a signed lua_Integer);
--  * bin/ext types are "Bad data format in input."; a map with a nil or NaN
--    key raises Lua's own "table index is nil"/"table index is NaN".
local H, F = ...
local cfunction, argerror, typeerror = H.cfunction, H.argerror, H.typeerror
local type, next, rawset, error, select, unpack, tostring =
    type, next, rawset, error, select, unpack, tostring
local floor, huge = math.floor, math.huge
local byte, char, sub, format = string.byte, string.char, string.sub, string.format
local concat = table.concat
local u32_be, double_be, float_be, float_exact, be_double, be_float =
    F.u32_be, F.double_be, F.float_be, F.float_exact, F.be_double, F.be_float

local MAX_NESTING = 16
local TWO32 = 4294967296

local M = {}

---------------------------------------------------------------- packing
local buf, n

local function put_int(x)
  if x >= 0 then
    if x <= 127 then n = n + 1; buf[n] = char(x)
    elseif x <= 0xff then n = n + 1; buf[n] = char(0xcc, x)
    elseif x <= 0xffff then n = n + 1; buf[n] = char(0xcd, floor(x / 256), x % 256)
    elseif x <= 0xffffffff then n = n + 1; buf[n] = '\206' .. u32_be(x)
    else n = n + 1; buf[n] = '\207' .. u32_be(floor(x / TWO32)) .. u32_be(x % TWO32)
    end
  else
    if x >= -32 then n = n + 1; buf[n] = char(x + 256)
    elseif x >= -128 then n = n + 1; buf[n] = char(0xd0, x + 256)
    elseif x >= -32768 then
      local u = x + 65536
      n = n + 1; buf[n] = char(0xd1, floor(u / 256), u % 256)
    elseif x >= -2147483648 then n = n + 1; buf[n] = '\210' .. u32_be(x + TWO32)
    else
      local hi = floor(x / TWO32)  -- exact: x is an integer, TWO32 a power of 2
      n = n + 1; buf[n] = '\211' .. u32_be(hi + TWO32) .. u32_be(x - hi * TWO32)
    end
  end
end

local function put_number(x)
  -- IS_INT64_EQUIVALENT: finite and (int64_t)x == x
  if x == floor(x) and x >= -9223372036854775808 and x < 9223372036854775808 then
    put_int(x)
  elseif float_exact(x) then
    n = n + 1; buf[n] = '\202' .. float_be(x)
  else
    n = n + 1; buf[n] = '\203' .. double_be(x)
  end
end

local function put_string(s)
  local len = #s
  local hdr
  if len < 32 then hdr = char(0xa0 + len)
  elseif len <= 0xff then hdr = char(0xd9, len)
  elseif len <= 0xffff then hdr = char(0xda, floor(len / 256), len % 256)
  else hdr = '\219' .. u32_be(len)
  end
  n = n + 1; buf[n] = hdr
  n = n + 1; buf[n] = s
end

local function put_header(len, fix, h16, h32)
  if len <= 15 then n = n + 1; buf[n] = char(fix + len)
  elseif len <= 0xffff then n = n + 1; buf[n] = char(h16, floor(len / 256), len % 256)
  else n = n + 1; buf[n] = char(h32) .. u32_be(len)
  end
end

local put_value
put_value = function(v, level)
  local t = type(v)
  if t == 'table' and level == MAX_NESTING then t = 'nil' end
  if t == 'string' then put_string(v)
  elseif t == 'number' then put_number(v)
  elseif t == 'boolean' then n = n + 1; buf[n] = v and '\195' or '\194'
  elseif t == 'table' then
    -- table_is_an_array(): every key an int-equivalent number > 0 and the
    -- largest equal to the count
    local count, max, is_array = 0, 0, true
    for k in next, v do
      if type(k) ~= 'number' or k <= 0 or k ~= floor(k) or k > 2147483647 then
        is_array = false
        break
      end
      if k > max then max = k end
      count = count + 1
    end
    if is_array and max == count then
      local len = #v
      put_header(len, 0x90, 0xdc, 0xdd)
      for j = 1, len do put_value(v[j], level + 1) end
    else
      count = 0
      for _ in next, v do count = count + 1 end
      put_header(count, 0x80, 0xde, 0xdf)
      for k, val in next, v do
        put_value(k, level + 1)
        put_value(val, level + 1)
      end
    end
  else
    n = n + 1; buf[n] = '\192'
  end
end

local function pack(...)
  local nargs = select('#', ...)
  if nargs == 0 then argerror('pack', 0, 'MessagePack pack needs input.') end
  buf, n = {}, 0
  for i = 1, nargs do
    put_value((select(i, ...)), 0)
  end
  local s = concat(buf, '', 1, n)
  buf = nil
  return s
end

---------------------------------------------------------------- unpacking
local EOF, BADFMT = 'Missing bytes in input.', 'Bad data format in input.'
local s, pos, last  -- input, next byte (1-based), index of its last byte

local function need(k)
  if pos + k - 1 > last then error(EOF, 0) end
end

local function u16(i) local a, b = byte(s, i, i + 1); return a * 256 + b end
local function u32(i)
  local a, b, c, d = byte(s, i, i + 3)
  return ((a * 256 + b) * 256 + c) * 256 + d
end

local get_value

-- The C decoder keeps every value it builds on the Lua stack and checks the
-- C-function stack limit (LUAI_MAXCSTACK, 8000 slots) as it goes; `sl` is the
-- number of slots in use when a value starts, so deep nesting and long
-- streams fail exactly where Redis's do, with its messages.
local MAXCSTACK = 8000
local TOO_MANY = 'stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)'

local function get_array(len, sl)
  local t = {}
  -- the table, then luaL_checkstack(L, 1) for the index
  if sl + 2 > MAXCSTACK then error('stack overflow (in function mp_decode_to_lua_array)', 0) end
  for i = 1, len do
    t[i] = get_value(sl + 2)  -- table and index below the value
  end
  return t
end

local function get_map(len, sl)
  local t = {}
  for _ = 1, len do
    local k = get_value(sl + 1)
    local v = get_value(sl + 2)
    -- lua_settable's own errors (raised without a position in C)
    if k == nil then error('table index is nil', 0) end
    if k ~= k then error('table index is NaN', 0) end
    t[k] = v
  end
  return t
end

local function get_str(hlen, len)
  need(hlen + len)
  local v = sub(s, pos + hlen, pos + hlen + len - 1)
  pos = pos + hlen + len
  return v
end

get_value = function(sl)
  need(1)
  if sl + 1 > MAXCSTACK then error(TOO_MANY, 0) end
  local c = byte(s, pos)
  if c <= 0x7f then pos = pos + 1; return c end                 -- positive fixnum
  if c >= 0xe0 then pos = pos + 1; return c - 256 end           -- negative fixnum
  if c >= 0xa0 and c <= 0xbf then return get_str(1, c - 0xa0) end  -- fixstr
  if c >= 0x90 and c <= 0x9f then pos = pos + 1; return get_array(c - 0x90, sl) end
  if c >= 0x80 and c <= 0x8f then pos = pos + 1; return get_map(c - 0x80, sl) end
  if c == 0xc0 then pos = pos + 1; return nil end
  if c == 0xc2 then pos = pos + 1; return false end
  if c == 0xc3 then pos = pos + 1; return true end
  if c == 0xcc then need(2); pos = pos + 2; return byte(s, pos - 1) end
  if c == 0xd0 then
    need(2); pos = pos + 2
    local v = byte(s, pos - 1)
    return v >= 128 and v - 256 or v
  end
  if c == 0xcd then need(3); pos = pos + 3; return u16(pos - 2) end
  if c == 0xd1 then
    need(3); pos = pos + 3
    local v = u16(pos - 2)
    return v >= 32768 and v - 65536 or v
  end
  if c == 0xce then need(5); pos = pos + 5; return u32(pos - 4) end
  if c == 0xd2 then
    need(5); pos = pos + 5
    local v = u32(pos - 4)
    return v >= 2147483648 and v - TWO32 or v
  end
  if c == 0xcf or c == 0xd3 then
    -- both are read as a signed 64-bit integer and converted to a double
    need(9); pos = pos + 9
    local hi, lo = u32(pos - 8), u32(pos - 4)
    if hi >= 2147483648 then hi = hi - TWO32 end
    return hi * TWO32 + lo
  end
  if c == 0xca then need(5); pos = pos + 5; return be_float(s, pos - 4) end
  if c == 0xcb then need(9); pos = pos + 9; return be_double(s, pos - 8) end
  if c == 0xd9 then need(2); return get_str(2, byte(s, pos + 1)) end
  if c == 0xda then need(3); return get_str(3, u16(pos + 1)) end
  if c == 0xdb then need(5); return get_str(5, u32(pos + 1)) end
  if c == 0xdc then need(3); local l = u16(pos + 1); pos = pos + 3; return get_array(l, sl) end
  if c == 0xdd then need(5); local l = u32(pos + 1); pos = pos + 5; return get_array(l, sl) end
  if c == 0xde then need(3); local l = u16(pos + 1); pos = pos + 3; return get_map(l, sl) end
  if c == 0xdf then need(5); local l = u32(pos + 1); pos = pos + 5; return get_map(l, sl) end
  error(BADFMT, 0)
end

-- C's (int) of a lua_Integer: truncate toward zero, keep the low 32 bits.
local function c_int(x)
  x = x >= 0 and floor(x) or -floor(-x)
  if x ~= x or x == huge or x == -huge then return -2147483648 end
  x = x % TWO32
  if x >= 2147483648 then x = x - TWO32 end
  return x
end

-- luaL_checkinteger / luaL_optinteger
local function check_integer(name, idx, nargs, v, default)
  if default ~= nil and v == nil then return default end
  return c_int(H.checknumber(name, idx, nargs, v))
end

-- unpack() returns at most 7997 values from a C frame; the C decoder returns
-- up to 7999, so larger counts put their first values in front explicitly.
local function results(out, cnt)
  if cnt <= 7997 then return unpack(out, 1, cnt) end
  return out[1], out[2], unpack(out, 3, cnt)
end

local function unpack_full(name, nargs, input, limit, offset)
  local str = H.checkstring(name, 1, nargs, input)
  local len = #str
  local decode_all = limit == 0 and offset == 0
  if offset < 0 or limit < 0 then
    -- sic: lua-cmsgpack prints the input length as the "limit"
    error(format('Invalid request to unpack with offset of %d and limit of %d.', offset, len), 0)
  elseif offset > len then
    error(format('Start offset %d greater than input length %d.', offset, len), 0)
  end
  if decode_all then limit = 2147483647 end
  s, pos, last = str, offset + 1, len
  local out, cnt = {}, 0
  while pos <= last and cnt < limit do
    -- the input string and the values decoded so far are on the C stack:
    -- get_value(1 + values so far)
    cnt = cnt + 1
    out[cnt] = get_value(cnt)
  end
  s = nil
  if not decode_all then
    -- luaL_checkstack for the offset
    if 1 + cnt + 1 > MAXCSTACK then error('stack overflow (in function mp_unpack_full)', 0) end
    local off = (pos > last) and -1 or (pos - 1)
    if cnt <= 7997 then return off, unpack(out, 1, cnt) end
    return off, out[1], unpack(out, 2, cnt)
  end
  return results(out, cnt)
end

local function unpack_all(...)
  return unpack_full('unpack', select('#', ...), (...), 0, 0)
end

local function unpack_one(...)
  local nargs = select('#', ...)
  local input, offset = ...
  offset = check_integer('unpack_one', 2, nargs, offset, 0)
  return unpack_full('unpack_one', nargs, input, 1, offset)
end

local function unpack_limit(...)
  local nargs = select('#', ...)
  local input, limit, offset = ...
  limit = check_integer('unpack_limit', 2, nargs, limit)
  offset = check_integer('unpack_limit', 3, nargs, offset, 0)
  return unpack_full('unpack_limit', nargs, input, limit, offset)
end

-- Registration order as lua-cmsgpack's (pairs(cmsgpack) order).
cfunction(M, 'pack', pack)
cfunction(M, 'unpack', unpack_all)
cfunction(M, 'unpack_one', unpack_one)
cfunction(M, 'unpack_limit', unpack_limit)
M._NAME = 'cmsgpack'
M._VERSION = 'lua-cmsgpack 0.4.0'
M._COPYRIGHT = 'Copyright (C) 2012, Salvatore Sanfilippo'
M._DESCRIPTION = 'MessagePack C implementation for Lua'
return M
