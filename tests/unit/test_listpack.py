"""Tests for the listpack and intset kernels (csrc/listpack.c, csrc/intset.c).

- tests/csrc/test_listpack.c runs under ASan+UBSan: exact encodings, ~100k random
  operations against an array model, the >= 65535-element "unknown count" path,
  validate() on garbage/truncated/corrupted blobs, intset likewise.
- Byte equality with Redis 7.0: a private reference server (rdbcompression off, so
  DUMP payloads carry the blobs verbatim; sanitize-dump-payload on, so RESTORE deep-
  checks what we send) DUMPs hashes/zsets (listpack), sets (intset) and lists
  (quicklist of listpack nodes); our ctypes-loaded kernels build the same contents
  and must produce the same bytes, accept Redis's blobs in validate(), and RESTORE
  of payloads made from our blobs must round-trip on the reference.
"""

from __future__ import annotations

import ctypes
import os
import random
import shutil
import struct
import subprocess

import pytest

from support.resp import RawClient
from support.servers import ServerHandle, reference_cmd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CSRC = os.path.join(ROOT, "csrc")
SOURCES = [os.path.join(CSRC, f) for f in ("listpack.c", "intset.c", "util.c", "fcmalloc.c", "crc64.c")]
TEST_PROGRAM = os.path.join(ROOT, "tests", "csrc", "test_listpack.c")
WARN = ["-Wall", "-Wextra"]
SANITIZE = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")


def _gcc(args, cwd):
    return subprocess.run(["gcc", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


# ---------------------------------------------------------------------------------------
# The C test program
# ---------------------------------------------------------------------------------------

def test_listpack_c_program_passes_under_sanitizers(tmp_path):
    exe = str(tmp_path / "test_listpack")
    base = ["-std=c99", "-O1", "-g", *WARN, "-I", CSRC, TEST_PROGRAM, *SOURCES, "-lm", "-o", exe]
    r = _gcc([*SANITIZE, *base], tmp_path)
    sanitized = r.returncode == 0
    if not sanitized:
        r = _gcc(base, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr, r.stderr
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    p = subprocess.run([exe, "100000"], capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, f"sanitized={sanitized}\n{p.stdout}\n{p.stderr[-8000:]}"
    assert "checks passed" in p.stdout


@pytest.mark.parametrize("std", ["-std=c99", "-std=c11", "-std=gnu11"])
def test_listpack_intset_compile_warning_free(tmp_path, std):
    for src in ("listpack.c", "intset.c"):
        r = _gcc([std, "-O2", *WARN, "-pedantic", "-Werror", "-I", CSRC, "-c", os.path.join(CSRC, src),
                  "-o", str(tmp_path / (src + ".o"))], tmp_path)
        assert r.returncode == 0, f"{src}:\n{r.stderr}"


# ---------------------------------------------------------------------------------------
# ctypes bindings
# ---------------------------------------------------------------------------------------

class LP:
    """ctypes wrapper over the listpack/intset API; blobs are returned as bytes."""

    def __init__(self, path: str):
        self.lib = lib = ctypes.CDLL(path)
        c = ctypes
        u8p = c.c_void_p
        sig = {
            "fc_lp_new": (u8p, [c.c_size_t]),
            "fc_lp_free": (None, [u8p]),
            "fc_lp_bytes": (c.c_size_t, [u8p]),
            "fc_lp_length": (c.c_ulong, [u8p]),
            "fc_lp_append": (u8p, [u8p, c.c_char_p, c.c_uint32]),
            "fc_lp_append_integer": (u8p, [u8p, c.c_longlong]),
            "fc_lp_first": (u8p, [u8p]),
            "fc_lp_next": (u8p, [u8p, u8p]),
            "fc_lp_get_str": (u8p, [u8p, c.POINTER(c.c_uint32), c.c_char_p]),
            "fc_lp_validate": (c.c_int, [c.c_char_p, c.c_size_t, c.c_int]),
            "fc_intset_new": (u8p, []),
            "fc_intset_add": (u8p, [u8p, c.c_int64, c.POINTER(c.c_uint8)]),
            "fc_intset_blob_len": (c.c_size_t, [u8p]),
            "fc_intset_validate": (c.c_int, [c.c_char_p, c.c_size_t, c.c_int]),
            "fc_d2string": (c.c_int, [c.c_char_p, c.c_size_t, c.c_double]),
            "fc_crc64": (c.c_uint64, [c.c_uint64, c.c_char_p, c.c_uint64]),
        }
        for name, (res, args) in sig.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args

    def listpack(self, items) -> bytes:
        """A listpack of items (bytes, or int for the integer API), as bytes."""
        lp = self.lib.fc_lp_new(0)
        for it in items:
            if isinstance(it, int):
                lp = self.lib.fc_lp_append_integer(lp, it)
            else:
                lp = self.lib.fc_lp_append(lp, it, len(it))
        n = self.lib.fc_lp_bytes(lp)
        blob = ctypes.string_at(lp, n)
        assert self.lib.fc_lp_length(lp) == len(items)
        self.lib.fc_lp_free(lp)
        return blob

    def elements(self, blob: bytes) -> list[bytes]:
        """Decode a listpack blob with our reader (after validating it)."""
        assert self.lib.fc_lp_validate(blob, len(blob), 1) == 1
        buf = ctypes.create_string_buffer(len(blob))
        ctypes.memmove(buf, blob, len(blob))
        lp = ctypes.addressof(buf)
        out, ib = [], ctypes.create_string_buffer(21)
        p = self.lib.fc_lp_first(lp)
        n = ctypes.c_uint32()
        while p:
            s = self.lib.fc_lp_get_str(p, ctypes.byref(n), ib)
            out.append(ctypes.string_at(s, n.value))
            p = self.lib.fc_lp_next(lp, p)
        return out

    def intset(self, values) -> bytes:
        is_ = self.lib.fc_intset_new()
        ok = ctypes.c_uint8()
        for v in values:
            is_ = self.lib.fc_intset_add(is_, v, ctypes.byref(ok))
        blob = ctypes.string_at(is_, self.lib.fc_intset_blob_len(is_))
        ctypes.CDLL(None).free(ctypes.c_void_p(is_))  # fc_free == free + counter; counter unused here
        return blob

    def d2string(self, v: float) -> bytes:
        buf = ctypes.create_string_buffer(128)
        n = self.lib.fc_d2string(buf, 128, v)
        return buf.raw[:n]


@pytest.fixture(scope="module")
def lp(tmp_path_factory):
    d = tmp_path_factory.mktemp("lp_lib")
    so = str(d / "libfclistpack.so")
    r = _gcc(["-std=c99", "-O2", "-fPIC", "-shared", *WARN, "-I", CSRC, *SOURCES, "-lm", "-o", so], d)
    assert r.returncode == 0, r.stderr
    return LP(so)


# ---------------------------------------------------------------------------------------
# A private reference server, configured so every structure stays compact
# ---------------------------------------------------------------------------------------

BIG = "1000000000"


@pytest.fixture(scope="module")
def rref():
    args = ["--rdbcompression", "no", "--sanitize-dump-payload", "yes",
            "--hash-max-listpack-entries", BIG, "--hash-max-listpack-value", BIG,
            "--zset-max-listpack-entries", BIG, "--zset-max-listpack-value", BIG,
            "--set-max-intset-entries", BIG]
    with ServerHandle(reference_cmd(), args, name="reference-listpack") as s:
        c = RawClient(s.host, s.port)
        yield c
        c.close()


def _bulk(raw: bytes) -> bytes:
    assert raw.startswith(b"$"), raw
    head, _, rest = raw.partition(b"\r\n")
    return rest[:int(head[1:])]


def _read_len(buf: bytes, pos: int):
    b = buf[pos]
    kind = b >> 6
    if kind == 0:
        return b & 0x3F, pos + 1
    if kind == 1:
        return ((b & 0x3F) << 8) | buf[pos + 1], pos + 2
    if b == 0x80:
        return struct.unpack(">I", buf[pos + 1:pos + 5])[0], pos + 5
    if b == 0x81:
        return struct.unpack(">Q", buf[pos + 1:pos + 9])[0], pos + 9
    raise AssertionError(f"special (compressed/int) RDB string at {pos}: {b:#x}")


def _write_len(n: int) -> bytes:
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n <= 0xFFFFFFFF:
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def _read_str(buf: bytes, pos: int):
    n, pos = _read_len(buf, pos)
    return buf[pos:pos + n], pos + n


RDB_SET_INTSET, RDB_HASH_LISTPACK, RDB_ZSET_LISTPACK, RDB_LIST_QUICKLIST_2 = 11, 16, 17, 18


def _dump_blobs(c: RawClient, key: bytes):
    """(rdb type, [blob, ...]) from DUMP key: one blob, or one per quicklist node."""
    payload = _bulk(c.call("DUMP", key))
    body, trailer = payload[:-10], payload[-10:]
    assert trailer[:2] == b"\x0a\x00"  # RDB version 10
    t = body[0]
    if t == RDB_LIST_QUICKLIST_2:
        n, pos = _read_len(body, 1)
        blobs = []
        for _ in range(n):
            container, pos = _read_len(body, pos)
            assert container == 2, "packed node expected"
            blob, pos = _read_str(body, pos)
            blobs.append(blob)
    else:
        blob, pos = _read_str(body, 1)
        blobs = [blob]
    assert pos == len(body)
    return t, blobs


def _payload(lpk: LP, rdbtype: int, blobs) -> bytes:
    body = bytes([rdbtype])
    if rdbtype == RDB_LIST_QUICKLIST_2:
        body += _write_len(len(blobs)) + b"".join(b"\x02" + _write_len(len(b)) + b for b in blobs)
    else:
        (blob,) = blobs
        body += _write_len(len(blob)) + blob
    body += b"\x0a\x00"
    return body + struct.pack("<Q", lpk.lib.fc_crc64(0, body, len(body)))


# Elements covering every encoding width and the integer-lookalike strings.
INTS = [0, 1, 63, 64, 127, 128, -1, -63, -64, 4095, 4096, -4096, -4097, 2**15 - 1, 2**15, -2**15,
        -2**15 - 1, 2**23 - 1, 2**23, -2**23, -2**23 - 1, 2**31 - 1, 2**31, -2**31, -2**31 - 1,
        2**63 - 1, -2**63, 10**18, -(10**18)]
LOOKALIKES = [b"012", b"-0", b" 1", b"1 ", b"+1", b"00", b"-", b"", b"9223372036854775808",
              b"-9223372036854775809", b"1.5", b"0x10", b"1e3", b"\x00", b"12\x00"]
LENGTHS = [0, 1, 63, 64, 120, 126, 127, 4095, 4096, 16377, 16378, 100000]


def _elements(rnd):
    out = [str(v).encode() for v in INTS] + LOOKALIKES
    out += [bytes(rnd.randrange(256) for _ in range(n)) for n in LENGTHS]
    return list(dict.fromkeys(out))  # distinct (b"" is in both lists), order kept


def test_hash_listpack_bytes_equal_redis(rref, lp):
    rnd = random.Random(1)
    elems = _elements(rnd)
    fields = [b"f%d" % i for i in range(len(elems))] + elems
    values = elems + [b"v"] * len(elems)
    # Field/value pairs, distinct fields, every element as a field and as a value.
    rref.call("DEL", "h")
    args = []
    for f, v in zip(fields, values):
        args += [f, v]
    assert rref.pcall("HSET", "h", *args) == len(fields)
    assert rref.call("OBJECT", "ENCODING", "h") == b"$8\r\nlistpack\r\n"
    t, (blob,) = _dump_blobs(rref, b"h")
    assert t == RDB_HASH_LISTPACK
    mine = lp.listpack([x for pair in zip(fields, values) for x in pair])
    assert mine == blob
    assert lp.elements(blob) == [x for pair in zip(fields, values) for x in pair]


def test_hash_listpack_small_and_empty_values(rref, lp):
    for pairs in ([(b"a", b"1")], [(b"", b"")], [(b"-0", b"012")], [(b"x" * 64, b"9" * 19)]):
        rref.call("DEL", "h2")
        rref.call("HSET", "h2", *[x for p in pairs for x in p])
        _, (blob,) = _dump_blobs(rref, b"h2")
        assert lp.listpack([x for p in pairs for x in p]) == blob


def test_zset_listpack_bytes_equal_redis(rref, lp):
    rnd = random.Random(2)
    members = _elements(rnd)
    scores = [0.0, 1.0, -1.0, 1.5, 0.1, 1e-5, 2.0**53, 1e300, -0.25, 3.0, 127.0, 128.0, 4096.0,
              -4097.0, 2.0**31, 1e20, 123456789.125]
    rows = []
    rref.call("DEL", "z")
    args = []
    for i, m in enumerate(members):
        s = scores[i % len(scores)] + (i // len(scores))
        args += [repr(s).encode(), m]
        rows.append((s, m))
    assert rref.pcall("ZADD", "z", *args) == len(members)
    assert rref.call("OBJECT", "ENCODING", "z") == b"$8\r\nlistpack\r\n"
    t, (blob,) = _dump_blobs(rref, b"z")
    assert t == RDB_ZSET_LISTPACK
    rows.sort()
    # The zset listpack holds member, score pairs ordered by (score, member); scores are
    # stored as their %.17g text (which becomes an integer entry when it is one).
    items = [x for s, m in rows for x in (m, lp.d2string(s))]
    assert lp.listpack(items) == blob


def test_set_intset_bytes_equal_redis(rref, lp):
    cases = [[1], [0, 1, 2], [-1, 5, 2**15], [2**15 - 1, -2**15], [2**31 - 1, -2**31, 7],
             [2**31], [-2**31 - 1, 3], [2**63 - 1, -2**63, 0], INTS]
    rnd = random.Random(3)
    cases += [[rnd.randrange(-2**rnd.choice([7, 15, 31, 63]), 2**rnd.choice([7, 15, 31, 63]))
               for _ in range(rnd.randrange(1, 300))] for _ in range(20)]
    for vals in cases:
        rref.call("DEL", "s")
        rref.call("SADD", "s", *vals)
        assert rref.call("OBJECT", "ENCODING", "s") == b"$6\r\nintset\r\n"
        t, (blob,) = _dump_blobs(rref, b"s")
        assert t == RDB_SET_INTSET
        mine = lp.intset(vals)
        assert mine == blob, vals
        assert lp.lib.fc_intset_validate(blob, len(blob), 1) == 1


def test_list_quicklist_nodes_bytes_equal_redis(rref, lp):
    rnd = random.Random(4)
    elems = _elements(rnd)
    try:
        for size in ("-2", "5", "-1"):
            rref.call("CONFIG", "SET", "list-max-listpack-size", size)
            rref.call("DEL", "l")
            rref.call("RPUSH", "l", *elems)
            assert rref.call("OBJECT", "ENCODING", "l") == b"$9\r\nquicklist\r\n"
            t, blobs = _dump_blobs(rref, b"l")
            assert t == RDB_LIST_QUICKLIST_2
            got = [e for b in blobs for e in lp.elements(b)]
            assert got == elems
            # Rebuild node by node with our API.
            pos = 0
            for b in blobs:
                n = len(lp.elements(b))
                assert lp.listpack(elems[pos:pos + n]) == b
                pos += n
            assert len(blobs) > 1
    finally:
        rref.call("CONFIG", "SET", "list-max-listpack-size", "-2")


def test_integer_api_bytes_equal_string_api(lp):
    for v in INTS:
        assert lp.listpack([v]) == lp.listpack([str(v).encode()])


def test_redis_accepts_our_blobs_on_restore(rref, lp):
    rnd = random.Random(5)
    elems = _elements(rnd)
    fields = [b"k%d" % i for i in range(len(elems))]
    hblob = lp.listpack([x for p in zip(fields, elems) for x in p])
    rref.call("DEL", "rh")
    assert rref.call("RESTORE", "rh", 0, _payload(lp, RDB_HASH_LISTPACK, [hblob])) == b"+OK\r\n"
    for f, v in zip(fields, elems):
        assert _bulk(rref.call("HGET", "rh", f)) == v
    lblobs = [lp.listpack(elems[:10]), lp.listpack(elems[10:])]
    rref.call("DEL", "rl")
    assert rref.call("RESTORE", "rl", 0, _payload(lp, RDB_LIST_QUICKLIST_2, lblobs)) == b"+OK\r\n"
    assert rref.pcall("LRANGE", "rl", 0, -1) == elems
    sblob = lp.intset(INTS)
    rref.call("DEL", "rs")
    assert rref.call("RESTORE", "rs", 0, _payload(lp, RDB_SET_INTSET, [sblob])) == b"+OK\r\n"
    assert sorted(int(x) for x in rref.pcall("SMEMBERS", "rs")) == sorted(INTS)


def test_validate_rejects_corrupt_redis_blobs(rref, lp):
    rnd = random.Random(6)
    rref.call("DEL", "h3")
    rref.call("HSET", "h3", *[x for i in range(20) for x in (b"f%d" % i, b"v" * (i * 7))])
    _, (blob,) = _dump_blobs(rref, b"h3")
    assert lp.lib.fc_lp_validate(blob, len(blob), 1) == 1
    for n in range(len(blob)):
        assert lp.lib.fc_lp_validate(blob[:n], n, 1) == 0
    # Structural bytes (encodings, backlens) of this all-string listpack; flips inside
    # string data are (rightly) still valid blobs.
    structural, pos = [], 6
    while blob[pos] != 0xFF:
        b = blob[pos]
        hl, n = (1, b & 0x3F) if b >> 6 == 2 else (2, ((b & 0x0F) << 8) | blob[pos + 1])
        bl = 1 if hl + n <= 127 else 2
        structural += list(range(pos, pos + hl)) + list(range(pos + hl + n, pos + hl + n + bl))
        pos += hl + n + bl
    rejected = 0
    for i in structural:
        for bit in range(8):
            b = bytearray(blob)
            b[i] ^= 1 << bit
            rejected += lp.lib.fc_lp_validate(bytes(b), len(b), 1) == 0
    assert rejected > 0.9 * 8 * len(structural)
    for _ in range(300):
        b = bytearray(blob)
        b[rnd.randrange(6, len(b) - 1)] ^= 1 << rnd.randrange(8)
        lp.lib.fc_lp_validate(bytes(b), len(b), 1)  # must not crash
