-- cjson: the JSON library Redis 7.0 gives scripts (lua-cjson 2.1.0 semantics),
-- written in Lua for fastcache.
--
-- Facts reproduced from the reference (redis-server 7.0.15):
--  * numbers are written with "%.<precision>g" (precision 14 by default), so
--    -0 is "-0" and 1e20 is "1e+20"; NaN/Inf are an error unless
--    encode_invalid_numbers says otherwise;
--  * strings escape '"', '\', '/', \b \f \n \r \t, other bytes below 0x20 and
--    0x7f as \u00XX; bytes >= 0x80 pass through untouched;
--  * a table is an array when every key is an integer >= 1; an empty table
--    is "{}"; holes encode as null; a table whose largest index exceeds both
--    `safe` (10) and `ratio` (2) times its item count is "excessively sparse";
--  * object key order is Lua's own traversal order (next()), which is the
--    same as Redis's because both run Lua 5.1 tables built the same way;
--    decode therefore builds tables exactly as lua-cjson does ({} then raw
--    sets in document order);
--  * the decoder is lua-cjson's tokenizer: numbers are whatever C strtod()
--    accepts at a '-', digit (and, with decode_invalid_numbers on, the
--    default, at '+', inf, nan, hex), a NUL byte ends the document, error
--    messages name the token ("T_END", "invalid token") and its 1-based offset.
local H, null = ...
local cfunction, argerror, typeerror = H.cfunction, H.argerror, H.typeerror
local type, next, rawget, rawset, error, tonumber, tostring, select, setmetatable =
    type, next, rawget, rawset, error, tonumber, tostring, select, setmetatable
local floor, huge = math.floor, math.huge
local byte, char, sub, find, format, gsub, rep =
    string.byte, string.char, string.sub, string.find, string.format, string.gsub, string.rep
local concat = table.concat

local INT_MAX = 2147483647

-- Escapes for bytes that cannot appear raw in a JSON string.
local ESCAPES = {
  ['"'] = '\\"', ['\\'] = '\\\\', ['/'] = '\\/',
  ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t',
  ['\127'] = '\\u007f',
}
for i = 0, 31 do
  local c = char(i)
  if not ESCAPES[c] then ESCAPES[c] = format('\\u%04x', i) end
end
local ESCAPE_PATTERN = '[%z\1-\31"\\/\127]'

local function quote(s)
  if find(s, ESCAPE_PATTERN) then
    s = gsub(s, ESCAPE_PATTERN, ESCAPES)
  end
  return '"' .. s .. '"'
end

-- Token names as lua-cjson prints them in "Expected ... but found ...".
local T_OBJ_BEGIN, T_OBJ_END, T_ARR_BEGIN, T_ARR_END = 'T_OBJ_BEGIN', 'T_OBJ_END', 'T_ARR_BEGIN', 'T_ARR_END'
local T_STRING, T_NUMBER, T_BOOLEAN, T_NULL = 'T_STRING', 'T_NUMBER', 'T_BOOLEAN', 'T_NULL'
local T_COLON, T_COMMA, T_END, T_ERROR = 'T_COLON', 'T_COMMA', 'T_END', 'T_ERROR'

local SINGLE = {
  [byte'{'] = T_OBJ_BEGIN, [byte'}'] = T_OBJ_END, [byte'['] = T_ARR_BEGIN, [byte']'] = T_ARR_END,
  [byte','] = T_COMMA, [byte':'] = T_COLON,
}
local SIMPLE_ESCAPES = {
  [byte'"'] = '"', [byte'\\'] = '\\', [byte'/'] = '/', [byte'b'] = '\b', [byte'f'] = '\f',
  [byte'n'] = '\n', [byte'r'] = '\r', [byte't'] = '\t',
}

-- The prefix of s at i that C strtod() (glibc, "C" locale) converts, as an
-- end index (exclusive), or nil when it converts nothing.
local function strtod_end(s, i)
  local j = i
  local c = byte(s, j)
  if c == 43 or c == 45 then j = j + 1; c = byte(s, j) end  -- sign
  if c == 48 then  -- "0x": hexadecimal float
    local x = byte(s, j + 1)
    if x == 120 or x == 88 then
      local _, e = find(s, '^%x*', j + 2)
      local digits = e - (j + 1)
      local k = e + 1
      if byte(s, k) == 46 then
        local _, e2 = find(s, '^%x*', k + 1)
        digits = digits + (e2 - k)
        k = e2 + 1
      end
      if digits > 0 then
        local p = byte(s, k)
        if p == 112 or p == 80 then
          local _, e3 = find(s, '^[-+]?%d+', k + 1)
          if e3 then k = e3 + 1 end
        end
        return k
      end
      return j + 1  -- just the "0"
    end
  end
  if c and (c >= 48 and c <= 57 or c == 46) then
    local _, e = find(s, '^%d*', j)
    local digits = e - j + 1
    local k = e + 1
    if byte(s, k) == 46 then
      local _, e2 = find(s, '^%d*', k + 1)
      digits = digits + (e2 - k)
      k = e2 + 1
    end
    if digits == 0 then return nil end
    local x = byte(s, k)
    if x == 101 or x == 69 then
      local _, e3 = find(s, '^[-+]?%d+', k + 1)
      if e3 then k = e3 + 1 end
    end
    return k
  end
  local w = sub(s, j, j + 7):lower()
  if sub(w, 1, 8) == 'infinity' then return j + 8 end
  if sub(w, 1, 3) == 'inf' then return j + 3 end
  if sub(w, 1, 3) == 'nan' then
    local _, e = find(s, '^%([%w_]*%)', j + 3)
    return (e or j + 2) + 1
  end
  return nil
end

-- lua-cjson's json_is_invalid_number(): "+...", leading zeros, hex, inf, nan.
local function is_invalid_number(s, i)
  local c = byte(s, i)
  if c == 43 then return true end
  if c == 45 then i = i + 1; c = byte(s, i) end
  if c == 48 then
    local c2 = byte(s, i + 1)
    if c2 and (c2 == 120 or c2 == 88 or (c2 >= 48 and c2 <= 57)) then return true end
    return false
  elseif c == nil or c <= 57 then
    return false
  end
  local w = sub(s, i, i + 2):lower()
  return w == 'inf' or w == 'nan'
end

local function hex4(s, i)
  local h = sub(s, i, i + 3)
  if not find(h, '^%x%x%x%x$') then return nil end
  return tonumber(h, 16)
end

local function utf8(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xC0 + floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return char(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return char(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64,
              0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
end

-- One independent module table, as cjson.new() returns.
local function new_module()
  local cfg = {
    sparse_convert = false, sparse_ratio = 2, sparse_safe = 10,
    encode_max_depth = 1000, decode_max_depth = 1000,
    precision = 14, number_format = '%.14g',
    keep_buffer = 1, encode_invalid = 0, decode_invalid = 1,
  }
  local M = {}

  ---------------------------------------------------------------- encoding
  local buf, n  -- output pieces of the running encode()

  local function exception(value, reason)
    buf = nil
    error(format('Cannot serialise %s: %s', type(value), reason), 0)
  end

  local function number(x)
    if x ~= x or x == huge or x == -huge then
      local mode = cfg.encode_invalid
      if mode == 0 then exception(x, 'must not be NaN or Inf') end
      if mode == 2 then return 'null' end
      -- Redis's lua-cjson: NaN is "nan" (never "-nan"), infinities go
      -- through the number format ("inf", "-inf")
      if x ~= x then return 'nan' end
    end
    return format(cfg.number_format, x)
  end

  local encode_value

  -- lua_array_length(): the array length, or -1 when the table is an object.
  local function array_length(t)
    local max, items = 0, 0
    for k in next, t do
      if type(k) ~= 'number' or k == 0 or floor(k) ~= k or k < 1 then return -1 end
      -- `max` is a C int: a larger index converts to INT_MIN (x86 cvttsd2si)
      if k > max then max = (k <= INT_MAX) and k or -2147483648 end
      items = items + 1
    end
    local ratio = cfg.sparse_ratio
    if ratio > 0 and max > items * ratio and max > cfg.sparse_safe then
      if not cfg.sparse_convert then exception(t, 'excessively sparse array') end
      return -1
    end
    return max
  end

  -- `sl` mirrors the C encoder's Lua stack use (the value being encoded is on
  -- top; +1 per array level, +2 per object level): lua-cjson also stops at
  -- lua_checkstack(l, 3) failing past the 8000-slot C limit.
  encode_value = function(v, depth, sl)
    local t = type(v)
    if t == 'string' then
      n = n + 1; buf[n] = quote(v)
    elseif t == 'number' then
      n = n + 1; buf[n] = number(v)
    elseif t == 'boolean' then
      n = n + 1; buf[n] = v and 'true' or 'false'
    elseif t == 'table' then
      depth = depth + 1
      if depth > cfg.encode_max_depth or sl + 3 > 8000 then
        buf = nil
        error(format('Cannot serialise, excessive nesting (%d)', depth), 0)
      end
      local len = array_length(v)
      if len > 0 then
        n = n + 1; buf[n] = '['
        for i = 1, len do
          if i > 1 then n = n + 1; buf[n] = ',' end
          encode_value(rawget(v, i), depth, sl + 1)
        end
        n = n + 1; buf[n] = ']'
      else
        n = n + 1; buf[n] = '{'
        local first = true
        for k, val in next, v do
          if first then first = false else n = n + 1; buf[n] = ',' end
          local kt = type(k)
          if kt == 'string' then
            n = n + 1; buf[n] = quote(k)
          elseif kt == 'number' then
            n = n + 1; buf[n] = '"' .. number(k) .. '"'
          else
            exception(k, 'table key must be a number or string')
          end
          n = n + 1; buf[n] = ':'
          encode_value(val, depth, sl + 2)
        end
        n = n + 1; buf[n] = '}'
      end
    elseif v == nil or v == null then
      n = n + 1; buf[n] = 'null'
    else
      exception(v, 'type not supported')
    end
  end

  local function encode(...)
    if select('#', ...) ~= 1 then argerror('encode', 1, 'expected 1 argument') end
    local v = ...
    local t = type(v)
    -- scalars skip the buffer
    if t == 'string' then return quote(v) end
    if t == 'number' then return number(v) end
    buf, n = {}, 0
    encode_value(v, 0, 1)
    local s = concat(buf, '', 1, n)
    buf = nil
    return s
  end

  ---------------------------------------------------------------- decoding
  local s, pos, tok_index  -- document, next byte, start of the last token

  local function parse_error(expected, found, index)
    error(format('Expected %s but found %s at character %d', expected, found, index), 0)
  end

  -- json_next_token(): returns type, value (or the error text for T_ERROR);
  -- tok_index is the token's 1-based character for error messages.
  local function next_token()
    local c = byte(s, pos)
    while c == 32 or c == 9 or c == 10 or c == 13 do
      pos = pos + 1; c = byte(s, pos)
    end
    tok_index = pos
    if c == nil or c == 0 then return T_END end
    local single = SINGLE[c]
    if single then pos = pos + 1; return single end
    if c == 34 then  -- string
      local i = pos + 1
      local q = find(s, '["\\%z]', i)
      if q and byte(s, q) == 34 then  -- no escapes: one substring
        pos = q + 1
        return T_STRING, sub(s, i, q - 1)
      end
      local parts, np = {}, 0
      while true do
        if not q or byte(s, q) == 0 then
          tok_index = q or #s + 1
          return T_ERROR, 'unexpected end of string'
        end
        if q > i then np = np + 1; parts[np] = sub(s, i, q - 1) end
        local qc = byte(s, q)
        if qc == 34 then
          pos = q + 1
          return T_STRING, concat(parts, '', 1, np)
        end
        -- backslash
        local e = byte(s, q + 1)
        local simple = SIMPLE_ESCAPES[e]
        if simple then
          np = np + 1; parts[np] = simple
          i = q + 2
        elseif e == 117 then  -- \uXXXX
          local cp = hex4(s, q + 2)
          local len = 6
          if cp and cp >= 0xD800 and cp <= 0xDFFF then
            if cp >= 0xDC00 or sub(s, q + 6, q + 7) ~= '\\u' then
              cp = nil
            else
              local low = hex4(s, q + 8)
              if low and low >= 0xDC00 and low <= 0xDFFF then
                cp = (cp - 0xD800) * 1024 + (low - 0xDC00) + 0x10000
                len = 12
              else
                cp = nil
              end
            end
          end
          if not cp then
            tok_index = q
            return T_ERROR, 'invalid unicode escape code'
          end
          np = np + 1; parts[np] = utf8(cp)
          i = q + len
        else
          tok_index = q
          return T_ERROR, 'invalid escape code'
        end
        q = find(s, '["\\%z]', i)
      end
    end
    if c == 45 or (c >= 48 and c <= 57) then
      if cfg.decode_invalid == 0 and is_invalid_number(s, pos) then
        return T_ERROR, 'invalid number'
      end
      local e = strtod_end(s, pos)
      if not e then return T_ERROR, 'invalid number' end
      local v = tonumber(sub(s, pos, e - 1))
      pos = e
      return T_NUMBER, v
    end
    if c == 116 and sub(s, pos, pos + 3) == 'true' then pos = pos + 4; return T_BOOLEAN, true end
    if c == 102 and sub(s, pos, pos + 4) == 'false' then pos = pos + 5; return T_BOOLEAN, false end
    if c == 110 and sub(s, pos, pos + 3) == 'null' then pos = pos + 4; return T_NULL end
    if cfg.decode_invalid ~= 0 and (c == 43 or c == 105 or c == 73 or c == 110 or c == 78)
        and is_invalid_number(s, pos) then
      local e = strtod_end(s, pos)
      if not e then return T_ERROR, 'invalid number' end
      local v = tonumber(sub(s, pos, e - 1))
      pos = e
      return T_NUMBER, v
    end
    return T_ERROR, 'invalid token'
  end

  -- depth, and the C decoder's Lua stack use: 1 for the document, +2 inside an
  -- object (table, key), +1 inside an array; json_decode_descend() checks for
  -- 3 (object) or 2 (array) more slots below the 8000-slot C limit.
  local depth, sl
  local parse_value

  local function descend(slots)
    depth = depth + 1
    if depth > cfg.decode_max_depth or sl + slots > 8000 then
      error(format('Found too many nested data structures (%d) at character %d', depth, pos - 1), 0)
    end
  end

  local function found(tt, tv)
    if tt == T_ERROR then return tv end
    return tt
  end

  parse_value = function(tt, tv)
    if tt == T_STRING or tt == T_NUMBER or tt == T_BOOLEAN then return tv end
    if tt == T_NULL then return null end
    if tt == T_OBJ_BEGIN then
      descend(3)
      local obj = {}
      sl = sl + 2
      tt, tv = next_token()
      if tt == T_OBJ_END then depth = depth - 1; sl = sl - 2; return obj end
      while true do
        if tt ~= T_STRING then parse_error('object key string', found(tt, tv), tok_index) end
        local key = tv
        tt, tv = next_token()
        if tt ~= T_COLON then parse_error('colon', found(tt, tv), tok_index) end
        rawset(obj, key, parse_value(next_token()))
        tt, tv = next_token()
        if tt == T_OBJ_END then depth = depth - 1; sl = sl - 2; return obj end
        if tt ~= T_COMMA then parse_error('comma or object end', found(tt, tv), tok_index) end
        tt, tv = next_token()
      end
    end
    if tt == T_ARR_BEGIN then
      descend(2)
      local arr = {}
      sl = sl + 1
      tt, tv = next_token()
      if tt == T_ARR_END then depth = depth - 1; sl = sl - 1; return arr end
      local i = 1
      while true do
        rawset(arr, i, parse_value(tt, tv))
        tt, tv = next_token()
        if tt == T_ARR_END then depth = depth - 1; sl = sl - 1; return arr end
        if tt ~= T_COMMA then parse_error('comma or array end', found(tt, tv), tok_index) end
        tt, tv = next_token()
        i = i + 1
      end
    end
    parse_error('value', found(tt, tv), tok_index)
  end

  local function decode(...)
    if select('#', ...) ~= 1 then argerror('decode', 1, 'expected 1 argument') end
    local doc = H.checkstring('decode', 1, 1, (...))
    -- a NUL in the first two bytes means UTF-16/32 to lua-cjson
    if #doc >= 2 and (byte(doc, 1) == 0 or byte(doc, 2) == 0) then
      error('JSON parser does not support UTF-16 or UTF-32', 0)
    end
    s, pos, depth, sl = doc, 1, 0, 1
    local v = parse_value(next_token())
    local tt, tv = next_token()
    if tt ~= T_END then parse_error('the end', found(tt, tv), tok_index) end
    s = nil
    return v
  end

  ---------------------------------------------------------------- config
  -- json_arg_init(): at most `max` arguments.
  local function check_args(name, max, nargs)
    if nargs > max then argerror(name, max + 1, 'found too many arguments') end
  end

  -- json_integer_option(); note lua-cjson reports a range error as argument #1
  -- whatever the argument's position.
  local function integer_option(name, idx, nargs, v, min, max, cur)
    if v == nil then return cur end
    local x = H.checknumber(name, idx, nargs, v)
    -- luaL_checkinteger truncates toward zero (C cast)
    x = x >= 0 and floor(x) or -floor(-x)
    if x ~= x then x = 0 end
    if not (min <= x and x <= max) then
      argerror(name, 1, format('expected integer between %d and %d', min, max))
    end
    return x
  end

  -- json_enum_option() with the options {"off", "on"[, "null"]}.
  local function enum_option(name, idx, v, options, cur)
    if v ~= nil then
      if type(v) == 'boolean' then
        cur = v and 1 or 0
      else
        local sv = type(v) == 'string' and v or (type(v) == 'number' and tostring(v))
        if not sv then typeerror(name, idx, 'string', idx, v) end
        local found_at
        for i = 1, #options do if options[i] == sv then found_at = i - 1 end end
        if not found_at then argerror(name, idx, format("invalid option '%s'", sv)) end
        cur = found_at
      end
    end
    if cur == 0 or cur == 1 then return cur == 1, cur end
    return options[cur + 1], cur
  end
  local BOOL_OPTIONS = {'off', 'on'}
  local INVALID_OPTIONS = {'off', 'on', 'null'}

  local function encode_sparse_array(...)
    local nargs = select('#', ...)
    check_args('encode_sparse_array', 3, nargs)
    local convert, ratio, safe = ...
    local out, cur = enum_option('encode_sparse_array', 1, convert, BOOL_OPTIONS, cfg.sparse_convert and 1 or 0)
    cfg.sparse_convert = cur == 1
    cfg.sparse_ratio = integer_option('encode_sparse_array', 2, nargs, ratio, 0, INT_MAX, cfg.sparse_ratio)
    cfg.sparse_safe = integer_option('encode_sparse_array', 3, nargs, safe, 0, INT_MAX, cfg.sparse_safe)
    return out, cfg.sparse_ratio, cfg.sparse_safe
  end

  local function int_config(name, field, min, max)
    return function(...)
      local nargs = select('#', ...)
      check_args(name, 1, nargs)
      cfg[field] = integer_option(name, 1, nargs, (...), min, max, cfg[field])
      if field == 'precision' then cfg.number_format = '%.' .. cfg.precision .. 'g' end
      return cfg[field]
    end
  end

  local function enum_config(name, field, options)
    return function(...)
      local nargs = select('#', ...)
      check_args(name, 1, nargs)
      local out, cur = enum_option(name, 1, (...), options, cfg[field])
      cfg[field] = cur
      return out
    end
  end

  -- Insertion order as lua-cjson's registration (pairs(cjson) order).
  cfunction(M, 'encode', encode)
  cfunction(M, 'decode', decode)
  cfunction(M, 'encode_sparse_array', encode_sparse_array)
  cfunction(M, 'encode_max_depth', int_config('encode_max_depth', 'encode_max_depth', 1, INT_MAX))
  cfunction(M, 'decode_max_depth', int_config('decode_max_depth', 'decode_max_depth', 1, INT_MAX))
  cfunction(M, 'encode_number_precision', int_config('encode_number_precision', 'precision', 1, 14))
  cfunction(M, 'encode_keep_buffer', enum_config('encode_keep_buffer', 'keep_buffer', BOOL_OPTIONS))
  cfunction(M, 'encode_invalid_numbers', enum_config('encode_invalid_numbers', 'encode_invalid', INVALID_OPTIONS))
  cfunction(M, 'decode_invalid_numbers', enum_config('decode_invalid_numbers', 'decode_invalid', BOOL_OPTIONS))
  cfunction(M, 'new', new_module)
  M.null = null
  M._NAME = 'cjson'
  M._VERSION = '2.1.0'
  return M
end

return new_module()
