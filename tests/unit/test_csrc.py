"""Tests for the Python-free C kernels in csrc/.

Two layers:
- tests/csrc/test_kernels.c is compiled with ASan+UBSan (when the compiler supports them)
  and run; it holds many hand-picked cases, including values read off redis-server 7.0.15.
- the same sources are built into a throwaway shared library and driven through ctypes
  against the live reference server: random inputs for glob matching (KEYS), integer and
  float parsing/printing (INCR, INCRBYFLOAT, ZADD/ZSCORE), BITCOUNT/BITPOS, and LZF + CRC-64
  through DUMP/RESTORE payloads in both directions.
"""

from __future__ import annotations

import ctypes
import os
import random
import shutil
import struct
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CSRC = os.path.join(ROOT, "csrc")
KERNELS = ["siphash.c", "util.c", "glob.c", "crc16.c", "crc64.c", "bitops.c", "lzf.c"]
SOURCES = [os.path.join(CSRC, f) for f in KERNELS]
TEST_PROGRAM = os.path.join(ROOT, "tests", "csrc", "test_kernels.c")
WARN = ["-Wall", "-Wextra"]
SANITIZE = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")


def _gcc(args, cwd):
    return subprocess.run(["gcc", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def _build_test_program(tmp_path):
    """Compile test_kernels.c, with sanitizers if the toolchain can; returns (exe, sanitized)."""
    exe = str(tmp_path / "test_kernels")
    base = ["-std=c99", "-O1", "-g", *WARN, "-I", CSRC, TEST_PROGRAM, *SOURCES, "-lm", "-o", exe]
    r = _gcc([*SANITIZE, *base], tmp_path)
    if r.returncode == 0:
        return exe, True, r.stderr
    r = _gcc(base, tmp_path)
    assert r.returncode == 0, f"compile failed:\n{r.stderr}"
    return exe, False, r.stderr


def test_c_kernel_test_program_passes_under_sanitizers(tmp_path):
    exe, sanitized, warnings = _build_test_program(tmp_path)
    assert "warning" not in warnings, warnings
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    r = subprocess.run([exe], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, f"sanitized={sanitized}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr[-8000:]}"
    assert "checks passed" in r.stdout


@pytest.mark.parametrize("std", ["-std=c99", "-std=c11"])
def test_c_kernels_compile_warning_free(tmp_path, std):
    for src in SOURCES:
        r = _gcc([std, "-O2", *WARN, "-pedantic", "-Werror", "-c", src, "-o",
                  str(tmp_path / (os.path.basename(src) + ".o"))], tmp_path)
        assert r.returncode == 0, f"{src}:\n{r.stderr}"


def test_c_kernels_do_not_include_python():
    for f in os.listdir(CSRC):
        if f.endswith((".c", ".h")) and not f.startswith("fcmalloc"):
            with open(os.path.join(CSRC, f)) as fh:
                assert "Python.h" not in fh.read(), f


# ---------------------------------------------------------------------------------------
# ctypes bindings
# ---------------------------------------------------------------------------------------

class Kernels:
    """Thin ctypes wrapper: each method takes/returns Python bytes and numbers."""

    def __init__(self, path: str):
        lib = self.lib = ctypes.CDLL(path)
        c = ctypes
        sig = {
            "fc_stringmatchlen": (c.c_int, [c.c_char_p, c.c_int, c.c_char_p, c.c_int, c.c_int]),
            "fc_string2ll": (c.c_int, [c.c_char_p, c.c_size_t, c.POINTER(c.c_longlong)]),
            "fc_ll2string": (c.c_int, [c.c_char_p, c.c_size_t, c.c_longlong]),
            "fc_string2ld": (c.c_int, [c.c_char_p, c.c_size_t, c.POINTER(c.c_longdouble)]),
            "fc_ld2string": (c.c_int, [c.c_char_p, c.c_size_t, c.c_longdouble, c.c_int]),
            "fc_string2d": (c.c_int, [c.c_char_p, c.c_size_t, c.POINTER(c.c_double)]),
            "fc_d2string": (c.c_int, [c.c_char_p, c.c_size_t, c.c_double]),
            "fc_double_reply_string": (c.c_int, [c.c_char_p, c.c_size_t, c.c_double]),
            "fc_popcount": (c.c_longlong, [c.c_char_p, c.c_long]),
            "fc_bitpos": (c.c_longlong, [c.c_char_p, c.c_ulong, c.c_int]),
            "fc_lzf_compress": (c.c_uint, [c.c_char_p, c.c_uint, c.c_char_p, c.c_uint]),
            "fc_lzf_decompress": (c.c_uint, [c.c_char_p, c.c_uint, c.c_char_p, c.c_uint]),
            "fc_crc64": (c.c_uint64, [c.c_uint64, c.c_char_p, c.c_uint64]),
            "fc_crc16": (c.c_uint16, [c.c_char_p, c.c_int]),
            "fc_key_hash_slot": (c.c_uint, [c.c_char_p, c.c_int]),
        }
        for name, (res, args) in sig.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args

    def match(self, pat: bytes, s: bytes, nocase=False) -> bool:
        return bool(self.lib.fc_stringmatchlen(pat, len(pat), s, len(s), int(nocase)))

    def string2ll(self, s: bytes):
        v = ctypes.c_longlong()
        return v.value if self.lib.fc_string2ll(s, len(s), ctypes.byref(v)) else None

    def string2ld(self, s: bytes):
        v = ctypes.c_longdouble()
        return v if self.lib.fc_string2ld(s, len(s), ctypes.byref(v)) else None

    def ld2string_human(self, v) -> bytes:
        buf = ctypes.create_string_buffer(5200)
        n = self.lib.fc_ld2string(buf, len(buf), v, 1)
        assert n > 0
        return buf.raw[:n]

    def string2d(self, s: bytes):
        v = ctypes.c_double()
        return v.value if self.lib.fc_string2d(s, len(s), ctypes.byref(v)) else None

    def d2string(self, v: float) -> bytes:
        buf = ctypes.create_string_buffer(128)
        n = self.lib.fc_d2string(buf, 128, v)  # call before reading buf.raw
        return buf.raw[:n]

    def reply_double(self, v: float) -> bytes:
        buf = ctypes.create_string_buffer(128)
        n = self.lib.fc_double_reply_string(buf, 128, v)
        return buf.raw[:n]

    def lzf_compress(self, data: bytes, limit: int):
        out = ctypes.create_string_buffer(max(limit, 1))
        n = self.lib.fc_lzf_compress(data, len(data), out, limit)
        return out.raw[:n] if n else None

    def lzf_decompress(self, data: bytes, outlen: int):
        out = ctypes.create_string_buffer(max(outlen, 1))
        n = self.lib.fc_lzf_decompress(data, len(data), out, outlen)
        return out.raw[:n] if n else None

    def crc64(self, data: bytes, crc: int = 0) -> int:
        return self.lib.fc_crc64(crc, data, len(data))


@pytest.fixture(scope="module")
def k(tmp_path_factory):
    d = tmp_path_factory.mktemp("csrc_lib")
    so = str(d / "libfckernels.so")
    r = _gcc(["-std=c99", "-O2", "-fPIC", "-shared", *WARN, "-I", CSRC, *SOURCES, "-lm", "-o", so], d)
    assert r.returncode == 0, r.stderr
    return Kernels(so)


def _bulk(raw: bytes):
    """Payload of a RESP bulk string reply, None for nil, RuntimeError text for errors."""
    if raw.startswith(b"-"):
        return RuntimeError(raw[1:-2].decode())
    if raw.startswith(b"$-1"):
        return None
    assert raw.startswith(b"$"), raw
    head, _, rest = raw.partition(b"\r\n")
    return rest[:int(head[1:])]


# ---------------------------------------------------------------------------------------
# Sanity of the bindings (no server needed)
# ---------------------------------------------------------------------------------------

def test_bindings_basic_vectors(k):
    assert k.crc64(b"123456789") == 0xE9C6D914C4B8D9CA
    assert k.lib.fc_crc16(b"123456789", 9) == 0x31C3
    assert k.lib.fc_key_hash_slot(b"{user1000}.following", 20) == 3443
    assert k.match(b"h?llo", b"hello") and not k.match(b"*", b"")
    assert k.string2ll(b"-0") is None and k.string2ll(b"-12") == -12
    assert k.d2string(-0.0) == b"0" and k.reply_double(-0.0) == b"-0"


# ---------------------------------------------------------------------------------------
# Differential tests against the reference server
# ---------------------------------------------------------------------------------------

def test_glob_matches_reference_keys(ref, k):
    rnd = random.Random(1234)
    key_alpha = b"abAB]-^\\*?[\x80\xff"
    keys = {bytes(rnd.choice(key_alpha) for _ in range(rnd.randrange(0, 5))) for _ in range(300)}
    keys.discard(b"")  # "" is special-cased by KEYS "*" only; covered in the C tests
    ref.pipeline([("SET", key, "1") for key in keys])
    pat_alpha = [b"a", b"b", b"A", b"*", b"?", b"[", b"]", b"^", b"-", b"\\", b"\x80", b"\xff"]
    checked = nonempty = 0
    for _ in range(250):
        pat = b"".join(rnd.choice(pat_alpha) for _ in range(rnd.randrange(1, 7)))
        if pat == b"*":
            continue
        got = set(ref.pcall("KEYS", pat))
        mine = {key for key in keys if k.match(pat, key)}
        assert mine == got, f"pattern {pat!r}: only ours {mine - got!r}, only reference {got - mine!r}"
        checked += 1
        nonempty += bool(got)
    assert checked > 200 and nonempty > 50


def _number_texts(rnd, n):
    """Random strings near the edge of what number parsers accept."""
    atoms = ["0", "1", "9", "00", "-", "+", ".", "e", "E", "e-", "e+", " ", "x", "0x", "inf",
             "nan", "9223372036854775807", "9223372036854775808", "18446744073709551615",
             "1e308", "1e309", "1e-320", "1e-400", "1e4000", "p3", "\t", "\x00", "abc"]
    out = []
    for _ in range(n):
        s = "".join(rnd.choice(atoms) for _ in range(rnd.randrange(1, 4)))
        if rnd.random() < 0.3:
            s = str(rnd.choice([rnd.randrange(-10**20, 10**20), rnd.uniform(-1e6, 1e6),
                                rnd.random() * 10 ** rnd.randrange(-30, 30)]))
        out.append(s.encode())
    return out


def test_string2ll_matches_reference_incr(ref, k):
    rnd = random.Random(99)
    texts = _number_texts(rnd, 400) + [b"-0", b"01", b"+1", b"", b"-", b"-9223372036854775808"]
    texts += [str(rnd.randrange(-2**64, 2**64) >> rnd.randrange(64)).encode() for _ in range(100)]
    accepted = 0
    for t in texts:
        assert ref.call("SET", "n", t) == b"+OK\r\n"
        raw = ref.call("INCRBY", "n", "0")
        mine = k.string2ll(t)
        if raw.startswith(b":"):
            assert mine == int(raw[1:-2]), t
            accepted += 1
        else:
            assert mine is None, (t, raw)
    assert 30 < accepted < len(texts) - 30


def test_string2ld_and_human_format_match_reference_incrbyfloat(ref, k):
    rnd = random.Random(7)
    texts = _number_texts(rnd, 400) + [b"0.1", b"1e20", b"-1e-20", b"123456789.123456789"]
    accepted = 0
    for t in texts:
        ref.call("SET", "f", t)
        got = _bulk(ref.call("INCRBYFLOAT", "f", "0"))
        v = k.string2ld(t)
        if isinstance(got, RuntimeError):
            # Either unparsable, or parsable but not finite ("would produce NaN or Infinity").
            if v is not None:
                assert "NaN or Infinity" in str(got), (t, got)
                assert k.ld2string_human(v) in (b"inf", b"-inf"), t
            continue
        assert v is not None, (t, got)
        assert k.ld2string_human(v) == got, t
        accepted += 1
    assert 50 < accepted < len(texts) - 50


def test_string2d_and_score_format_match_reference_zadd(ref, k):
    rnd = random.Random(11)
    texts = _number_texts(rnd, 400) + [b"-0", b"1e-310", b"0.1", b"1e200"]
    accepted = 0
    for t in texts:
        ref.call("DEL", "z")
        raw = ref.call("ZADD", "z", t, "m")
        v = k.string2d(t)
        if raw.startswith(b"-"):
            assert v is None, (t, raw)
            continue
        assert v is not None, (t, raw)
        # Default (listpack) encoding stores fc_d2string text, ZSCORE re-parses and prints it.
        stored = k.d2string(v)
        assert _bulk(ref.call("ZSCORE", "z", "m")) == k.reply_double(k.string2d(stored)), t
        accepted += 1
    assert 50 < accepted < len(texts) - 50


def test_bitcount_bitpos_match_reference(ref, k):
    rnd = random.Random(5)
    for _ in range(150):
        n = rnd.randrange(0, 80)
        mode = rnd.randrange(3)
        data = bytes(0 if mode == 0 else 0xFF if mode == 1 else rnd.randrange(256) for _ in range(n))
        if n and rnd.random() < 0.5:
            i = rnd.randrange(n)
            data = data[:i] + bytes([1 << rnd.randrange(8) if mode != 1 else 0x7F]) + data[i + 1:]
        ref.call("SET", "b", data)
        assert ref.pcall("BITCOUNT", "b") == k.lib.fc_popcount(data, n)
        assert ref.pcall("BITPOS", "b", 1) == k.lib.fc_bitpos(data, n, 1)
        mine0 = k.lib.fc_bitpos(data, n, 0)
        # Caller rule reproduced here: no clear bit and no explicit end -> first bit past the end.
        if mine0 == -1 and n:
            mine0 = n * 8
        assert ref.pcall("BITPOS", "b", 0) == mine0


def _rdb_len(n: int) -> bytes:
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    return b"\x80" + struct.pack(">I", n)


def _dump_lzf_string(comp: bytes, rawlen: int, crc64) -> bytes:
    body = b"\x00" + b"\xc3" + _rdb_len(len(comp)) + _rdb_len(rawlen) + comp + b"\x0a\x00"
    return body + struct.pack("<Q", crc64(body))


def _parse_dump_lzf(payload: bytes):
    """(compressed, rawlen) from a DUMP of an LZF-encoded string, or None if not LZF."""
    assert payload[0] == 0
    if payload[1] != 0xC3:
        return None
    pos = 2
    vals = []
    for _ in range(2):
        b = payload[pos]
        if b >> 6 == 0:
            vals.append(b)
            pos += 1
        elif b >> 6 == 1:
            vals.append(((b & 0x3F) << 8) | payload[pos + 1])
            pos += 2
        else:
            assert b == 0x80
            vals.append(struct.unpack(">I", payload[pos + 1:pos + 5])[0])
            pos += 5
    clen, rawlen = vals
    return payload[pos:pos + clen], rawlen


def _sample_values(rnd):
    yield b"a" * 100 + b"hello"
    yield b"x" * 100000
    yield bytes(rnd.randrange(256) for _ in range(3000))
    yield b"".join(rnd.choice([b"user:", b"session", b"{\"id\":", b"42", b",", b"name"]) for _ in range(5000))
    for _ in range(30):
        n = rnd.randrange(21, 20000)
        period = rnd.randrange(1, 300)
        base = bytes(rnd.randrange(256) for _ in range(period))
        yield (base * (n // period + 1))[:n]


def test_lzf_and_crc64_interoperate_with_reference_dump_restore(ref, k):
    rnd = random.Random(42)
    restored = decoded = 0
    for i, value in enumerate(_sample_values(rnd)):
        # Ours -> reference: RESTORE checks our CRC-64 and inflates our LZF stream.
        comp = k.lzf_compress(value, len(value))
        if comp is not None:
            payload = _dump_lzf_string(comp, len(value), k.crc64)
            assert ref.call("RESTORE", f"mine{i}", 0, payload) == b"+OK\r\n"
            assert _bulk(ref.call("GET", f"mine{i}")) == value
            restored += 1
        # Reference -> ours: inflate the reference's LZF and check its CRC-64.
        ref.call("SET", f"theirs{i}", value)
        payload = _bulk(ref.call("DUMP", f"theirs{i}"))
        assert struct.unpack("<Q", payload[-8:])[0] == k.crc64(payload[:-8])
        parsed = _parse_dump_lzf(payload)
        if parsed is not None:
            comp_ref, rawlen = parsed
            assert rawlen == len(value)
            assert k.lzf_decompress(comp_ref, rawlen) == value
            assert k.lzf_decompress(comp_ref, rawlen - 1) is None
            decoded += 1
    assert restored >= 30 and decoded >= 30


def test_lzf_decompress_survives_garbage(k):
    rnd = random.Random(3)
    for _ in range(3000):
        data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 100)))
        out = k.lzf_decompress(data, rnd.randrange(0, 300))
        assert out is None or len(out) < 300
