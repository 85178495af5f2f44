# t_hash.pxi — the hash type (Redis t_hash.c): encodings and commands.
#
# Design note.  A hash key is an fc_entry with type OBJ_HASH whose payload is one
# pointer (entry_ptr) to either
#   ENC_LISTPACK  a listpack blob holding field, value, field, value ... (csrc/
#                 listpack.h, byte-compatible with Redis 7.0), or
#   ENC_HT        an fc_dict (dict.pxi) of fc_hnode nodes: one allocation per
#                 field holding the field bytes at keyoff and the value bytes right
#                 after them (no separate value buffer: 16 bytes of overhead per
#                 field besides the bucket slot, against Redis's dictEntry + two sds).
# Conversion is one-way, listpack → hashtable, at Redis's points: before a write
# whose field or value is longer than hash-max-listpack-value (hashTypeTryConversion
# over all arguments of HSET/HMSET/HSETNX, and again inside hash_set for
# HINCRBY/HINCRBYFLOAT results), or after an insert that makes the hash longer
# than hash-max-listpack-entries.
#
# The entry itself never moves when the value changes: a listpack that is
# reallocated or converted is swapped into the payload pointer (entry_set_ptr),
# so a keyspace slot stays valid across the whole command.
#
# Commands follow t_hash.c's order of checks (argument parsing, then the lookup,
# then WRONGTYPE); an aggregate that becomes empty is deleted.

# Aliased cnames (hlp_*) so that other type modules may declare the same C
# functions under their own names without clashing inside this one extension.
cdef extern from "listpack.h" nogil:
    unsigned char *hlp_new "fc_lp_new"(size_t capacity)
    void hlp_free "fc_lp_free"(unsigned char *lp)
    size_t hlp_bytes "fc_lp_bytes"(const unsigned char *lp)
    unsigned long hlp_length "fc_lp_length"(unsigned char *lp)
    unsigned char *hlp_first "fc_lp_first"(unsigned char *lp)
    unsigned char *hlp_next "fc_lp_next"(unsigned char *lp, unsigned char *p)
    unsigned char *hlp_seek "fc_lp_seek"(unsigned char *lp, long index)
    unsigned char *hlp_get_value "fc_lp_get_value"(unsigned char *p, uint32_t *len, long long *ival)
    unsigned char *hlp_get_str "fc_lp_get_str"(unsigned char *p, uint32_t *len, unsigned char *buf)
    unsigned char *hlp_append "fc_lp_append"(unsigned char *lp, const unsigned char *s, uint32_t len)
    unsigned char *hlp_replace "fc_lp_replace"(unsigned char *lp, unsigned char **p,
                                               const unsigned char *s, uint32_t len)
    unsigned char *hlp_delete_range_with_entry "fc_lp_delete_range_with_entry"(
        unsigned char *lp, unsigned char **p, unsigned long num)
    unsigned char *hlp_find "fc_lp_find"(unsigned char *lp, unsigned char *p, const unsigned char *s,
                                         uint32_t slen, unsigned int skip)
    int hlp_safe_to_add "fc_lp_safe_to_add"(unsigned char *lp, size_t add)
    enum:
        FC_LP_INTBUF_SIZE

cdef struct fc_hnode:
    fc_hnode *next        # fc_node header: next, klen (field length)
    uint32_t klen
    uint32_t vlen
    # field bytes, then value bytes

cdef enum:
    # field bytes start right after the header (8-byte next + klen + vlen);
    # checked against sizeof(fc_hnode) at module init
    HNODE_KEYOFF = 16
    # HRANDFIELD with a negative count on a listpack hash samples this many
    # positions per batch (Redis's HRANDFIELD_RANDOM_SAMPLE_LIMIT batches too).
    HRANDFIELD_RANDOM_SAMPLE_LIMIT = 1000
    # CASE 3 of hrandfieldWithCountCommand: copy-and-remove when count*3 > size
    HRANDFIELD_SUB_STRATEGY_MUL = 3

cdef inline char *hnode_field(fc_hnode *n) noexcept nogil:
    return (<char *>n) + HNODE_KEYOFF

cdef inline char *hnode_value(fc_hnode *n) noexcept nogil:
    return (<char *>n) + HNODE_KEYOFF + n.klen

cdef fc_hnode *hnode_new(const char *f, size_t flen, const char *v, size_t vlen) noexcept nogil:
    cdef fc_hnode *n = <fc_hnode *>fc_malloc(HNODE_KEYOFF + flen + vlen)
    n.next = NULL
    n.klen = <uint32_t>flen
    n.vlen = <uint32_t>vlen
    memcpy(hnode_field(n), f, flen)
    memcpy(hnode_value(n), v, vlen)
    return n

# ---- encoding-level helpers ------------------------------------------------------

cdef inline unsigned char *hash_lp(fc_entry *e) noexcept nogil:
    return <unsigned char *>entry_ptr(e)

cdef inline fc_dict *hash_dict(fc_entry *e) noexcept nogil:
    return <fc_dict *>entry_ptr(e)

cdef fc_entry *hash_create(const char *key, size_t klen) noexcept nogil:
    """createHashObject: an empty listpack hash (converted right away if needed)."""
    cdef fc_entry *e = entry_alloc(key, klen, sizeof(void *))
    e.type = OBJ_HASH
    e.enc = ENC_LISTPACK
    entry_set_ptr(e, hlp_new(0))
    return e

cdef inline unsigned long hash_len(fc_entry *e) noexcept nogil:
    if e.enc == ENC_LISTPACK:
        return hlp_length(hash_lp(e)) // 2
    return <unsigned long>dict_size(hash_dict(e))

cdef inline fc_hnode **hash_ht_find(fc_dict *d, const char *f, size_t flen) noexcept nogil:
    return <fc_hnode **>dict_find_slot(d, f, flen, dict_hash(f, flen))

cdef unsigned char *hash_lp_find(unsigned char *lp, const char *f, size_t flen) noexcept nogil:
    """The field's element in a listpack hash, or NULL."""
    cdef unsigned char *p = hlp_first(lp)
    if p == NULL:
        return NULL
    return hlp_find(lp, p, <const unsigned char *>f, <uint32_t>flen, 1)

cdef bint hash_get(fc_entry *e, const char *f, size_t flen, const char **v, size_t *vlen,
                   char *buf) noexcept nogil:
    """The value of field f as bytes (integers formatted into buf,
    FC_LP_INTBUF_SIZE bytes); False if the field is absent."""
    cdef unsigned char *p
    cdef uint32_t n
    cdef fc_hnode **slot
    if e.enc == ENC_LISTPACK:
        p = hash_lp_find(hash_lp(e), f, flen)
        if p == NULL:
            return False
        p = hlp_next(hash_lp(e), p)
        v[0] = <const char *>hlp_get_str(p, &n, <unsigned char *>buf)
        vlen[0] = n
        return True
    slot = hash_ht_find(hash_dict(e), f, flen)
    if slot == NULL:
        return False
    v[0] = hnode_value(slot[0])
    vlen[0] = slot[0].vlen
    return True

cdef void hash_convert(fc_entry *e) noexcept nogil:
    """hashTypeConvertListpack: move every pair into a hashtable sized for them."""
    cdef unsigned char *lp = hash_lp(e)
    cdef fc_dict *d = <fc_dict *>fc_malloc(sizeof(fc_dict))
    cdef unsigned char *p
    cdef unsigned char *fs
    cdef unsigned char *vs
    cdef uint32_t fl, vl
    cdef unsigned char fbuf[FC_LP_INTBUF_SIZE]
    cdef unsigned char vbuf[FC_LP_INTBUF_SIZE]
    cdef fc_hnode *n
    dict_init(d, HNODE_KEYOFF)
    dict_resize_to(d, hlp_length(lp) // 2)
    p = hlp_first(lp)
    while p != NULL:
        fs = hlp_get_str(p, &fl, fbuf)
        p = hlp_next(lp, p)
        vs = hlp_get_str(p, &vl, vbuf)
        n = hnode_new(<const char *>fs, fl, <const char *>vs, vl)
        dict_insert(d, <fc_node *>n, dict_hash(<const char *>fs, fl))
        p = hlp_next(lp, p)
    hlp_free(lp)
    entry_set_ptr(e, d)
    e.enc = ENC_HT

cdef void hash_try_conversion(ClientBase c, fc_entry *e, int start, int end) noexcept:
    """hashTypeTryConversion over argv[start..end]: an argument longer than
    hash-max-listpack-value, or a total that would make the listpack unsafe,
    converts before anything is written."""
    cdef size_t total = 0
    cdef int i
    if e.enc != ENC_LISTPACK:
        return
    for i in range(start, end + 1):
        if <long long>c.argvlen[i] > srv.hash_max_listpack_value:
            hash_convert(e)
            return
        total += c.argvlen[i]
    if not hlp_safe_to_add(hash_lp(e), total):
        hash_convert(e)

cdef bint hash_set(fc_entry *e, const char *f, size_t flen, const char *v, size_t vlen) noexcept nogil:
    """hashTypeSet: add or overwrite field f; True if it was an update."""
    cdef unsigned char *lp
    cdef unsigned char *p
    cdef fc_dict *d
    cdef fc_hnode **slot
    cdef fc_hnode *n
    cdef size_t need, have
    cdef uint64_t h
    # HINCRBY* results reach here without hashTypeTryConversion: Redis checks the
    # lengths again in hashTypeSet.
    if e.enc == ENC_LISTPACK and (<long long>flen > srv.hash_max_listpack_value
                                  or <long long>vlen > srv.hash_max_listpack_value):
        hash_convert(e)
    if e.enc == ENC_LISTPACK:
        lp = hash_lp(e)
        p = hash_lp_find(lp, f, flen)
        if p != NULL:
            p = hlp_next(lp, p)
            lp = hlp_replace(lp, &p, <const unsigned char *>v, <uint32_t>vlen)
            entry_set_ptr(e, lp)
            return True
        lp = hlp_append(lp, <const unsigned char *>f, <uint32_t>flen)
        lp = hlp_append(lp, <const unsigned char *>v, <uint32_t>vlen)
        entry_set_ptr(e, lp)
        if <long long>(hlp_length(lp) // 2) > srv.hash_max_listpack_entries:
            hash_convert(e)
        return False
    d = hash_dict(e)
    h = dict_hash(f, flen)
    slot = <fc_hnode **>dict_find_slot(d, f, flen, h)
    if slot != NULL:
        n = slot[0]
        need = HNODE_KEYOFF + flen + vlen
        have = fc_malloc_size(n)
        # Rewrite in place when the allocation fits without wasting more than half
        # of it; otherwise reallocate and relink through the slot (the slot is the
        # previous link, not part of this node, so it stays valid).
        if need > have or need * 2 < have:
            n = <fc_hnode *>fc_realloc(n, need)
            slot[0] = n
        n.vlen = <uint32_t>vlen
        memcpy(hnode_value(n), v, vlen)
        return True
    dict_insert(d, <fc_node *>hnode_new(f, flen, v, vlen), h)
    return False

cdef bint hash_delete(fc_entry *e, const char *f, size_t flen) noexcept nogil:
    """hashTypeDelete: True if the field existed."""
    cdef unsigned char *lp
    cdef unsigned char *p
    cdef fc_dict *d
    cdef fc_hnode **slot
    cdef fc_hnode *n
    if e.enc == ENC_LISTPACK:
        lp = hash_lp(e)
        p = hash_lp_find(lp, f, flen)
        if p == NULL:
            return False
        lp = hlp_delete_range_with_entry(lp, &p, 2)
        entry_set_ptr(e, lp)
        return True
    d = hash_dict(e)
    slot = hash_ht_find(d, f, flen)
    if slot == NULL:
        return False
    n = slot[0]
    dict_unlink_slot(d, <fc_node **>slot)
    fc_free(n)
    # Redis shrinks the table after a delete when fill drops under 10%.
    if dict_needs_shrink(d):
        dict_shrink(d)
    return True

# ---- type registration (free, dup, memory) --------------------------------------

cdef void hash_free_value(fc_entry *e) noexcept nogil:
    cdef fc_dict *d
    cdef fc_node *n
    cdef fc_node *nxt
    cdef int t
    cdef uint64_t i
    if e.enc == ENC_LISTPACK:
        hlp_free(hash_lp(e))
        return
    d = hash_dict(e)
    for t in range(2):
        for i in range(d.size[t]):
            n = d.table[t][i]
            while n != NULL:
                nxt = n.next
                fc_free(n)
                n = nxt
    dict_release_tables(d)
    fc_free(d)

cdef fc_entry *hash_dup_value(fc_entry *e, const char *key, size_t klen) noexcept nogil:
    cdef fc_entry *n = entry_alloc(key, klen, sizeof(void *))
    cdef unsigned char *lp
    cdef size_t sz
    cdef fc_dict *d
    cdef fc_dict *nd
    cdef fc_hnode *x
    cdef fc_hnode *y
    cdef int t
    cdef uint64_t i
    n.type = OBJ_HASH
    n.enc = e.enc
    if e.enc == ENC_LISTPACK:
        # a listpack is position-independent bytes: a copy is a memcpy
        sz = hlp_bytes(hash_lp(e))
        lp = <unsigned char *>fc_malloc(sz)
        memcpy(lp, hash_lp(e), sz)
        entry_set_ptr(n, lp)
        return n
    d = hash_dict(e)
    nd = <fc_dict *>fc_malloc(sizeof(fc_dict))
    dict_init(nd, HNODE_KEYOFF)
    dict_resize_to(nd, dict_size(d))
    for t in range(2):
        for i in range(d.size[t]):
            x = <fc_hnode *>d.table[t][i]
            while x != NULL:
                y = hnode_new(hnode_field(x), x.klen, hnode_value(x), x.vlen)
                dict_insert(nd, <fc_node *>y, dict_hash(hnode_field(x), x.klen))
                x = x.next
    entry_set_ptr(n, nd)
    return n

cdef size_t hash_mem_value(fc_entry *e, long long samples) noexcept nogil:
    """objectComputeSize for hashes: the listpack allocation, or the dict, its
    buckets and the average sampled node times the number of fields."""
    cdef fc_dict *d
    cdef fc_node *n
    cdef size_t total, elesize = 0
    cdef long long seen = 0
    cdef int t
    cdef uint64_t i
    if e.enc == ENC_LISTPACK:
        return fc_malloc_size(hash_lp(e))
    d = hash_dict(e)
    total = fc_malloc_size(d) + dict_mem_buckets(d)
    for t in range(2):
        for i in range(d.size[t]):
            n = d.table[t][i]
            while n != NULL and (samples == 0 or seen < samples):
                elesize += fc_malloc_size(n)
                seen += 1
                n = n.next
    if seen:
        total += <size_t>(<double>elesize / seen * dict_size(d))
    return total

assert sizeof(fc_hnode) == HNODE_KEYOFF
type_free[OBJ_HASH] = hash_free_value
type_dup[OBJ_HASH] = hash_dup_value
type_mem[OBJ_HASH] = hash_mem_value

# ---- iteration ---------------------------------------------------------------------

# A cursor over either encoding: for a listpack `p` is the current field element;
# for a hashtable (t, i, n) walk buckets of both tables.  Callers must not modify
# the hash while iterating.
ctypedef struct hash_iter:
    fc_entry *e
    unsigned char *p
    fc_hnode *n
    int t
    uint64_t i

cdef inline void hash_iter_init(hash_iter *it, fc_entry *e) noexcept nogil:
    it.e = e
    it.p = NULL
    it.n = NULL
    it.t = 0
    it.i = 0

cdef bint hash_iter_next(hash_iter *it) noexcept nogil:
    cdef fc_dict *d
    cdef unsigned char *lp
    if it.e.enc == ENC_LISTPACK:
        lp = hash_lp(it.e)
        if it.p == NULL:
            it.p = hlp_first(lp)
        else:
            it.p = hlp_next(lp, hlp_next(lp, it.p))
        return it.p != NULL
    d = hash_dict(it.e)
    if it.n != NULL:
        it.n = it.n.next
        if it.n != NULL:
            return True
        it.i += 1
    while it.t < 2:
        while it.i < d.size[it.t]:
            it.n = <fc_hnode *>d.table[it.t][it.i]
            if it.n != NULL:
                return True
            it.i += 1
        it.t += 1
        it.i = 0
    return False

cdef inline const char *hash_iter_field(hash_iter *it, size_t *len, char *buf) noexcept nogil:
    cdef uint32_t n
    cdef const char *s
    if it.e.enc == ENC_LISTPACK:
        s = <const char *>hlp_get_str(it.p, &n, <unsigned char *>buf)
        len[0] = n
        return s
    len[0] = it.n.klen
    return hnode_field(it.n)

cdef inline const char *hash_iter_value(hash_iter *it, size_t *len, char *buf) noexcept nogil:
    cdef uint32_t n
    cdef const char *s
    if it.e.enc == ENC_LISTPACK:
        s = <const char *>hlp_get_str(hlp_next(hash_lp(it.e), it.p), &n, <unsigned char *>buf)
        len[0] = n
        return s
    len[0] = it.n.vlen
    return hnode_value(it.n)

cdef inline void add_reply_lp_elem(ClientBase c, unsigned char *p) noexcept:
    cdef unsigned char buf[FC_LP_INTBUF_SIZE]
    cdef uint32_t n
    cdef const char *s = <const char *>hlp_get_str(p, &n, buf)
    add_reply_bulk(c, s, n)

# ---- commands ------------------------------------------------------------------------

cdef inline fc_entry *hash_lookup_write_or_create(ClientBase c, const char *key, size_t klen) noexcept:
    """hashTypeLookupWriteOrCreate: the hash at key, a new empty one, or NULL after
    a WRONGTYPE reply.  The new key is added at once (Redis's dbAdd): callers only
    fail afterwards on paths where the field already exists, so no empty hash
    can be left behind."""
    cdef fc_entry **slot = lookup_write(c, key, klen)
    cdef fc_entry *e
    if slot != NULL:
        e = slot[0]
        if e.type != OBJ_HASH:
            add_reply_error(c, E_WRONGTYPE)
            return NULL
        return e
    e = hash_create(key, klen)
    db_add(c.db, e)
    return e

cdef inline fc_entry *hash_lookup_read(ClientBase c, bint *wrongtype) noexcept:
    """lookupKeyRead + checkType on argv[1]: NULL if missing; on a wrong type
    replies WRONGTYPE and sets *wrongtype."""
    cdef fc_entry *e = lookup_read(c, c.argv[1], c.argvlen[1])
    wrongtype[0] = False
    if e != NULL and e.type != OBJ_HASH:
        add_reply_error(c, E_WRONGTYPE)
        wrongtype[0] = True
        return NULL
    return e

cdef void hset_generic(ClientBase c, bint reply_ok) noexcept:
    cdef fc_entry *e
    cdef int i
    cdef long long created = 0
    if c.argc % 2 == 1:
        # odd argument count: Redis replies the arity error itself (the table's
        # arity is -4 so the dispatcher only checks the minimum)
        add_reply_error_arity(c, <bytes>c.cur_cmd.name)
        return
    e = hash_lookup_write_or_create(c, c.argv[1], c.argvlen[1])
    if e == NULL:
        return
    hash_try_conversion(c, e, 2, c.argc - 1)
    i = 2
    while i < c.argc:
        if not hash_set(e, c.argv[i], c.argvlen[i], c.argv[i + 1], c.argvlen[i + 1]):
            created += 1
        i += 2
    srv.dirty += (c.argc - 2) // 2
    if reply_ok:
        add_reply_ok(c)
    else:
        add_reply_int(c, created)
    # after the reply, as hsetCommand (a RESP3 self-subscriber sees this order);
    # HMSET too.  The other hash writes below do the same.
    arg_modified(c, NOTIFY_HASH, b"hset", 1)

cdef void cmd_hset(ClientBase c) noexcept:
    hset_generic(c, False)

cdef void cmd_hmset(ClientBase c) noexcept:
    hset_generic(c, True)

cdef void cmd_hsetnx(ClientBase c) noexcept:
    cdef fc_entry *e = hash_lookup_write_or_create(c, c.argv[1], c.argvlen[1])
    cdef const char *v
    cdef size_t vlen
    cdef char buf[FC_LP_INTBUF_SIZE]
    if e == NULL:
        return
    if hash_get(e, c.argv[2], c.argvlen[2], &v, &vlen, buf):
        add_reply_int(c, 0)
        return
    hash_try_conversion(c, e, 2, 3)
    hash_set(e, c.argv[2], c.argvlen[2], c.argv[3], c.argvlen[3])
    srv.dirty += 1
    add_reply_int(c, 1)
    arg_modified(c, NOTIFY_HASH, b"hset", 1)

cdef void cmd_hget(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e = hash_lookup_read(c, &wt)
    cdef const char *v
    cdef size_t vlen
    cdef char buf[FC_LP_INTBUF_SIZE]
    if wt:
        return
    if e == NULL or not hash_get(e, c.argv[2], c.argvlen[2], &v, &vlen, buf):
        add_reply_null(c)
        return
    add_reply_bulk(c, v, vlen)

cdef void cmd_hmget(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e = hash_lookup_read(c, &wt)
    cdef const char *v
    cdef size_t vlen
    cdef char buf[FC_LP_INTBUF_SIZE]
    cdef int i
    if wt:
        return
    add_reply_array_len(c, c.argc - 2)
    for i in range(2, c.argc):
        if e != NULL and hash_get(e, c.argv[i], c.argvlen[i], &v, &vlen, buf):
            add_reply_bulk(c, v, vlen)
        else:
            add_reply_null(c)

cdef void cmd_hdel(ClientBase c) noexcept:
    cdef fc_entry **slot = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef fc_entry *e
    cdef long long deleted = 0
    cdef bint keyremoved = False
    cdef int i
    if slot == NULL:
        add_reply_int(c, 0)
        return
    e = slot[0]
    if e.type != OBJ_HASH:
        add_reply_error(c, E_WRONGTYPE)
        return
    for i in range(2, c.argc):
        if hash_delete(e, c.argv[i], c.argvlen[i]):
            deleted += 1
            if hash_len(e) == 0:
                # Redis stops at the first delete that empties the hash
                db_delete(c.db, c.argv[1], c.argvlen[1])
                keyremoved = True
                break
    if deleted:
        # "hdel", then "del" when the hash went empty (hdelCommand)
        arg_modified(c, NOTIFY_HASH, b"hdel", 1)
        if keyremoved:
            arg_event(c, NOTIFY_GENERIC, b"del", 1)
    srv.dirty += deleted
    add_reply_int(c, deleted)

cdef void cmd_hlen(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e = hash_lookup_read(c, &wt)
    if wt:
        return
    add_reply_int(c, 0 if e == NULL else <long long>hash_len(e))

cdef void cmd_hstrlen(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e = hash_lookup_read(c, &wt)
    cdef const char *v
    cdef size_t vlen
    cdef char buf[FC_LP_INTBUF_SIZE]
    if wt:
        return
    if e == NULL or not hash_get(e, c.argv[2], c.argvlen[2], &v, &vlen, buf):
        add_reply_int(c, 0)
        return
    add_reply_int(c, <long long>vlen)

cdef void cmd_hexists(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e = hash_lookup_read(c, &wt)
    cdef const char *v
    cdef size_t vlen
    cdef char buf[FC_LP_INTBUF_SIZE]
    if wt:
        return
    add_reply_int(c, 1 if e != NULL and hash_get(e, c.argv[2], c.argvlen[2], &v, &vlen, buf) else 0)

cdef enum:
    HASH_KEYS = 1
    HASH_VALUES = 2

cdef void hgetall_generic(ClientBase c, int flags) noexcept:
    cdef bint wt
    cdef fc_entry *e = hash_lookup_read(c, &wt)
    cdef hash_iter it
    cdef const char *s
    cdef size_t n
    cdef char buf[FC_LP_INTBUF_SIZE]
    cdef long long length
    if wt:
        return
    if e == NULL:
        # HGETALL replies an empty map (%0 in RESP3), HKEYS/HVALS an empty array
        if flags == HASH_KEYS | HASH_VALUES:
            add_reply_map_len(c, 0)
        else:
            add_reply_array_len(c, 0)
        return
    length = <long long>hash_len(e)
    if flags == HASH_KEYS | HASH_VALUES:
        add_reply_map_len(c, length)
    else:
        add_reply_array_len(c, length)
    hash_iter_init(&it, e)
    while hash_iter_next(&it):
        if flags & HASH_KEYS:
            s = hash_iter_field(&it, &n, buf)
            add_reply_bulk(c, s, n)
        if flags & HASH_VALUES:
            s = hash_iter_value(&it, &n, buf)
            add_reply_bulk(c, s, n)

cdef void cmd_hgetall(ClientBase c) noexcept:
    hgetall_generic(c, HASH_KEYS | HASH_VALUES)

cdef void cmd_hkeys(ClientBase c) noexcept:
    hgetall_generic(c, HASH_KEYS)

cdef void cmd_hvals(ClientBase c) noexcept:
    hgetall_generic(c, HASH_VALUES)

cdef void cmd_hincrby(ClientBase c) noexcept:
    cdef long long incr, value, newv
    cdef fc_entry *e
    cdef const char *v
    cdef size_t vlen
    cdef char buf[FC_LP_INTBUF_SIZE]
    cdef char out[LONG_STR_SIZE]
    cdef int k
    if not arg_ll(c, 3, &incr):
        return
    e = hash_lookup_write_or_create(c, c.argv[1], c.argvlen[1])
    if e == NULL:
        return
    if hash_get(e, c.argv[2], c.argvlen[2], &v, &vlen, buf):
        if not fc_string2ll(v, vlen, &value):
            add_reply_error(c, E_HASH_NOTINT)
            return
    else:
        value = 0
    if (incr < 0 and value < 0 and incr < LLONG_MIN - value) or \
            (incr > 0 and value > 0 and incr > LLONG_MAX - value):
        add_reply_error(c, E_OVERFLOW)
        return
    newv = value + incr
    k = fc_ll2string(out, LONG_STR_SIZE, newv)
    hash_set(e, c.argv[2], c.argvlen[2], out, k)
    srv.dirty += 1
    add_reply_int(c, newv)
    arg_modified(c, NOTIFY_HASH, b"hincrby", 1)

cdef extern from "<math.h>" nogil:
    bint isnan(long double x)
    bint isinf(long double x)

cdef void cmd_hincrbyfloat(ClientBase c) noexcept:
    cdef long double incr, value
    cdef fc_entry *e
    cdef const char *v
    cdef size_t vlen
    cdef char buf[FC_LP_INTBUF_SIZE]
    cdef char out[MAX_LONG_DOUBLE_CHARS]
    cdef int k
    if not fc_string2ld(c.argv[3], c.argvlen[3], &incr):
        add_reply_error(c, E_NOTFLOAT)
        return
    if isnan(incr) or isinf(incr):
        add_reply_error(c, E_HASH_NAN_INF_ARG)
        return
    e = hash_lookup_write_or_create(c, c.argv[1], c.argvlen[1])
    if e == NULL:
        return
    if hash_get(e, c.argv[2], c.argvlen[2], &v, &vlen, buf):
        if not fc_string2ld(v, vlen, &value):
            add_reply_error(c, E_HASH_NOTFLOAT)
            return
    else:
        value = 0
    value += incr
    if isnan(value) or isinf(value):
        add_reply_error(c, E_NAN_INF)
        return
    k = fc_ld2string(out, MAX_LONG_DOUBLE_CHARS, value, FC_LD_STR_HUMAN)
    hash_set(e, c.argv[2], c.argvlen[2], out, k)
    srv.dirty += 1
    # propagate.pxi: the result as HSET key field value (hincrbyfloatCommand)
    if prop_on:
        prop_begin_override(c)
        prop_op_begin(c.db.id, 4)
        prop_op_arg(b"HSET", 4)
        prop_op_arg(c.argv[1], c.argvlen[1])
        prop_op_arg(c.argv[2], c.argvlen[2])
        prop_op_arg(out, k)
        prop_op_end()
    # a plain bulk string in RESP3 too (addReplyBulkCBuffer), unlike INCRBYFLOAT's
    # helper which would send a RESP3 double
    add_reply_bulk(c, out, k)
    arg_modified(c, NOTIFY_HASH, b"hincrbyfloat", 1)

# ---- HRANDFIELD ------------------------------------------------------------------------

cdef inline uint64_t hash_rand(uint64_t n) noexcept nogil:
    return xorshift64(&rnd_state) % n

cdef unsigned char **hash_lp_fields(unsigned char *lp, unsigned long n) noexcept nogil:
    """An array of the n field elements of a listpack hash (for random access)."""
    cdef unsigned char **arr = <unsigned char **>fc_malloc((n if n else 1) * sizeof(unsigned char *))
    cdef unsigned char *p = hlp_first(lp)
    cdef unsigned long i = 0
    while p != NULL and i < n:
        arr[i] = p
        i += 1
        p = hlp_next(lp, hlp_next(lp, p))
    return arr

cdef inline void hrandfield_reply_lp(ClientBase c, unsigned char *lp, unsigned char *p, bint withvalues) noexcept:
    if withvalues and c.resp > 2:
        add_reply_array_len(c, 2)
    add_reply_lp_elem(c, p)
    if withvalues:
        add_reply_lp_elem(c, hlp_next(lp, p))

cdef inline void hrandfield_reply_node(ClientBase c, fc_hnode *n, bint withvalues) noexcept:
    if withvalues and c.resp > 2:
        add_reply_array_len(c, 2)
    add_reply_bulk(c, hnode_field(n), n.klen)
    if withvalues:
        add_reply_bulk(c, hnode_value(n), n.vlen)

cdef inline bint ptrset_add(void **tab, uint64_t mask, void *p) noexcept nogil:
    """Open-addressing pointer set (NULL = empty slot): True if p was added."""
    cdef uint64_t h = (<uint64_t>p * 0x9E3779B97F4A7C15ULL) >> 17
    while True:
        h &= mask
        if tab[h] == NULL:
            tab[h] = p
            return True
        if tab[h] == p:
            return False
        h += 1

cdef void hrandfield_with_count(ClientBase c, long long l, bint withvalues) noexcept:
    cdef bint wt
    cdef fc_entry *e = hash_lookup_read(c, &wt)
    cdef unsigned long long count, size, i, j, remaining, needed
    cdef bint uniq = True
    cdef unsigned char *lp
    cdef unsigned char **arr
    cdef unsigned char *tmp
    cdef fc_hnode **nodes
    cdef fc_hnode *tn
    cdef void **tab
    cdef uint64_t mask
    cdef fc_dict *d
    cdef hash_iter it
    if wt:
        return
    if e == NULL:
        add_reply_array_len(c, 0)
        return
    size = hash_len(e)
    if l >= 0:
        count = <unsigned long long>l
    else:
        count = <unsigned long long>(-l)
        uniq = False
    if count == 0:
        add_reply_array_len(c, 0)
        return
    # CASE 1: negative count (repetitions allowed) or count 1: independent draws
    if not uniq or count == 1:
        add_reply_array_len(c, <long long>(count * 2 if withvalues and c.resp == 2 else count))
        if e.enc == ENC_LISTPACK:
            lp = hash_lp(e)
            arr = hash_lp_fields(lp, size)
            for i in range(count):
                hrandfield_reply_lp(c, lp, arr[hash_rand(size)], withvalues)
            fc_free(arr)
        else:
            d = hash_dict(e)
            for i in range(count):
                hrandfield_reply_node(c, <fc_hnode *>dict_random_node(d, &rnd_state), withvalues)
        return
    # the reply holds min(count, size) distinct fields
    if withvalues and c.resp == 2:
        add_reply_array_len(c, <long long>((count if count < size else size) * 2))
    else:
        add_reply_array_len(c, <long long>(count if count < size else size))
    # CASE 2: count >= size: the whole hash, in its own order
    if count >= size:
        hash_iter_init(&it, e)
        while hash_iter_next(&it):
            if e.enc == ENC_LISTPACK:
                hrandfield_reply_lp(c, hash_lp(e), it.p, withvalues)
            else:
                hrandfield_reply_node(c, it.n, withvalues)
        return
    # CASE 2.5 (listpack): distinct fields in listpack order, each kept with
    # probability needed/remaining (selection sampling, as lpRandomPairsUnique)
    if e.enc == ENC_LISTPACK:
        lp = hash_lp(e)
        tmp = hlp_first(lp)
        needed = count
        remaining = size
        while needed > 0:
            if hash_rand(remaining) < needed:
                hrandfield_reply_lp(c, lp, tmp, withvalues)
                needed -= 1
            remaining -= 1
            tmp = hlp_next(lp, hlp_next(lp, tmp))
        return
    d = hash_dict(e)
    # CASE 3: count close to size: shuffle the first `count` of all nodes
    if count * HRANDFIELD_SUB_STRATEGY_MUL > size:
        nodes = <fc_hnode **>fc_malloc(size * sizeof(fc_hnode *))
        hash_iter_init(&it, e)
        i = 0
        while hash_iter_next(&it):
            nodes[i] = it.n
            i += 1
        for i in range(count):
            j = i + hash_rand(size - i)
            tn = nodes[i]
            nodes[i] = nodes[j]
            nodes[j] = tn
            hrandfield_reply_node(c, nodes[i], withvalues)
        fc_free(nodes)
        return
    # CASE 4: count small against size: random draws, skipping repeats
    mask = 1
    while mask < count * 2:
        mask <<= 1
    tab = <void **>fc_calloc(mask * sizeof(void *))
    mask -= 1
    i = 0
    while i < count:
        tn = <fc_hnode *>dict_random_node(d, &rnd_state)
        if ptrset_add(tab, mask, tn):
            hrandfield_reply_node(c, tn, withvalues)
            i += 1
    fc_free(tab)

cdef void cmd_hrandfield(ClientBase c) noexcept:
    cdef long long l
    cdef bint wt
    cdef fc_entry *e
    cdef unsigned char *lp
    cdef unsigned long size
    cdef fc_hnode *n
    if c.argc >= 3:
        # getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)
        if not arg_ll(c, 2, &l):
            return
        if l == LLONG_MIN:
            add_reply_error(c, E_HRANDFIELD_RANGE)
            return
        if c.argc > 4 or (c.argc == 4 and not arg_is(c, 3, "withvalues")):
            add_reply_error(c, E_SYNTAX)
            return
        if c.argc == 4:
            # the reply would hold 2*|count| elements: Redis bounds it
            if l < -(LLONG_MAX // 2) or l > LLONG_MAX // 2:
                add_reply_error(c, E_OUT_OF_RANGE)
                return
        hrandfield_with_count(c, l, c.argc == 4)
        return
    e = hash_lookup_read(c, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_null(c)
        return
    if e.enc == ENC_LISTPACK:
        lp = hash_lp(e)
        size = hlp_length(lp) // 2
        add_reply_lp_elem(c, hlp_seek(lp, <long>(2 * hash_rand(size))))
    else:
        n = <fc_hnode *>dict_random_node(hash_dict(e), &rnd_state)
        add_reply_bulk(c, hnode_field(n), n.klen)

# ---- HSCAN --------------------------------------------------------------------------------

cdef void hscan_collect(void *priv, fc_node *node) noexcept:
    cdef scan_acc *a = <scan_acc *>priv
    if a.n == a.cap:
        a.cap *= 2
        a.items = <fc_entry **>fc_realloc(a.items, a.cap * sizeof(fc_entry *))
    a.items[a.n] = <fc_entry *>node
    a.n += 1

cdef void cmd_hscan(ClientBase c) noexcept:
    """HSCAN key cursor [MATCH pattern] [COUNT count] (Redis's scanGenericCommand):
    the cursor is checked before the key, options after it; a listpack hash is
    returned whole with cursor 0, a hashtable one step of the dict's cursor."""
    cdef uint64_t cursor
    cdef long long count = 10
    cdef long long maxiterations, it
    cdef const char *pat = NULL
    cdef int patlen = 0
    cdef bint use_pattern = False
    cdef bint wt
    cdef fc_entry *e
    cdef int i = 3
    cdef scan_acc acc
    cdef fc_hnode *n
    cdef unsigned char *lp
    cdef unsigned char *p
    cdef unsigned char buf[FC_LP_INTBUF_SIZE]
    cdef const char *s
    cdef uint32_t sl
    cdef long long nout = 0
    cdef size_t pos, k
    cdef char cbuf[24]
    if not parse_scan_cursor(c.argv[2], c.argvlen[2], &cursor):
        add_reply_error(c, E_INVALID_CURSOR)
        return
    e = hash_lookup_read(c, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_raw(c, b"*2\r\n$1\r\n0\r\n*0\r\n", 15)
        return
    while i < c.argc:
        if arg_is(c, i, "count") and c.argc - i >= 2:
            if not arg_ll(c, i + 1, &count):
                return
            if count < 1:
                add_reply_error(c, E_SYNTAX)
                return
            i += 2
        elif arg_is(c, i, "match") and c.argc - i >= 2:
            pat = c.argv[i + 1]
            patlen = <int>c.argvlen[i + 1]
            use_pattern = not (patlen == 1 and pat[0] == 42)
            i += 2
        else:
            add_reply_error(c, E_SYNTAX)
            return
    add_reply_array_len(c, 2)
    if e.enc == ENC_LISTPACK:
        add_reply_bulk(c, b"0", 1)
        lp = hash_lp(e)
        pos = defer_begin(c)
        p = hlp_first(lp)
        while p != NULL:
            s = <const char *>hlp_get_str(p, &sl, buf)
            if not use_pattern or fc_stringmatchlen(pat, patlen, s, <int>sl, 0):
                add_reply_bulk(c, s, sl)
                add_reply_lp_elem(c, hlp_next(lp, p))
                nout += 2
            p = hlp_next(lp, hlp_next(lp, p))
        defer_array_end(c, pos, nout)
        return
    # collect `count` fields or count*10 buckets' worth, then filter (Redis's order)
    acc.cap = 16
    acc.n = 0
    acc.items = <fc_entry **>fc_malloc(acc.cap * sizeof(fc_entry *))
    maxiterations = count * 10 if count <= LLONG_MAX // 10 else LLONG_MAX
    while True:
        cursor = dict_scan(hash_dict(e), cursor, hscan_collect, &acc)
        if cursor == 0:
            break
        it = maxiterations
        maxiterations -= 1
        if it == 0 or acc.n >= <uint64_t>count:
            break
    k = <size_t>fc_ull2string(cbuf, sizeof(cbuf), cursor)
    add_reply_bulk(c, cbuf, k)
    pos = defer_begin(c)
    for k in range(acc.n):
        n = <fc_hnode *>acc.items[k]
        if use_pattern and not fc_stringmatchlen(pat, patlen, hnode_field(n), <int>n.klen, 0):
            continue
        add_reply_bulk(c, hnode_field(n), n.klen)
        add_reply_bulk(c, hnode_value(n), n.vlen)
        nout += 2
    fc_free(acc.items)
    defer_array_end(c, pos, nout)
