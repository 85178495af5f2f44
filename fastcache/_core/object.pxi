# object.pxi — keyspace entries: key, metadata and (small) value in one allocation.
#
# Design note.  Redis spends a dictEntry, an sds key and a robj per key (plus an
# embedded string for small values).  We fold all of that into one `fc_entry`:
#
#   [ next | klen | vlen | type enc flags pad | lru ][ key bytes ][ payload ]
#     8      4      4      1    1   1     1     4     klen
#
# The header doubles as the dict node (next, klen must stay first).  The payload
# depends on the encoding:
#   ENC_EMBSTR  the string value itself, vlen bytes (strings created <= 44 bytes,
#               Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT, so OBJECT ENCODING agrees)
#   ENC_INT     an int64 (strings that are canonical integers, Redis's "int")
#   ENC_RAW     a pointer to an fc_rawstr (len, capacity, bytes) that can grow in
#               place (APPEND/SETRANGE/SETBIT make strings raw, as in Redis)
#   other types a pointer to the type's structure (later issues).
# Pointers and int64 in the payload are unaligned: read them with memcpy.
#
# Ownership: the keyspace dict owns entries; an entry owns its payload.  Replacing
# a value means building a new entry and swapping it into the dict slot
# (db_replace), except when the new string fits the old allocation and neither is
# raw, in which case it is rewritten in place (SET of same-size values costs no
# allocation).

cdef enum:
    OBJ_STRING = 0
    OBJ_LIST = 1
    OBJ_SET = 2
    OBJ_ZSET = 3
    OBJ_HASH = 4
    OBJ_STREAM = 6

# Encoding numbers are Redis's (server.h), so names map one to one.
cdef enum:
    ENC_RAW = 0
    ENC_INT = 1
    ENC_HT = 2
    ENC_ZIPMAP = 3
    ENC_LINKEDLIST = 4
    ENC_ZIPLIST = 5
    ENC_INTSET = 6
    ENC_SKIPLIST = 7
    ENC_EMBSTR = 8
    ENC_QUICKLIST = 9
    ENC_STREAM = 10
    ENC_LISTPACK = 11

cdef enum:
    EF_HAS_EXPIRE = 1

cdef enum:
    EMBSTR_SIZE_LIMIT = 44
    MAX_LONG_DOUBLE_CHARS = 5 * 1024
    LONG_STR_SIZE = 21
    OBJ_SHARED_INTEGERS = 10000

# How a new string value picks its encoding:
#   STR_TRY     tryObjectEncoding: int if canonical integer (<= 20 chars), else
#               embstr if <= 44 bytes, else raw (SET, MSET, APPEND on a new key ...)
#   STR_CREATE  createStringObject: embstr if <= 44 bytes else raw (INCRBYFLOAT ...)
#   STR_RAW     always raw (SETRANGE, SETBIT, APPEND to an existing string)
cdef enum:
    STR_TRY = 0
    STR_CREATE = 1
    STR_RAW = 2

cdef struct fc_entry:
    fc_entry *next
    uint32_t klen
    uint32_t vlen
    uint8_t type
    uint8_t enc
    uint8_t flags
    uint8_t pad
    uint32_t lru

ctypedef struct fc_rawstr:
    size_t len
    size_t cap

cdef inline char *entry_key(fc_entry *e) noexcept nogil:
    return (<char *>e) + sizeof(fc_entry)

cdef inline char *entry_payload(fc_entry *e) noexcept nogil:
    return (<char *>e) + sizeof(fc_entry) + e.klen

cdef inline void *entry_ptr(fc_entry *e) noexcept nogil:
    cdef void *p
    memcpy(&p, entry_payload(e), sizeof(void *))
    return p

cdef inline void entry_set_ptr(fc_entry *e, void *p) noexcept nogil:
    memcpy(entry_payload(e), &p, sizeof(void *))

cdef inline long long entry_int(fc_entry *e) noexcept nogil:
    cdef long long v
    memcpy(&v, entry_payload(e), sizeof(long long))
    return v

cdef inline void entry_set_int(fc_entry *e, long long v) noexcept nogil:
    memcpy(entry_payload(e), &v, sizeof(long long))

cdef inline char *rawstr_data(fc_rawstr *r) noexcept nogil:
    return (<char *>r) + sizeof(fc_rawstr)

cdef fc_rawstr *rawstr_new(const char *s, size_t len, size_t cap) noexcept nogil:
    """A raw string buffer holding s[:len] with room for cap bytes (cap >= len).
    s may be NULL: the bytes are zeroed (SETRANGE/SETBIT padding)."""
    cdef fc_rawstr *r = <fc_rawstr *>fc_malloc(sizeof(fc_rawstr) + cap)
    r.len = len
    r.cap = cap
    if s != NULL:
        memcpy(rawstr_data(r), s, len)
    else:
        memset(rawstr_data(r), 0, len)
    return r

cdef fc_rawstr *rawstr_grow(fc_rawstr *r, size_t newlen) noexcept nogil:
    """Make room for newlen bytes; new bytes are zeroed.  Greedy like sds
    (double up to 1 MB, then +1 MB) so repeated APPENDs are amortised O(1)."""
    cdef size_t cap
    if newlen > r.cap:
        cap = newlen * 2 if newlen < 1024 * 1024 else newlen + 1024 * 1024
        r = <fc_rawstr *>fc_realloc(r, sizeof(fc_rawstr) + cap)
        r.cap = cap
    if newlen > r.len:
        memset(rawstr_data(r) + r.len, 0, newlen - r.len)
        r.len = newlen
    return r

cdef inline fc_entry *entry_alloc(const char *key, size_t klen, size_t payload) noexcept nogil:
    cdef fc_entry *e = <fc_entry *>fc_malloc(sizeof(fc_entry) + klen + payload)
    e.next = NULL
    e.klen = <uint32_t>klen
    e.vlen = 0
    e.flags = 0
    e.pad = 0
    e.lru = entry_initial_lru()    # evict.pxi: LFU_INIT_VAL under an LFU policy
    memcpy(entry_key(e), key, klen)
    return e

cdef inline bint string_is_canonical_int(const char *s, size_t len, long long *v) noexcept nogil:
    # Redis's tryObjectEncoding: len <= 20 and string2l succeeds (string2l is the
    # strict, canonical form: no spaces, no '+', no leading zeros).
    return len <= 20 and fc_string2ll(s, len, v) == 1

cdef fc_entry *entry_new_string(const char *key, size_t klen, const char *s, size_t len, int how) noexcept nogil:
    """New string entry; `how` is STR_TRY / STR_CREATE / STR_RAW (see above)."""
    cdef fc_entry *e
    cdef long long v
    if how == STR_TRY and string_is_canonical_int(s, len, &v):
        return entry_new_int(key, klen, v)
    if how != STR_RAW and len <= EMBSTR_SIZE_LIMIT:
        e = entry_alloc(key, klen, len)
        e.type = OBJ_STRING
        e.enc = ENC_EMBSTR
        e.vlen = <uint32_t>len
        memcpy(entry_payload(e), s, len)
        return e
    e = entry_alloc(key, klen, sizeof(void *))
    e.type = OBJ_STRING
    e.enc = ENC_RAW
    # A fresh raw string gets no spare room (tryObjectEncoding trims it too);
    # rawstr_grow adds room when the string is first appended to.
    entry_set_ptr(e, rawstr_new(s, len, len))
    return e

cdef fc_entry *entry_new_int(const char *key, size_t klen, long long v) noexcept nogil:
    cdef fc_entry *e = entry_alloc(key, klen, sizeof(long long))
    e.type = OBJ_STRING
    e.enc = ENC_INT
    entry_set_int(e, v)
    return e

cdef inline const char *entry_str(fc_entry *e, char *tmp, size_t *len) noexcept nogil:
    """The string value's bytes; tmp (>= LONG_STR_SIZE bytes) is used for ints."""
    cdef fc_rawstr *r
    if e.enc == ENC_EMBSTR:
        len[0] = e.vlen
        return entry_payload(e)
    if e.enc == ENC_INT:
        len[0] = <size_t>fc_ll2string(tmp, LONG_STR_SIZE, entry_int(e))
        return tmp
    r = <fc_rawstr *>entry_ptr(e)
    len[0] = r.len
    return rawstr_data(r)

cdef inline size_t entry_strlen(fc_entry *e) noexcept nogil:
    cdef char tmp[LONG_STR_SIZE]
    cdef size_t n
    entry_str(e, tmp, &n)
    return n

cdef inline bint entry_to_ll(fc_entry *e, long long *v) noexcept nogil:
    """getLongLongFromObject for a string entry: 1 if it holds a valid integer."""
    cdef char tmp[LONG_STR_SIZE]
    cdef size_t n
    cdef const char *s
    if e.enc == ENC_INT:
        v[0] = entry_int(e)
        return True
    s = entry_str(e, tmp, &n)
    return fc_string2ll(s, n, v) == 1

# Free functions per type, filled in by the type modules (t_list.pxi ...).
ctypedef void (*value_free_fn)(fc_entry *e) noexcept nogil
cdef value_free_fn type_free[8]
memset(type_free, 0, sizeof(type_free))

cdef void entry_free(fc_entry *e) noexcept nogil:
    if e.type == OBJ_STRING:
        if e.enc == ENC_RAW:
            fc_free(entry_ptr(e))
    elif type_free[e.type] != NULL:
        type_free[e.type](e)
    fc_free(e)

# Deep copy of a value, per type (COPY, MOVE); strings keep their encoding, as
# Redis's dupStringObject does.
ctypedef fc_entry *(*value_dup_fn)(fc_entry *e, const char *key, size_t klen) noexcept nogil
cdef value_dup_fn type_dup[8]
memset(type_dup, 0, sizeof(type_dup))

cdef fc_entry *entry_dup(fc_entry *e, const char *key, size_t klen) noexcept nogil:
    """A new entry with the same value under another key (flags cleared)."""
    cdef fc_entry *n
    cdef fc_rawstr *r
    if e.type == OBJ_STRING:
        if e.enc == ENC_INT:
            return entry_new_int(key, klen, entry_int(e))
        if e.enc == ENC_EMBSTR:
            return entry_new_string(key, klen, entry_payload(e), e.vlen, STR_CREATE)
        r = <fc_rawstr *>entry_ptr(e)
        n = entry_alloc(key, klen, sizeof(void *))
        n.type = OBJ_STRING
        n.enc = ENC_RAW
        entry_set_ptr(n, rawstr_new(rawstr_data(r), r.len, r.len))
        return n
    return type_dup[e.type](e, key, klen)

cdef fc_entry *entry_rekey(fc_entry *e, const char *key, size_t klen) noexcept nogil:
    """Move a value to a new key (RENAME, MOVE): a new header+key, same payload
    (pointers move, embedded bytes are copied); `e` itself is freed."""
    cdef size_t payload = 0
    cdef fc_entry *n
    if e.type == OBJ_STRING and e.enc == ENC_EMBSTR:
        payload = e.vlen
    elif e.type == OBJ_STRING and e.enc == ENC_INT:
        payload = sizeof(long long)
    else:
        payload = sizeof(void *)
    n = entry_alloc(key, klen, payload)
    n.type = e.type
    n.enc = e.enc
    n.vlen = e.vlen
    n.lru = e.lru
    memcpy(entry_payload(n), entry_payload(e), payload)
    fc_free(e)
    return n

# Memory of a value's structure, per type (MEMORY USAGE): `samples` bounds the
# elements looked at (0 = all), as Redis's objectComputeSize does.
ctypedef size_t (*value_mem_fn)(fc_entry *e, long long samples) noexcept nogil
cdef value_mem_fn type_mem[8]
memset(type_mem, 0, sizeof(type_mem))

cdef size_t entry_mem_usage(fc_entry *e, long long samples) noexcept nogil:
    """Bytes this key costs (MEMORY USAGE): the entry allocation, its raw string
    buffer or its type's structure, and the bucket slot it occupies."""
    cdef size_t n = fc_malloc_size(e) + sizeof(void *)
    if e.type == OBJ_STRING and e.enc == ENC_RAW:
        n += fc_malloc_size(entry_ptr(e))
    elif e.type != OBJ_STRING and type_mem[e.type] != NULL:
        n += type_mem[e.type](e, samples)
    return n

cdef const char *encoding_name(int enc) noexcept nogil:
    if enc == ENC_RAW: return "raw"
    if enc == ENC_INT: return "int"
    if enc == ENC_HT: return "hashtable"
    if enc == ENC_ZIPMAP: return "zipmap"
    if enc == ENC_LINKEDLIST: return "linkedlist"
    if enc == ENC_ZIPLIST: return "ziplist"
    if enc == ENC_INTSET: return "intset"
    if enc == ENC_SKIPLIST: return "skiplist"
    if enc == ENC_EMBSTR: return "embstr"
    if enc == ENC_QUICKLIST: return "quicklist"
    if enc == ENC_STREAM: return "stream"
    if enc == ENC_LISTPACK: return "listpack"
    return "unknown"

cdef const char *type_name(int t) noexcept nogil:
    if t == OBJ_STRING: return "string"
    if t == OBJ_LIST: return "list"
    if t == OBJ_SET: return "set"
    if t == OBJ_ZSET: return "zset"
    if t == OBJ_HASH: return "hash"
    if t == OBJ_STREAM: return "stream"
    return "unknown"
