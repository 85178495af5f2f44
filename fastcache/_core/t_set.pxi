# t_set.pxi — the set type (Redis t_set.c).
#
# Design note.  A set key is an fc_entry with type OBJ_SET whose payload is one
# pointer, to either
#   ENC_INTSET  an fc_intset (csrc/intset.h, Redis 7.0's layout byte for byte):
#               sorted integers; iteration is ascending, which clients can see
#               (SMEMBERS of an intset set is ordered), so it must stay exact;
#   ENC_HT      an fc_dict (dict.pxi) of member nodes.  A member node is the
#               dict's {next, klen} header with the member bytes right after the
#               klen field (keyoff 12, inside what would be the header's tail
#               padding): one allocation of 12 + len bytes per member, no value.
# A set is created as an intset when its first member is a canonical integer
# (isSdsRepresentableAsLongLong), else as a hashtable; it converts upwards when a
# non-integer is added or its size exceeds set-max-intset-entries, never back —
# except where Redis builds a *new* set (SPOP's "keep the remainder" strategy,
# the *STORE commands), whose encoding we reproduce exactly.
#
# Operations work on a `setv` (encoding + pointer) so that temporary result sets
# (SUNION/SDIFF/SINTER without STORE) share the code of stored sets; setv_load /
# setv_store move it in and out of an entry.  Every command parses all arguments
# before it changes anything, and deletes the key when the set becomes empty.

cdef extern from "intset.h" nogil:
    ctypedef struct fc_intset:
        uint32_t encoding
        uint32_t length
    fc_intset *fc_intset_new()
    fc_intset *fc_intset_add(fc_intset *is_, int64_t value, uint8_t *success)
    fc_intset *fc_intset_remove(fc_intset *is_, int64_t value, int *success)
    uint8_t fc_intset_find(fc_intset *is_, int64_t value)
    uint8_t fc_intset_get(fc_intset *is_, uint32_t pos, int64_t *value)
    uint32_t fc_intset_len(const fc_intset *is_)
    size_t fc_intset_blob_len(fc_intset *is_)

cdef enum:
    SETNODE_KEYOFF = 12          # member bytes start right after fc_node.klen
    SPOP_MOVE_STRATEGY_MUL = 5
    SRANDMEMBER_SUB_STRATEGY_MUL = 3
    SET_OP_UNION = 0
    SET_OP_DIFF = 1

ctypedef struct setv:
    int enc                      # ENC_INTSET or ENC_HT
    void *p                      # fc_intset* or fc_dict*

cdef uint64_t set_rnd = 0x2545F4914F6CDD1DULL

# ---- the two encodings ---------------------------------------------------------

cdef inline bint member_as_ll(const char *s, size_t n, long long *v) noexcept nogil:
    """isSdsRepresentableAsLongLong: strict canonical integer (no '+', spaces, 0-padding)."""
    return fc_string2ll(s, n, v) == 1

cdef inline const char *setnode_key(fc_node *n) noexcept nogil:
    return (<const char *>n) + SETNODE_KEYOFF

cdef inline fc_node *setnode_new(const char *s, size_t n) noexcept nogil:
    cdef fc_node *node = <fc_node *>fc_malloc(SETNODE_KEYOFF + n)
    node.next = NULL
    node.klen = <uint32_t>n
    memcpy((<char *>node) + SETNODE_KEYOFF, s, n)
    return node

cdef inline fc_dict *setdict_new() noexcept nogil:
    cdef fc_dict *d = <fc_dict *>fc_malloc(sizeof(fc_dict))
    dict_init(d, SETNODE_KEYOFF)
    return d

cdef void setdict_free(fc_dict *d) noexcept nogil:
    cdef int t
    cdef uint64_t i
    cdef fc_node *n
    cdef fc_node *nxt
    for t in range(2):
        for i in range(d.size[t]):
            n = d.table[t][i]
            while n != NULL:
                nxt = n.next
                fc_free(n)
                n = nxt
    dict_release_tables(d)
    fc_free(d)

cdef inline bint setdict_add(fc_dict *d, const char *s, size_t n) noexcept nogil:
    cdef uint64_t h = dict_hash(s, n)
    if dict_find_slot(d, s, n, h) != NULL:
        return False
    dict_insert(d, setnode_new(s, n), h)
    return True

cdef inline bint setdict_remove(fc_dict *d, const char *s, size_t n) noexcept nogil:
    cdef fc_node **slot = dict_find_slot(d, s, n, dict_hash(s, n))
    cdef fc_node *node
    if slot == NULL:
        return False
    node = slot[0]
    dict_unlink_slot(d, slot)
    fc_free(node)
    # setTypeRemove: shrink the table once it is less than 10% full
    if dict_needs_shrink(d):
        dict_shrink(d)
    return True

cdef inline setv setv_load(fc_entry *e) noexcept nogil:
    cdef setv v
    v.enc = e.enc
    v.p = entry_ptr(e)
    return v

cdef inline void setv_store(fc_entry *e, setv *v) noexcept nogil:
    e.enc = <uint8_t>v.enc
    entry_set_ptr(e, v.p)

cdef inline void setv_new_intset(setv *v) noexcept nogil:
    v.enc = ENC_INTSET
    v.p = fc_intset_new()

cdef inline void setv_new_ht(setv *v) noexcept nogil:
    v.enc = ENC_HT
    v.p = setdict_new()

cdef inline void setv_create_for(setv *v, const char *s, size_t n) noexcept nogil:
    """setTypeCreate: an intset if the first member is an integer, else a hashtable."""
    cdef long long ll
    if member_as_ll(s, n, &ll):
        setv_new_intset(v)
    else:
        setv_new_ht(v)

cdef void setv_free(setv *v) noexcept nogil:
    if v.enc == ENC_INTSET:
        fc_free(v.p)
    else:
        setdict_free(<fc_dict *>v.p)
    v.p = NULL

cdef inline uint64_t setv_size(setv *v) noexcept nogil:
    if v.enc == ENC_INTSET:
        return fc_intset_len(<fc_intset *>v.p)
    return dict_size(<fc_dict *>v.p)

cdef void setv_convert_ht(setv *v) noexcept nogil:
    """setTypeConvert(OBJ_ENCODING_HT): the dict is presized for every member."""
    cdef fc_intset *is_ = <fc_intset *>v.p
    cdef fc_dict *d = setdict_new()
    cdef uint32_t i, n = fc_intset_len(is_)
    cdef int64_t x
    cdef char buf[LONG_STR_SIZE]
    cdef int k
    dict_resize_to(d, n)
    for i in range(n):
        fc_intset_get(is_, i, &x)
        k = fc_ll2string(buf, LONG_STR_SIZE, x)
        dict_insert(d, setnode_new(buf, k), dict_hash(buf, k))
    fc_free(is_)
    v.enc = ENC_HT
    v.p = d

cdef bint setv_add(setv *v, const char *s, size_t n) noexcept nogil:
    """setTypeAdd: True if the member was new.  Converts the intset when the
    member is not an integer or the set outgrows set-max-intset-entries."""
    cdef long long ll
    cdef uint8_t ok
    if v.enc == ENC_INTSET:
        if member_as_ll(s, n, &ll):
            v.p = fc_intset_add(<fc_intset *>v.p, ll, &ok)
            if ok:
                if fc_intset_len(<fc_intset *>v.p) > <uint64_t>srv.set_max_intset_entries:
                    setv_convert_ht(v)
                return True
            return False
        setv_convert_ht(v)
    return setdict_add(<fc_dict *>v.p, s, n)

cdef bint setv_add_ll(setv *v, long long ll) noexcept nogil:
    cdef uint8_t ok
    cdef char buf[LONG_STR_SIZE]
    cdef int k
    if v.enc == ENC_INTSET:
        v.p = fc_intset_add(<fc_intset *>v.p, ll, &ok)
        if ok and fc_intset_len(<fc_intset *>v.p) > <uint64_t>srv.set_max_intset_entries:
            setv_convert_ht(v)
        return ok != 0
    k = fc_ll2string(buf, LONG_STR_SIZE, ll)
    return setdict_add(<fc_dict *>v.p, buf, k)

cdef bint setv_remove(setv *v, const char *s, size_t n) noexcept nogil:
    cdef long long ll
    cdef int ok = 0
    if v.enc == ENC_INTSET:
        if member_as_ll(s, n, &ll):
            v.p = fc_intset_remove(<fc_intset *>v.p, ll, &ok)
        return ok != 0
    return setdict_remove(<fc_dict *>v.p, s, n)

cdef bint setv_remove_ll(setv *v, long long ll) noexcept nogil:
    cdef int ok = 0
    cdef char buf[LONG_STR_SIZE]
    cdef int k
    if v.enc == ENC_INTSET:
        v.p = fc_intset_remove(<fc_intset *>v.p, ll, &ok)
        return ok != 0
    k = fc_ll2string(buf, LONG_STR_SIZE, ll)
    return setdict_remove(<fc_dict *>v.p, buf, k)

cdef inline bint setv_ismember(setv *v, const char *s, size_t n) noexcept nogil:
    cdef long long ll
    if v.enc == ENC_INTSET:
        return member_as_ll(s, n, &ll) and fc_intset_find(<fc_intset *>v.p, ll)
    return dict_find_slot(<fc_dict *>v.p, s, n, dict_hash(s, n)) != NULL

cdef inline bint setv_ismember_ll(setv *v, long long ll) noexcept nogil:
    cdef char buf[LONG_STR_SIZE]
    cdef int k
    if v.enc == ENC_INTSET:
        return fc_intset_find(<fc_intset *>v.p, ll)
    k = fc_ll2string(buf, LONG_STR_SIZE, ll)
    return dict_find_slot(<fc_dict *>v.p, buf, k, dict_hash(buf, k)) != NULL

# An element handed out by the iterator / random picks: an integer (intset) or
# bytes (hashtable node, valid until that node is removed).
ctypedef struct setelem:
    bint isint
    long long ll
    const char *s
    size_t n

cdef inline const char *elem_str(setelem *el, char *buf, size_t *n) noexcept nogil:
    """The element's bytes; buf (LONG_STR_SIZE) holds the text of an integer."""
    if el.isint:
        n[0] = <size_t>fc_ll2string(buf, LONG_STR_SIZE, el.ll)
        return buf
    n[0] = el.n
    return el.s

ctypedef struct setiter:
    setv *v
    uint64_t pos        # intset position, or bucket index
    int table
    fc_node *node       # next node of the current chain

cdef inline void setiter_init(setiter *it, setv *v) noexcept nogil:
    it.v = v
    it.pos = 0
    it.table = 0
    it.node = NULL

cdef bint setiter_next(setiter *it, setelem *el) noexcept nogil:
    """Next element (intset ascending; hashtable table 0 then table 1, bucket by
    bucket like a dict iterator).  The caller must not remove elements other
    than the one just returned."""
    cdef fc_dict *d
    cdef int64_t x
    cdef fc_node *n
    if it.v.enc == ENC_INTSET:
        if fc_intset_get(<fc_intset *>it.v.p, <uint32_t>it.pos, &x):
            it.pos += 1
            el.isint = True
            el.ll = x
            return True
        return False
    d = <fc_dict *>it.v.p
    while it.node == NULL:
        if it.pos >= d.size[it.table]:
            if it.table == 1 or not dict_is_rehashing(d):
                return False
            it.table = 1
            it.pos = 0
            continue
        it.node = d.table[it.table][it.pos]
        it.pos += 1
    n = it.node
    it.node = n.next
    el.isint = False
    el.s = setnode_key(n)
    el.n = n.klen
    return True

cdef inline bint setv_add_elem(setv *v, setelem *el) noexcept nogil:
    if el.isint:
        return setv_add_ll(v, el.ll)
    return setv_add(v, el.s, el.n)

cdef inline bint setv_remove_elem(setv *v, setelem *el) noexcept nogil:
    if el.isint:
        return setv_remove_ll(v, el.ll)
    return setv_remove(v, el.s, el.n)

cdef inline bint setv_ismember_elem(setv *v, setelem *el) noexcept nogil:
    if el.isint:
        return setv_ismember_ll(v, el.ll)
    return setv_ismember(v, el.s, el.n)

cdef void setv_random(setv *v, setelem *el) noexcept nogil:
    """setTypeRandomElement (the set is not empty)."""
    cdef fc_intset *is_
    cdef int64_t x
    cdef fc_node *n
    if v.enc == ENC_INTSET:
        is_ = <fc_intset *>v.p
        fc_intset_get(is_, <uint32_t>(xorshift64(&set_rnd) % fc_intset_len(is_)), &x)
        el.isint = True
        el.ll = x
        return
    n = dict_random_node(<fc_dict *>v.p, &set_rnd)
    el.isint = False
    el.s = setnode_key(n)
    el.n = n.klen

cdef inline void add_reply_elem(ClientBase c, setelem *el) noexcept:
    if el.isint:
        add_reply_bulk_ll(c, el.ll)
    else:
        add_reply_bulk(c, el.s, el.n)

cdef void add_reply_setv(ClientBase c, setv *v) noexcept:
    """Every member, as a RESP3 set / RESP2 array."""
    cdef setiter it
    cdef setelem el
    add_reply_set_len(c, <long long>setv_size(v))
    setiter_init(&it, v)
    while setiter_next(&it, &el):
        add_reply_elem(c, &el)

# ---- type hooks (object.pxi): free, COPY, MEMORY USAGE --------------------------

cdef void set_type_free(fc_entry *e) noexcept nogil:
    cdef setv v = setv_load(e)
    setv_free(&v)

cdef fc_entry *set_type_dup(fc_entry *e, const char *key, size_t klen) noexcept nogil:
    """COPY: same encoding; an intset is copied as one blob."""
    cdef setv src = setv_load(e)
    cdef setv dst
    cdef setiter it
    cdef setelem el
    cdef size_t blob
    cdef fc_entry *n
    if src.enc == ENC_INTSET:
        blob = fc_intset_blob_len(<fc_intset *>src.p)
        dst.enc = ENC_INTSET
        dst.p = fc_malloc(blob)
        memcpy(dst.p, src.p, blob)
    else:
        setv_new_ht(&dst)
        dict_resize_to(<fc_dict *>dst.p, setv_size(&src))
        setiter_init(&it, &src)
        while setiter_next(&it, &el):
            dict_insert(<fc_dict *>dst.p, setnode_new(el.s, el.n), dict_hash(el.s, el.n))
    n = entry_alloc(key, klen, sizeof(void *))
    n.type = OBJ_SET
    setv_store(n, &dst)
    return n

cdef size_t set_type_mem(fc_entry *e, long long samples) noexcept nogil:
    """objectComputeSize for sets: the intset blob, or the table plus the average
    of `samples` member nodes times the size (0 = every member)."""
    cdef setv v = setv_load(e)
    cdef fc_dict *d
    cdef setiter it
    cdef setelem el
    cdef size_t total, elesize = 0
    cdef long long seen = 0
    if v.enc == ENC_INTSET:
        return fc_malloc_size(v.p)
    d = <fc_dict *>v.p
    total = fc_malloc_size(d) + dict_mem_buckets(d)
    setiter_init(&it, &v)
    while (samples == 0 or seen < samples) and setiter_next(&it, &el):
        elesize += fc_malloc_size(<void *>(el.s - SETNODE_KEYOFF))
        seen += 1
    if seen:
        total += <size_t>(<double>elesize / seen * dict_size(d))
    return total

type_free[OBJ_SET] = set_type_free
type_dup[OBJ_SET] = set_type_dup
type_mem[OBJ_SET] = set_type_mem

# ---- keyspace helpers -------------------------------------------------------------

cdef inline fc_entry *set_new_entry(const char *key, size_t klen, setv *v) noexcept nogil:
    cdef fc_entry *e = entry_alloc(key, klen, sizeof(void *))
    e.type = OBJ_SET
    setv_store(e, v)
    return e

cdef void set_store_result(ClientBase c, int keyidx, setv *v, const char *event) noexcept:
    """The *STORE commands' ending: setKey (TTL dropped) when the result is not
    empty and reply its size; otherwise delete the destination and reply 0.
    `event` names the keyspace event of a stored result ("sinterstore"...); a
    deleted destination is a "del"."""
    cdef fc_entry **slot
    cdef long long size = <long long>setv_size(v)
    cdef const char *key = c.argv[keyidx]
    cdef size_t klen = c.argvlen[keyidx]
    if size > 0:
        slot = lookup_write(c, key, klen)
        if slot == NULL:
            db_add(c.db, set_new_entry(key, klen, v))
        else:
            db_replace(c.db, slot, set_new_entry(key, klen, v), False)
        add_reply_int(c, size)
        key_modified(c.db, NOTIFY_SET, event, key, klen)
        srv.dirty += 1
    else:
        setv_free(v)
        add_reply_int(c, 0)
        if db_delete(c.db, key, klen):
            key_modified(c.db, NOTIFY_GENERIC, b"del", key, klen)
            srv.dirty += 1

cdef inline size_t defer_set_begin(ClientBase c) noexcept:
    return defer_begin(c)

cdef void defer_set_end(ClientBase c, size_t pos, long long n) noexcept:
    """setDeferredSetLen: like defer_array_end, with RESP3's '~' header."""
    cdef char hdr[DEFER_ROOM]
    cdef int k
    hdr[0] = 126 if c.resp >= 3 else 42  # '~' / '*'
    k = fc_ll2string(hdr + 1, DEFER_ROOM - 3, n)
    hdr[k + 1] = 13
    hdr[k + 2] = 10
    k += 3
    memmove(c.obuf + pos + k, c.obuf + pos + DEFER_ROOM, c.olen - pos - DEFER_ROOM)
    memcpy(c.obuf + pos, hdr, k)
    c.olen -= DEFER_ROOM - k

cdef inline void add_reply_empty_set(ClientBase c) noexcept:
    # shared.emptyset[resp]
    if c.resp >= 3:
        add_reply_raw(c, b"~0\r\n", 4)
    else:
        add_reply_raw(c, b"*0\r\n", 4)

# ---- SADD SREM SCARD SISMEMBER SMISMEMBER -----------------------------------------

cdef void cmd_sadd(ClientBase c) noexcept:
    cdef fc_entry **slot = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef fc_entry *e
    cdef setv v
    cdef long long added = 0
    cdef int j
    if slot == NULL:
        setv_create_for(&v, c.argv[2], c.argvlen[2])
        e = set_new_entry(c.argv[1], c.argvlen[1], &v)
        db_add(c.db, e)
    else:
        e = slot[0]
        if e.type != OBJ_SET:
            add_reply_error(c, E_WRONGTYPE)
            return
        v = setv_load(e)
    for j in range(2, c.argc):
        if setv_add(&v, c.argv[j], c.argvlen[j]):
            added += 1
    setv_store(e, &v)
    if added:
        arg_modified(c, NOTIFY_SET, b"sadd", 1)
    srv.dirty += added
    add_reply_int(c, added)

cdef void cmd_srem(ClientBase c) noexcept:
    cdef fc_entry **slot = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef fc_entry *e
    cdef setv v
    cdef long long deleted = 0
    cdef int j
    if slot == NULL:
        add_reply_int(c, 0)
        return
    e = slot[0]
    if e.type != OBJ_SET:
        add_reply_error(c, E_WRONGTYPE)
        return
    v = setv_load(e)
    for j in range(2, c.argc):
        if setv_remove(&v, c.argv[j], c.argvlen[j]):
            deleted += 1
            if setv_size(&v) == 0:
                break
    setv_store(e, &v)
    if setv_size(&v) == 0:
        db_delete(c.db, c.argv[1], c.argvlen[1])
    if deleted:
        # "srem", then "del" if the set went empty (sremCommand)
        arg_modified(c, NOTIFY_SET, b"srem", 1)
        if setv_size(&v) == 0:
            arg_event(c, NOTIFY_GENERIC, b"del", 1)
    srv.dirty += deleted
    add_reply_int(c, deleted)

cdef inline fc_entry *set_lookup_read(ClientBase c, int i, bint *wrongtype) noexcept:
    """lookupKeyRead + checkType(OBJ_SET): NULL when missing or (wrongtype set,
    error replied) of another type."""
    cdef fc_entry *e = lookup_read(c, c.argv[i], c.argvlen[i])
    wrongtype[0] = False
    if e != NULL and e.type != OBJ_SET:
        add_reply_error(c, E_WRONGTYPE)
        wrongtype[0] = True
        return NULL
    return e

cdef void cmd_scard(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e = set_lookup_read(c, 1, &wt)
    cdef setv v
    if wt:
        return
    if e == NULL:
        add_reply_int(c, 0)
        return
    v = setv_load(e)
    add_reply_int(c, <long long>setv_size(&v))

cdef void cmd_sismember(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e = set_lookup_read(c, 1, &wt)
    cdef setv v
    if wt:
        return
    if e == NULL:
        add_reply_int(c, 0)
        return
    v = setv_load(e)
    # an integer reply in RESP3 too (shared.cone / shared.czero)
    add_reply_int(c, 1 if setv_ismember(&v, c.argv[2], c.argvlen[2]) else 0)

cdef void cmd_smismember(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e = set_lookup_read(c, 1, &wt)
    cdef setv v
    cdef int j
    if wt:
        return
    if e != NULL:
        v = setv_load(e)
    add_reply_array_len(c, c.argc - 2)
    for j in range(2, c.argc):
        add_reply_int(c, 1 if e != NULL and setv_ismember(&v, c.argv[j], c.argvlen[j]) else 0)

# ---- SMOVE ------------------------------------------------------------------------

cdef void cmd_smove(ClientBase c) noexcept:
    cdef fc_entry **slot
    cdef fc_entry *src
    cdef fc_entry *dst = NULL
    cdef setv sv, dv
    cdef const char *ele = c.argv[3]
    cdef size_t elen = c.argvlen[3]
    slot = lookup_write(c, c.argv[1], c.argvlen[1])
    src = slot[0] if slot != NULL else NULL
    slot = lookup_write(c, c.argv[2], c.argvlen[2])
    if slot != NULL:
        dst = slot[0]
    if src == NULL:
        add_reply_int(c, 0)
        return
    if src.type != OBJ_SET or (dst != NULL and dst.type != OBJ_SET):
        add_reply_error(c, E_WRONGTYPE)
        return
    sv = setv_load(src)
    if src == dst:
        # same key: a no-op that still tells whether the member is there
        add_reply_int(c, 1 if setv_ismember(&sv, ele, elen) else 0)
        return
    if not setv_remove(&sv, ele, elen):
        add_reply_int(c, 0)
        return
    setv_store(src, &sv)
    # smoveCommand's order: "srem" (+ "del" when the source empties), then the
    # destination's "new" (dbAdd) and, if the member was not there, "sadd"
    arg_event(c, NOTIFY_SET, b"srem", 1)
    if setv_size(&sv) == 0:
        db_delete(c.db, c.argv[1], c.argvlen[1])
        arg_event(c, NOTIFY_GENERIC, b"del", 1)
    if dst == NULL:
        setv_create_for(&dv, ele, elen)
        dst = set_new_entry(c.argv[2], c.argvlen[2], &dv)
        db_add(c.db, dst)
    else:
        dv = setv_load(dst)
    signal_modified_key(c.db, c.argv[1], c.argvlen[1])
    srv.dirty += 1
    if setv_add(&dv, ele, elen):
        srv.dirty += 1
        arg_modified(c, NOTIFY_SET, b"sadd", 2)
    setv_store(dst, &dv)
    add_reply_int(c, 1)

# ---- SPOP SRANDMEMBER -------------------------------------------------------------

cdef bint arg_long_range(ClientBase c, int i, long long lo, long long hi, long long *out,
                         const char *msg) noexcept:
    """getRangeLongFromObjectOrReply: msg (a full error line) replaces both the
    not-an-integer and the out-of-range errors when given."""
    cdef char buf[128]
    cdef int k
    if not fc_string2ll(c.argv[i], c.argvlen[i], out):
        add_reply_error(c, msg if msg != NULL else E_NOTINT)
        return False
    if out[0] < lo or out[0] > hi:
        if msg != NULL:
            add_reply_error(c, msg)
        else:
            memcpy(buf, b"ERR value is out of range, value must between ", 46)
            k = 46
            k += fc_ll2string(buf + k, 24, lo)
            memcpy(buf + k, b" and ", 5)
            k += 5
            k += fc_ll2string(buf + k, 24, hi)
            add_reply_error_len(c, buf, k)
        return False
    return True

cdef void spop_with_count(ClientBase c) noexcept:
    cdef long long count
    cdef fc_entry **slot
    cdef fc_entry *e
    cdef setv v, newset
    cdef uint64_t size, remaining
    cdef setelem el
    cdef setiter it
    cdef char buf[LONG_STR_SIZE]
    cdef const char *s
    cdef size_t n
    if not arg_long_range(c, 2, 0, LLONG_MAX, &count, E_NOTINT_POSITIVE):
        return
    slot = lookup_write(c, c.argv[1], c.argvlen[1])
    if slot == NULL:
        add_reply_empty_set(c)
        return
    e = slot[0]
    if e.type != OBJ_SET:
        add_reply_error(c, E_WRONGTYPE)
        return
    if count == 0:
        add_reply_empty_set(c)
        return
    v = setv_load(e)
    size = setv_size(&v)
    # one "spop" whatever the count (spopWithCountCommand), before any "del"
    arg_modified(c, NOTIFY_SET, b"spop", 1)
    if <uint64_t>count >= size:
        # CASE 1: the whole set (in iteration order), then the key goes
        add_reply_setv(c, &v)
        if prop_on:     # propagate.pxi: the whole set went: DEL key
            prop_rewrite_del(c, 1)
        db_delete(c.db, c.argv[1], c.argvlen[1])
        arg_event(c, NOTIFY_GENERIC, b"del", 1)
        srv.dirty += 1
        return
    add_reply_set_len(c, count)
    # propagate.pxi: one SREM key member per popped member (wrapped in
    # MULTI/EXEC as one unit, like Redis 7.0's alsoPropagate of each)
    if prop_on:
        prop_begin_override(c)
    remaining = size - <uint64_t>count
    if remaining * SPOP_MOVE_STRATEGY_MUL > <uint64_t>count:
        # CASE 2: few to pop: pick, reply and remove one at a time
        while count > 0:
            count -= 1
            setv_random(&v, &el)
            add_reply_elem(c, &el)
            if prop_on:
                s = elem_str(&el, buf, &n)
                prop_add_key_member(c, b"SREM", 4, 1, s, n)
            setv_remove_elem(&v, &el)
        setv_store(e, &v)
    else:
        # CASE 3: most of the set goes: move the few survivors into a new set
        # (created from its first member, so e.g. an all-integer hashtable set
        # becomes an intset again, as in Redis), reply what is left, swap.
        newset.p = NULL
        while remaining > 0:
            remaining -= 1
            setv_random(&v, &el)
            if newset.p == NULL:
                s = elem_str(&el, buf, &n)
                setv_create_for(&newset, s, n)
            setv_add_elem(&newset, &el)
            setv_remove_elem(&v, &el)
        setiter_init(&it, &v)
        while setiter_next(&it, &el):
            add_reply_elem(c, &el)
            if prop_on:
                s = elem_str(&el, buf, &n)
                prop_add_key_member(c, b"SREM", 4, 1, s, n)
        setv_free(&v)
        setv_store(e, &newset)     # same entry: the TTL stays (dbOverwrite)
    srv.dirty += 1

cdef void cmd_spop(ClientBase c) noexcept:
    cdef fc_entry **slot
    cdef fc_entry *e
    cdef setv v
    cdef setelem el
    cdef char buf[LONG_STR_SIZE]
    cdef const char *s
    cdef size_t n
    if c.argc == 3:
        spop_with_count(c)
        return
    if c.argc > 3:
        add_reply_error(c, E_SYNTAX)
        return
    slot = lookup_write(c, c.argv[1], c.argvlen[1])
    if slot == NULL:
        add_reply_null(c)
        return
    e = slot[0]
    if e.type != OBJ_SET:
        add_reply_error(c, E_WRONGTYPE)
        return
    v = setv_load(e)
    setv_random(&v, &el)
    # spopCommand: "spop" before the reply, "del" after it
    arg_event(c, NOTIFY_SET, b"spop", 1)
    add_reply_elem(c, &el)
    if prop_on:     # propagate.pxi: SREM key member (even when it empties the set)
        prop_begin_override(c)
        s = elem_str(&el, buf, &n)
        prop_add_key_member(c, b"SREM", 4, 1, s, n)
    setv_remove_elem(&v, &el)
    setv_store(e, &v)
    if setv_size(&v) == 0:
        db_delete(c.db, c.argv[1], c.argvlen[1])
        arg_event(c, NOTIFY_GENERIC, b"del", 1)
    signal_modified_key(c.db, c.argv[1], c.argvlen[1])
    srv.dirty += 1

# Distinct random picks (SRANDMEMBER with a positive count smaller than the set):
# a small open-addressing table of picked identities (intset positions or node
# addresses, both never 0 after +1) rejects repeats.
cdef inline bint pickset_add(uint64_t *tab, uint64_t mask, uint64_t key) noexcept nogil:
    cdef uint64_t i = (key * 0x9E3779B97F4A7C15ULL) >> 17
    while True:
        i &= mask
        if tab[i] == 0:
            tab[i] = key
            return True
        if tab[i] == key:
            return False
        i += 1

cdef void srandmember_with_count(ClientBase c) noexcept:
    cdef long long l
    cdef uint64_t count, size, i, j, cap, mask, key
    cdef bint uniq = True
    cdef bint wt
    cdef fc_entry *e
    cdef setv v
    cdef setelem el
    cdef setiter it
    cdef setelem *all_
    cdef setelem tmp
    cdef uint64_t *tab
    cdef fc_node *node
    cdef int64_t x
    if not arg_long_range(c, 2, -LLONG_MAX, LLONG_MAX, &l, NULL):
        return
    if l >= 0:
        count = <uint64_t>l
    else:
        count = <uint64_t>(-l)
        uniq = False
    e = set_lookup_read(c, 1, &wt)
    if wt:
        return
    if e == NULL or count == 0:
        add_reply_raw(c, b"*0\r\n", 4)     # shared.emptyarray, in RESP3 too
        return
    v = setv_load(e)
    size = setv_size(&v)
    if not uniq or count == 1:
        # CASE 1: independent picks, repeats allowed
        add_reply_array_len(c, <long long>count)
        while count > 0:
            count -= 1
            setv_random(&v, &el)
            add_reply_elem(c, &el)
        return
    if count >= size:
        # CASE 2: the whole set
        add_reply_array_len(c, <long long>size)
        setiter_init(&it, &v)
        while setiter_next(&it, &el):
            add_reply_elem(c, &el)
        return
    add_reply_array_len(c, <long long>count)
    if count * SRANDMEMBER_SUB_STRATEGY_MUL > size:
        # CASE 3: count is close to the size: a partial Fisher-Yates shuffle of
        # every element picks `count` distinct ones uniformly.
        all_ = <setelem *>fc_malloc(size * sizeof(setelem))
        i = 0
        setiter_init(&it, &v)
        while setiter_next(&it, &all_[i]):
            i += 1
        for i in range(count):
            j = i + xorshift64(&set_rnd) % (size - i)
            tmp = all_[i]
            all_[i] = all_[j]
            all_[j] = tmp
            add_reply_elem(c, &all_[i])
        fc_free(all_)
        return
    # CASE 4: a big set: random picks, repeats rejected
    cap = 16
    while cap < count * 2:
        cap *= 2
    mask = cap - 1
    tab = <uint64_t *>fc_calloc(cap * sizeof(uint64_t))
    i = 0
    while i < count:
        if v.enc == ENC_INTSET:
            key = xorshift64(&set_rnd) % size
            if pickset_add(tab, mask, key + 1):
                fc_intset_get(<fc_intset *>v.p, <uint32_t>key, &x)
                add_reply_bulk_ll(c, x)
                i += 1
        else:
            node = dict_random_node(<fc_dict *>v.p, &set_rnd)
            if pickset_add(tab, mask, <uint64_t>node):
                add_reply_bulk(c, setnode_key(node), node.klen)
                i += 1
    fc_free(tab)

cdef void cmd_srandmember(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e
    cdef setv v
    cdef setelem el
    if c.argc == 3:
        srandmember_with_count(c)
        return
    if c.argc > 3:
        add_reply_error(c, E_SYNTAX)
        return
    e = set_lookup_read(c, 1, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_null(c)
        return
    v = setv_load(e)
    setv_random(&v, &el)
    add_reply_elem(c, &el)

# ---- SINTER SINTERCARD SINTERSTORE SMEMBERS ----------------------------------------

cdef void sinter_generic(ClientBase c, int first, int nkeys, int dstidx, bint card_only,
                         long long limit) noexcept:
    """sinterGenericCommand.  Sets are visited smallest first (a stable sort, as
    glibc's qsort is for these sizes): the reply's order follows from that."""
    cdef fc_entry **sets = <fc_entry **>fc_malloc(nkeys * sizeof(fc_entry *))
    cdef setv *vs = <setv *>fc_malloc(nkeys * sizeof(setv))
    cdef int j, k, empty = 0
    cdef bint wt
    cdef fc_entry *tmp
    cdef setv dst
    cdef setiter it
    cdef setelem el
    cdef long long card = 0
    cdef size_t pos = 0
    for j in range(nkeys):
        sets[j] = set_lookup_read(c, first + j, &wt)
        if wt:
            fc_free(sets)
            fc_free(vs)
            return
        if sets[j] == NULL:
            empty += 1
    if empty > 0:
        fc_free(sets)
        fc_free(vs)
        if dstidx >= 0:
            if db_delete(c.db, c.argv[dstidx], c.argvlen[dstidx]):
                arg_modified(c, NOTIFY_GENERIC, b"del", dstidx)
                srv.dirty += 1
            add_reply_int(c, 0)
        elif card_only:
            add_reply_int(c, 0)
        else:
            add_reply_empty_set(c)
        return
    # stable insertion sort by cardinality
    for j in range(1, nkeys):
        tmp = sets[j]
        k = j - 1
        while k >= 0 and entry_set_size(sets[k]) > entry_set_size(tmp):
            sets[k + 1] = sets[k]
            k -= 1
        sets[k + 1] = tmp
    for j in range(nkeys):
        vs[j] = setv_load(sets[j])
    if dstidx >= 0:
        # Redis 7.0 starts the result as an intset whatever the sources are (an
        # all-integer result small enough stays one); 7.2 changed this.
        setv_new_intset(&dst)
    elif not card_only:
        pos = defer_set_begin(c)
    setiter_init(&it, &vs[0])
    while setiter_next(&it, &el):
        j = 1
        while j < nkeys:
            if sets[j] != sets[0] and not setv_ismember_elem(&vs[j], &el):
                break
            j += 1
        if j < nkeys:
            continue
        if card_only:
            card += 1
            if limit and card >= limit:
                break
        elif dstidx < 0:
            add_reply_elem(c, &el)
            card += 1
        else:
            setv_add_elem(&dst, &el)
    fc_free(sets)
    fc_free(vs)
    if card_only:
        add_reply_int(c, card)
    elif dstidx >= 0:
        set_store_result(c, dstidx, &dst, b"sinterstore")
    else:
        defer_set_end(c, pos, card)

cdef inline uint64_t entry_set_size(fc_entry *e) noexcept nogil:
    cdef setv v = setv_load(e)
    return setv_size(&v)

cdef void cmd_sinter(ClientBase c) noexcept:
    sinter_generic(c, 1, c.argc - 1, -1, False, 0)

cdef void cmd_smembers(ClientBase c) noexcept:
    # Redis 7.0 serves SMEMBERS with sinterCommand
    sinter_generic(c, 1, 1, -1, False, 0)

cdef void cmd_sinterstore(ClientBase c) noexcept:
    sinter_generic(c, 2, c.argc - 2, 1, False, 0)

cdef void cmd_sintercard(ClientBase c) noexcept:
    cdef long long numkeys, limit = 0
    cdef int j
    if not arg_long_range(c, 1, 1, LLONG_MAX, &numkeys, E_SET_NUMKEYS):
        return
    if numkeys > c.argc - 2:
        add_reply_error(c, E_SET_NUMKEYS_ARGS)
        return
    j = 2 + <int>numkeys
    while j < c.argc:
        if arg_is(c, j, "limit") and j + 1 < c.argc:
            j += 1
            if not arg_long_range(c, j, 0, LLONG_MAX, &limit, E_SET_LIMIT_NEG):
                return
        else:
            add_reply_error(c, E_SYNTAX)
            return
        j += 1
    sinter_generic(c, 2, <int>numkeys, -1, True, limit)

# ---- SUNION SDIFF and their STORE forms --------------------------------------------

cdef void sunion_diff_generic(ClientBase c, int first, int nkeys, int dstidx, int op) noexcept:
    """sunionDiffGenericCommand: the result is built in a temporary set that
    starts as an intset (so all-integer results are intsets, ascending).  DIFF
    picks Redis's algorithm 1 (test each member of the first set) or 2 (copy the
    first set, remove the others) by estimated work; the choice is visible only
    through the result's encoding, which is the same either way."""
    cdef fc_entry **sets = <fc_entry **>fc_malloc(nkeys * sizeof(fc_entry *))
    cdef setv *vs = <setv *>fc_malloc(nkeys * sizeof(setv))
    cdef int j, k
    cdef bint wt
    cdef bint sameset = False
    cdef fc_entry *tmp
    cdef setv dst
    cdef setiter it
    cdef setelem el
    cdef long long card = 0
    cdef long long w1 = 0, w2 = 0
    cdef int algo = 1
    for j in range(nkeys):
        sets[j] = set_lookup_read(c, first + j, &wt)
        if wt:
            fc_free(sets)
            fc_free(vs)
            return
        if j > 0 and sets[j] != NULL and sets[j] == sets[0]:
            sameset = True
    if op == SET_OP_DIFF and sets[0] != NULL and not sameset:
        for j in range(nkeys):
            if sets[j] == NULL:
                continue
            w1 += <long long>entry_set_size(sets[0])
            w2 += <long long>entry_set_size(sets[j])
        w1 //= 2
        algo = 1 if w1 <= w2 else 2
        if algo == 1 and nkeys > 1:
            # subtract the biggest sets first (stable, by decreasing size)
            for j in range(2, nkeys):
                tmp = sets[j]
                k = j - 1
                while k >= 1 and entry_set_size_or0(sets[k]) < entry_set_size_or0(tmp):
                    sets[k + 1] = sets[k]
                    k -= 1
                sets[k + 1] = tmp
    for j in range(nkeys):
        if sets[j] != NULL:
            vs[j] = setv_load(sets[j])
    setv_new_intset(&dst)
    if op == SET_OP_UNION:
        for j in range(nkeys):
            if sets[j] == NULL:
                continue
            setiter_init(&it, &vs[j])
            while setiter_next(&it, &el):
                if setv_add_elem(&dst, &el):
                    card += 1
    elif sameset:
        pass        # the first set minus itself: empty
    elif sets[0] != NULL and algo == 1:
        setiter_init(&it, &vs[0])
        while setiter_next(&it, &el):
            j = 1
            while j < nkeys:
                if sets[j] != NULL and setv_ismember_elem(&vs[j], &el):
                    break
                j += 1
            if j == nkeys:
                setv_add_elem(&dst, &el)
                card += 1
    elif sets[0] != NULL:
        for j in range(nkeys):
            if sets[j] == NULL:
                continue
            setiter_init(&it, &vs[j])
            while setiter_next(&it, &el):
                if j == 0:
                    if setv_add_elem(&dst, &el):
                        card += 1
                elif setv_remove_elem(&dst, &el):
                    card -= 1
            if card == 0:
                break
    fc_free(sets)
    fc_free(vs)
    if dstidx < 0:
        add_reply_setv(c, &dst)
        setv_free(&dst)
    else:
        set_store_result(c, dstidx, &dst, b"sunionstore" if op == SET_OP_UNION else b"sdiffstore")

cdef inline uint64_t entry_set_size_or0(fc_entry *e) noexcept nogil:
    if e == NULL:
        return 0
    return entry_set_size(e)

cdef void cmd_sunion(ClientBase c) noexcept:
    sunion_diff_generic(c, 1, c.argc - 1, -1, SET_OP_UNION)

cdef void cmd_sunionstore(ClientBase c) noexcept:
    sunion_diff_generic(c, 2, c.argc - 2, 1, SET_OP_UNION)

cdef void cmd_sdiff(ClientBase c) noexcept:
    sunion_diff_generic(c, 1, c.argc - 1, -1, SET_OP_DIFF)

cdef void cmd_sdiffstore(ClientBase c) noexcept:
    sunion_diff_generic(c, 2, c.argc - 2, 1, SET_OP_DIFF)

# ---- SSCAN --------------------------------------------------------------------------

ctypedef struct sscan_acc:
    fc_node **items
    size_t n
    size_t cap

cdef void sscan_collect(void *priv, fc_node *node) noexcept:
    cdef sscan_acc *a = <sscan_acc *>priv
    if a.n == a.cap:
        a.cap *= 2
        a.items = <fc_node **>fc_realloc(a.items, a.cap * sizeof(fc_node *))
    a.items[a.n] = node
    a.n += 1

cdef void cmd_sscan(ClientBase c) noexcept:
    """scanGenericCommand for a set.  The cursor is checked before the key is
    looked up and the options after (a missing key answers the empty scan
    whatever the options); an intset is returned whole with cursor 0."""
    cdef uint64_t cursor
    cdef long long count = 10
    cdef long long maxiterations
    cdef const char *pat = NULL
    cdef int patlen = 0
    cdef bint use_pattern = False
    cdef bint wt
    cdef int i = 3
    cdef fc_entry *e
    cdef setv v
    cdef setiter it
    cdef setelem el
    cdef sscan_acc acc
    cdef char buf[LONG_STR_SIZE]
    cdef char cbuf[24]
    cdef const char *s
    cdef size_t n, k, pos
    cdef long long nout = 0
    if not parse_scan_cursor(c.argv[2], c.argvlen[2], &cursor):
        add_reply_error(c, E_INVALID_CURSOR)
        return
    e = set_lookup_read(c, 1, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_raw(c, b"*2\r\n$1\r\n0\r\n*0\r\n", 15)   # shared.emptyscan
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
    v = setv_load(e)
    add_reply_array_len(c, 2)
    if v.enc == ENC_INTSET:
        add_reply_bulk(c, b"0", 1)
        pos = defer_begin(c)
        setiter_init(&it, &v)
        while setiter_next(&it, &el):
            s = elem_str(&el, buf, &n)
            if use_pattern and not fc_stringmatchlen(pat, patlen, s, <int>n, 0):
                continue
            add_reply_bulk(c, s, n)
            nout += 1
        defer_array_end(c, pos, nout)
        return
    acc.cap = 16
    acc.n = 0
    acc.items = <fc_node **>fc_malloc(acc.cap * sizeof(fc_node *))
    maxiterations = count * 10 if count <= LLONG_MAX // 10 else LLONG_MAX
    while True:
        cursor = dict_scan(<fc_dict *>v.p, cursor, sscan_collect, &acc)
        if cursor == 0:
            break
        maxiterations -= 1
        if maxiterations < 0 or acc.n >= <uint64_t>count:
            break
    k = <size_t>fc_ull2string(cbuf, sizeof(cbuf), cursor)
    add_reply_bulk(c, cbuf, k)
    pos = defer_begin(c)
    for k in range(acc.n):
        s = setnode_key(acc.items[k])
        n = acc.items[k].klen
        if use_pattern and not fc_stringmatchlen(pat, patlen, s, <int>n, 0):
            continue
        add_reply_bulk(c, s, n)
        nout += 1
    fc_free(acc.items)
    defer_array_end(c, pos, nout)
