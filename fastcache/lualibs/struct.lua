-- struct: binary packing for Redis scripts (Roberto Ierusalimschy's struct
-- library as bundled with Redis 7.0), written in Lua for fastcache.
--
-- Formats (x86-64 sizes): > < big/little endian, ![n] max alignment (default
-- 8, must be a power of 2), x pad byte, b/B char, h/H short (2), l/L long (8),
-- T size_t (8), i/I[n] int of n bytes (default 4, at most 32), f float,
-- d double, c[n] n chars (pack: c0 = whole string; unpack: c0 = length from the
-- previous number), s zero-terminated string, ' ' ignored.  The default is
-- little endian with alignment 1.  Quirks kept: integers wider than 8 bytes
-- pack the 64-bit value zero-extended; fractional values truncate toward
-- zero; "string too short" names the argument after the string; unpack's
-- optional third argument is a 1-based start offset and the last result is
-- the next offset.
local H, F = ...
local cfunction, argerror = H.cfunction, H.argerror
local select, type, tonumber, error, unpack = select, type, tonumber, error, unpack
local floor, huge = math.floor, math.huge
local byte, char, sub, find, format, rep, reverse =
    string.byte, string.char, string.sub, string.find, string.format, string.rep, string.reverse
local concat = table.concat
local double_be, float_be, be_double, be_float = F.double_be, F.float_be, F.be_double, F.be_float

local MAXINTSIZE, MAXALIGN, INT_MAX = 32, 8, 2147483647
local TWO32, TWO64 = 4294967296, 18446744073709551616

local SIZES = { b = 1, B = 1, h = 2, H = 2, l = 8, L = 8, T = 8, f = 4, d = 8, x = 1 }

-- getnum(): a decimal count after an option, or df.
local function getnum(fmt, i, df)
  local _, e = find(fmt, '^%d+', i)
  if not e then return df, i end
  local a = 0
  for k = i, e do
    local d = byte(fmt, k) - 48
    if a > floor(INT_MAX / 10) or a * 10 > INT_MAX - d then
      error('integral size overflow', 0)
    end
    a = a * 10 + d
  end
  return a, e + 1
end

-- optsize(): the size of option opt and the position after its count.
local function optsize(opt, fmt, i)
  local sz = SIZES[opt]
  if sz then return sz, i end
  if opt == 'c' then return getnum(fmt, i, 1) end
  if opt == 'i' or opt == 'I' then
    local n, j = getnum(fmt, i, 4)
    if n > MAXINTSIZE then
      error(format('integral size %d is larger than limit of %d', n, MAXINTSIZE), 0)
    end
    return n, j
  end
  return 0, i
end

-- a & b for 0 <= b < 64 (a >= 0)
local function band_small(a, b)
  local r, p = 0, 1
  a = a % 64
  while b > 0 do
    if a % 2 == 1 and b % 2 == 1 then r = r + p end
    a, b, p = floor(a / 2), floor(b / 2), p * 2
  end
  return r
end

-- (size - (len & (size - 1))) & (size - 1), computed bitwise as the C code
-- does: for sizes that are not powers of 2 (i3, i5...) it is not a modulo.
local function gettoalign(len, align, opt, size)
  if size == 0 or opt == 'c' then return 0 end
  if size > align then size = align end
  return band_small(size - band_small(len, size - 1), size - 1)
end

-- controloptions(): endianness, alignment, spaces; anything else is invalid.
local function control(name, opt, fmt, i, st)
  if opt == ' ' then return i end
  if opt == '>' then st.little = false; return i end
  if opt == '<' then st.little = true; return i end
  if opt == '!' then
    local a, j = getnum(fmt, i, MAXALIGN)
    local p = 1
    while p < a do p = p * 2 end
    if a <= 0 or p ~= a then error(format('alignment %d is not a power of 2', a), 0) end
    st.align = a
    return j
  end
  argerror(name, 1, format("invalid format option '%s'", opt))
end

-- The format string stops at its first NUL, as a C string does.
local function cformat(name, nargs, fmt)
  fmt = H.checkstring(name, 1, nargs, fmt)
  local z = find(fmt, '\0', 1, true)
  if z then fmt = sub(fmt, 1, z - 1) end
  return fmt
end

-- putinteger(): size bytes of the C conversion of n.
local function int_bytes(n, size, little)
  if n ~= n then
    n = -9223372036854775808  -- x86: NaN converts to the "integer indefinite" 2^63
  elseif n < 0 then
    -- (uint64)(int64)n; below -2^63 the x86 conversion yields INT64_MIN
    n = -floor(-n)
    if n < -9223372036854775808 then n = -9223372036854775808 end
  else
    n = floor(n)
    if n >= TWO64 then n = 0 end  -- x86: out-of-range unsigned conversion
  end
  local hi = floor(n / TWO32)
  local lo = n - hi * TWO32
  if hi < 0 then hi = hi + TWO32 end
  local out = {}
  for k = 1, size do
    if k <= 4 then out[k] = lo % 256; lo = floor(lo / 256)
    elseif k <= 8 then out[k] = hi % 256; hi = floor(hi / 256)
    else out[k] = 0 end
  end
  local s = char(unpack(out, 1, size))
  if not little then s = reverse(s) end
  return s
end

local function pack(...)
  local nargs = select('#', ...)
  local fmt = cformat('pack', nargs, (...))
  -- b_pack pushes a nil after its arguments, so a missing value argument is
  -- reported as "got nil", not "got no value"
  nargs = nargs + 1
  local st = { little = true, align = 1 }
  local out, n = {}, 0
  local arg = 2
  local total = 0
  local i, flen = 1, #fmt
  while i <= flen do
    local opt = sub(fmt, i, i)
    i = i + 1
    local size
    size, i = optsize(opt, fmt, i)
    local toalign = gettoalign(total, st.align, opt, size)
    total = total + toalign
    if toalign > 0 then n = n + 1; out[n] = rep('\0', toalign) end
    if opt == 'b' or opt == 'B' or opt == 'h' or opt == 'H' or opt == 'l' or opt == 'L'
        or opt == 'T' or opt == 'i' or opt == 'I' then
      local v = H.checknumber('pack', arg, nargs, (select(arg, ...)))
      arg = arg + 1
      n = n + 1; out[n] = int_bytes(v, size, st.little)
    elseif opt == 'x' then
      n = n + 1; out[n] = '\0'
    elseif opt == 'f' or opt == 'd' then
      local v = H.checknumber('pack', arg, nargs, (select(arg, ...)))
      arg = arg + 1
      local s = opt == 'f' and float_be(v) or double_be(v)
      if st.little then s = reverse(s) end
      n = n + 1; out[n] = s
    elseif opt == 'c' or opt == 's' then
      local s = H.checkstring('pack', arg, nargs, (select(arg, ...)))
      arg = arg + 1
      local l = #s
      if size == 0 then size = l end
      -- sic: the C code checks after arg++ and so names the next argument
      if l < size then argerror('pack', arg, 'string too short') end
      n = n + 1; out[n] = sub(s, 1, size)
      if opt == 's' then
        n = n + 1; out[n] = '\0'
        size = size + 1
      end
    else
      i = control('pack', opt, fmt, i, st)
    end
    total = total + size
  end
  return concat(out, '', 1, n)
end

-- getinteger(): the bytes as a C lua_Number (only the last 8 bytes read count).
local function get_int(data, pos, size, little, signed)
  local bytes = { byte(data, pos, pos + size - 1) }
  if little then
    local r = {}
    for k = 1, size do r[k] = bytes[size + 1 - k] end
    bytes = r
  end
  -- bytes is big-endian now; keep the low 64 bits
  local hi, lo = 0, 0
  local first = size > 8 and size - 7 or 1
  for k = first, size do
    hi = (hi % 16777216) * 256 + floor(lo / 16777216)
    lo = (lo % 16777216) * 256 + bytes[k]
  end
  if signed then
    -- mask = ~0 << (size*8 - 1) (the shift count taken modulo 64, as x86 does)
    local shift = (size * 8 - 1) % 64
    -- is any bit at or above `shift` set?  then set them all
    local neg
    if shift >= 32 then
      neg = hi >= 2 ^ (shift - 32)
      if neg then hi = (hi % 2 ^ (shift - 32)) + (TWO32 - 2 ^ (shift - 32)) end
    else
      neg = hi > 0 or lo >= 2 ^ shift
      if neg then hi = TWO32 - 1; lo = (lo % 2 ^ shift) + (TWO32 - 2 ^ shift) end
    end
    if hi >= 2147483648 then hi = hi - TWO32 end
  end
  return hi * TWO32 + lo
end

local function unpack_(...)
  local nargs = select('#', ...)
  local fmt, data, init = ...
  fmt = cformat('unpack', nargs, fmt)
  data = H.checkstring('unpack', 2, nargs, data)
  local ld = #data
  local pos = 1
  if init ~= nil then
    pos = H.checknumber('unpack', 3, nargs, init)
    pos = pos >= 0 and floor(pos) or -floor(-pos)
  end
  -- size_t: a negative offset wraps to a huge one and fails the length check
  if pos == 0 then argerror('unpack', 3, 'offset must be 1 or greater') end
  if pos < 0 then pos = huge end
  pos = pos - 1  -- 0-based from here on
  local st = { little = true, align = 1 }
  local res, n = {}, 0
  local i, flen = 1, #fmt
  while i <= flen do
    local opt = sub(fmt, i, i)
    i = i + 1
    local size
    size, i = optsize(opt, fmt, i)
    pos = pos + gettoalign(pos, st.align, opt, size)
    if not (size <= ld and pos <= ld - size) then argerror('unpack', 2, 'data string too short') end
    -- luaL_checkstack(L, 2): the arguments and the results so far are on the stack
    if nargs + n + 2 > 8000 then error('stack overflow (too many results)', 0) end
    if opt == 'b' or opt == 'B' or opt == 'h' or opt == 'H' or opt == 'l' or opt == 'L'
        or opt == 'T' or opt == 'i' or opt == 'I' then
      n = n + 1
      res[n] = get_int(data, pos + 1, size, st.little, opt == 'b' or opt == 'h' or opt == 'l' or opt == 'i')
    elseif opt == 'x' then
      -- padding: nothing to return
    elseif opt == 'f' or opt == 'd' then
      local s = sub(data, pos + 1, pos + size)
      if st.little then s = reverse(s) end
      n = n + 1
      res[n] = opt == 'f' and be_float(s, 1) or be_double(s, 1)
    elseif opt == 'c' then
      if size == 0 then
        if n == 0 or type(res[n]) ~= 'number' and not tonumber(res[n]) then
          error("format 'c0' needs a previous size", 0)
        end
        size = tonumber(res[n])
        size = size >= 0 and floor(size) or huge
        n = n - 1
        if not (size <= ld and pos <= ld - size) then argerror('unpack', 2, 'data string too short') end
      end
      n = n + 1; res[n] = sub(data, pos + 1, pos + size)
    elseif opt == 's' then
      local e = find(data, '\0', pos + 1, true)
      if not e then error('unfinished string in data', 0) end
      size = e - pos
      n = n + 1; res[n] = sub(data, pos + 1, e - 1)
    else
      i = control('unpack', opt, fmt, i, st)
    end
    pos = pos + size
  end
  n = n + 1; res[n] = pos + 1
  -- unpack() returns at most 7997 values from a C frame
  if n <= 7997 then return unpack(res, 1, n) end
  return res[1], res[2], unpack(res, 3, n)
end

local function size(...)
  local nargs = select('#', ...)
  local fmt = cformat('size', nargs, (...))
  local st = { little = true, align = 1 }
  local pos = 0
  local i, flen = 1, #fmt
  while i <= flen do
    local opt = sub(fmt, i, i)
    i = i + 1
    local sz
    sz, i = optsize(opt, fmt, i)
    pos = pos + gettoalign(pos, st.align, opt, sz)
    if opt == 's' then argerror('size', 1, "option 's' has no fixed size")
    elseif opt == 'c' and sz == 0 then argerror('size', 1, "option 'c0' has no fixed size") end
    if not find(opt, '^%w') then i = control('size', opt, fmt, i, st) end
    pos = pos + sz
  end
  return pos
end

local M = { pack = false, unpack = false, size = false }
cfunction(M, 'pack', pack)
cfunction(M, 'unpack', unpack_)
cfunction(M, 'size', size)
return M
