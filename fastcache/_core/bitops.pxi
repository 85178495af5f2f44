# bitops.pxi — bitmap commands on strings (Redis bitops.c): SETBIT GETBIT BITCOUNT
# BITPOS BITOP BITFIELD BITFIELD_RO.
#
# Design note.  Bits are numbered as Redis numbers them: bit 0 is the most
# significant bit of byte 0.  A missing key reads as an infinite run of zero bits.
# Writers (SETBIT, BITFIELD SET/INCRBY) go through string_for_bit_write(), which
# plays lookupStringForBitCommand: it creates the key as a zeroed raw string, or
# turns an int/embstr value into a raw one (dbUnshareStringValue, TTL kept) and
# zero-pads it to cover the highest bit written.  So, as in Redis, OBJECT
# ENCODING says "raw" after any write, even one that changed nothing.
#
# Quirks reproduced on purpose (all checked against redis-server 7.0.15):
# - keyword arguments (BYTE|BIT, AND|OR|XOR|NOT, GET|SET|INCRBY|OVERFLOW, WRAP|SAT|
#   FAIL) and bitfield types are compared as C strings, so an argument with an
#   embedded NUL matches on its part before the NUL ("and\0x" is AND);
# - BITCOUNT and BITPOS look the key up (and answer 0 / -1 / WRONGTYPE) before
#   they parse start/end, so a missing key with garbage ranges is not an error;
# - "#n" bitfield offsets are n*width with a wrapping 64-bit multiply, the
#   range check comes after (so a huge n can wrap to a small valid offset);
# - BITFIELD ... OVERFLOW FAIL still creates/pads the key, but a failed write is
#   not a change (srv.dirty counts only writes done);
# - unsigned SET of a negative value is an overflow "above" the maximum
#   (the value is taken as a uint64), so SAT stores the maximum; a signed SET
#   of a hugely negative value can saturate to the maximum too (see
#   bf_signed_overflow).

# Word-at-a-time kernels for BITOP (8-byte loads through memcpy: no alignment or
# aliasing assumptions; the compiler turns them into plain loads).
cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    static inline void fc_bitop_and(unsigned char *d, const unsigned char *s, size_t n) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t a, b; memcpy(&a, d + i, 8); memcpy(&b, s + i, 8); a &= b; memcpy(d + i, &a, 8);
        }
        for (; i < n; i++) d[i] &= s[i];
    }
    static inline void fc_bitop_or(unsigned char *d, const unsigned char *s, size_t n) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t a, b; memcpy(&a, d + i, 8); memcpy(&b, s + i, 8); a |= b; memcpy(d + i, &a, 8);
        }
        for (; i < n; i++) d[i] |= s[i];
    }
    static inline void fc_bitop_xor(unsigned char *d, const unsigned char *s, size_t n) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t a, b; memcpy(&a, d + i, 8); memcpy(&b, s + i, 8); a ^= b; memcpy(d + i, &a, 8);
        }
        for (; i < n; i++) d[i] ^= s[i];
    }
    static inline void fc_bitop_not(unsigned char *d, size_t n) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t a; memcpy(&a, d + i, 8); a = ~a; memcpy(d + i, &a, 8);
        }
        for (; i < n; i++) d[i] = (unsigned char)~d[i];
    }
    """
    void fc_bitop_and(unsigned char *d, const unsigned char *s, size_t n) nogil
    void fc_bitop_or(unsigned char *d, const unsigned char *s, size_t n) nogil
    void fc_bitop_xor(unsigned char *d, const unsigned char *s, size_t n) nogil
    void fc_bitop_not(unsigned char *d, size_t n) nogil

# ---- argument helpers --------------------------------------------------------

cdef bint bit_offset_arg(ClientBase c, int i, bint hash, int bits, uint64_t *offset) noexcept:
    """getBitOffsetFromArgument: a bit offset (or "#n", n*bits, when hash) that
    must stay below proto-max-bulk-len bytes; replies the error and returns False."""
    cdef const char *s = c.argv[i]
    cdef size_t n = c.argvlen[i]
    cdef long long v
    cdef bint usehash = hash and n > 0 and s[0] == 35  # '#'
    if usehash:
        s += 1
        n -= 1
    if not fc_string2ll(s, n, &v):
        add_reply_error(c, E_BITOFFSET)
        return False
    if usehash:
        # Redis multiplies in signed 64-bit arithmetic without a check; mirror the
        # wrap-around (done unsigned here, which is defined behaviour in C).
        v = <long long>(<uint64_t>v * <uint64_t>bits)
    if v < 0 or (not c.is_master and (v >> 3) >= srv.proto_max_bulk_len):
        add_reply_error(c, E_BITOFFSET)
        return False
    offset[0] = <uint64_t>v
    return True

cdef bint bitfield_type_arg(ClientBase c, int i, bint *sign, int *bits) noexcept:
    """getBitfieldTypeFromArgument: i1..i64 or u1..u63 (case-sensitive prefix;
    the width is read up to the first NUL, as Redis uses strlen)."""
    cdef const char *s = c.argv[i]
    cdef size_t n = c.argvlen[i]
    cdef const char *nul = <const char *>memchr(s, 0, n)
    cdef long long w
    if nul != NULL:
        n = <size_t>(nul - s)
    if n >= 1 and s[0] == 105:      # 'i'
        sign[0] = True
    elif n >= 1 and s[0] == 117:    # 'u'
        sign[0] = False
    else:
        add_reply_error(c, E_BITFIELD_TYPE)
        return False
    if (not fc_string2ll(s + 1, n - 1, &w) or w < 1 or (sign[0] and w > 64)
            or (not sign[0] and w > 63)):
        add_reply_error(c, E_BITFIELD_TYPE)
        return False
    bits[0] = <int>w
    return True

# ---- the string being written ------------------------------------------------

cdef fc_rawstr *string_for_bit_write(ClientBase c, uint64_t maxbit, bint *grown) noexcept:
    """lookupStringForBitCommand: the raw string under argv[1], at least
    maxbit/8+1 bytes long (created zeroed, converted to raw, zero-padded).
    Returns NULL after a WRONGTYPE reply.  *grown: created or lengthened."""
    cdef size_t need = <size_t>(maxbit >> 3) + 1
    cdef fc_entry **slot = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef fc_entry *e
    cdef fc_entry *n
    cdef fc_rawstr *r
    cdef char tmp[LONG_STR_SIZE]
    cdef const char *s
    cdef size_t len
    grown[0] = False
    if slot == NULL:
        e = entry_new_string(c.argv[1], c.argvlen[1], NULL, need, STR_RAW)
        db_add(c.db, e)
        grown[0] = True
        return <fc_rawstr *>entry_ptr(e)
    e = slot[0]
    if e.type != OBJ_STRING:
        add_reply_error(c, E_WRONGTYPE)
        return NULL
    if e.enc != ENC_RAW:
        # dbUnshareStringValue: int/embstr become a private raw string; TTL kept.
        s = entry_str(e, tmp, &len)
        n = entry_new_string(c.argv[1], c.argvlen[1], s, len, STR_RAW)
        n.lru = e.lru
        db_replace(c.db, slot, n, True)
        e = n
    r = <fc_rawstr *>entry_ptr(e)
    if need > r.len:
        r = rawstr_grow(r, need)
        entry_set_ptr(e, r)
        grown[0] = True
    return r

# ---- SETBIT / GETBIT ---------------------------------------------------------

cdef void cmd_setbit(ClientBase c) noexcept:
    cdef uint64_t off
    cdef long long on
    cdef bint grown
    cdef fc_rawstr *r
    cdef unsigned char *p
    cdef int bit
    cdef bint old
    if not bit_offset_arg(c, 2, False, 0, &off):
        return
    # getLongFromObjectOrReply with the custom message, then the 0/1 check.
    if not fc_string2ll(c.argv[3], c.argvlen[3], &on) or (on & ~1):
        add_reply_error(c, E_BITVALUE)
        return
    r = string_for_bit_write(c, off, &grown)
    if r == NULL:
        return
    p = <unsigned char *>rawstr_data(r) + (off >> 3)
    bit = 7 - <int>(off & 7)
    old = (p[0] >> bit) & 1
    if grown or old != on:
        p[0] = <unsigned char>((p[0] & ~(1 << bit)) | (on << bit))
        srv.dirty += 1
        arg_modified(c, NOTIFY_STRING, b"setbit", 1)     # only when something changed
    add_reply_int(c, 1 if old else 0)

cdef void cmd_getbit(ClientBase c) noexcept:
    cdef uint64_t off
    cdef fc_entry *e
    cdef char tmp[LONG_STR_SIZE]
    cdef const char *s
    cdef size_t len
    cdef int v = 0
    if not bit_offset_arg(c, 2, False, 0, &off):
        return
    e = lookup_read(c, c.argv[1], c.argvlen[1])
    if e == NULL:
        add_reply_int(c, 0)
        return
    if e.type != OBJ_STRING:
        add_reply_error(c, E_WRONGTYPE)
        return
    s = entry_str(e, tmp, &len)
    if (off >> 3) < len:
        v = ((<const unsigned char *>s)[off >> 3] >> (7 - <int>(off & 7))) & 1
    add_reply_int(c, v)

# ---- BITCOUNT / BITPOS -------------------------------------------------------

cdef inline long long bitpos_or_end(const unsigned char *p, long long count, int bit) noexcept:
    """redisBitpos: like fc_bitpos, but a search for 0 that finds none answers the
    first bit past the end (count*8): the string is zero-padded to the right."""
    cdef long long pos = fc_bitpos(p, <unsigned long>count, bit)
    if pos == -1 and bit == 0:
        return count << 3
    return pos

cdef int range_unit_arg(ClientBase c, int i, bint *isbit) noexcept:
    if arg_is(c, i, "bit"):
        isbit[0] = True
    elif arg_is(c, i, "byte"):
        isbit[0] = False
    else:
        add_reply_error(c, E_SYNTAX)
        return -1
    return 0

cdef inline int _popcount8(unsigned int b) noexcept:
    cdef int n = 0
    while b:
        b &= b - 1
        n += 1
    return n

cdef void cmd_bitcount(ClientBase c) noexcept:
    cdef fc_entry *e = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef char tmp[LONG_STR_SIZE]
    cdef const unsigned char *p
    cdef size_t slen
    cdef long long start, end, totlen, count
    cdef bint isbit = False
    cdef unsigned char first_mask = 0
    cdef unsigned char last_mask = 0
    if e == NULL:
        add_reply_int(c, 0)
        return
    if e.type != OBJ_STRING:
        add_reply_error(c, E_WRONGTYPE)
        return
    p = <const unsigned char *>entry_str(e, tmp, &slen)
    totlen = <long long>slen
    if c.argc == 4 or c.argc == 5:
        if not arg_ll(c, 2, &start) or not arg_ll(c, 3, &end):
            return
        # Both negative and inverted: empty whatever the length (checked before
        # the unit is parsed, so "BITCOUNT k -1 -2 junk" is 0, not an error).
        if start < 0 and end < 0 and start > end:
            add_reply_int(c, 0)
            return
        if c.argc == 5 and range_unit_arg(c, 4, &isbit) < 0:
            return
        if isbit:
            totlen <<= 3
        if start < 0:
            start += totlen
        if end < 0:
            end += totlen
        if start < 0:
            start = 0
        if end < 0:
            end = 0
        if end >= totlen:
            end = totlen - 1
        if isbit and start <= end:
            # bits of the edge bytes that lie outside [start, end]
            first_mask = <unsigned char>(~((1 << (8 - (start & 7))) - 1) & 0xFF)
            last_mask = <unsigned char>((1 << (7 - (end & 7))) - 1)
            start >>= 3
            end >>= 3
    elif c.argc == 2:
        start = 0
        end = totlen - 1
    else:
        add_reply_error(c, E_SYNTAX)
        return
    if start > end:
        add_reply_int(c, 0)
        return
    count = fc_popcount(p + start, <long>(end - start + 1))
    if first_mask:
        count -= _popcount8(p[start] & first_mask)
    if last_mask:
        count -= _popcount8(p[end] & last_mask)
    add_reply_int(c, count)

cdef inline void _bitpos_reply(ClientBase c, long long pos, long long start, long long nbytes,
                               bint end_given, long long bit) noexcept:
    # With an explicit end, the right of the range is not zero padding: a clear
    # bit "just past the end" is no answer at all.
    if end_given and bit == 0 and pos == (nbytes << 3):
        add_reply_int(c, -1)
        return
    if pos != -1:
        pos += start << 3
    add_reply_int(c, pos)

cdef void cmd_bitpos(ClientBase c) noexcept:
    cdef long long bit
    cdef fc_entry *e
    cdef char tmp[LONG_STR_SIZE]
    cdef const unsigned char *p
    cdef size_t slen
    cdef long long start, end, totlen, nbytes, curbytes, pos
    cdef bint isbit = False
    cdef bint end_given = False
    cdef unsigned char first_mask = 0
    cdef unsigned char last_mask = 0
    cdef unsigned char one
    if not fc_string2ll(c.argv[2], c.argvlen[2], &bit):
        add_reply_error(c, E_NOTINT)
        return
    if bit != 0 and bit != 1:
        add_reply_error(c, E_BITPOS_BIT)
        return
    e = lookup_read(c, c.argv[1], c.argvlen[1])
    if e == NULL:
        # a missing key is all zeros: the first 0 is bit 0, there is no 1
        add_reply_int(c, -1 if bit else 0)
        return
    if e.type != OBJ_STRING:
        add_reply_error(c, E_WRONGTYPE)
        return
    p = <const unsigned char *>entry_str(e, tmp, &slen)
    totlen = <long long>slen
    if c.argc >= 4 and c.argc <= 6:
        if not arg_ll(c, 3, &start):
            return
        if c.argc == 6 and range_unit_arg(c, 5, &isbit) < 0:
            return
        if c.argc >= 5:
            if not arg_ll(c, 4, &end):
                return
            end_given = True
        elif isbit:
            end = (totlen << 3) + 7
        else:
            end = totlen - 1
        if isbit:
            totlen <<= 3
        if start < 0:
            start += totlen
        if end < 0:
            end += totlen
        if start < 0:
            start = 0
        if end < 0:
            end = 0
        if end >= totlen:
            end = totlen - 1
        if isbit and start <= end:
            first_mask = <unsigned char>(~((1 << (8 - (start & 7))) - 1) & 0xFF)
            last_mask = <unsigned char>((1 << (7 - (end & 7))) - 1)
            start >>= 3
            end >>= 3
    elif c.argc == 3:
        start = 0
        end = totlen - 1
    else:
        add_reply_error(c, E_SYNTAX)
        return
    # An empty range holds neither a 0 nor a 1.
    if start > end:
        add_reply_int(c, -1)
        return
    nbytes = end - start + 1
    # Bits outside a BIT range are forced to the value not searched for, so the
    # byte kernels never report them.  The scan runs in up to three parts (first
    # byte, middle, last byte); `nbytes` ends as the length of the last part, and
    # a result of nbytes*8 there means "not found in the range" for bit 0.
    if first_mask:
        one = (p[start] & ~first_mask) if bit else (p[start] | first_mask)
        if last_mask and nbytes == 1:
            one = (one & ~last_mask) if bit else (one | last_mask)
        pos = bitpos_or_end(&one, 1, <int>bit)
        if nbytes == 1 or (pos != -1 and pos != 8):
            _bitpos_reply(c, pos, start, nbytes, end_given, bit)
            return
        start += 1
        nbytes -= 1
    curbytes = nbytes - (1 if last_mask else 0)
    if curbytes > 0:
        pos = bitpos_or_end(p + start, curbytes, <int>bit)
        if nbytes == curbytes or (pos != -1 and pos != (curbytes << 3)):
            _bitpos_reply(c, pos, start, nbytes, end_given, bit)
            return
        start += curbytes
        nbytes -= curbytes
    one = (p[end] & ~last_mask) if bit else (p[end] | last_mask)
    pos = bitpos_or_end(&one, 1, <int>bit)
    _bitpos_reply(c, pos, start, nbytes, end_given, bit)

# ---- BITOP -------------------------------------------------------------------

cdef enum:
    BITOP_AND = 0
    BITOP_OR = 1
    BITOP_XOR = 2
    BITOP_NOT = 3

cdef void cmd_bitop(ClientBase c) noexcept:
    cdef int op
    cdef int numkeys = c.argc - 3
    cdef int j
    cdef size_t maxlen = 0
    cdef size_t len
    cdef fc_entry *e
    cdef fc_entry *n
    cdef fc_entry **slot
    cdef const char **src
    cdef size_t *lens
    cdef char *tmps
    cdef char *block
    cdef fc_rawstr *r
    cdef unsigned char *d
    if arg_is(c, 1, "and"):
        op = BITOP_AND
    elif arg_is(c, 1, "or"):
        op = BITOP_OR
    elif arg_is(c, 1, "xor"):
        op = BITOP_XOR
    elif arg_is(c, 1, "not"):
        op = BITOP_NOT
    else:
        add_reply_error(c, E_SYNTAX)
        return
    if op == BITOP_NOT and c.argc != 4:
        add_reply_error(c, E_BITOP_NOT)
        return
    # One block: source pointers, lengths, and digit buffers for int-encoded values.
    block = <char *>fc_malloc(numkeys * (sizeof(char *) + sizeof(size_t) + LONG_STR_SIZE))
    src = <const char **>block
    lens = <size_t *>(block + numkeys * sizeof(char *))
    tmps = block + numkeys * (sizeof(char *) + sizeof(size_t))
    for j in range(numkeys):
        e = lookup_read(c, c.argv[j + 3], c.argvlen[j + 3])
        if e == NULL:
            src[j] = NULL
            lens[j] = 0
            continue
        if e.type != OBJ_STRING:
            fc_free(block)
            add_reply_error(c, E_WRONGTYPE)
            return
        src[j] = entry_str(e, tmps + j * LONG_STR_SIZE, &len)
        lens[j] = len
        if len > maxlen:
            maxlen = len
    if maxlen:
        # Missing bytes of shorter strings count as zeros: start from the first
        # source padded with zeros, then fold the others in over their length
        # (AND also clears what lies beyond a shorter source).
        r = rawstr_new(NULL, maxlen, maxlen)
        d = <unsigned char *>rawstr_data(r)
        if lens[0]:
            memcpy(d, src[0], lens[0])
        if op == BITOP_NOT:
            fc_bitop_not(d, maxlen)
        for j in range(1, numkeys):
            if op == BITOP_AND:
                fc_bitop_and(d, <const unsigned char *>src[j], lens[j])
                if lens[j] < maxlen:
                    memset(d + lens[j], 0, maxlen - lens[j])
            elif op == BITOP_OR:
                fc_bitop_or(d, <const unsigned char *>src[j], lens[j])
            else:
                fc_bitop_xor(d, <const unsigned char *>src[j], lens[j])
        fc_free(block)
        # setKey with a fresh raw object: the result is "raw" whatever its size,
        # and any TTL on the destination is dropped.
        n = entry_alloc(c.argv[2], c.argvlen[2], sizeof(void *))
        n.type = OBJ_STRING
        n.enc = ENC_RAW
        entry_set_ptr(n, r)
        slot = lookup_write(c, c.argv[2], c.argvlen[2])
        if slot == NULL:
            db_add(c.db, n)
        else:
            db_replace(c.db, slot, n, False)
        srv.dirty += 1
        arg_modified(c, NOTIFY_STRING, b"set", 2)
    else:
        fc_free(block)
        # every source empty or missing: the destination is deleted (dbDelete,
        # which removes even a key whose TTL has passed, without counting it expired)
        if db_delete(c.db, c.argv[2], c.argvlen[2]):
            srv.dirty += 1
            arg_modified(c, NOTIFY_GENERIC, b"del", 2)
    add_reply_int(c, <long long>maxlen)

# ---- BITFIELD ----------------------------------------------------------------

cdef enum:
    BFOP_GET = 0
    BFOP_SET = 1
    BFOP_INCRBY = 2

cdef enum:
    BFOW_WRAP = 0
    BFOW_SAT = 1
    BFOW_FAIL = 2

ctypedef struct fc_bfop:
    uint64_t offset
    int64_t value       # SET value or INCRBY increment
    int opcode
    int owtype
    int bits
    bint sign

cdef inline uint64_t bf_get(const unsigned char *p, uint64_t offset, int bits) noexcept:
    """The `bits`-wide unsigned field at bit `offset` (MSB first); the caller
    guarantees the bytes exist."""
    cdef uint64_t v = 0
    cdef int take, inbit
    cdef size_t byte
    while bits > 0:
        byte = <size_t>(offset >> 3)
        inbit = <int>(offset & 7)
        take = 8 - inbit
        if take > bits:
            take = bits
        v = (v << take) | ((p[byte] >> (8 - inbit - take)) & ((1 << take) - 1))
        offset += take
        bits -= take
    return v

cdef inline void bf_set(unsigned char *p, uint64_t offset, int bits, uint64_t value) noexcept:
    """Store the low `bits` bits of value at bit `offset` (MSB first)."""
    cdef int take, inbit, shift
    cdef unsigned int mask, chunk
    cdef size_t byte
    while bits > 0:
        byte = <size_t>(offset >> 3)
        inbit = <int>(offset & 7)
        take = 8 - inbit
        if take > bits:
            take = bits
        shift = 8 - inbit - take
        mask = ((1u << take) - 1) << shift
        chunk = <unsigned int>((value >> (bits - take)) & ((1u << take) - 1))
        p[byte] = <unsigned char>((p[byte] & ~mask) | (chunk << shift))
        offset += take
        bits -= take

cdef inline int64_t bf_sign_extend(uint64_t v, int bits) noexcept:
    """The low `bits` bits of v as a two's complement iN (higher bits ignored)."""
    cdef uint64_t high
    if bits < 64:
        high = (<uint64_t>0xFFFFFFFFFFFFFFFFULL) << bits
        if v & (1ULL << (bits - 1)):
            v |= high
        else:
            v &= ~high
    return <int64_t>v

cdef bint bf_signed_overflow(int64_t value, int64_t incr, int bits, int owtype, int64_t *out) noexcept:
    """value+incr against the iN range [min, max].  On overflow *out gets the
    WRAP (two's complement, N bits) or SAT (clamped) result and True is returned;
    otherwise *out is value+incr.

    Redis compares incr with the headroom max-value / min-value computed in 64-bit
    two's complement, and for N < 64 those differences can wrap: a SET (incr 0)
    of a value below 2**(N-1) - 2**63 gets a "negative headroom" and counts as
    overflowing upwards, so SAT stores max.  Reproduced here on purpose."""
    cdef int64_t vmax = 0x7FFFFFFFFFFFFFFFLL if bits == 64 else ((<int64_t>1 << (bits - 1)) - 1)
    cdef int64_t vmin = -vmax - 1
    cdef int64_t room_up = <int64_t>(<uint64_t>vmax - <uint64_t>value)
    cdef int64_t room_down = <int64_t>(<uint64_t>vmin - <uint64_t>value)
    cdef uint64_t wrapped = <uint64_t>value + <uint64_t>incr
    cdef int dirn = 0
    if value > vmax or (bits != 64 and incr > room_up) or (value >= 0 and incr > 0 and incr > room_up):
        dirn = 1
    elif value < vmin or (bits != 64 and incr < room_down) or (value < 0 and incr < 0 and incr < room_down):
        dirn = -1
    if dirn == 0:
        out[0] = <int64_t>wrapped
        return False
    if owtype == BFOW_SAT:
        out[0] = vmax if dirn > 0 else vmin
    else:
        out[0] = bf_sign_extend(wrapped, bits)
    return True

cdef bint bf_unsigned_overflow(uint64_t value, int64_t incr, int bits, int owtype, uint64_t *out) noexcept:
    """As bf_signed_overflow for uN (N <= 63).  value is unsigned: a negative SET
    value is a huge uint64, hence an overflow above the maximum."""
    cdef uint64_t vmax = ((<uint64_t>1) << bits) - 1
    cdef uint64_t wrapped = value + <uint64_t>incr
    cdef int dirn = 0
    if value > vmax:
        dirn = 1
    elif incr > 0 and <uint64_t>incr > vmax - value:
        dirn = 1
    elif incr < 0 and (<uint64_t>0 - <uint64_t>incr) > value:
        dirn = -1
    if dirn == 0:
        out[0] = wrapped
        return False
    if owtype == BFOW_SAT:
        out[0] = vmax if dirn > 0 else 0
    else:
        out[0] = wrapped & vmax
    return True

cdef inline void bf_free_ops(fc_bfop *ops, fc_bfop *stack_ops) noexcept:
    """Release the op array if it outgrew the stack buffer."""
    if ops != stack_ops:
        fc_free(ops)

cdef enum:
    BF_STACK_OPS = 16

cdef void bitfield_generic(ClientBase c, bint ro_command) noexcept:
    cdef fc_bfop stack_ops[BF_STACK_OPS]
    cdef fc_bfop *ops = stack_ops
    cdef fc_bfop *op
    cdef int cap = BF_STACK_OPS
    cdef int numops = 0
    cdef int j = 2
    cdef int remargs, opcode, bits, i
    cdef int owtype = BFOW_WRAP
    cdef bint sign
    cdef bint readonly = True
    cdef bint grown
    cdef uint64_t offset
    cdef uint64_t highest = 0
    cdef long long value
    cdef long long changes = 0
    cdef fc_entry *e = NULL
    cdef fc_rawstr *r = NULL
    cdef const unsigned char *src = NULL
    cdef size_t slen = 0
    cdef char tmp[LONG_STR_SIZE]
    cdef unsigned char buf[9]
    cdef uint64_t byte, uold, unew
    cdef int64_t sold, snew
    cdef bint overflow
    # Parse and validate every operation first.
    while j < c.argc:
        remargs = c.argc - j - 1
        if arg_is(c, j, "get") and remargs >= 2:
            opcode = BFOP_GET
        elif arg_is(c, j, "set") and remargs >= 3:
            opcode = BFOP_SET
        elif arg_is(c, j, "incrby") and remargs >= 3:
            opcode = BFOP_INCRBY
        elif arg_is(c, j, "overflow") and remargs >= 1:
            if arg_is(c, j + 1, "wrap"):
                owtype = BFOW_WRAP
            elif arg_is(c, j + 1, "sat"):
                owtype = BFOW_SAT
            elif arg_is(c, j + 1, "fail"):
                owtype = BFOW_FAIL
            else:
                add_reply_error(c, E_BITFIELD_OVERFLOW)
                bf_free_ops(ops, stack_ops)
                return
            j += 2
            continue
        else:
            add_reply_error(c, E_SYNTAX)
            bf_free_ops(ops, stack_ops)
            return
        if not bitfield_type_arg(c, j + 1, &sign, &bits):
            bf_free_ops(ops, stack_ops)
            return
        if not bit_offset_arg(c, j + 2, True, bits, &offset):
            bf_free_ops(ops, stack_ops)
            return
        value = 0
        if opcode != BFOP_GET:
            readonly = False
            if highest < offset + <uint64_t>bits - 1:
                highest = offset + <uint64_t>bits - 1
            if not arg_ll(c, j + 3, &value):
                bf_free_ops(ops, stack_ops)
                return
        if numops == cap:
            cap *= 2
            if ops == stack_ops:
                ops = <fc_bfop *>fc_malloc(cap * sizeof(fc_bfop))
                memcpy(ops, stack_ops, numops * sizeof(fc_bfop))
            else:
                ops = <fc_bfop *>fc_realloc(ops, cap * sizeof(fc_bfop))
        op = &ops[numops]
        op.offset = offset
        op.value = value
        op.opcode = opcode
        op.owtype = owtype
        op.bits = bits
        op.sign = sign
        numops += 1
        j += 3 if opcode == BFOP_GET else 4
    if readonly:
        e = lookup_read(c, c.argv[1], c.argvlen[1])
        if e != NULL and e.type != OBJ_STRING:
            add_reply_error(c, E_WRONGTYPE)
            bf_free_ops(ops, stack_ops)
            return
        if e != NULL:
            src = <const unsigned char *>entry_str(e, tmp, &slen)
    else:
        if ro_command:
            add_reply_error(c, E_BITFIELD_RO)
            bf_free_ops(ops, stack_ops)
            return
        r = string_for_bit_write(c, highest, &grown)
        if r == NULL:
            bf_free_ops(ops, stack_ops)
            return
    add_reply_array_len(c, numops)
    for i in range(numops):
        op = &ops[i]
        if op.opcode == BFOP_GET:
            # Copy the (up to 9) bytes holding the field, zero-padded past the end
            # of the string, and read from the copy.
            if r != NULL:
                src = <const unsigned char *>rawstr_data(r)
                slen = r.len
            byte = op.offset >> 3
            memset(buf, 0, 9)
            if src != NULL and byte < slen:
                memcpy(buf, src + byte, 9 if slen - byte >= 9 else slen - byte)
            uold = bf_get(buf, op.offset & 7, op.bits)
            if op.sign:
                add_reply_int(c, bf_sign_extend(uold, op.bits))
            else:
                add_reply_int(c, <long long>uold)
            continue
        # SET and INCRBY: the string covers every written field (see above).
        if op.sign:
            sold = bf_sign_extend(bf_get(<unsigned char *>rawstr_data(r), op.offset, op.bits), op.bits)
            if op.opcode == BFOP_INCRBY:
                overflow = bf_signed_overflow(sold, op.value, op.bits, op.owtype, &snew)
            else:
                overflow = bf_signed_overflow(op.value, 0, op.bits, op.owtype, &snew)
            if overflow and op.owtype == BFOW_FAIL:
                add_reply_null(c)
            else:
                add_reply_int(c, snew if op.opcode == BFOP_INCRBY else sold)
                bf_set(<unsigned char *>rawstr_data(r), op.offset, op.bits, <uint64_t>snew)
                changes += 1
        else:
            uold = bf_get(<unsigned char *>rawstr_data(r), op.offset, op.bits)
            if op.opcode == BFOP_INCRBY:
                overflow = bf_unsigned_overflow(uold, op.value, op.bits, op.owtype, &unew)
            else:
                overflow = bf_unsigned_overflow(<uint64_t>op.value, 0, op.bits, op.owtype, &unew)
            if overflow and op.owtype == BFOW_FAIL:
                add_reply_null(c)
            else:
                add_reply_int(c, <long long>(unew if op.opcode == BFOP_INCRBY else uold))
                bf_set(<unsigned char *>rawstr_data(r), op.offset, op.bits, unew)
                changes += 1
    if changes:
        # one "setbit" for the whole command, however many fields it wrote
        arg_modified(c, NOTIFY_STRING, b"setbit", 1)
    srv.dirty += changes
    bf_free_ops(ops, stack_ops)

cdef void cmd_bitfield(ClientBase c) noexcept:
    bitfield_generic(c, False)

cdef void cmd_bitfield_ro(ClientBase c) noexcept:
    bitfield_generic(c, True)
