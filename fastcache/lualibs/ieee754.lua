-- IEEE 754 byte codecs shared by cmsgpack and struct (big-endian strings).
--
-- Pure Lua cannot see a NaN's sign or payload, so NaNs go through the two
-- Python helpers passed in by install() (struct.pack/unpack keep every bit;
-- the bits travel as two 32-bit words so no string decoding is involved);
-- everything else is exact arithmetic on doubles.  float() conversion
-- rounds to nearest-even and overflows to infinity, like a C (float) cast.
local py_pack_double, py_pack_float, py_unpack_double, py_unpack_float = ...
local frexp, ldexp, floor, huge = math.frexp, math.ldexp, math.floor, math.huge
local char, byte = string.char, string.byte

local M = {}

local function u32_be(v)
  return char(floor(v / 16777216) % 256, floor(v / 65536) % 256, floor(v / 256) % 256, v % 256)
end
M.u32_be = u32_be

-- The 8 big-endian bytes of double x.
function M.double_be(x)
  if x ~= x then return py_pack_double(x) end
  local sign = 0
  if x < 0 or (x == 0 and 1 / x < 0) then sign = 2147483648; x = -x end
  local e, m
  if x == huge then
    e, m = 2047, 0
  elseif x == 0 then
    e, m = 0, 0
  else
    local f, ex = frexp(x)          -- x = f * 2^ex, 0.5 <= f < 1
    if ex >= -1021 then             -- normal: exponent field ex + 1022
      e, m = ex + 1022, (f * 2 - 1) * 4503599627370496
    else                            -- subnormal: x = m * 2^-1074
      e, m = 0, ldexp(x, 1074)
    end
  end
  local hi = sign + e * 1048576 + floor(m / 4294967296)
  return u32_be(hi) .. u32_be(m % 4294967296)
end

local function round_even(m)
  local fl = floor(m)
  local d = m - fl
  if d > 0.5 or (d == 0.5 and fl % 2 == 1) then return fl + 1 end
  return fl
end

-- The 32-bit pattern of (float)x as a number (x not NaN).
local function float_bits(x)
  local sign = 0
  if x < 0 or (x == 0 and 1 / x < 0) then sign = 2147483648; x = -x end
  if x == huge then return sign + 2139095040 end
  if x == 0 then return sign end
  local f, ex = frexp(x)
  if ex - 1 >= -126 then
    local r = round_even(f * 16777216)  -- 24 significant bits
    if r == 16777216 then r = 8388608; ex = ex + 1 end
    if ex - 1 > 127 then return sign + 2139095040 end  -- overflow: infinity
    return sign + (ex + 126) * 8388608 + (r - 8388608)
  end
  -- subnormal float (a carry into 2^23 yields the smallest normal's bits)
  return sign + round_even(ldexp(x, 149))
end

-- The 4 big-endian bytes of (float)x.
function M.float_be(x)
  if x ~= x then return py_pack_float(x) end
  return u32_be(float_bits(x))
end

-- (double)(float)x == x
function M.float_exact(x)
  if x ~= x then return false end
  if x == huge or x == -huge or x == 0 then return true end
  local ax = x < 0 and -x or x
  local f, ex = frexp(ax)
  if ex - 1 > 127 then return false end
  if ex - 1 >= -126 then
    local m = f * 16777216
    return m == floor(m)
  end
  local m = ldexp(ax, 149)
  return m == floor(m)
end

-- The double in big-endian bytes s[i..i+7].
function M.be_double(s, i)
  local b1, b2, b3, b4, b5, b6, b7, b8 = byte(s, i, i + 7)
  local e = (b1 % 128) * 16 + floor(b2 / 16)
  local m = ((b2 % 16) * 65536 + b3 * 256 + b4) * 4294967296
            + ((b5 * 256 + b6) * 256 + b7) * 256 + b8
  local x
  if e == 2047 then
    if m ~= 0 then
      return (py_unpack_double(((b1 * 256 + b2) * 256 + b3) * 256 + b4, ((b5 * 256 + b6) * 256 + b7) * 256 + b8))
    end
    x = huge
  elseif e == 0 then
    x = ldexp(m, -1074)
  else
    x = ldexp(m + 4503599627370496, e - 1075)
  end
  if b1 >= 128 then return -x end
  return x
end

-- The float in big-endian bytes s[i..i+3], as a double.
function M.be_float(s, i)
  local b1, b2, b3, b4 = byte(s, i, i + 3)
  local e = (b1 % 128) * 2 + floor(b2 / 128)
  local m = (b2 % 128) * 65536 + b3 * 256 + b4
  local x
  if e == 255 then
    if m ~= 0 then return (py_unpack_float(((b1 * 256 + b2) * 256 + b3) * 256 + b4)) end
    x = huge
  elseif e == 0 then
    x = ldexp(m, -149)
  else
    x = ldexp(m + 8388608, e - 150)
  end
  if b1 >= 128 then return -x end
  return x
end

return M
