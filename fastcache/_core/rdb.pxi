# rdb.pxi — Redis's RDB format: the value codec (DUMP/RESTORE), the snapshot
# writer and loader, and Redis's DEBUG DIGEST.
#
# Design note.  One codec serves both uses.  The writer appends to an `rdb_out`
# buffer that either grows in memory (DUMP) or is flushed to a file descriptor in
# 64 KiB chunks (rdb_save), with the CRC64 computed over each flushed chunk; no
# Python object is made per key.  The reader parses an `rdb_in` byte range — the
# RESTORE argument, or the whole file mmap()ed read-only — with a bounds check on
# every read, so corrupt or truncated input only ever sets `r.err` (with a static
# reason) and never reads outside the buffer.
#
# Compatibility rules reproduced from Redis 7.0 (rdb.c):
#   - strings of <= 11 bytes that are canonical integers fitting int32 are written
#     int-encoded; strings > 20 bytes are LZF-compressed when `rdbcompression` is
#     on and the result saves at least 4 bytes (our LZF output is valid liblzf
#     input but not always byte-identical to Redis's, so DUMP payloads of
#     compressible values may differ in bytes while loading identically);
#   - compact encodings are written as their blobs (listpack / intset), lists as
#     QUICKLIST_2 of packed nodes (compressed nodes as their LZF blob, as Redis);
#     skiplist zsets tail-to-head with binary doubles (ZSET_2);
#   - the loader reads RDB 1..11 and every legacy encoding (ziplist, zipmap,
#     quicklist v1, Redis 7.2's set listpack), converting to our encodings with
#     the current thresholds as Redis does on load.
# Safety over Redis: every blob is validated deeply (structure, pairs, order of
# zset listpacks, no duplicate members/fields), because our commands trust the
# blobs they operate on; Redis does that only under sanitize-dump-payload.

from libc.stdint cimport int8_t, int16_t

cdef extern from "crc64.h" nogil:
    uint64_t rdb_crc64 "fc_crc64"(uint64_t crc, const unsigned char *s, uint64_t l)

cdef extern from "sha1.h" nogil:
    ctypedef struct fc_sha1_ctx:
        pass
    void fc_sha1_init(fc_sha1_ctx *ctx)
    void fc_sha1_update(fc_sha1_ctx *ctx, const void *data, size_t len)
    void fc_sha1_final(fc_sha1_ctx *ctx, unsigned char *out)
    void fc_sha1(const void *data, size_t len, unsigned char *out)

cdef extern from "intset.h" nogil:
    int rdb_intset_validate "fc_intset_validate"(const unsigned char *p, size_t size, int deep)

cdef extern from "<unistd.h>" nogil:
    ssize_t c_write "write"(int fd, const void *buf, size_t n)
    int c_close "close"(int fd)
    int c_fsync "fsync"(int fd)
    int c_unlink "unlink"(const char *path)

cdef extern from "<fcntl.h>" nogil:
    int c_open "open"(const char *path, int flags, ...)
    int O_WRONLY
    int O_CREAT
    int O_TRUNC
    int O_RDONLY

cdef extern from "<stdio.h>" nogil:
    int c_rename "rename"(const char *a, const char *b)

cdef extern from "<sys/mman.h>" nogil:
    void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)
    int munmap(void *addr, size_t length)
    int madvise(void *addr, size_t length, int advice)
    int PROT_READ
    int MAP_PRIVATE
    int MADV_SEQUENTIAL
    void *MAP_FAILED

cdef extern from "<math.h>" nogil:
    bint rdb_isnan "isnan"(double x)
    double HUGE_VAL

cdef enum:
    RDB_VERSION = 10
    RDB_TYPE_STRING = 0
    RDB_TYPE_LIST = 1
    RDB_TYPE_SET = 2
    RDB_TYPE_ZSET = 3
    RDB_TYPE_HASH = 4
    RDB_TYPE_ZSET_2 = 5
    RDB_TYPE_MODULE = 6
    RDB_TYPE_MODULE_2 = 7
    RDB_TYPE_HASH_ZIPMAP = 9
    RDB_TYPE_LIST_ZIPLIST = 10
    RDB_TYPE_SET_INTSET = 11
    RDB_TYPE_ZSET_ZIPLIST = 12
    RDB_TYPE_HASH_ZIPLIST = 13
    RDB_TYPE_LIST_QUICKLIST = 14
    RDB_TYPE_STREAM_LISTPACKS = 15
    RDB_TYPE_HASH_LISTPACK = 16
    RDB_TYPE_ZSET_LISTPACK = 17
    RDB_TYPE_LIST_QUICKLIST_2 = 18
    RDB_TYPE_STREAM_LISTPACKS_2 = 19
    RDB_TYPE_SET_LISTPACK = 20
    RDB_TYPE_STREAM_LISTPACKS_3 = 21
    RDB_OPCODE_FUNCTION2 = 245
    RDB_OPCODE_FUNCTION = 246
    RDB_OPCODE_MODULE_AUX = 247
    RDB_OPCODE_IDLE = 248
    RDB_OPCODE_FREQ = 249
    RDB_OPCODE_AUX = 250
    RDB_OPCODE_RESIZEDB = 251
    RDB_OPCODE_EXPIRETIME_MS = 252
    RDB_OPCODE_EXPIRETIME = 253
    RDB_OPCODE_SELECTDB = 254
    RDB_OPCODE_EOF = 255
    RDB_ENC_INT8 = 0
    RDB_ENC_INT16 = 1
    RDB_ENC_INT32 = 2
    RDB_ENC_LZF = 3
    QL_CONTAINER_PLAIN = 1
    QL_CONTAINER_PACKED = 2
    RDB_OUT_CHUNK = 64 * 1024
    LFU_INIT_VAL = 5

class RdbError(Exception):
    """A corrupt, truncated or unsupported RDB file or payload."""

# Module flags the orchestration sets (core.set_option): Redis's rdbcompression
# and rdbchecksum, both on by default.
cdef bint rdb_compression = True
cdef bint rdb_checksum = True

# Function libraries (fastcache/functions.py, bound through functions.pxi's
# rdb_set_functions_hooks): get() -> [library code, ...] for RDB save and the AOF
# rewrite; set([code, ...]) replaces every library after a load (Redis empties
# the functions with the data, then loads the file's).  None: no libraries.
cdef object _rdb_functions_get = None
cdef object _rdb_functions_set = None

# ---- output ----------------------------------------------------------------------------

ctypedef struct rdb_out:
    unsigned char *buf
    size_t len
    size_t cap
    int fd                 # -1: memory only
    uint64_t crc           # over flushed bytes (file mode)
    size_t flushed
    int failed             # errno of a failed write
    unsigned char *scratch # LZF output
    size_t scratch_cap

cdef void out_init(rdb_out *o, int fd) noexcept nogil:
    o.cap = RDB_OUT_CHUNK if fd >= 0 else 256
    o.buf = <unsigned char *>fc_malloc(o.cap)
    o.len = 0
    o.fd = fd
    o.crc = 0
    o.flushed = 0
    o.failed = 0
    o.scratch = NULL
    o.scratch_cap = 0

cdef void out_release(rdb_out *o) noexcept nogil:
    fc_free(o.buf)
    if o.scratch != NULL:
        fc_free(o.scratch)
    o.buf = NULL
    o.scratch = NULL

cdef void out_write_fd(rdb_out *o, const unsigned char *p, size_t n) noexcept nogil:
    cdef ssize_t w
    if o.failed:
        return
    o.crc = rdb_crc64(o.crc, p, n)
    o.flushed += n
    while n > 0:
        w = c_write(o.fd, p, n)
        if w < 0:
            if errno == EINTR:
                continue
            o.failed = errno
            return
        p += w
        n -= <size_t>w

cdef inline void out_flush(rdb_out *o) noexcept nogil:
    if o.fd >= 0 and o.len:
        out_write_fd(o, o.buf, o.len)
        o.len = 0

cdef void out_write(rdb_out *o, const void *p, size_t n) noexcept nogil:
    cdef size_t cap
    if o.len + n > o.cap:
        if o.fd >= 0:
            out_flush(o)
            if n >= o.cap:
                out_write_fd(o, <const unsigned char *>p, n)
                return
        else:
            cap = o.cap * 2
            while cap < o.len + n:
                cap *= 2
            o.buf = <unsigned char *>fc_realloc(o.buf, cap)
            o.cap = cap
    memcpy(o.buf + o.len, p, n)
    o.len += n

cdef inline void out_byte(rdb_out *o, unsigned char b) noexcept nogil:
    if o.len < o.cap:
        o.buf[o.len] = b
        o.len += 1
    else:
        out_write(o, &b, 1)

cdef void rdb_save_len(rdb_out *o, uint64_t n) noexcept nogil:
    """Redis's length encoding: 6 bits, 14 bits, 32-bit or 64-bit big endian."""
    cdef unsigned char b[9]
    cdef int i
    if n < 64:
        out_byte(o, <unsigned char>n)
    elif n < 16384:
        b[0] = <unsigned char>(0x40 | (n >> 8))
        b[1] = <unsigned char>(n & 0xff)
        out_write(o, b, 2)
    elif n <= 0xFFFFFFFFULL:
        b[0] = 0x80
        for i in range(4):
            b[1 + i] = <unsigned char>((n >> (24 - 8 * i)) & 0xff)
        out_write(o, b, 5)
    else:
        b[0] = 0x81
        for i in range(8):
            b[1 + i] = <unsigned char>((n >> (56 - 8 * i)) & 0xff)
        out_write(o, b, 9)

cdef int rdb_encode_int(long long v, unsigned char *enc) noexcept nogil:
    """rdbEncodeInteger: INT8/16/32 special encodings (little endian); 0 if v
    doesn't fit 32 bits."""
    if -128 <= v <= 127:
        enc[0] = 0xC0 | RDB_ENC_INT8
        enc[1] = <unsigned char>(v & 0xff)
        return 2
    if -32768 <= v <= 32767:
        enc[0] = 0xC0 | RDB_ENC_INT16
        enc[1] = <unsigned char>(v & 0xff)
        enc[2] = <unsigned char>((v >> 8) & 0xff)
        return 3
    if -2147483648LL <= v <= 2147483647LL:
        enc[0] = 0xC0 | RDB_ENC_INT32
        enc[1] = <unsigned char>(v & 0xff)
        enc[2] = <unsigned char>((v >> 8) & 0xff)
        enc[3] = <unsigned char>((v >> 16) & 0xff)
        enc[4] = <unsigned char>((v >> 24) & 0xff)
        return 5
    return 0

cdef void rdb_save_ll_string(rdb_out *o, long long v) noexcept nogil:
    """rdbSaveLongLongAsStringObject: int-encoded if it fits 32 bits, else text."""
    cdef unsigned char enc[24]
    cdef int n = rdb_encode_int(v, enc)
    if n > 0:
        out_write(o, enc, n)
        return
    n = fc_ll2string(<char *>enc, 24, v)
    rdb_save_len(o, n)
    out_write(o, enc, n)

cdef void rdb_save_lzf_blob(rdb_out *o, const void *data, size_t clen, size_t ulen) noexcept nogil:
    out_byte(o, 0xC0 | RDB_ENC_LZF)
    rdb_save_len(o, clen)
    rdb_save_len(o, ulen)
    out_write(o, data, clen)

cdef void rdb_save_raw_string(rdb_out *o, const void *s, size_t n) noexcept nogil:
    """rdbSaveRawString: int encoding for short canonical integers, LZF for
    strings over 20 bytes when rdbcompression is on, else length + bytes."""
    cdef unsigned char enc[8]
    cdef long long v
    cdef int k
    cdef unsigned int clen
    if n <= 11 and n > 0 and fc_string2ll(<const char *>s, n, &v) == 1:
        k = rdb_encode_int(v, enc)
        if k > 0:
            out_write(o, enc, k)
            return
    if rdb_compression and n > 20 and n < 0xFFFFFFFFULL:
        if o.scratch_cap < n:
            if o.scratch != NULL:
                fc_free(o.scratch)
            o.scratch = <unsigned char *>fc_malloc(n)
            o.scratch_cap = n
        clen = fc_lzf_compress(s, <unsigned int>n, o.scratch, <unsigned int>(n - 4))
        if clen > 0:
            rdb_save_lzf_blob(o, o.scratch, clen, n)
            return
    rdb_save_len(o, n)
    out_write(o, s, n)

cdef int rdb_object_type(fc_entry *e) noexcept nogil:
    """rdbSaveObjectType's type byte for the value's encoding."""
    if e.type == OBJ_STRING:
        return RDB_TYPE_STRING
    if e.type == OBJ_LIST:
        return RDB_TYPE_LIST_QUICKLIST_2
    if e.type == OBJ_SET:
        return RDB_TYPE_SET_INTSET if e.enc == ENC_INTSET else RDB_TYPE_SET
    if e.type == OBJ_ZSET:
        return RDB_TYPE_ZSET_LISTPACK if e.enc == ENC_LISTPACK else RDB_TYPE_ZSET_2
    if e.type == OBJ_HASH:
        return RDB_TYPE_HASH_LISTPACK if e.enc == ENC_LISTPACK else RDB_TYPE_HASH
    return -1

cdef void rdb_save_value(rdb_out *o, fc_entry *e) noexcept nogil:
    """rdbSaveObject: the value in the encoding named by rdb_object_type."""
    cdef char tmp[LONG_STR_SIZE]
    cdef size_t n
    cdef const char *s
    cdef quicklist *ql
    cdef ql_node *node
    cdef ql_lzf *z
    cdef setv sv
    cdef setiter si
    cdef setelem el
    cdef fc_zset *zs
    cdef zsl_node *x
    cdef unsigned char *lp
    cdef hash_iter hi
    cdef char fbuf[FC_LP_INTBUF_SIZE]
    cdef double score
    if e.type == OBJ_STRING:
        if e.enc == ENC_INT:
            rdb_save_ll_string(o, entry_int(e))
        else:
            s = entry_str(e, tmp, &n)
            rdb_save_raw_string(o, s, n)
    elif e.type == OBJ_LIST:
        ql = <quicklist *>entry_ptr(e)
        rdb_save_len(o, ql.len)
        node = ql.head
        while node != NULL:
            rdb_save_len(o, QL_CONTAINER_PACKED)
            if node.compressed:
                z = <ql_lzf *>node.lp
                rdb_save_lzf_blob(o, (<char *>z) + sizeof(ql_lzf), z.sz, node.sz)
            else:
                rdb_save_raw_string(o, node.lp, node.sz)
            node = node.next
    elif e.type == OBJ_SET:
        sv = setv_load(e)
        if sv.enc == ENC_INTSET:
            rdb_save_raw_string(o, sv.p, fc_intset_blob_len(<fc_intset *>sv.p))
        else:
            rdb_save_len(o, setv_size(&sv))
            setiter_init(&si, &sv)
            while setiter_next(&si, &el):
                rdb_save_raw_string(o, el.s, el.n)
    elif e.type == OBJ_ZSET:
        if e.enc == ENC_LISTPACK:
            lp = <unsigned char *>entry_ptr(e)
            rdb_save_raw_string(o, lp, fc_lp_bytes(lp))
        else:
            # tail to head, so that the loader's inserts land at the head (Redis)
            zs = <fc_zset *>entry_ptr(e)
            rdb_save_len(o, zs.length)
            x = zs.tail
            while x != NULL:
                rdb_save_raw_string(o, zn_ele(x), x.klen)
                score = x.score
                out_write(o, &score, 8)      # little-endian host, as Redis writes it
                x = x.backward
    elif e.type == OBJ_HASH:
        if e.enc == ENC_LISTPACK:
            lp = <unsigned char *>entry_ptr(e)
            rdb_save_raw_string(o, lp, fc_lp_bytes(lp))
        else:
            rdb_save_len(o, hash_len(e))
            hash_iter_init(&hi, e)
            while hash_iter_next(&hi):
                s = hash_iter_field(&hi, &n, fbuf)
                rdb_save_raw_string(o, s, n)
                s = hash_iter_value(&hi, &n, fbuf)
                rdb_save_raw_string(o, s, n)

cdef void dump_payload(rdb_out *o, fc_entry *e) noexcept nogil:
    """createDumpPayload: type byte, value, RDB version (2 bytes LE), CRC64 LE."""
    cdef uint64_t crc
    cdef unsigned char ver[2]
    out_byte(o, <unsigned char>rdb_object_type(e))
    rdb_save_value(o, e)
    ver[0] = RDB_VERSION & 0xff
    ver[1] = (RDB_VERSION >> 8) & 0xff
    out_write(o, ver, 2)
    crc = rdb_crc64(0, o.buf, o.len)
    out_write(o, &crc, 8)

# ---- input -----------------------------------------------------------------------------

ctypedef struct rdb_in:
    const unsigned char *p
    size_t len
    size_t pos
    const char *err        # NULL while fine; else the reason (static text)
    bint empty             # the value just read was an empty aggregate (skipped)

ctypedef struct rstr:
    const char *s
    size_t n
    char *owned            # fc_malloc'd (LZF) or NULL
    char ibuf[24]

cdef inline void rstr_init(rstr *x) noexcept nogil:
    x.s = NULL
    x.n = 0
    x.owned = NULL

cdef inline void rstr_free(rstr *x) noexcept nogil:
    if x.owned != NULL:
        fc_free(x.owned)
        x.owned = NULL

cdef inline bint rin_fail(rdb_in *r, const char *why) noexcept nogil:
    if r.err == NULL:
        r.err = why
    return False

cdef inline bint rin_need(rdb_in *r, size_t n) noexcept nogil:
    if r.err != NULL:
        return False
    if n > r.len - r.pos:
        return rin_fail(r, "Unexpected EOF reading RDB file")
    return True

cdef inline int rin_byte(rdb_in *r) noexcept nogil:
    if not rin_need(r, 1):
        return -1
    r.pos += 1
    return r.p[r.pos - 1]

cdef uint64_t rdb_load_len(rdb_in *r, bint *isenc) noexcept nogil:
    cdef int b = rin_byte(r)
    cdef uint64_t v = 0
    cdef int i, t
    if isenc != NULL:
        isenc[0] = False
    if b < 0:
        return 0
    t = (b & 0xC0) >> 6
    if t == 3:
        if isenc == NULL:
            rin_fail(r, "Unknown length encoding in rdbLoadLen()")
            return 0
        isenc[0] = True
        return b & 0x3F
    if t == 0:
        return b & 0x3F
    if t == 1:
        i = rin_byte(r)
        if i < 0:
            return 0
        return ((<uint64_t>(b & 0x3F)) << 8) | <uint64_t>i
    if b == 0x80:
        if not rin_need(r, 4):
            return 0
        for i in range(4):
            v = (v << 8) | r.p[r.pos + i]
        r.pos += 4
        return v
    if b == 0x81:
        if not rin_need(r, 8):
            return 0
        for i in range(8):
            v = (v << 8) | r.p[r.pos + i]
        r.pos += 8
        return v
    rin_fail(r, "Unknown length encoding in rdbLoadLen()")
    return 0

cdef inline uint64_t rdb_load_plain_len(rdb_in *r) noexcept nogil:
    return rdb_load_len(r, NULL)

cdef uint64_t rdb_load_aggregate_len(rdb_in *r) noexcept nogil:
    """An element count: every element takes at least one byte, so a count larger
    than what is left is corrupt (and must not presize tables to match it)."""
    cdef uint64_t n = rdb_load_plain_len(r)
    if r.err == NULL and n > r.len - r.pos:
        rin_fail(r, "Unexpected EOF reading RDB file")
        return 0
    return n

cdef bint rdb_load_string(rdb_in *r, rstr *out) noexcept nogil:
    """A string in any encoding; out.s points into the input, into out.ibuf
    (integers) or into out.owned (LZF).  False (r.err set) on bad input."""
    cdef bint isenc
    cdef uint64_t n = rdb_load_len(r, &isenc)
    cdef uint64_t clen, ulen
    cdef long long v
    cdef const unsigned char *q
    rstr_init(out)
    if r.err != NULL:
        return False
    if isenc:
        if n == RDB_ENC_INT8:
            if not rin_need(r, 1):
                return False
            v = <int8_t>r.p[r.pos]
            r.pos += 1
        elif n == RDB_ENC_INT16:
            if not rin_need(r, 2):
                return False
            q = r.p + r.pos
            v = <int16_t>(<uint16_t>q[0] | (<uint16_t>q[1] << 8))
            r.pos += 2
        elif n == RDB_ENC_INT32:
            if not rin_need(r, 4):
                return False
            q = r.p + r.pos
            v = <int32_t>(<uint32_t>q[0] | (<uint32_t>q[1] << 8) | (<uint32_t>q[2] << 16) | (<uint32_t>q[3] << 24))
            r.pos += 4
        elif n == RDB_ENC_LZF:
            clen = rdb_load_plain_len(r)
            ulen = rdb_load_plain_len(r)
            if r.err != NULL or not rin_need(r, clen):
                return False
            # an LZF back reference yields at most 264 bytes from 2-3 input bytes:
            # refuse lengths no stream of clen bytes can produce (corrupt input
            # must not make us allocate gigabytes)
            if clen == 0 or ulen > clen * 132 + 64:
                return rin_fail(r, "Invalid LZF compressed string")
            out.owned = <char *>fc_malloc(ulen if ulen else 1)
            if ulen and fc_lzf_decompress(r.p + r.pos, <unsigned int>clen, out.owned, <unsigned int>ulen) != ulen:
                rstr_free(out)
                return rin_fail(r, "Invalid LZF compressed string")
            r.pos += clen
            out.s = out.owned
            out.n = ulen
            return True
        else:
            return rin_fail(r, "Unknown RDB string encoding type")
        out.n = <size_t>fc_ll2string(out.ibuf, 24, v)
        out.s = out.ibuf
        return True
    if not rin_need(r, n):
        return False
    out.s = <const char *>(r.p + r.pos)
    out.n = n
    r.pos += n
    return True

cdef bint rdb_load_double_text(rdb_in *r, double *d) noexcept nogil:
    """rdbLoadDoubleValue (ZSET type 3): length byte, 253 nan, 254 inf, 255 -inf."""
    cdef int n = rin_byte(r)
    cdef char buf[256]
    cdef char *end
    if n < 0:
        return False
    if n == 255:
        d[0] = -HUGE_VAL
        return True
    if n == 254:
        d[0] = HUGE_VAL
        return True
    if n == 253:
        d[0] = strtod("nan", NULL)
        return True
    if not rin_need(r, n):
        return False
    memcpy(buf, r.p + r.pos, n)
    buf[n] = 0
    r.pos += n
    d[0] = strtod(buf, &end)
    if end == buf:
        return rin_fail(r, "Bad double value")
    return True

# ---- ziplist / zipmap (legacy encodings, read only) ------------------------------------

ctypedef struct zlentry:
    bint isint
    long long ll
    const unsigned char *s
    uint32_t n
    size_t size            # whole entry bytes (prevlen + encoding + data)

cdef long zl_entry_at(const unsigned char *zl, size_t size, size_t pos, zlentry *ent) noexcept nogil:
    """Parse the ziplist entry at pos with bounds checks; returns its prevlen
    field or -1 if malformed.  The end byte (0xFF) is not an entry."""
    cdef size_t p = pos
    cdef size_t prevlen
    cdef unsigned char enc
    cdef size_t hdr, dlen = 0
    cdef const unsigned char *q
    if p >= size - 1:
        return -1
    if zl[p] < 254:
        prevlen = zl[p]
        p += 1
    elif zl[p] == 254:
        if p + 5 > size - 1:
            return -1
        prevlen = <size_t>zl[p + 1] | (<size_t>zl[p + 2] << 8) | (<size_t>zl[p + 3] << 16) | (<size_t>zl[p + 4] << 24)
        p += 5
    else:
        return -1
    if p >= size - 1:
        return -1
    enc = zl[p]
    ent.isint = False
    if (enc & 0xC0) == 0x00:
        dlen = enc & 0x3F
        hdr = 1
    elif (enc & 0xC0) == 0x40:
        if p + 2 > size - 1:
            return -1
        dlen = ((<size_t>(enc & 0x3F)) << 8) | zl[p + 1]
        hdr = 2
    elif enc == 0x80:
        if p + 5 > size - 1:
            return -1
        dlen = (<size_t>zl[p + 1] << 24) | (<size_t>zl[p + 2] << 16) | (<size_t>zl[p + 3] << 8) | zl[p + 4]
        hdr = 5
    elif (enc & 0xC0) == 0x80:
        return -1
    else:
        ent.isint = True
        hdr = 1
        if enc == 0xC0:
            dlen = 2
        elif enc == 0xD0:
            dlen = 4
        elif enc == 0xE0:
            dlen = 8
        elif enc == 0xF0:
            dlen = 3
        elif enc == 0xFE:
            dlen = 1
        elif 0xF1 <= enc <= 0xFD:
            dlen = 0
        else:
            return -1
    if p + hdr + dlen > size - 1:
        return -1
    q = zl + p + hdr
    if ent.isint:
        if enc == 0xC0:
            ent.ll = <int16_t>(<uint16_t>q[0] | (<uint16_t>q[1] << 8))
        elif enc == 0xD0:
            ent.ll = <int32_t>(<uint32_t>q[0] | (<uint32_t>q[1] << 8) | (<uint32_t>q[2] << 16) | (<uint32_t>q[3] << 24))
        elif enc == 0xE0:
            memcpy(&ent.ll, q, 8)
        elif enc == 0xF0:
            ent.ll = (<int32_t>((<uint32_t>q[0] << 8) | (<uint32_t>q[1] << 16) | (<uint32_t>q[2] << 24))) >> 8
        elif enc == 0xFE:
            ent.ll = <int8_t>q[0]
        else:
            ent.ll = (enc & 0x0F) - 1
    else:
        ent.s = q
        ent.n = <uint32_t>dlen
    ent.size = p + hdr + dlen - pos
    return <long>prevlen

cdef long zl_validate(const unsigned char *zl, size_t size) noexcept nogil:
    """Whole-ziplist check (header, every entry, prevlen chain, tail offset,
    count, terminator).  Returns the entry count or -1."""
    cdef uint32_t zlbytes, zltail
    cdef uint16_t zllen
    cdef size_t pos = 10, prev_size = 0, last = 10
    cdef long count = 0
    cdef long pl
    cdef zlentry ent
    if size < 11:
        return -1
    zlbytes = <uint32_t>zl[0] | (<uint32_t>zl[1] << 8) | (<uint32_t>zl[2] << 16) | (<uint32_t>zl[3] << 24)
    zltail = <uint32_t>zl[4] | (<uint32_t>zl[5] << 8) | (<uint32_t>zl[6] << 16) | (<uint32_t>zl[7] << 24)
    zllen = <uint16_t>(zl[8] | (zl[9] << 8))
    if zlbytes != size or zl[size - 1] != 0xFF:
        return -1
    while pos < size - 1:
        pl = zl_entry_at(zl, size, pos, &ent)
        if pl < 0 or <size_t>pl != prev_size:
            return -1
        last = pos
        prev_size = ent.size
        pos += ent.size
        count += 1
    if pos != size - 1 or zltail != last:
        return -1
    if zllen != 65535 and zllen != count:
        return -1
    return count

cdef inline const char *zl_entry_str(zlentry *ent, char *buf, size_t *n) noexcept nogil:
    if ent.isint:
        n[0] = <size_t>fc_ll2string(buf, 24, ent.ll)
        return buf
    n[0] = ent.n
    return <const char *>ent.s

cdef unsigned char *zl_to_listpack(const unsigned char *zl, size_t size) noexcept nogil:
    """A listpack with the (validated) ziplist's entries in order."""
    cdef unsigned char *lp = fc_lp_new(size)
    cdef size_t pos = 10
    cdef zlentry ent
    while pos < size - 1:
        zl_entry_at(zl, size, pos, &ent)
        if ent.isint:
            lp = fc_lp_append_integer(lp, ent.ll)
        else:
            lp = fc_lp_append(lp, ent.s, ent.n)
        pos += ent.size
    return lp

cdef bint zm_read_len(const unsigned char *zm, size_t size, size_t *pos, uint32_t *out) noexcept nogil:
    cdef size_t p = pos[0]
    if p >= size:
        return False
    if zm[p] < 254:
        out[0] = zm[p]
        pos[0] = p + 1
        return True
    if zm[p] == 254:
        if p + 5 > size:
            return False
        out[0] = <uint32_t>zm[p + 1] | (<uint32_t>zm[p + 2] << 8) | (<uint32_t>zm[p + 3] << 16) | (<uint32_t>zm[p + 4] << 24)
        pos[0] = p + 5
        return True
    return False

cdef long zm_next(const unsigned char *zm, size_t size, size_t *pos, const unsigned char **k, uint32_t *kl,
                  const unsigned char **v, uint32_t *vl) noexcept nogil:
    """Next zipmap pair: 1, 0 at the end marker, -1 if malformed."""
    cdef size_t p = pos[0]
    cdef uint32_t free_
    if p >= size:
        return -1
    if zm[p] == 255:
        return 0 if p == size - 1 else -1
    if not zm_read_len(zm, size, &p, kl) or p + kl[0] > size:
        return -1
    k[0] = zm + p
    p += kl[0]
    if not zm_read_len(zm, size, &p, vl) or p >= size:
        return -1
    free_ = zm[p]
    p += 1
    if p + vl[0] + free_ > size:
        return -1
    v[0] = zm + p
    p += vl[0] + free_
    pos[0] = p
    return 1

# ---- value loading ----------------------------------------------------------------------

cdef inline fc_entry *new_ptr_entry(const char *key, size_t klen, int type, int enc, void *p) noexcept nogil:
    cdef fc_entry *e = entry_alloc(key, klen, sizeof(void *))
    e.type = <uint8_t>type
    e.enc = <uint8_t>enc
    entry_set_ptr(e, p)
    return e

cdef bint lp_pairs_unique(unsigned char *lp, unsigned long count) noexcept nogil:
    """No two keys (elements 0, 2, 4 ...) of a key/value listpack are equal."""
    cdef unsigned char *p
    cdef unsigned char *q
    cdef unsigned char buf[FC_LP_INTBUF_SIZE]
    cdef const unsigned char *s
    cdef uint32_t n
    cdef fc_dict *d
    cdef bint ok = True
    if count <= 2:
        return True
    if count <= 64:
        p = fc_lp_first(lp)
        while p != NULL:
            s = fc_lp_get_str(p, &n, buf)
            q = fc_lp_next(lp, p)
            q = fc_lp_next(lp, q) if q != NULL else NULL
            if q != NULL and fc_lp_find(lp, q, s, n, 1) != NULL:
                return False
            p = fc_lp_next(lp, p)
            p = fc_lp_next(lp, p) if p != NULL else NULL
        return True
    d = setdict_new()
    p = fc_lp_first(lp)
    while p != NULL:
        s = fc_lp_get_str(p, &n, buf)
        if not setdict_add(d, <const char *>s, n):
            ok = False
            break
        p = fc_lp_next(lp, p)
        p = fc_lp_next(lp, p) if p != NULL else NULL
    setdict_free(d)
    return ok

cdef unsigned char *load_listpack_blob(rdb_in *r, unsigned long *count) noexcept nogil:
    """Read a string holding a listpack, validate it deeply, return our copy."""
    cdef rstr x
    cdef unsigned char *lp
    if not rdb_load_string(r, &x):
        return NULL
    if not fc_lp_validate(<const unsigned char *>x.s, x.n, 1):
        rstr_free(&x)
        rin_fail(r, "Listpack integrity check failed.")
        return NULL
    lp = <unsigned char *>fc_malloc(x.n)
    memcpy(lp, x.s, x.n)
    rstr_free(&x)
    count[0] = fc_lp_length(lp)
    return lp

cdef bint zzl_check(unsigned char *lp, unsigned long count) noexcept nogil:
    """A zset listpack we can trust: pairs, every score a number (not NaN),
    ordered by (score, member), members unique."""
    cdef unsigned char *e
    cdef unsigned char *sp
    cdef unsigned char buf[FC_LP_INTBUF_SIZE]
    cdef unsigned char pbuf[FC_LP_INTBUF_SIZE]
    cdef const unsigned char *s
    cdef const unsigned char *ps = NULL
    cdef uint32_t n, pn = 0, sl
    cdef long long iv
    cdef double score, prev = 0
    cdef bint first = True
    cdef int c
    if count % 2:
        return False
    e = fc_lp_first(lp)
    while e != NULL:
        sp = fc_lp_next(lp, e)
        s = fc_lp_get_value(sp, &sl, &iv)
        if s != NULL:
            if not fc_string2d(<const char *>s, sl, &score):
                return False
        else:
            score = <double>iv
        s = fc_lp_get_str(e, &n, buf)
        if not first:
            if score < prev:
                return False
            if score == prev:
                c = ele_cmp(<const char *>ps, pn, <const char *>s, n)
                if c >= 0:
                    return False
        # keep the member text (integers are formatted into a buffer we reuse)
        if s == buf:
            memcpy(pbuf, buf, n)
            ps = pbuf
        else:
            ps = s
        pn = n
        prev = score
        first = False
        e = fc_lp_next(lp, sp)
    return lp_pairs_unique(lp, count)

cdef fc_entry *load_zset_listpack(rdb_in *r, unsigned char *lp, unsigned long count,
                                  const char *key, size_t klen) noexcept nogil:
    cdef fc_entry *e
    if not zzl_check(lp, count):
        fc_lp_free(lp)
        rin_fail(r, "Zset listpack integrity check failed.")
        return NULL
    if count == 0:
        fc_lp_free(lp)
        r.empty = True
        return NULL
    e = new_ptr_entry(key, klen, OBJ_ZSET, ENC_LISTPACK, lp)
    if <long long>(count // 2) > srv.zset_max_listpack_entries:
        zset_convert_to_skiplist(e)
    return e

cdef fc_entry *load_hash_listpack(rdb_in *r, unsigned char *lp, unsigned long count,
                                  const char *key, size_t klen) noexcept nogil:
    cdef fc_entry *e
    if count % 2 or not lp_pairs_unique(lp, count):
        fc_lp_free(lp)
        rin_fail(r, "Hash listpack integrity check failed.")
        return NULL
    if count == 0:
        fc_lp_free(lp)
        r.empty = True
        return NULL
    e = new_ptr_entry(key, klen, OBJ_HASH, ENC_LISTPACK, lp)
    if <long long>(count // 2) > srv.hash_max_listpack_entries:
        hash_convert(e)
    return e

cdef bint ql_append_listpack(quicklist *ql, unsigned char *lp, unsigned long count) noexcept nogil:
    """quicklistAppendListpack: the node as it is (count fits our node counter),
    or its elements pushed one by one."""
    cdef ql_node *n
    cdef unsigned char *p
    cdef unsigned char buf[FC_LP_INTBUF_SIZE]
    cdef const unsigned char *s
    cdef uint32_t sl
    if count == 0:
        fc_lp_free(lp)
        return True
    if count < 32768 and fc_lp_bytes(lp) <= 0xFFFFFFFFULL:
        n = ql_node_new(lp)
        ql_link_after(ql, ql.tail, n)
        ql.count += n.count
        return True
    p = fc_lp_first(lp)
    while p != NULL:
        s = fc_lp_get_str(p, &sl, buf)
        ql_push_tail(ql, <const char *>s, sl)
        p = fc_lp_next(lp, p)
    fc_lp_free(lp)
    return True

cdef fc_entry *rdb_load_value(rdb_in *r, int rtype, const char *key, size_t klen) noexcept nogil:
    """rdbLoadObject: a new (unlinked) entry for the value, or NULL with r.err
    set, or NULL with r.empty set for an empty aggregate (skipped, as Redis)."""
    cdef rstr x, y
    cdef uint64_t n, i, container
    cdef fc_entry *e = NULL
    cdef quicklist *ql
    cdef setv sv
    cdef fc_zset *zs
    cdef zsl_node *node
    cdef unsigned char *lp
    cdef unsigned long count
    cdef long zcount
    cdef long long ll
    cdef uint8_t ok
    cdef double score
    cdef size_t maxlen = 0, totlen = 0, pos
    cdef zlentry ent
    cdef char buf[24]
    cdef char buf2[24]
    cdef const char *s
    cdef const char *s2
    cdef size_t sn, sn2
    cdef fc_intset *is_
    cdef const unsigned char *zk
    cdef const unsigned char *zv
    cdef uint32_t zkl, zvl
    cdef long zr
    cdef bint bad = False
    cdef unsigned char lbuf[FC_LP_INTBUF_SIZE]
    cdef const unsigned char *ls
    cdef uint32_t lsl
    r.empty = False
    if rtype == RDB_TYPE_STRING:
        if not rdb_load_string(r, &x):
            return NULL
        e = entry_new_string(key, klen, x.s, x.n, STR_TRY)
        rstr_free(&x)
        return e
    if rtype == RDB_TYPE_LIST:
        n = rdb_load_aggregate_len(r)
        if r.err != NULL:
            return NULL
        if n == 0:
            r.empty = True
            return NULL
        ql = ql_new(srv.list_max_listpack_size, srv.list_compress_depth)
        for i in range(n):
            if not rdb_load_string(r, &x):
                ql_free(ql)
                return NULL
            ql_push_tail(ql, x.s, x.n)
            rstr_free(&x)
        return new_ptr_entry(key, klen, OBJ_LIST, ENC_QUICKLIST, ql)
    if rtype == RDB_TYPE_LIST_QUICKLIST or rtype == RDB_TYPE_LIST_QUICKLIST_2:
        n = rdb_load_aggregate_len(r)
        if r.err != NULL:
            return NULL
        if n == 0:
            r.empty = True
            return NULL
        ql = ql_new(srv.list_max_listpack_size, srv.list_compress_depth)
        for i in range(n):
            container = QL_CONTAINER_PACKED
            if rtype == RDB_TYPE_LIST_QUICKLIST_2:
                container = rdb_load_plain_len(r)
                if r.err == NULL and container != QL_CONTAINER_PACKED and container != QL_CONTAINER_PLAIN:
                    rin_fail(r, "Quicklist integrity check failed.")
                if r.err != NULL:
                    ql_free(ql)
                    return NULL
            if not rdb_load_string(r, &x):
                ql_free(ql)
                return NULL
            if container == QL_CONTAINER_PLAIN:
                ql_push_tail(ql, x.s, x.n)
                rstr_free(&x)
                continue
            if rtype == RDB_TYPE_LIST_QUICKLIST:
                zcount = zl_validate(<const unsigned char *>x.s, x.n)
                if zcount < 0:
                    rstr_free(&x)
                    ql_free(ql)
                    rin_fail(r, "Ziplist integrity check failed.")
                    return NULL
                lp = zl_to_listpack(<const unsigned char *>x.s, x.n)
                count = <unsigned long>zcount
            else:
                if not fc_lp_validate(<const unsigned char *>x.s, x.n, 1):
                    rstr_free(&x)
                    ql_free(ql)
                    rin_fail(r, "Listpack integrity check failed.")
                    return NULL
                lp = <unsigned char *>fc_malloc(x.n)
                memcpy(lp, x.s, x.n)
                count = fc_lp_length(lp)
            rstr_free(&x)
            ql_append_listpack(ql, lp, count)
        if ql.count == 0:
            ql_free(ql)
            r.empty = True
            return NULL
        ql_recompress_inner(ql)
        return new_ptr_entry(key, klen, OBJ_LIST, ENC_QUICKLIST, ql)
    if rtype == RDB_TYPE_LIST_ZIPLIST:
        if not rdb_load_string(r, &x):
            return NULL
        zcount = zl_validate(<const unsigned char *>x.s, x.n)
        if zcount < 0:
            rstr_free(&x)
            rin_fail(r, "Ziplist integrity check failed.")
            return NULL
        if zcount == 0:
            rstr_free(&x)
            r.empty = True
            return NULL
        ql = ql_new(srv.list_max_listpack_size, srv.list_compress_depth)
        pos = 10
        while pos < x.n - 1:
            zl_entry_at(<const unsigned char *>x.s, x.n, pos, &ent)
            s = zl_entry_str(&ent, buf, &sn)
            ql_push_tail(ql, s, sn)
            pos += ent.size
        rstr_free(&x)
        return new_ptr_entry(key, klen, OBJ_LIST, ENC_QUICKLIST, ql)
    if rtype == RDB_TYPE_SET:
        n = rdb_load_aggregate_len(r)
        if r.err != NULL:
            return NULL
        if n == 0:
            r.empty = True
            return NULL
        if n > <uint64_t>srv.set_max_intset_entries:
            setv_new_ht(&sv)
            dict_resize_to(<fc_dict *>sv.p, n)
        else:
            setv_new_intset(&sv)
        for i in range(n):
            if not rdb_load_string(r, &x):
                setv_free(&sv)
                return NULL
            if sv.enc == ENC_INTSET:
                if member_as_ll(x.s, x.n, &ll):
                    sv.p = fc_intset_add(<fc_intset *>sv.p, ll, &ok)
                    if not ok:
                        bad = True
                    rstr_free(&x)
                    if bad:
                        setv_free(&sv)
                        rin_fail(r, "Duplicate set members detected")
                        return NULL
                    continue
                setv_convert_ht(&sv)
                dict_resize_to(<fc_dict *>sv.p, n)
            if not setdict_add(<fc_dict *>sv.p, x.s, x.n):
                rstr_free(&x)
                setv_free(&sv)
                rin_fail(r, "Duplicate set members detected")
                return NULL
            rstr_free(&x)
        return new_ptr_entry(key, klen, OBJ_SET, sv.enc, sv.p)
    if rtype == RDB_TYPE_SET_INTSET:
        if not rdb_load_string(r, &x):
            return NULL
        is_ = <fc_intset *>fc_malloc(x.n if x.n >= 8 else 8)
        memcpy(is_, x.s, x.n)
        sn = x.n
        rstr_free(&x)
        if not rdb_intset_validate(<const unsigned char *>is_, sn, 1):
            fc_free(is_)
            rin_fail(r, "Intset integrity check failed.")
            return NULL
        sv.enc = ENC_INTSET
        sv.p = is_
        if fc_intset_len(is_) > <uint64_t>srv.set_max_intset_entries:
            setv_convert_ht(&sv)
        return new_ptr_entry(key, klen, OBJ_SET, sv.enc, sv.p)
    if rtype == RDB_TYPE_SET_LISTPACK:
        # Redis 7.2's listpack sets: rebuilt under 7.0's rules (intset while
        # every member is an integer and the count allows, else hashtable)
        lp = load_listpack_blob(r, &count)
        if lp == NULL:
            return NULL
        if count == 0:
            fc_lp_free(lp)
            r.empty = True
            return NULL
        setv_new_intset(&sv)
        ls = fc_lp_first(lp)
        while ls != NULL:
            s = <const char *>fc_lp_get_str(<unsigned char *>ls, &lsl, lbuf)
            if not setv_add(&sv, s, lsl):
                bad = True
                break
            ls = fc_lp_next(lp, <unsigned char *>ls)
        fc_lp_free(lp)
        if bad:
            setv_free(&sv)
            rin_fail(r, "Duplicate set members detected")
            return NULL
        return new_ptr_entry(key, klen, OBJ_SET, sv.enc, sv.p)
    if rtype == RDB_TYPE_ZSET or rtype == RDB_TYPE_ZSET_2:
        n = rdb_load_aggregate_len(r)
        if r.err != NULL:
            return NULL
        if n == 0:
            r.empty = True
            return NULL
        zs = zset_new()
        if n > 4:
            dict_resize_to(&zs.dict, n)
        for i in range(n):
            if not rdb_load_string(r, &x):
                zset_free(zs)
                return NULL
            if rtype == RDB_TYPE_ZSET_2:
                if rin_need(r, 8):
                    memcpy(&score, r.p + r.pos, 8)
                    r.pos += 8
            else:
                rdb_load_double_text(r, &score)
            if r.err == NULL and rdb_isnan(score):
                rin_fail(r, "Zset with NAN score detected")
            if r.err == NULL and zset_find(zs, x.s, x.n) != NULL:
                rin_fail(r, "Duplicate zset fields detected")
            if r.err != NULL:
                rstr_free(&x)
                zset_free(zs)
                return NULL
            if x.n > maxlen:
                maxlen = x.n
            totlen += x.n
            zset_insert(zs, score, x.s, x.n)
            rstr_free(&x)
        # back to a listpack when it fits (zsetConvertToListpackIfNeeded on load)
        if (zs.length <= <unsigned long>srv.zset_max_listpack_entries
                and maxlen <= <size_t>srv.zset_max_listpack_value and fc_lp_safe_to_add(NULL, totlen)):
            lp = zset_to_zzl(zs)
            zset_free(zs)
            return new_ptr_entry(key, klen, OBJ_ZSET, ENC_LISTPACK, lp)
        return new_ptr_entry(key, klen, OBJ_ZSET, ENC_SKIPLIST, zs)
    if rtype == RDB_TYPE_ZSET_LISTPACK:
        lp = load_listpack_blob(r, &count)
        if lp == NULL:
            return NULL
        return load_zset_listpack(r, lp, count, key, klen)
    if rtype == RDB_TYPE_ZSET_ZIPLIST or rtype == RDB_TYPE_HASH_ZIPLIST:
        if not rdb_load_string(r, &x):
            return NULL
        zcount = zl_validate(<const unsigned char *>x.s, x.n)
        if zcount < 0:
            rstr_free(&x)
            rin_fail(r, "Ziplist integrity check failed.")
            return NULL
        lp = zl_to_listpack(<const unsigned char *>x.s, x.n)
        rstr_free(&x)
        if rtype == RDB_TYPE_ZSET_ZIPLIST:
            return load_zset_listpack(r, lp, <unsigned long>zcount, key, klen)
        e = load_hash_listpack(r, lp, <unsigned long>zcount, key, klen)
        if e != NULL and e.enc == ENC_LISTPACK:
            # ziplist hashes also convert when a field or value is too long
            if hash_lp_too_long(hash_lp(e)):
                hash_convert(e)
        return e
    if rtype == RDB_TYPE_HASH:
        n = rdb_load_aggregate_len(r)
        if r.err != NULL:
            return NULL
        if n == 0:
            r.empty = True
            return NULL
        e = hash_create(key, klen)
        if n > <uint64_t>srv.hash_max_listpack_entries:
            hash_convert(e)
            dict_resize_to(hash_dict(e), n)
        for i in range(n):
            if not rdb_load_string(r, &x):
                entry_free(e)
                return NULL
            if not rdb_load_string(r, &y):
                rstr_free(&x)
                entry_free(e)
                return NULL
            if e.enc == ENC_LISTPACK and (<long long>x.n > srv.hash_max_listpack_value
                                          or <long long>y.n > srv.hash_max_listpack_value
                                          or not fc_lp_safe_to_add(hash_lp(e), x.n + y.n)):
                hash_convert(e)
            if e.enc == ENC_LISTPACK:
                bad = hash_lp_find(hash_lp(e), x.s, x.n) != NULL
            else:
                bad = hash_ht_find(hash_dict(e), x.s, x.n) != NULL
            if bad:
                rstr_free(&x)
                rstr_free(&y)
                entry_free(e)
                rin_fail(r, "Duplicate hash fields detected")
                return NULL
            if e.enc == ENC_LISTPACK:
                lp = fc_lp_append(hash_lp(e), <const unsigned char *>x.s, <uint32_t>x.n)
                lp = fc_lp_append(lp, <const unsigned char *>y.s, <uint32_t>y.n)
                entry_set_ptr(e, lp)
            else:
                dict_insert(hash_dict(e), <fc_node *>hnode_new(x.s, x.n, y.s, y.n), dict_hash(x.s, x.n))
            rstr_free(&x)
            rstr_free(&y)
        return e
    if rtype == RDB_TYPE_HASH_LISTPACK:
        lp = load_listpack_blob(r, &count)
        if lp == NULL:
            return NULL
        return load_hash_listpack(r, lp, count, key, klen)
    if rtype == RDB_TYPE_HASH_ZIPMAP:
        if not rdb_load_string(r, &x):
            return NULL
        if x.n < 2:
            rstr_free(&x)
            rin_fail(r, "Zipmap integrity check failed.")
            return NULL
        # validate the whole zipmap before building anything
        pos = 1
        count = 0
        while True:
            zr = zm_next(<const unsigned char *>x.s, x.n, &pos, &zk, &zkl, &zv, &zvl)
            if zr <= 0:
                break
            count += 1
        if zr < 0 or ((<const unsigned char *>x.s)[0] < 254 and (<const unsigned char *>x.s)[0] != count):
            rstr_free(&x)
            rin_fail(r, "Zipmap integrity check failed.")
            return NULL
        if count == 0:
            rstr_free(&x)
            r.empty = True
            return NULL
        e = hash_create(key, klen)
        pos = 1
        while zm_next(<const unsigned char *>x.s, x.n, &pos, &zk, &zkl, &zv, &zvl) > 0:
            if hash_set(e, <const char *>zk, zkl, <const char *>zv, zvl):
                bad = True
                break
        rstr_free(&x)
        if bad:
            entry_free(e)
            rin_fail(r, "Duplicate hash fields detected")
            return NULL
        return e
    if rtype == RDB_TYPE_MODULE or rtype == RDB_TYPE_MODULE_2:
        rin_fail(r, "module values are not supported")
        return NULL
    if (rtype == RDB_TYPE_STREAM_LISTPACKS or rtype == RDB_TYPE_STREAM_LISTPACKS_2
            or rtype == RDB_TYPE_STREAM_LISTPACKS_3):
        rin_fail(r, "stream values are not supported")
        return NULL
    rin_fail(r, "Unknown RDB encoding type")
    return NULL

cdef bint hash_lp_too_long(unsigned char *lp) noexcept nogil:
    """Any field or value longer than hash-max-listpack-value?"""
    cdef unsigned char *p = fc_lp_first(lp)
    cdef uint32_t n
    cdef long long v
    while p != NULL:
        if fc_lp_get_value(p, &n, &v) != NULL and <long long>n > srv.hash_max_listpack_value:
            return True
        p = fc_lp_next(lp, p)
    return False

cdef inline bint rdb_is_object_type(int t) noexcept nogil:
    return (0 <= t <= 7) or (9 <= t <= 21)

cdef void object_set_lru_lfu(fc_entry *e, long long lfu_freq, long long lru_idle) noexcept nogil:
    """objectSetLRUOrLFU (lru_multiplier 1000: idle given in seconds)."""
    cdef long long lru_abs
    if srv.maxmemory_policy & 2:
        if lfu_freq >= 0:
            e.lru = <uint32_t>((((srv.mstime // 1000 // 60) & 65535) << 8) | lfu_freq)
    elif lru_idle >= 0:
        lru_abs = <long long>srv.lruclock - lru_idle
        if lru_abs < 0:
            lru_abs = (<long long>srv.lruclock + LRU_CLOCK_MAX // 2) % LRU_CLOCK_MAX
        e.lru = <uint32_t>lru_abs

# ---- DUMP / RESTORE ----------------------------------------------------------------------

cdef void cmd_dump(ClientBase c) noexcept:
    cdef fc_entry *e = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef rdb_out o
    if e == NULL:
        add_reply_null(c)
        return
    out_init(&o, -1)
    dump_payload(&o, e)
    add_reply_bulk(c, <const char *>o.buf, o.len)
    out_release(&o)

cdef bint verify_dump_payload(const unsigned char *p, size_t n) noexcept nogil:
    """verifyDumpPayload: version (2 bytes LE) <= ours and CRC64 of everything
    before the CRC equal to the stored one."""
    cdef unsigned int ver
    cdef uint64_t crc, stored
    if n < 10:
        return False
    ver = p[n - 10] | (p[n - 9] << 8)
    if ver > RDB_VERSION:
        return False
    crc = rdb_crc64(0, p, n - 8)
    memcpy(&stored, p + n - 8, 8)
    return crc == stored

cdef void cmd_restore(ClientBase c) noexcept:
    # restoreCommand's order of checks: options, BUSYKEY, TTL, payload, value.
    cdef long long ttl = 0, lfu_freq = -1, lru_idle = -1
    cdef bint replace = False, absttl = False, deleted = False
    cdef int j, additional, rtype
    cdef fc_entry **slot
    cdef fc_entry *e
    cdef rdb_in r
    j = 4
    while j < c.argc:
        additional = c.argc - j - 1
        if arg_is(c, j, "replace"):
            replace = True
        elif arg_is(c, j, "absttl"):
            absttl = True
        elif arg_is(c, j, "idletime") and additional >= 1 and lfu_freq == -1:
            if not arg_ll(c, j + 1, &lru_idle):
                return
            if lru_idle < 0:
                add_reply_error(c, E_RESTORE_IDLETIME)
                return
            j += 1
        elif arg_is(c, j, "freq") and additional >= 1 and lru_idle == -1:
            if not arg_ll(c, j + 1, &lfu_freq):
                return
            if lfu_freq < 0 or lfu_freq > 255:
                add_reply_error(c, E_RESTORE_FREQ)
                return
            j += 1
        else:
            add_reply_error(c, E_SYNTAX)
            return
        j += 1
    if not replace and lookup_write(c, c.argv[1], c.argvlen[1]) != NULL:
        add_reply_error(c, E_BUSYKEY)
        return
    if not arg_ll(c, 2, &ttl):
        return
    if ttl < 0:
        add_reply_error(c, E_RESTORE_TTL)
        return
    if not verify_dump_payload(<const unsigned char *>c.argv[3], c.argvlen[3]):
        add_reply_error(c, E_DUMP_PAYLOAD)
        return
    # the value is parsed over the whole argument (footer included), as Redis
    r.p = <const unsigned char *>c.argv[3]
    r.len = c.argvlen[3]
    r.pos = 0
    r.err = NULL
    r.empty = False
    rtype = rin_byte(&r)
    e = NULL
    if rtype >= 0 and rdb_is_object_type(rtype):
        e = rdb_load_value(&r, rtype, c.argv[1], c.argvlen[1])
    if e == NULL:
        add_reply_error(c, E_BAD_DATA_FORMAT)
        return
    if replace:
        slot = db_find_slot(c.db, c.argv[1], c.argvlen[1])
        if slot != NULL:
            db_unlink_free(c.db, slot)
            deleted = True
    if ttl and not absttl:
        ttl += srv.mstime
    if ttl and ttl <= srv.mstime:
        # checkAlreadyExpired: the key is not created (an old one was deleted)
        entry_free(e)
        if deleted:
            srv.dirty += 1
            arg_modified(c, NOTIFY_GENERIC, b"del", 1)
            if prop_on:     # propagate.pxi: only the deletion happened: DEL key
                prop_rewrite_del(c, 1)
        add_reply_ok(c)
        return
    db_add(c.db, e)
    if ttl:
        db_set_expire(c.db, e, ttl)
        # propagate.pxi: a relative TTL goes out absolute: argv[2] = abs-ms, ABSTTL
        # appended (restoreCommand)
        if prop_on and not absttl:
            prop_rewrite_arg_ll(c, 2, ttl, b"ABSTTL")
    object_set_lru_lfu(e, lfu_freq, lru_idle)
    srv.dirty += 1
    # "new" came from db_add; a replaced key gets no "del" of its own
    arg_modified(c, NOTIFY_GENERIC, b"restore", 1)
    add_reply_ok(c)

def dump_value(bytes key, int dbid=0):
    """The DUMP payload of a key (None if absent): for tests and MIGRATE."""
    cdef fc_entry **slot
    cdef rdb_out o
    if dbid < 0 or dbid >= ndbs:
        raise ValueError("db index out of range")
    slot = db_find_slot(&dbs[dbid], PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key))
    if slot == NULL:
        return None
    out_init(&o, -1)
    dump_payload(&o, slot[0])
    res = PyBytes_FromStringAndSize(<const char *>o.buf, o.len)
    out_release(&o)
    return res

# ---- snapshot file -----------------------------------------------------------------------

cdef void rdb_save_aux(rdb_out *o, const char *k, const char *v, size_t vlen) noexcept nogil:
    out_byte(o, RDB_OPCODE_AUX)
    rdb_save_raw_string(o, k, strlen(k))
    rdb_save_raw_string(o, v, vlen)

cdef void rdb_save_key(rdb_out *o, fc_db *db, fc_entry *e, bint savelru, bint savelfu) noexcept nogil:
    """rdbSaveKeyValuePair: expire, LRU idle / LFU freq, type, key, value."""
    cdef long long when = db_get_expire(db, e)
    cdef unsigned long long idle
    cdef unsigned long ldt, counter, now, elapsed
    cdef unsigned char b
    if when != -1:
        out_byte(o, RDB_OPCODE_EXPIRETIME_MS)
        out_write(o, &when, 8)
    if savelru:
        if srv.lruclock >= e.lru:
            idle = <unsigned long long>(srv.lruclock - e.lru)
        else:
            idle = <unsigned long long>(srv.lruclock + (LRU_CLOCK_MAX - e.lru))
        out_byte(o, RDB_OPCODE_IDLE)
        rdb_save_len(o, idle)        # seconds (LRU clock resolution 1000 ms)
    if savelfu:
        ldt = e.lru >> 8
        counter = e.lru & 255
        now = <unsigned long>((srv.mstime // 1000 // 60) & 65535)
        elapsed = now - ldt if now >= ldt else 65535 - ldt + now
        counter = 0 if elapsed > counter else counter - elapsed
        b = <unsigned char>counter
        out_byte(o, RDB_OPCODE_FREQ)
        out_byte(o, b)
    out_byte(o, <unsigned char>rdb_object_type(e))
    rdb_save_raw_string(o, entry_key(e), e.klen)
    rdb_save_value(o, e)

def rdb_save(str path, object progress=None):
    """Write every database to `path` as an RDB version 10 file (Redis 7.0's
    format): a temp file in the same directory, fsync, then rename over path,
    so a crash mid-save never damages the previous snapshot.
    Returns {"keys": n, "bytes": size}; calls progress(keys_done) about once a
    second (a BGSAVE child reports its copy-on-write size and progress with it,
    Redis's sendChildInfo)."""
    global save_next_ms
    cdef bytes bpath = _os.fsencode(path)
    cdef bytes btmp = _os.fsencode(_os.path.join(_os.path.dirname(path) or ".",
                                                 "temp-%d.rdb" % _os.getpid()))
    cdef int fd = c_open(btmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    cdef rdb_out o
    cdef int j, t
    cdef uint64_t i
    cdef fc_db *db
    cdef fc_dict *d
    cdef fc_node *n
    cdef long long keys = 0
    cdef char num[32]
    cdef int nl
    cdef bint savelru = (srv.maxmemory_policy & 1) != 0
    cdef bint savelfu = (srv.maxmemory_policy & 2) != 0
    cdef uint64_t crc
    cdef int err
    if fd < 0:
        raise OSError(errno, "Failed opening the temp RDB file %s: %s" % (btmp.decode(errors="replace"),
                                                                        _os.strerror(errno)))
    update_cached_time()
    save_next_ms = fc_mstime() + SAVE_PROGRESS_MS
    out_init(&o, fd)
    out_write(&o, b"REDIS0010", 9)
    rdb_save_aux(&o, "redis-ver", "7.0.15", 6)
    rdb_save_aux(&o, "redis-bits", "64", 2)
    nl = fc_ll2string(num, 32, srv.mstime // 1000)
    rdb_save_aux(&o, "ctime", num, nl)
    nl = fc_ll2string(num, 32, <long long>fc_used_memory)
    rdb_save_aux(&o, "used-mem", num, nl)
    rdb_save_aux(&o, "aof-base", "0", 1)
    # rdbSaveFunctions: every library as RDB_OPCODE_FUNCTION2 + its code, after
    # the aux fields and before the databases (Redis 7.0's order)
    if _rdb_functions_get is not None:
        for code in _rdb_functions_get():
            out_byte(&o, RDB_OPCODE_FUNCTION2)
            rdb_save_raw_string(&o, PyBytes_AS_STRING(code), PyBytes_GET_SIZE(code))
    for j in range(ndbs):
        db = &dbs[j]
        d = &db.keys
        if dict_size(d) == 0:
            continue
        out_byte(&o, RDB_OPCODE_SELECTDB)
        rdb_save_len(&o, j)
        out_byte(&o, RDB_OPCODE_RESIZEDB)
        rdb_save_len(&o, dict_size(d))
        rdb_save_len(&o, dict_size(&db.expires))
        for t in range(2):
            for i in range(d.size[t]):
                n = d.table[t][i]
                while n != NULL:
                    rdb_save_key(&o, db, <fc_entry *>n, savelru, savelfu)
                    keys += 1
                    if FC_UNLIKELY(key_save_delay != 0):
                        debug_delay(key_save_delay)
                    if progress is not None and save_progress_due(keys):
                        progress(keys)
                    n = n.next
        if o.failed:
            break
    out_byte(&o, RDB_OPCODE_EOF)
    out_flush(&o)
    crc = o.crc if rdb_checksum else 0
    out_write(&o, &crc, 8)
    out_flush(&o)
    err = o.failed
    size = o.flushed
    out_release(&o)
    if err == 0 and c_fsync(fd) != 0:
        err = errno
    if c_close(fd) != 0 and err == 0:
        err = errno
    if err == 0 and c_rename(btmp, bpath) != 0:
        err = errno
    if err != 0:
        c_unlink(btmp)
        raise OSError(err, "Write error saving DB on disk: %s" % _os.strerror(err))
    return {"keys": keys, "bytes": size}

cdef void empty_all_dbs() noexcept nogil:
    cdef int j
    for j in range(ndbs):
        db_empty(&dbs[j])

def rdb_load(str path, object progress=None):
    """Empty every database and load the RDB file at `path` (versions 1-11).
    A corrupt, truncated or unsupported file raises RdbError and leaves the
    databases empty.  Returns {"keys", "expired_skipped", "rdb_version", "aux"}."""
    cdef bytes bpath = _os.fsencode(path)
    cdef int fd = c_open(bpath, O_RDONLY)
    cdef size_t size
    cdef void *m
    if fd < 0:
        raise OSError(errno, "%s: %s" % (path, _os.strerror(errno)))
    try:
        size = _os.fstat(fd).st_size
    except OSError:
        c_close(fd)
        raise
    if size == 0:
        c_close(fd)
        empty_all_dbs()
        raise RdbError("Short read or OOM loading DB. Unrecoverable error, aborting now.")
    m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0)
    c_close(fd)
    if m == MAP_FAILED:
        raise OSError(errno, "mmap %s: %s" % (path, _os.strerror(errno)))
    madvise(m, size, MADV_SEQUENTIAL)
    try:
        return rdb_load_buffer(<const unsigned char *>m, size, progress)
    finally:
        munmap(m, size)

def rdb_load_bytes(bytes data, object progress=None):
    """rdb_load over an in-memory RDB image (replication full sync, tests)."""
    return rdb_load_buffer(<const unsigned char *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), progress)

cdef bint rdb_skip_string(rdb_in *r) noexcept nogil:
    cdef rstr x
    rstr_init(&x)
    if not rdb_load_string(r, &x):
        return False
    rstr_free(&x)
    return True

cdef inline bint rin_skip(rdb_in *r, size_t n) noexcept nogil:
    if not rin_need(r, n):
        return False
    r.pos += n
    return True

cdef bint rdb_skip_stream(rdb_in *r, int t) noexcept nogil:
    """Read past a stream value (types 15, 19 and 21) without building it, so a
    file with streams loads everything else (streams aren't supported yet).
    Layout as rdbLoadObject reads it: the listpacks (master ID key + blob), the
    length and last ID, (v2+) first ID, max deleted ID and entries added, then
    the consumer groups with their PELs and consumers."""
    cdef uint64_t n, i, groups, g, pel, consumers, j
    n = rdb_load_plain_len(r)
    for i in range(n):
        if r.err != NULL or not rdb_skip_string(r) or not rdb_skip_string(r):
            return False
    rdb_load_plain_len(r)          # length
    rdb_load_plain_len(r)          # last id ms
    rdb_load_plain_len(r)          # last id seq
    if t >= RDB_TYPE_STREAM_LISTPACKS_2:
        for i in range(5):         # first id (2), max deleted id (2), entries added
            rdb_load_plain_len(r)
    groups = rdb_load_plain_len(r)
    for g in range(groups):
        if r.err != NULL or not rdb_skip_string(r):
            return False
        rdb_load_plain_len(r)      # last id ms
        rdb_load_plain_len(r)      # last id seq
        if t >= RDB_TYPE_STREAM_LISTPACKS_2:
            rdb_load_plain_len(r)  # entries read
        pel = rdb_load_plain_len(r)
        for j in range(pel):       # raw 128-bit id, ms delivery time, delivery count
            if not rin_skip(r, 16 + 8):
                return False
            rdb_load_plain_len(r)
        consumers = rdb_load_plain_len(r)
        for j in range(consumers):
            if r.err != NULL or not rdb_skip_string(r):
                return False
            if not rin_skip(r, 8 if t < RDB_TYPE_STREAM_LISTPACKS_3 else 16):   # seen (and active) time
                return False
            pel = rdb_load_plain_len(r)
            if r.err != NULL or not rin_skip(r, 16 * pel if pel < r.len else r.len + 1):
                return False
    return r.err == NULL

# ---- loading progress (rdbLoadProgressCallback, key-load-delay) ----------------------
#
# While a dataset loads, the Python layer is called back every
# load_events_bytes of input (Redis's loading-process-events-interval-bytes,
# 2 MB) or, checked every 1024 keys, LOAD_EVENTS_MS: it logs progress and serves
# clients with -LOADING replies (fastcache/blocked_io.py).  key-load-delay (a
# hidden Redis config used by tests) sleeps that many microseconds per key, so
# a test can watch a load in progress.

from posix.unistd cimport usleep

cdef enum:
    LOAD_EVENTS_MS = 100

cdef int key_load_delay = 0
cdef size_t load_events_bytes = 2 * 1024 * 1024   # loading-process-events-interval-bytes
cdef size_t load_next_pos = 0
cdef long long load_next_ms = 0

cdef void load_progress_reset() noexcept:
    global load_next_pos, load_next_ms
    load_next_pos = load_events_bytes
    load_next_ms = fc_mstime() + LOAD_EVENTS_MS

cdef inline bint load_progress_due(long long items, size_t pos) noexcept:
    global load_next_pos, load_next_ms
    cdef long long now
    if pos >= load_next_pos:
        load_next_pos = pos + load_events_bytes
        load_next_ms = fc_mstime() + LOAD_EVENTS_MS
        return True
    if (items & 1023) == 0 or key_load_delay != 0:
        now = fc_mstime()
        if now >= load_next_ms:
            load_next_ms = now + LOAD_EVENTS_MS
            return True
    return False

# Saving: rdb-key-save-delay (hidden, tests) sleeps per key written; progress
# is reported about once a second (checked every 1024 keys).
cdef enum:
    SAVE_PROGRESS_MS = 1000

cdef int key_save_delay = 0
cdef long long save_next_ms = 0

cdef inline bint save_progress_due(long long keys) noexcept:
    global save_next_ms
    cdef long long now
    if (keys & 1023) != 0 and key_save_delay == 0:
        return False
    now = fc_mstime()
    if now < save_next_ms:
        return False
    save_next_ms = now + SAVE_PROGRESS_MS
    return True

cdef void debug_delay(int usec) noexcept:
    """Redis's debugDelay: sleep usec microseconds; a negative value sleeps 1 us
    once every -usec calls (statistically shorter sleeps)."""
    global _delay_count
    if usec > 0:
        usleep(usec)
    elif usec < 0:
        _delay_count += 1
        if _delay_count >= -usec:
            _delay_count = 0
            usleep(1)

cdef int _delay_count = 0

cdef object rdb_load_buffer(const unsigned char *p, size_t size, object progress):
    cdef rdb_in r
    cdef int ver = 0, i, t, b
    cdef long long expire = -1, lru_idle = -1, lfu_freq = -1
    cdef long long now
    cdef long long keys = 0, skipped = 0, streams_skipped = 0
    cdef fc_db *db
    cdef rstr k, v
    cdef fc_entry *e
    cdef uint64_t dbid, n1, n2, stored, crc
    cdef const char *why = NULL
    cdef const unsigned char *q
    aux = {}
    functions = []
    empty_all_dbs()
    update_cached_time()
    load_progress_reset()
    now = srv.mstime
    db = &dbs[0]
    r.p = p
    r.len = size
    r.pos = 0
    r.err = NULL
    r.empty = False
    if size < 9 or memcmp(p, b"REDIS", 5) != 0:
        raise RdbError("Wrong signature trying to load DB from file")
    for i in range(5, 9):
        if p[i] < 48 or p[i] > 57:
            raise RdbError("Wrong signature trying to load DB from file")
        ver = ver * 10 + (p[i] - 48)
    if ver < 1 or ver > 11:
        raise RdbError("Can't handle RDB format version %d" % ver)
    r.pos = 9
    while True:
        t = rin_byte(&r)
        if t < 0:
            break
        if t == RDB_OPCODE_EXPIRETIME_MS:
            if rin_need(&r, 8):
                memcpy(&expire, r.p + r.pos, 8)
                r.pos += 8
            continue
        if t == RDB_OPCODE_EXPIRETIME:
            if rin_need(&r, 4):
                q = r.p + r.pos
                expire = (<long long>(<int32_t>(<uint32_t>q[0] | (<uint32_t>q[1] << 8) | (<uint32_t>q[2] << 16)
                                                | (<uint32_t>q[3] << 24)))) * 1000
                r.pos += 4
            continue
        if t == RDB_OPCODE_IDLE:
            lru_idle = <long long>rdb_load_plain_len(&r)
            continue
        if t == RDB_OPCODE_FREQ:
            lfu_freq = rin_byte(&r)
            continue
        if t == RDB_OPCODE_EOF:
            break
        if t == RDB_OPCODE_SELECTDB:
            dbid = rdb_load_plain_len(&r)
            if r.err == NULL and dbid >= <uint64_t>ndbs:
                empty_all_dbs()
                raise RdbError("FATAL: Data file was created with a Redis server configured to handle "
                               "more than %d databases. Exiting" % ndbs)
            if r.err == NULL:
                db = &dbs[dbid]
            continue
        if t == RDB_OPCODE_RESIZEDB:
            n1 = rdb_load_plain_len(&r)
            n2 = rdb_load_plain_len(&r)
            if r.err == NULL:
                # presize, bounded so a corrupt header can't make us allocate wildly
                dict_resize_to(&db.keys, min(n1, (r.len - r.pos) // 3))
                dict_resize_to(&db.expires, min(n2, (r.len - r.pos) // 3))
            continue
        if t == RDB_OPCODE_AUX:
            if rdb_load_string(&r, &k):
                if rdb_load_string(&r, &v):
                    aux[PyBytes_FromStringAndSize(k.s, k.n).decode("latin-1")] = \
                        PyBytes_FromStringAndSize(v.s, v.n)
                    rstr_free(&v)
                rstr_free(&k)
            continue
        if t == RDB_OPCODE_MODULE_AUX:
            empty_all_dbs()
            raise RdbError("The RDB file contains AUX module data I can't load: no modules are supported")
        if t == RDB_OPCODE_FUNCTION2:
            # a function library (its code as one RDB string): collected, and
            # loaded through fastcache/functions.py once the file checked out
            if not rdb_load_string(&r, &k):
                break
            functions.append(PyBytes_FromStringAndSize(k.s, k.n))
            rstr_free(&k)
            continue
        if t == RDB_OPCODE_FUNCTION:
            empty_all_dbs()
            raise RdbError("Pre-GA function format not supported")
        if not rdb_is_object_type(t):
            empty_all_dbs()
            raise RdbError("Unknown RDB type %d (offset %d)" % (t, r.pos - 1))
        if t == RDB_TYPE_MODULE or t == RDB_TYPE_MODULE_2:
            empty_all_dbs()
            raise RdbError("The RDB file contains a module value type (%d): modules are not supported" % t)
        if t in (RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, RDB_TYPE_STREAM_LISTPACKS_3):
            # not supported yet: skipped with a log line, the rest of the file loads
            if not rdb_load_string(&r, &k):
                break
            if not rdb_skip_stream(&r, t):
                rstr_free(&k)
                break
            streams_skipped += 1
            if _log_exception is not None:
                _log_exception("Skipping stream key '%s' (db %d): streams are not supported yet"
                               % (PyBytes_FromStringAndSize(k.s, min(k.n, 128)).decode("latin-1"), db.id),
                               True)
            rstr_free(&k)
            expire = lru_idle = lfu_freq = -1
            continue
        if not rdb_load_string(&r, &k):
            break
        e = rdb_load_value(&r, t, k.s, k.n)
        if e == NULL:
            rstr_free(&k)
            if r.err != NULL:
                break
            # an empty aggregate: skipped, like Redis
            expire = lru_idle = lfu_freq = -1
            continue
        if expire != -1 and expire < now:
            entry_free(e)
            skipped += 1
        elif db_find_slot(db, k.s, k.n) != NULL:
            entry_free(e)
            rstr_free(&k)
            empty_all_dbs()
            raise RdbError("RDB has duplicated key in DB %d" % db.id)
        else:
            db_add_quiet(db, e)     # loading emits no "new" events (dbAddRDBLoad)
            if expire != -1:
                db_set_expire(db, e, expire)
            object_set_lru_lfu(e, lfu_freq, lru_idle)
            keys += 1
            if FC_UNLIKELY(key_load_delay != 0):
                debug_delay(key_load_delay)
        rstr_free(&k)
        expire = lru_idle = lfu_freq = -1
        # Redis's rdbLoadProgressCallback: log progress and serve clients
        # (-LOADING replies) every few MB / 100 ms of loading
        if progress is not None and load_progress_due(keys, r.pos):
            progress(keys, r.pos, size)
    if r.err != NULL or t < 0:
        msg = (<bytes>r.err).decode() if r.err != NULL else "Unexpected EOF reading RDB file"
        empty_all_dbs()
        raise RdbError("%s (offset %d)" % (msg, r.pos))
    if ver >= 5:
        if r.len - r.pos < 8:
            empty_all_dbs()
            raise RdbError("Unexpected EOF reading RDB file (checksum)")
        memcpy(&stored, r.p + r.pos, 8)
        if rdb_checksum and stored != 0:
            crc = rdb_crc64(0, r.p, r.pos)
            if crc != stored:
                empty_all_dbs()
                raise RdbError("Wrong RDB checksum expected: (%016x) got: (%016x). Aborting now."
                               % (stored, crc))
        r.pos += 8
    # the file's libraries replace the current ones (emptyData clears functions
    # before a load); a library that fails to compile or register fails the
    # load, as rdbFunctionLoad does
    if _rdb_functions_set is not None:
        try:
            _rdb_functions_set(functions)
        except ValueError as exc:
            empty_all_dbs()
            raise RdbError("Failed loading library: %s" % (exc.args[0].decode("utf-8", "replace")
                                                           if exc.args and isinstance(exc.args[0], bytes)
                                                           else exc))
    # "end": where the RDB image stops, so an AOF with an RDB preamble can replay
    # the commands that follow it (loadSingleAppendOnlyFile)
    return {"keys": keys, "expired_skipped": skipped, "rdb_version": ver, "aux": aux, "end": r.pos,
            "streams_skipped": streams_skipped}

# ---- DEBUG DIGEST (Redis's debug.c algorithm) --------------------------------------------

cdef inline void xor_digest(unsigned char *digest, const void *p, size_t n) noexcept nogil:
    cdef unsigned char h[20]
    cdef int i
    fc_sha1(p, n, h)
    for i in range(20):
        digest[i] ^= h[i]

cdef inline void mix_digest(unsigned char *digest, const void *p, size_t n) noexcept nogil:
    xor_digest(digest, p, n)
    fc_sha1(digest, 20, digest)

cdef void xor_object_digest(fc_db *db, fc_entry *e, unsigned char *digest) noexcept nogil:
    """xorObjectDigest: type, then the content (ordered types mixed in order,
    unordered ones xored per element), then a marker when the key has a TTL."""
    cdef uint32_t aux = e.type
    cdef unsigned char be[4]
    cdef char tmp[LONG_STR_SIZE]
    cdef char buf[128]
    cdef unsigned char lbuf[FC_LP_INTBUF_SIZE]
    cdef unsigned char eledigest[20]
    cdef const char *s
    cdef size_t n
    cdef uint32_t ln
    cdef quicklist *ql
    cdef ql_node *node
    cdef unsigned char *lp
    cdef unsigned char *p
    cdef unsigned char *sp
    cdef ql_lzf *z
    cdef setv sv
    cdef setiter si
    cdef setelem el
    cdef fc_zset *zs
    cdef zsl_node *x
    cdef hash_iter hi
    cdef int k
    be[0] = (aux >> 24) & 0xff
    be[1] = (aux >> 16) & 0xff
    be[2] = (aux >> 8) & 0xff
    be[3] = aux & 0xff
    mix_digest(digest, be, 4)
    if e.type == OBJ_STRING:
        s = entry_str(e, tmp, &n)
        mix_digest(digest, s, n)
    elif e.type == OBJ_LIST:
        ql = <quicklist *>entry_ptr(e)
        node = ql.head
        while node != NULL:
            lp = node.lp
            if node.compressed:
                z = <ql_lzf *>node.lp
                lp = <unsigned char *>fc_malloc(node.sz)
                fc_lzf_decompress((<char *>z) + sizeof(ql_lzf), z.sz, lp, node.sz)
            p = fc_lp_first(lp)
            while p != NULL:
                s = <const char *>fc_lp_get_str(p, &ln, lbuf)
                mix_digest(digest, s, ln)
                p = fc_lp_next(lp, p)
            if node.compressed:
                fc_free(lp)
            node = node.next
    elif e.type == OBJ_SET:
        sv = setv_load(e)
        setiter_init(&si, &sv)
        while setiter_next(&si, &el):
            s = elem_str(&el, tmp, &n)
            xor_digest(digest, s, n)
    elif e.type == OBJ_ZSET:
        if e.enc == ENC_LISTPACK:
            lp = <unsigned char *>entry_ptr(e)
            p = fc_lp_first(lp)
            while p != NULL:
                sp = fc_lp_next(lp, p)
                memset(eledigest, 0, 20)
                s = <const char *>fc_lp_get_str(p, &ln, lbuf)
                mix_digest(eledigest, s, ln)
                k = fc_double_reply_string(buf, 128, zzl_score(sp))
                mix_digest(eledigest, buf, k)
                xor_digest(digest, eledigest, 20)
                p = fc_lp_next(lp, sp)
        else:
            zs = <fc_zset *>entry_ptr(e)
            x = zn_next(zs.header)
            while x != NULL:
                memset(eledigest, 0, 20)
                mix_digest(eledigest, zn_ele(x), x.klen)
                k = fc_double_reply_string(buf, 128, x.score)
                mix_digest(eledigest, buf, k)
                xor_digest(digest, eledigest, 20)
                x = zn_next(x)
    elif e.type == OBJ_HASH:
        hash_iter_init(&hi, e)
        while hash_iter_next(&hi):
            memset(eledigest, 0, 20)
            s = hash_iter_field(&hi, &n, buf)
            mix_digest(eledigest, s, n)
            s = hash_iter_value(&hi, &n, buf)
            mix_digest(eledigest, s, n)
            xor_digest(digest, eledigest, 20)
    if e.flags & EF_HAS_EXPIRE and db_get_expire(db, e) != -1:
        xor_digest(digest, "!!expire!!", 10)

cdef bytes digest_hex(unsigned char *d):
    return bytes(d[:20]).hex().encode()

def debug_digest():
    """DEBUG DIGEST: Redis's order-independent digest of the whole dataset (40
    hex digits; all zeros when empty), equal to the reference's for the same data."""
    cdef unsigned char final[20]
    cdef unsigned char digest[20]
    cdef unsigned char be[4]
    cdef int j, t
    cdef uint64_t i
    cdef fc_dict *d
    cdef fc_node *n
    cdef fc_entry *e
    memset(final, 0, 20)
    for j in range(ndbs):
        d = &dbs[j].keys
        if dict_size(d) == 0:
            continue
        be[0] = (j >> 24) & 0xff
        be[1] = (j >> 16) & 0xff
        be[2] = (j >> 8) & 0xff
        be[3] = j & 0xff
        mix_digest(final, be, 4)
        for t in range(2):
            for i in range(d.size[t]):
                n = d.table[t][i]
                while n != NULL:
                    e = <fc_entry *>n
                    memset(digest, 0, 20)
                    mix_digest(digest, entry_key(e), e.klen)
                    xor_object_digest(&dbs[j], e, digest)
                    xor_digest(final, digest, 20)
                    n = n.next
    return digest_hex(final)

def debug_digest_value(bytes key, int dbid=0):
    """DEBUG DIGEST-VALUE for one key of database `dbid` (40 zeros if absent;
    logically expired keys still count, as in Redis)."""
    cdef unsigned char digest[20]
    cdef fc_entry **slot
    if dbid < 0 or dbid >= ndbs:
        raise ValueError("db index out of range")
    memset(digest, 0, 20)
    slot = db_find_slot(&dbs[dbid], PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key))
    if slot != NULL:
        xor_object_digest(&dbs[dbid], slot[0], digest)
    return digest_hex(digest)
