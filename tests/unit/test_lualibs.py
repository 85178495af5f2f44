"""Unit tests of fastcache.lualibs on a bare lupa runtime (no server).

Byte formats are checked against encoders written here from the specifications (MessagePack,
IEEE 754 via Python's struct module, 32-bit two's complement arithmetic for bit), with
hypothesis generating the values.  The differential tests against redis-server live in
tests/commands/test_lualibs_diff.py.
"""
from __future__ import annotations

import json
import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

lupa = pytest.importorskip("lupa.lua51")

from fastcache import lualibs  # noqa: E402


@pytest.fixture(scope="module")
def rt():
    r = lupa.LuaRuntime(encoding=None)
    lualibs.install(r)
    return r


def call(rt, code, *args):
    """Run `code` (a function body receiving ... = args) and return its results."""
    return rt.execute("return function(...) " + code + " end")(*args)


# ---------------------------------------------------------------- install

def test_install_defines_the_four_globals_as_tables_of_functions(rt):
    for lib, names in [("cjson", ["encode", "decode", "new", "encode_keep_buffer"]),
                       ("cmsgpack", ["pack", "unpack", "unpack_one", "unpack_limit"]),
                       ("bit", ["tobit", "tohex", "band", "bswap"]),
                       ("struct", ["pack", "unpack", "size"])]:
        for name in names:
            assert call(rt, "return type(%s.%s)" % (lib, name)) == b"function", (lib, name)


def test_install_works_on_a_default_utf8_runtime():
    r = lupa.LuaRuntime()
    libs = lualibs.install(r)
    assert r.eval('cjson.encode({a = {1, 2}})') == '{"a":[1,2]}'
    assert r.eval("cmsgpack.unpack(cmsgpack.pack(0/0)) ~= cmsgpack.unpack(cmsgpack.pack(0/0))")
    assert lupa.lua_type(libs["null"]) == "userdata"
    assert r.eval("cjson.null == cjson.decode('null') and tostring(cjson.null)") == "userdata: (nil)"


EXERCISE = [
    "cjson.encode({1, 'x', {a = true, [2.5] = cjson.null}})", "cjson.decode('[1, {\"a\": \"\\\\u00e9\"}, null]')",
    "cjson.encode(0/0)", "cjson.decode('[1,')", "cjson.decode({})", "cjson.encode()",
    "cjson.new().encode_sparse_array(true, 2, 10)", "cjson.new().encode_max_depth(5)",
    "cjson.new().encode_max_depth('x')", "cjson.new().encode_invalid_numbers('null')",
    "cjson.new().encode_invalid_numbers('bad')", "cjson.new().encode({})",
    "cmsgpack.pack({1, 2.5, 'x', {a = 0/0}, true, 2^40, -2^40, 1e300})", "cmsgpack.unpack('\\145\\203\\127\\248\\0\\0\\0\\0\\0\\1')",
    "cmsgpack.unpack_one('\\1\\2', 1)", "cmsgpack.unpack_limit('\\1\\2', 1, 0)", "cmsgpack.unpack('\\193')",
    "cmsgpack.unpack_limit('x')", "cmsgpack.pack()", "cmsgpack.unpack('\\129\\192\\1')",
    "bit.tobit(2^40 + 0.5)", "bit.tohex(-1, -4)", "bit.band(1, 3, 7)", "bit.bor(1, 2)", "bit.bxor(1, 3)",
    "bit.bnot(1)", "bit.lshift(1, 4)", "bit.rshift(-1, 4)", "bit.arshift(-1, 4)", "bit.rol(1, 4)", "bit.ror(1, 4)",
    "bit.bswap(1)", "bit.band('x')", "bit.tobit(1e300)",
    "struct.pack('<!4bihHlLTfdc2sxI3', 1, 2, 3, 4, 5, 6, 7, 0.5, 0/0, 'ab', 'cd', 9)",
    "struct.unpack('>iI3c0s', '\\0\\0\\0\\1\\0\\0\\2xyz\\0')", "struct.size('!8bd')", "struct.pack('z')",
    "struct.unpack('s', 'x')", "struct.unpack('f', '\\255\\255\\255\\127')", "struct.pack('c5', 'a')",
]


def test_libraries_need_no_global_after_install():
    """A sandbox may remove or replace any global: the libraries only use what they captured."""
    r = lupa.LuaRuntime(encoding=None)
    lualibs.install(r)
    exercise = r.execute("local code = {...} local out = {} for i = 1, #code do "
                         "out[i] = assert(loadstring('return ' .. code[i])) end return out",
                         *[c.encode() for c in EXERCISE])
    fns = [exercise[i + 1] for i in range(len(EXERCISE))]
    pcall = r.eval("pcall")
    expected = [pcall(f) for f in fns]
    r.execute("""
      local G, keep = _G, {cjson = true, cmsgpack = true, bit = true, struct = true}
      local names = {}
      for k in next, G do if not keep[k] then names[#names + 1] = k end end
      for i = 1, #names do G[names[i]] = nil end
    """)
    for code, f, want in zip(EXERCISE, fns, expected):
        got = pcall(f)
        assert repr(got) == repr(want) or (want[0] and got[0]), (code, got, want)
        if not want[0]:
            assert got == want, code


def test_library_functions_are_c_functions(rt):
    assert call(rt, "return debug.getinfo(cjson.encode, 'S').what") == b"C"


def test_errors_carry_the_callers_position_also_from_a_tail_call(rt):
    f = rt.eval("loadstring")(b"\n\nreturn cjson.decode('x')", b"@user_script")
    with pytest.raises(lupa.LuaError) as e:
        f()
    assert str(e.value).startswith("user_script:3: Expected value but found invalid token at character 1")


def test_a_function_that_raised_keeps_working_through_its_table(rt):
    for _ in range(3):
        ok, msg = call(rt, "return pcall(cjson.decode, '[')")
        assert ok is False and msg == b"Expected value but found T_END at character 2"
    assert call(rt, "return cjson.decode('[5]')[1]") == 5


def test_a_saved_reference_dies_after_an_error_known_limitation(rt):
    # Documented in cfunction.lua: the coroutine behind a C function cannot be revived.
    ok, msg = call(rt, "local d = cjson.decode pcall(d, 'x') return pcall(d, '1')")
    assert ok is False and b"cannot resume dead coroutine" in msg


# ---------------------------------------------------------------- cjson

@settings(max_examples=150, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers(-10**14, 10**14) | st.text(max_size=20),
    lambda children: st.lists(children, min_size=1, max_size=5)
    | st.dictionaries(st.text(max_size=8), children, min_size=1, max_size=5),
    max_leaves=20))
def test_cjson_decode_then_encode_round_trips_json_documents(rt, value):
    doc = json.dumps(value, ensure_ascii=False).encode()
    out = call(rt, "return cjson.encode(cjson.decode(...))", doc)
    assert json.loads(out) == value


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_cjson_numbers_use_percent_14g(rt, x):
    assert call(rt, "return cjson.encode(...)", x) == (b"%.14g" % x)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=30))
def test_cjson_strings_round_trip_every_byte(rt, s):
    enc = call(rt, "return cjson.encode(...)", s)
    assert b"/" not in enc.replace(b"\\/", b"")
    assert call(rt, "return cjson.decode(cjson.encode(...))", s) == s


def test_cjson_decode_values(rt):
    assert call(rt, "local t = cjson.decode(...) return t.a[1], t.a[2], t.a[3] == cjson.null, t.b",
                b'{"a":[1.5,"x",null],"b":false}') == (1.5, b"x", True, False)
    assert call(rt, "return cjson.decode('\"\\\\ud83d\\\\ude00\"')") == "\U0001F600".encode()
    assert call(rt, "return cjson.decode('-0')") == 0.0
    assert math.isnan(call(rt, "return cjson.decode('NaN')"))
    assert call(rt, "return cjson.decode('0x1p4')") == 16.0


@pytest.mark.parametrize("code, msg", [
    ("cjson.decode('[1,2')", b"Expected comma or array end but found T_END at character 5"),
    ("cjson.decode('{\"a\" 1}')", b"Expected colon but found T_NUMBER at character 6"),
    ("cjson.decode('\\0\\0')", b"JSON parser does not support UTF-16 or UTF-32"),
    ("cjson.decode({})", b"bad argument #1 to 'decode' (string expected, got table)"),
    ("cjson.encode({[1] = 1, [30] = 3})", b"Cannot serialise table: excessively sparse array"),
    ("cjson.encode(print)", b"Cannot serialise function: type not supported"),
    ("cjson.encode()", b"bad argument #1 to 'encode' (expected 1 argument)"),
])
def test_cjson_error_messages(rt, code, msg):
    ok, err = call(rt, "return pcall(function() local v = %s return v end)" % code)
    assert ok is False and err.split(b": ", 1)[1] == msg


def test_cjson_new_has_independent_configuration(rt):
    assert call(rt, "local c = cjson.new() c.encode_number_precision(3) return c.encode(1/3), cjson.encode(1/3)") \
        == (b"0.333", b"0.33333333333333")


# ---------------------------------------------------------------- cmsgpack

def mp_int(n):
    if 0 <= n <= 127:
        return bytes([n])
    if -32 <= n < 0:
        return struct.pack(">b", n)
    for lo, hi, tag, fmt in [(0, 0xff, 0xcc, ">B"), (0, 0xffff, 0xcd, ">H"), (0, 0xffffffff, 0xce, ">I"),
                             (0, 2**64 - 1, 0xcf, ">Q"), (-128, -1, 0xd0, ">b"), (-32768, -1, 0xd1, ">h"),
                             (-2**31, -1, 0xd2, ">i"), (-2**63, -1, 0xd3, ">q")]:
        if lo <= n <= hi:
            return bytes([tag]) + struct.pack(fmt, n)
    raise AssertionError(n)


@settings(max_examples=300, deadline=None)
@given(st.integers(-2**63, 2**63 - 1).filter(lambda n: abs(n) <= 2**53)
       | st.sampled_from([0, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, -32, -33, -128, -129,
                          -32768, -32769, -2**31, -2**31 - 1, -2**63, 2**62]))
def test_cmsgpack_integers_take_the_smallest_encoding(rt, n):
    assert call(rt, "return cmsgpack.pack(...)", float(n)) == mp_int(n)
    assert call(rt, "return cmsgpack.unpack(...)", mp_int(n)) == n


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False).filter(lambda x: math.isinf(x) or x != math.floor(x) or abs(x) >= 2**63))
def test_cmsgpack_floats_are_float32_when_exact(rt, x):
    try:
        f32 = struct.unpack(">f", struct.pack(">f", x))[0]
    except OverflowError:
        f32 = None
    want = (b"\xca" + struct.pack(">f", x)) if f32 == x else (b"\xcb" + struct.pack(">d", x))
    assert call(rt, "return cmsgpack.pack(...)", x) == want
    assert call(rt, "return cmsgpack.unpack(...)", want) == x


def test_cmsgpack_nan_payloads_survive(rt):
    for bits in (b"\x7f\xf8\x00\x00\x00\x00\x00\x01", b"\xff\xf0\x00\x00\x00\x00\x12\x34"):
        assert call(rt, "return cmsgpack.pack(cmsgpack.unpack(...))", b"\xcb" + bits) == b"\xcb" + bits
    assert call(rt, "return cmsgpack.pack(cmsgpack.unpack(...))", b"\xca\x7f\xc0\x00\x01") \
        == b"\xcb" + struct.pack(">d", struct.unpack(">f", b"\x7f\xc0\x00\x01")[0])


@pytest.mark.parametrize("n, hdr", [(0, b"\xa0"), (31, b"\xbf"), (32, b"\xd9\x20"), (255, b"\xd9\xff"),
                                    (256, b"\xda\x01\x00"), (65536, b"\xdb\x00\x01\x00\x00")])
def test_cmsgpack_string_headers(rt, n, hdr):
    assert call(rt, "return cmsgpack.pack(string.rep('a', ...))", n) == hdr + b"a" * n


def test_cmsgpack_tables_arrays_and_maps(rt):
    assert call(rt, "return cmsgpack.pack({})") == b"\x90"
    assert call(rt, "return cmsgpack.pack({1, 2})") == b"\x92\x01\x02"
    assert call(rt, "return cmsgpack.pack({a = true})") == b"\x81\xa1a\xc3"
    assert call(rt, "return cmsgpack.pack({[2] = 1})") == b"\x81\x02\x01"
    assert call(rt, "local t = {} for i = 1, 16 do t[i] = 0 end return cmsgpack.pack(t)") == b"\xdc\x00\x10" + b"\x00" * 16


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.binary(max_size=40),
                    lambda c: st.lists(c, min_size=1, max_size=20), max_leaves=30))
def test_cmsgpack_pack_unpack_round_trip(rt, value):
    back = call(rt, "return cmsgpack.unpack(cmsgpack.pack(...))", _to_lua(rt, value))
    assert _from_lua(back) == _expected(value)


def _expected(v):
    # nils vanish from Lua tables; integers come back as Lua numbers (floats)
    if isinstance(v, list):
        return {i + 1: _expected(x) for i, x in enumerate(v) if x is not None}
    if isinstance(v, int) and not isinstance(v, bool):
        return float(v)
    return v


def _from_lua(v):
    if lupa.lua_type(v) == "table":
        return {k: _from_lua(x) for k, x in v.items()}
    return v


def _to_lua(rt, v):
    if isinstance(v, list):
        return rt.table_from({i + 1: _to_lua(rt, x) for i, x in enumerate(v) if x is not None})
    if isinstance(v, int) and not isinstance(v, bool):
        return float(v)
    return v


def test_cmsgpack_unpack_one_and_limit_offsets(rt):
    s = b"\x01\x02\x03"
    assert call(rt, "return cmsgpack.unpack_one(...)", s) == (1, 1)
    assert call(rt, "return cmsgpack.unpack_one(...)", s, 2) == (-1, 3)
    assert call(rt, "return cmsgpack.unpack_limit(...)", s, 2) == (2, 1, 2)


# ---------------------------------------------------------------- bit

def s32(n):
    n &= 0xffffffff
    return n - 2**32 if n >= 2**31 else n


ints = st.integers(-2**40, 2**40)


@settings(max_examples=300, deadline=None)
@given(ints, ints, st.integers(-64, 64))
def test_bit_ops_are_32_bit_twos_complement(rt, a, b, n):
    got = call(rt, "local a, b, n = ... return bit.tobit(a), bit.band(a, b), bit.bor(a, b), bit.bxor(a, b), "
                   "bit.bnot(a), bit.lshift(a, n), bit.rshift(a, n), bit.arshift(a, n), bit.rol(a, n), "
                   "bit.ror(a, n), bit.bswap(a), bit.tohex(a)", float(a), float(b), float(n))
    u, k = a & 0xffffffff, n & 31
    want = (s32(a), s32(a & b), s32(a | b), s32(a ^ b), s32(~a), s32(u << k), s32(u >> k), s32(a) >> k,
            s32((u << k) | (u >> (32 - k))), s32((u >> k) | (u << (32 - k))),
            s32(int.from_bytes(u.to_bytes(4, "little"), "big")), b"%08x" % u)
    assert tuple(got) == want


def test_bit_rounds_fractions_to_nearest_even(rt):
    assert tuple(call(rt, "return bit.tobit(0.5), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-0.5)")) == (0, 2, 2, 0)


# ---------------------------------------------------------------- struct

@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["<", ">"]), st.lists(st.sampled_from("bBhHiIlLfd"), min_size=1, max_size=6), st.data())
def test_struct_matches_python_struct_for_standard_formats(rt, endian, codes, data):
    ranges = {"b": (-128, 127), "B": (0, 255), "h": (-2**15, 2**15 - 1), "H": (0, 2**16 - 1),
              "i": (-2**31, 2**31 - 1), "I": (0, 2**32 - 1), "l": (-2**53, 2**53), "L": (0, 2**53)}
    vals = []
    for c in codes:
        if c in ranges:
            vals.append(data.draw(st.integers(*ranges[c])))
        else:
            vals.append(data.draw(st.floats(width=32 if c == "f" else 64, allow_nan=False)))
    fmt = endian + "".join(codes)
    pyfmt = fmt.replace("l", "q").replace("L", "Q")
    want = struct.pack(pyfmt, *vals)
    got = call(rt, "return struct.pack(...)", fmt.encode(), *[float(v) for v in vals])
    assert got == want
    back = call(rt, "return struct.unpack(...)", fmt.encode(), want)
    back = back if isinstance(back, tuple) else (back,)
    assert list(back[:-1]) == [float(v) for v in vals] and back[-1] == len(want) + 1


def test_struct_float_rounds_like_a_c_cast(rt):
    for x in (0.1, 1 / 3, 3.4028235677973366e38, 1e-40, 1e-46, -2.5e-45, 16777217.0):
        try:
            want = struct.pack("<f", x)
        except OverflowError:
            want = struct.pack("<f", math.inf)
        assert call(rt, "return struct.pack('<f', ...)", x) == want, x


def test_struct_alignment_and_sizes(rt):
    assert call(rt, "return struct.size('!8bd'), struct.size('<!4bhbi'), struct.size('T l L d f')") == (16, 12, 36)
    assert call(rt, "return struct.pack('!4 b i3', 1, 2)") == b"\x01\x00\x00\x02\x00\x00"  # (3 - (1 & 2)) & 2


# ---------------------------------------------------------------- speed

def test_1kb_object_codecs_take_well_under_a_millisecond(rt):
    doc = json.dumps({"items": [{"sku": "SKU-%d" % i, "qty": i, "price": i * 1.1, "tags": ["a", "b"]}
                                for i in range(16)], "owner": {"id": 7, "name": "x" * 40}}).encode()
    assert 900 < len(doc) < 1400
    bench = rt.execute("""return function(doc, n)
      local t = cjson.decode(doc) local p = cmsgpack.pack(t)
      local t0 = os.clock()
      for i = 1, n do cjson.decode(doc) cjson.encode(t) cmsgpack.pack(t) cmsgpack.unpack(p) end
      return (os.clock() - t0) / n
    end""")
    per_round = bench(doc, 200)
    assert per_round < 0.001, per_round  # all four together, typically ~0.25 ms
