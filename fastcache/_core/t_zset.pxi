# t_zset.pxi — the sorted set type's commands (Redis t_zset.c).
#
# Design note.  A sorted set key is an fc_entry of type OBJ_ZSET whose payload is
# a pointer to an fc_zset (skiplist.pxi: skiplist + member dict sharing one node
# per member).  Every command parses and validates all of its arguments before
# it looks the key up or changes anything, in Redis's order, so the first error
# reported is the one Redis reports.  Scores in replies use Redis 7.0's
# addReplyDouble text ("%.17g", "inf"/"-inf"; -0 stays "-0"): add_reply_score.
#
# Range replies (ZRANGE family) follow Redis's "result handler": WITHSCORES pairs
# are a flat array in RESP2 and nested [member, score] arrays in RESP3; the STORE
# variants build a new zset and replace the destination (or delete it when the
# result is empty).
#
# Encodings (zset_listpack.pxi): a new key is a listpack unless ZADD's first
# member is longer than zset-max-listpack-value or zset-max-listpack-entries is
# 0 (Redis 7.0's zaddGenericCommand); an insert converts it to a skiplist when it
# would exceed either threshold (zsetAdd), never back.  *STORE results are built
# as skiplists and stored as listpacks when they fit (Redis's
# zsetConvertToListpackIfNeeded and ZRANGESTORE's size hint give the same rule).
# The point and end operations (ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZRANK,
# ZPOP*, ZSCAN, ZRANDMEMBER without count) work on the listpack directly; the
# range and multi-key operations read a listpack through a temporary skiplist
# "view" (zs_view: at most zset-max-listpack-entries members, so O(n log n) on a
# small n) and the range removals write back through it (zs_view_commit).
# Plain sets are ZUNION/ZINTER/ZDIFF inputs the same way: a view whose members
# all score 1.

cdef enum:
    ZADD_IN_INCR = 1 << 0
    ZADD_IN_NX = 1 << 1
    ZADD_IN_XX = 1 << 2
    ZADD_IN_GT = 1 << 3
    ZADD_IN_LT = 1 << 4
    ZADD_OUT_NOP = 1 << 0
    ZADD_OUT_NAN = 1 << 1
    ZADD_OUT_ADDED = 1 << 2
    ZADD_OUT_UPDATED = 1 << 3

cdef enum:
    ZRANGE_AUTO = 0
    ZRANGE_RANK = 1
    ZRANGE_SCORE = 2
    ZRANGE_LEX = 3
    ZDIR_AUTO = 0
    ZDIR_FORWARD = 1
    ZDIR_REVERSE = 2

cdef enum:
    AGGR_SUM = 0
    AGGR_MIN = 1
    AGGR_MAX = 2
    ZOP_UNION = 0
    ZOP_INTER = 1
    ZOP_DIFF = 2

# ---- the type's object hooks (DEL, COPY, MEMORY USAGE) ---------------------------

cdef inline fc_zset *zs_of(fc_entry *e) noexcept nogil:
    return <fc_zset *>entry_ptr(e)

cdef inline unsigned char *zlp_of(fc_entry *e) noexcept nogil:
    return <unsigned char *>entry_ptr(e)

cdef inline unsigned long zset_length(fc_entry *e) noexcept nogil:
    if e.enc == ENC_LISTPACK:
        return zzl_len(zlp_of(e))
    return zs_of(e).length

cdef fc_entry *zset_entry_new(const char *key, size_t klen, fc_zset *zs) noexcept nogil:
    cdef fc_entry *e = entry_alloc(key, klen, sizeof(void *))
    e.type = OBJ_ZSET
    e.enc = ENC_SKIPLIST
    entry_set_ptr(e, zs)
    return e

cdef fc_entry *zset_entry_new_lp(const char *key, size_t klen, unsigned char *lp) noexcept nogil:
    cdef fc_entry *e = entry_alloc(key, klen, sizeof(void *))
    e.type = OBJ_ZSET
    e.enc = ENC_LISTPACK
    entry_set_ptr(e, lp)
    return e

cdef void zset_convert_to_skiplist(fc_entry *e) noexcept nogil:
    cdef unsigned char *lp = zlp_of(e)
    entry_set_ptr(e, zzl_to_zset(lp))
    e.enc = ENC_SKIPLIST
    zlp_free(lp)

cdef inline fc_zset *zs_view(fc_entry *e, bint *temp) noexcept nogil:
    """The entry's members as a skiplist: its own, or (listpack) a temporary copy
    the caller frees with zset_free when *temp."""
    if e.enc == ENC_LISTPACK:
        temp[0] = True
        return zzl_to_zset(zlp_of(e))
    temp[0] = False
    return zs_of(e)

cdef void zs_view_commit(fc_entry *e, fc_zset *zs, bint temp) noexcept nogil:
    """After changing a temporary view: rebuild the entry's listpack from it (a
    listpack is a pure function of its pairs, so the bytes equal Redis's in-place
    edits) and free the view."""
    if temp:
        zlp_free(zlp_of(e))
        entry_set_ptr(e, zset_to_zzl(zs))
        zset_free(zs)

cdef void zset_type_free(fc_entry *e) noexcept nogil:
    if e.enc == ENC_LISTPACK:
        zlp_free(zlp_of(e))
    else:
        zset_free(zs_of(e))

cdef fc_entry *zset_type_dup(fc_entry *e, const char *key, size_t klen) noexcept nogil:
    cdef fc_zset *src
    cdef fc_zset *dst
    cdef zsl_node *n
    cdef unsigned char *lp
    cdef size_t sz
    if e.enc == ENC_LISTPACK:
        sz = zlp_bytes(zlp_of(e))
        lp = <unsigned char *>fc_malloc(sz)
        memcpy(lp, zlp_of(e), sz)
        return zset_entry_new_lp(key, klen, lp)
    src = zs_of(e)
    dst = zset_new()
    n = src.tail
    # insert from the tail backwards: each insert then lands at the head, cheap
    while n != NULL:
        zset_insert(dst, n.score, zn_ele(n), n.klen)
        n = n.backward
    return zset_entry_new(key, klen, dst)

cdef size_t zset_type_mem(fc_entry *e, long long samples) noexcept nogil:
    """objectComputeSize for zsets: the listpack allocation; or the structure,
    bucket arrays, then the nodes, sampling `samples` of them (0 = all) and
    extrapolating."""
    cdef fc_zset *zs
    cdef size_t n
    cdef size_t elesize = 0
    cdef long long sampled = 0
    cdef zsl_node *x
    if e.enc == ENC_LISTPACK:
        return fc_malloc_size(zlp_of(e))
    zs = zs_of(e)
    n = fc_malloc_size(zs) + zsl_node_size(zs.header) + dict_mem_buckets(&zs.dict)
    x = zn_next(zs.header)
    while x != NULL and (samples == 0 or sampled < samples):
        elesize += zsl_node_size(x)
        sampled += 1
        x = zn_next(x)
    if sampled:
        n += <size_t>(<double>elesize / sampled * zs.length)
    return n

type_free[OBJ_ZSET] = zset_type_free
type_dup[OBJ_ZSET] = zset_type_dup
type_mem[OBJ_ZSET] = zset_type_mem

# ---- reply helpers ---------------------------------------------------------------

cdef void add_reply_score(ClientBase c, double d) noexcept:
    """addReplyDouble of Redis 7.0: "%.17g" text (inf/-inf), ',' double in RESP3."""
    cdef char buf[128]
    cdef int n = fc_double_reply_string(buf, sizeof(buf), d)
    if c.resp >= 3:
        add_reply_raw(c, b",", 1)
        add_reply_raw(c, buf, n)
        add_reply_raw(c, b"\r\n", 2)
    else:
        add_reply_bulk(c, buf, n)

cdef inline void add_reply_node(ClientBase c, zsl_node *n, bint withscores) noexcept:
    """One range element: member, or member+score (nested pair in RESP3)."""
    if withscores and c.resp >= 3:
        add_reply_array_len(c, 2)
    add_reply_bulk(c, zn_ele(n), n.klen)
    if withscores:
        add_reply_score(c, n.score)

cdef bint arg_score(ClientBase c, int i, double *d, const char *err) noexcept:
    """getDoubleFromObjectOrReply: strict parse, NaN rejected."""
    if fc_string2d(c.argv[i], c.argvlen[i], d):
        return True
    add_reply_error(c, err if err != NULL else E_NOTFLOAT)
    return False

cdef bint arg_range_ll(ClientBase c, int i, long long lo, long long hi, long long *v,
                       const char *msg) noexcept:
    """getRangeLongFromObjectOrReply: with msg, both a bad number and an out of
    range value reply msg; without, the generic texts."""
    if not fc_string2ll(c.argv[i], c.argvlen[i], v):
        add_reply_error(c, msg if msg != NULL else E_NOTINT)
        return False
    if v[0] < lo or v[0] > hi:
        if msg != NULL:
            add_reply_error(c, msg)
        else:
            add_reply_error_py(c, b"ERR value is out of range, value must between %d and %d" % (lo, hi))
        return False
    return True

cdef inline fc_entry *zlookup_read(ClientBase c, int i, bint *wrongtype) noexcept:
    """lookupKeyRead + checkType: the zset entry, NULL if missing; on a wrong type
    the error is replied and *wrongtype set."""
    cdef fc_entry *e = lookup_read(c, c.argv[i], c.argvlen[i])
    wrongtype[0] = False
    if e != NULL and e.type != OBJ_ZSET:
        add_reply_error(c, E_WRONGTYPE)
        wrongtype[0] = True
        return NULL
    return e

cdef inline fc_entry **zlookup_write(ClientBase c, int i, bint *wrongtype) noexcept:
    cdef fc_entry **slot = lookup_write(c, c.argv[i], c.argvlen[i])
    wrongtype[0] = False
    if slot != NULL and slot[0].type != OBJ_ZSET:
        add_reply_error(c, E_WRONGTYPE)
        wrongtype[0] = True
        return NULL
    return slot

cdef void zset_store(ClientBase c, const char *key, size_t klen, fc_zset *zs) noexcept:
    """setKey(dst, zs): replace whatever is there (its TTL goes too).  The result
    becomes a listpack when it fits the thresholds (see the design note)."""
    cdef fc_entry **slot = db_lookup_slot(c.db, key, klen)
    cdef fc_entry *e
    if zset_fits_listpack(zs):
        e = zset_entry_new_lp(key, klen, zset_to_zzl(zs))
        zset_free(zs)
    else:
        e = zset_entry_new(key, klen, zs)
    if slot != NULL:
        db_replace(c.db, slot, e, False)
    else:
        db_add(c.db, e)

cdef inline bint zset_delete_if_empty(ClientBase c, int keyidx, fc_entry *e) noexcept:
    """Delete the key when the zset went empty; True if it did."""
    if zset_length(e) == 0:
        db_delete(c.db, c.argv[keyidx], c.argvlen[keyidx])
        return True
    return False

cdef inline void zset_removed_events(ClientBase c, int keyidx, const char *event,
                                     bint keyremoved) noexcept:
    """The events of a removal: `event`, then "del" if the key went away."""
    arg_modified(c, NOTIFY_ZSET, event, keyidx)
    if keyremoved:
        arg_event(c, NOTIFY_GENERIC, b"del", keyidx)

# ---- ZADD / ZINCRBY --------------------------------------------------------------

cdef int zset_add(fc_entry *e, double score, const char *ele, size_t len, int flags,
                  double *newscore) noexcept nogil:
    """zsetAdd on either encoding: returns ZADD_OUT_* flags (NAN means the command
    fails).  A listpack that would outgrow its thresholds with this new member is
    converted to a skiplist first, as Redis does (never for an XX no-op)."""
    cdef zsl_node *x
    cdef double cur = 0
    cdef fc_zset *zs
    cdef unsigned char *lp
    cdef unsigned char *eptr
    if zs_isnan(score):
        return ZADD_OUT_NAN
    if e.enc == ENC_LISTPACK:
        lp = zlp_of(e)
        eptr = zzl_find(lp, ele, len, &cur)
        if eptr != NULL:
            if flags & ZADD_IN_NX:
                return ZADD_OUT_NOP
            if flags & ZADD_IN_INCR:
                score += cur
                if zs_isnan(score):
                    return ZADD_OUT_NAN
            if ((flags & ZADD_IN_LT) and score >= cur) or ((flags & ZADD_IN_GT) and score <= cur):
                return ZADD_OUT_NOP
            newscore[0] = score
            if score != cur:
                # remove and re-insert (zzlDelete + zzlInsert): the position may change
                lp = zzl_delete(lp, eptr)
                entry_set_ptr(e, zzl_insert(lp, ele, len, score))
                return ZADD_OUT_UPDATED
            return 0
        if flags & ZADD_IN_XX:
            return ZADD_OUT_NOP
        if (zzl_len(lp) + 1 > <unsigned long>srv.zset_max_listpack_entries or
                len > <size_t>srv.zset_max_listpack_value or not zlp_safe_to_add(lp, len)):
            zset_convert_to_skiplist(e)
        else:
            entry_set_ptr(e, zzl_insert(lp, ele, len, score))
            newscore[0] = score
            return ZADD_OUT_ADDED
    zs = zs_of(e)
    x = zset_find(zs, ele, len)
    if x != NULL:
        if flags & ZADD_IN_NX:
            return ZADD_OUT_NOP
        cur = x.score
        if flags & ZADD_IN_INCR:
            score += cur
            if zs_isnan(score):
                return ZADD_OUT_NAN
        if ((flags & ZADD_IN_LT) and score >= cur) or ((flags & ZADD_IN_GT) and score <= cur):
            return ZADD_OUT_NOP
        newscore[0] = score
        # -0 == 0: no update, the stored score keeps its sign (as in Redis)
        if score != cur:
            zset_update_score(zs, x, score)
            return ZADD_OUT_UPDATED
        return 0
    if flags & ZADD_IN_XX:
        return ZADD_OUT_NOP
    zset_insert(zs, score, ele, len)
    newscore[0] = score
    return ZADD_OUT_ADDED

cdef void zadd_generic(ClientBase c, int flags) noexcept:
    cdef int scoreidx = 2
    cdef bint ch = False
    cdef int elements, j, ret
    cdef double stack_scores[16]
    cdef double *scores = stack_scores
    cdef double score = 0, newscore = 0
    cdef long long added = 0, updated = 0, processed = 0
    cdef bint incr, nx, xx, gt, lt, wrongtype
    cdef fc_entry **slot
    cdef fc_entry *e
    while scoreidx < c.argc:
        if arg_is(c, scoreidx, "nx"):
            flags |= ZADD_IN_NX
        elif arg_is(c, scoreidx, "xx"):
            flags |= ZADD_IN_XX
        elif arg_is(c, scoreidx, "ch"):
            ch = True
        elif arg_is(c, scoreidx, "incr"):
            flags |= ZADD_IN_INCR
        elif arg_is(c, scoreidx, "gt"):
            flags |= ZADD_IN_GT
        elif arg_is(c, scoreidx, "lt"):
            flags |= ZADD_IN_LT
        else:
            break
        scoreidx += 1
    incr = (flags & ZADD_IN_INCR) != 0
    nx = (flags & ZADD_IN_NX) != 0
    xx = (flags & ZADD_IN_XX) != 0
    gt = (flags & ZADD_IN_GT) != 0
    lt = (flags & ZADD_IN_LT) != 0
    elements = c.argc - scoreidx
    if elements % 2 or elements == 0:
        add_reply_error(c, E_SYNTAX)
        return
    elements //= 2
    if nx and xx:
        add_reply_error(c, E_ZADD_NX_XX)
        return
    if (gt and nx) or (lt and nx) or (gt and lt):
        add_reply_error(c, E_ZADD_GT_LT_NX)
        return
    if incr and elements > 1:
        add_reply_error(c, E_ZADD_INCR_PAIR)
        return
    if elements > 16:
        scores = <double *>fc_malloc(elements * sizeof(double))
    for j in range(elements):
        if not arg_score(c, scoreidx + j * 2, &scores[j], NULL):
            if scores != stack_scores:
                fc_free(scores)
            return
    slot = zlookup_write(c, 1, &wrongtype)
    if wrongtype:
        if scores != stack_scores:
            fc_free(scores)
        return
    if slot == NULL:
        if xx:
            if scores != stack_scores:
                fc_free(scores)
            if incr:
                add_reply_null(c)
            else:
                add_reply_int(c, 0)
            return
        # Redis 7.0 decides on the first member only (the others convert as they come)
        if (srv.zset_max_listpack_entries == 0 or
                <size_t>srv.zset_max_listpack_value < c.argvlen[scoreidx + 1]):
            e = zset_entry_new(c.argv[1], c.argvlen[1], zset_new())
        else:
            e = zset_entry_new_lp(c.argv[1], c.argvlen[1], zlp_new(0))
        db_add(c.db, e)
    else:
        e = slot[0]
    for j in range(elements):
        score = scores[j]
        ret = zset_add(e, score, c.argv[scoreidx + 1 + j * 2], c.argvlen[scoreidx + 1 + j * 2],
                       flags, &newscore)
        if ret & ZADD_OUT_NAN:
            srv.dirty += added + updated
            if scores != stack_scores:
                fc_free(scores)
            add_reply_error(c, E_ZSET_NAN)
            if added or updated:     # Redis's cleanup path notifies what was done
                arg_modified(c, NOTIFY_ZSET, b"zincr" if incr else b"zadd", 1)
            return
        if ret & ZADD_OUT_ADDED:
            added += 1
        if ret & ZADD_OUT_UPDATED:
            updated += 1
        if not (ret & ZADD_OUT_NOP):
            processed += 1
        score = newscore
    if scores != stack_scores:
        fc_free(scores)
    srv.dirty += added + updated
    if incr:
        if processed:
            add_reply_score(c, score)
        else:
            add_reply_null(c)
    else:
        add_reply_int(c, added + updated if ch else added)
    if added or updated:
        # after the reply (zaddGenericCommand's cleanup); ZINCRBY and ZADD INCR
        # are "zincr"
        arg_modified(c, NOTIFY_ZSET, b"zincr" if incr else b"zadd", 1)

cdef void cmd_zadd(ClientBase c) noexcept:
    zadd_generic(c, 0)

cdef void cmd_zincrby(ClientBase c) noexcept:
    zadd_generic(c, ZADD_IN_INCR)

# ---- simple reads ----------------------------------------------------------------

cdef void cmd_zcard(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e = zlookup_read(c, 1, &wt)
    if wt:
        return
    add_reply_int(c, 0 if e == NULL else <long long>zset_length(e))

cdef bint zset_score(fc_entry *e, const char *ele, size_t len, double *score) noexcept nogil:
    """zsetScore on either encoding: False when the member is absent."""
    cdef zsl_node *x
    if e.enc == ENC_LISTPACK:
        return zzl_find(zlp_of(e), ele, len, score) != NULL
    x = zset_find(zs_of(e), ele, len)
    if x == NULL:
        return False
    score[0] = x.score
    return True

cdef void cmd_zscore(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e = zlookup_read(c, 1, &wt)
    cdef double score
    if wt:
        return
    if e == NULL or not zset_score(e, c.argv[2], c.argvlen[2], &score):
        add_reply_null(c)
    else:
        add_reply_score(c, score)

cdef void cmd_zmscore(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e = zlookup_read(c, 1, &wt)
    cdef double score
    cdef int j
    if wt:
        return
    add_reply_array_len(c, c.argc - 2)
    for j in range(2, c.argc):
        if e == NULL or not zset_score(e, c.argv[j], c.argvlen[j], &score):
            add_reply_null(c)
        else:
            add_reply_score(c, score)

cdef void zrank_generic(ClientBase c, bint reverse) noexcept:
    cdef bint wt
    cdef fc_entry *e = zlookup_read(c, 1, &wt)
    cdef fc_zset *zs
    cdef zsl_node *x
    cdef unsigned long rank = 0, length
    cdef unsigned char *lp
    cdef unsigned char *eptr
    if wt:
        return
    if e == NULL:
        add_reply_null(c)
        return
    length = zset_length(e)
    if e.enc == ENC_LISTPACK:
        # walk the members in order, counting (zsetRank's listpack branch)
        lp = zlp_of(e)
        eptr = zlp_first(lp)
        while eptr != NULL:
            rank += 1
            if zlp_compare(eptr, <const unsigned char *>c.argv[2], <uint32_t>c.argvlen[2]):
                break
            eptr = zlp_next(lp, zlp_next(lp, eptr))
        if eptr == NULL:
            add_reply_null(c)
            return
    else:
        zs = zs_of(e)
        x = zset_find(zs, c.argv[2], c.argvlen[2])
        if x == NULL:
            add_reply_null(c)
            return
        rank = zsl_rank(zs, x)
    add_reply_int(c, <long long>(length - rank) if reverse else <long long>(rank - 1))

cdef void cmd_zrank(ClientBase c) noexcept:
    zrank_generic(c, False)

cdef void cmd_zrevrank(ClientBase c) noexcept:
    zrank_generic(c, True)

cdef bint parse_score_range(ClientBase c, int a, int b, zrangespec *r) noexcept:
    if (parse_range_item(c.argv[a], c.argvlen[a], &r.min, &r.minex) and
            parse_range_item(c.argv[b], c.argvlen[b], &r.max, &r.maxex)):
        return True
    add_reply_error(c, E_ZSET_MINMAX_FLOAT)
    return False

cdef bint parse_lex_args(ClientBase c, int a, int b, zlexrange *r) noexcept:
    if parse_lex_range(c.argv[a], c.argvlen[a], c.argv[b], c.argvlen[b], r):
        return True
    add_reply_error(c, E_ZSET_MINMAX_LEX)
    return False

cdef void cmd_zcount(ClientBase c) noexcept:
    cdef zrangespec r
    cdef bint wt
    cdef fc_entry *e
    cdef fc_zset *zs
    cdef zsl_node *x
    cdef zsl_node *y
    cdef bint temp
    if not parse_score_range(c, 2, 3, &r):
        return
    e = zlookup_read(c, 1, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_int(c, 0)
        return
    zs = zs_view(e, &temp)
    x = zsl_first_in_range(zs, &r)
    if x == NULL:
        add_reply_int(c, 0)
    else:
        y = zsl_last_in_range(zs, &r)
        add_reply_int(c, <long long>(zsl_rank(zs, y) - zsl_rank(zs, x) + 1))
    if temp:
        zset_free(zs)

cdef void cmd_zlexcount(ClientBase c) noexcept:
    cdef zlexrange r
    cdef bint wt
    cdef fc_entry *e
    cdef fc_zset *zs
    cdef zsl_node *x
    cdef zsl_node *y
    cdef bint temp
    if not parse_lex_args(c, 2, 3, &r):
        return
    e = zlookup_read(c, 1, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_int(c, 0)
        return
    zs = zs_view(e, &temp)
    x = zsl_first_in_lex(zs, &r)
    if x == NULL:
        add_reply_int(c, 0)
    else:
        y = zsl_last_in_lex(zs, &r)
        add_reply_int(c, <long long>(zsl_rank(zs, y) - zsl_rank(zs, x) + 1))
    if temp:
        zset_free(zs)

# ---- the ZRANGE family -----------------------------------------------------------

ctypedef struct zr_out:
    fc_zset *dst           # STORE: the zset being built; NULL when replying
    size_t pos             # deferred array header offset
    bint deferred
    bint withscores
    long long count

cdef void zr_begin(ClientBase c, zr_out *o, long long length) noexcept:
    o.count = 0
    if o.dst != NULL:
        return
    if length > 0:
        o.deferred = False
        add_reply_array_len(c, length * 2 if (o.withscores and c.resp == 2) else length)
    else:
        o.deferred = True
        o.pos = defer_begin(c)

cdef inline void zr_emit(ClientBase c, zr_out *o, zsl_node *n) noexcept:
    o.count += 1
    if o.dst != NULL:
        zset_insert(o.dst, n.score, zn_ele(n), n.klen)
    else:
        add_reply_node(c, n, o.withscores)

cdef void zr_finish(ClientBase c, zr_out *o, int dstidx) noexcept:
    if o.dst != NULL:
        # zrangeResultFinalizeStore's order: store ("new"), reply, then the
        # event; an empty result replies 0 before deleting
        if o.count:
            zset_store(c, c.argv[dstidx], c.argvlen[dstidx], o.dst)
            add_reply_int(c, o.count)
            arg_modified(c, NOTIFY_ZSET, b"zrangestore", dstidx)
            srv.dirty += 1
        else:
            zset_free(o.dst)
            add_reply_int(c, 0)
            if db_delete(c.db, c.argv[dstidx], c.argvlen[dstidx]):
                arg_modified(c, NOTIFY_GENERIC, b"del", dstidx)
                srv.dirty += 1
        return
    if o.deferred:
        defer_array_end(c, o.pos, o.count * 2 if (o.withscores and c.resp == 2) else o.count)

cdef void zrange_generic(ClientBase c, int argc_start, bint store, int rangetype, int direction) noexcept:
    """zrangeGenericCommand: ZRANGE / ZRANGESTORE and the legacy range commands.
    argv[argc_start] is the source key; STORE has the destination at 1."""
    cdef int minidx = argc_start + 1
    cdef int maxidx = argc_start + 2
    cdef int j, leftargs, tmp
    cdef long long opt_start = 0, opt_end = 0, opt_offset = 0, opt_limit = -1
    cdef bint withscores = False
    cdef zrangespec r
    cdef zlexrange lr
    cdef bint wt
    cdef fc_entry *e
    cdef fc_zset *zs
    cdef zr_out o
    cdef bint temp
    j = argc_start + 3
    while j < c.argc:
        leftargs = c.argc - j - 1
        if not store and arg_is(c, j, "withscores"):
            withscores = True
        elif arg_is(c, j, "limit") and leftargs >= 2:
            if not arg_ll(c, j + 1, &opt_offset) or not arg_ll(c, j + 2, &opt_limit):
                return
            j += 2
        elif direction == ZDIR_AUTO and arg_is(c, j, "rev"):
            direction = ZDIR_REVERSE
        elif rangetype == ZRANGE_AUTO and arg_is(c, j, "bylex"):
            rangetype = ZRANGE_LEX
        elif rangetype == ZRANGE_AUTO and arg_is(c, j, "byscore"):
            rangetype = ZRANGE_SCORE
        else:
            add_reply_error(c, E_SYNTAX)
            return
        j += 1
    if direction == ZDIR_AUTO:
        direction = ZDIR_FORWARD
    if rangetype == ZRANGE_AUTO:
        rangetype = ZRANGE_RANK
    if opt_limit != -1 and rangetype == ZRANGE_RANK:
        add_reply_error(c, E_ZRANGE_LIMIT)
        return
    if withscores and rangetype == ZRANGE_LEX:
        add_reply_error(c, E_ZRANGE_LEX_SCORES)
        return
    if direction == ZDIR_REVERSE and rangetype != ZRANGE_RANK:
        # BYSCORE/BYLEX with REV take the range as <max> <min>
        tmp = maxidx
        maxidx = minidx
        minidx = tmp
    if rangetype == ZRANGE_RANK:
        if not arg_ll(c, minidx, &opt_start) or not arg_ll(c, maxidx, &opt_end):
            return
    elif rangetype == ZRANGE_SCORE:
        if not parse_score_range(c, minidx, maxidx, &r):
            return
    else:
        if not parse_lex_args(c, minidx, maxidx, &lr):
            return
    e = zlookup_read(c, argc_start, &wt)
    if wt:
        return
    o.dst = NULL
    o.withscores = withscores
    o.deferred = False
    o.pos = 0
    if e == NULL:
        if store:
            add_reply_int(c, 0)
            if db_delete(c.db, c.argv[1], c.argvlen[1]):
                arg_modified(c, NOTIFY_GENERIC, b"del", 1)
                srv.dirty += 1
        else:
            add_reply_raw(c, b"*0\r\n", 4)
        return
    zs = zs_view(e, &temp)
    if store:
        o.dst = zset_new()
    zrange_emit_range(c, &o, zs, rangetype, direction, opt_start, opt_end, opt_offset, opt_limit,
                      &r, &lr)
    # the view goes before zr_finish: a STORE may replace the source entry
    if temp:
        zset_free(zs)
    zr_finish(c, &o, 1)

cdef void zrange_emit_range(ClientBase c, zr_out *o, fc_zset *zs, int rangetype, int direction,
                            long long opt_start, long long opt_end, long long opt_offset,
                            long long opt_limit, zrangespec *rp, zlexrange *lrp) noexcept:
    """The ZRANGE family's walk over a skiplist: begins the output and emits."""
    cdef long long llen, rangelen
    cdef zsl_node *x
    if rangetype == ZRANGE_RANK:
        llen = <long long>zs.length
        if opt_start < 0:
            opt_start += llen
        if opt_end < 0:
            opt_end += llen
        if opt_start < 0:
            opt_start = 0
        if opt_start > opt_end or opt_start >= llen:
            zr_begin(c, o, 0)
            return
        if opt_end >= llen:
            opt_end = llen - 1
        rangelen = opt_end - opt_start + 1
        zr_begin(c, o, rangelen)
        if direction == ZDIR_REVERSE:
            x = zsl_by_rank(zs, <unsigned long>(llen - opt_start))
        else:
            x = zsl_by_rank(zs, <unsigned long>(opt_start + 1))
        while rangelen > 0 and x != NULL:
            zr_emit(c, o, x)
            x = x.backward if direction == ZDIR_REVERSE else zn_next(x)
            rangelen -= 1
        return
    zr_begin(c, o, -1)
    if opt_offset < 0 or (opt_offset > 0 and opt_offset >= <long long>zs.length):
        # a negative offset skips everything in Redis's `while (ln && offset--)`
        return
    if rangetype == ZRANGE_SCORE:
        x = zsl_last_in_range(zs, rp) if direction == ZDIR_REVERSE else zsl_first_in_range(zs, rp)
    else:
        x = zsl_last_in_lex(zs, lrp) if direction == ZDIR_REVERSE else zsl_first_in_lex(zs, lrp)
    while x != NULL and opt_offset > 0:
        x = x.backward if direction == ZDIR_REVERSE else zn_next(x)
        opt_offset -= 1
    # a negative limit means no limit
    while x != NULL and opt_limit != 0:
        if rangetype == ZRANGE_SCORE:
            if direction == ZDIR_REVERSE:
                if not zsl_gte_min(x.score, rp):
                    break
            elif not zsl_lte_max(x.score, rp):
                break
        else:
            if direction == ZDIR_REVERSE:
                if not lex_gte_min(zn_ele(x), x.klen, lrp):
                    break
            elif not lex_lte_max(zn_ele(x), x.klen, lrp):
                break
        zr_emit(c, o, x)
        if opt_limit > 0:
            opt_limit -= 1
        x = x.backward if direction == ZDIR_REVERSE else zn_next(x)

cdef void cmd_zrange(ClientBase c) noexcept:
    zrange_generic(c, 1, False, ZRANGE_AUTO, ZDIR_AUTO)

cdef void cmd_zrangestore(ClientBase c) noexcept:
    zrange_generic(c, 2, True, ZRANGE_AUTO, ZDIR_AUTO)

cdef void cmd_zrevrange(ClientBase c) noexcept:
    zrange_generic(c, 1, False, ZRANGE_RANK, ZDIR_REVERSE)

cdef void cmd_zrangebyscore(ClientBase c) noexcept:
    zrange_generic(c, 1, False, ZRANGE_SCORE, ZDIR_FORWARD)

cdef void cmd_zrevrangebyscore(ClientBase c) noexcept:
    zrange_generic(c, 1, False, ZRANGE_SCORE, ZDIR_REVERSE)

cdef void cmd_zrangebylex(ClientBase c) noexcept:
    zrange_generic(c, 1, False, ZRANGE_LEX, ZDIR_FORWARD)

cdef void cmd_zrevrangebylex(ClientBase c) noexcept:
    zrange_generic(c, 1, False, ZRANGE_LEX, ZDIR_REVERSE)

# ---- removal ---------------------------------------------------------------------

cdef void cmd_zrem(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry **slot = zlookup_write(c, 1, &wt)
    cdef fc_entry *e
    cdef fc_zset *zs
    cdef long long deleted = 0
    cdef int j
    cdef unsigned char *eptr
    cdef double cur
    cdef bint keyremoved
    if wt:
        return
    if slot == NULL:
        add_reply_int(c, 0)
        return
    e = slot[0]
    for j in range(2, c.argc):
        if e.enc == ENC_LISTPACK:
            eptr = zzl_find(zlp_of(e), c.argv[j], c.argvlen[j], &cur)
            if eptr == NULL:
                continue
            entry_set_ptr(e, zzl_delete(zlp_of(e), eptr))
        elif not zset_delete(zs_of(e), c.argv[j], c.argvlen[j]):
            continue
        deleted += 1
        if zset_length(e) == 0:
            break
    keyremoved = zset_delete_if_empty(c, 1, e)
    if deleted:
        zset_removed_events(c, 1, b"zrem", keyremoved)
    srv.dirty += deleted
    add_reply_int(c, deleted)

cdef void zremrange_generic(ClientBase c, int rangetype) noexcept:
    cdef long long start = 0, end = 0, llen
    cdef zrangespec r
    cdef zlexrange lr
    cdef bint wt
    cdef fc_entry **slot
    cdef fc_zset *zs
    cdef zsl_node *x
    cdef zsl_node *nxt
    cdef fc_entry *e
    cdef bint temp
    cdef long long deleted = 0
    cdef bint keyremoved
    if rangetype == ZRANGE_RANK:
        if not arg_ll(c, 2, &start) or not arg_ll(c, 3, &end):
            return
    elif rangetype == ZRANGE_SCORE:
        if not parse_score_range(c, 2, 3, &r):
            return
    else:
        if not parse_lex_args(c, 2, 3, &lr):
            return
    slot = zlookup_write(c, 1, &wt)
    if wt:
        return
    if slot == NULL:
        add_reply_int(c, 0)
        return
    e = slot[0]
    zs = zs_view(e, &temp)
    if rangetype == ZRANGE_RANK:
        llen = <long long>zs.length
        if start < 0:
            start += llen
        if end < 0:
            end += llen
        if start < 0:
            start = 0
        if start > end or start >= llen:
            if temp:
                zset_free(zs)
            add_reply_int(c, 0)
            return
        if end >= llen:
            end = llen - 1
        x = zsl_by_rank(zs, <unsigned long>(start + 1))
        while x != NULL and deleted < end - start + 1:
            nxt = zn_next(x)
            zset_delete_node(zs, x)
            deleted += 1
            x = nxt
    elif rangetype == ZRANGE_SCORE:
        x = zsl_first_in_range(zs, &r)
        while x != NULL and zsl_lte_max(x.score, &r):
            nxt = zn_next(x)
            zset_delete_node(zs, x)
            deleted += 1
            x = nxt
    else:
        x = zsl_first_in_lex(zs, &lr)
        while x != NULL and lex_lte_max(zn_ele(x), x.klen, &lr):
            nxt = zn_next(x)
            zset_delete_node(zs, x)
            deleted += 1
            x = nxt
    if deleted:
        zs_view_commit(e, zs, temp)
    elif temp:
        zset_free(zs)
    keyremoved = zset_delete_if_empty(c, 1, e)
    if deleted:
        zset_removed_events(c, 1, b"zremrangebyrank" if rangetype == ZRANGE_RANK else
                            (b"zremrangebyscore" if rangetype == ZRANGE_SCORE else b"zremrangebylex"),
                            keyremoved)
    srv.dirty += deleted
    add_reply_int(c, deleted)

cdef void cmd_zremrangebyrank(ClientBase c) noexcept:
    zremrange_generic(c, ZRANGE_RANK)

cdef void cmd_zremrangebyscore(ClientBase c) noexcept:
    zremrange_generic(c, ZRANGE_SCORE)

cdef void cmd_zremrangebylex(ClientBase c) noexcept:
    zremrange_generic(c, ZRANGE_LEX)

# ---- ZPOPMIN / ZPOPMAX / ZMPOP ---------------------------------------------------

cdef int zpop_generic(ClientBase c, int firstkey, int nkeys, bint popmax, bint emitkey,
                      long long count, bint nested, bint nil_when_empty) noexcept:
    """genericZpopCommand: pop from the first existing key among nkeys keys.
    Returns the argv index of the key popped from (-1 if none; the number of
    members popped is what srv.dirty grew by) -- for propagate.pxi."""
    cdef int idx = firstkey
    cdef int keyidx = -1
    cdef fc_entry **slot = NULL
    cdef fc_zset *zs
    cdef zsl_node *x
    cdef long long rangelen
    cdef fc_entry *e
    cdef unsigned char *lp
    cdef unsigned char *eptr
    cdef unsigned char buf[ZLP_INTBUF_SIZE]
    cdef uint32_t n = 0
    cdef const char *ele
    while idx < firstkey + nkeys:
        slot = lookup_write(c, c.argv[idx], c.argvlen[idx])
        if slot == NULL:
            idx += 1
            continue
        if slot[0].type != OBJ_ZSET:
            add_reply_error(c, E_WRONGTYPE)
            return -1
        keyidx = idx
        break
    if keyidx < 0:
        if nil_when_empty:
            add_reply_null_array(c)
        else:
            add_reply_raw(c, b"*0\r\n", 4)
        return -1
    if count == 0:
        add_reply_raw(c, b"*0\r\n", 4)
        return -1
    if count == -1:
        count = 1
    e = slot[0]
    rangelen = count if count < <long long>zset_length(e) else <long long>zset_length(e)
    if not nested and not emitkey:
        add_reply_array_len(c, rangelen * 2)
    elif nested and not emitkey:
        add_reply_array_len(c, rangelen)
    elif not nested and emitkey:
        add_reply_array_len(c, rangelen * 2 + 1)
        add_reply_bulk(c, c.argv[keyidx], c.argvlen[keyidx])
    else:
        add_reply_array_len(c, 2)
        add_reply_bulk(c, c.argv[keyidx], c.argvlen[keyidx])
        add_reply_array_len(c, rangelen)
    # genericZpopCommand notifies once, on the first member, after the reply's
    # header and before that member's reply (RESP3 pushes land right there)
    arg_modified(c, NOTIFY_ZSET, b"zpopmax" if popmax else b"zpopmin", keyidx)
    while rangelen > 0:
        if nested:
            add_reply_array_len(c, 2)
        if e.enc == ENC_LISTPACK:
            lp = zlp_of(e)
            eptr = zlp_seek(lp, -2 if popmax else 0)
            ele = zzl_ele(eptr, &n, buf)
            add_reply_bulk(c, ele, n)
            add_reply_score(c, zzl_score(zlp_next(lp, eptr)))
            entry_set_ptr(e, zzl_delete(lp, eptr))
        else:
            zs = zs_of(e)
            x = zs.tail if popmax else zn_next(zs.header)
            add_reply_bulk(c, zn_ele(x), x.klen)
            add_reply_score(c, x.score)
            zset_delete_node(zs, x)
        srv.dirty += 1
        rangelen -= 1
    if zset_delete_if_empty(c, keyidx, e):
        arg_event(c, NOTIFY_GENERIC, b"del", keyidx)
    return keyidx

cdef void zpop_minmax(ClientBase c, bint popmax) noexcept:
    cdef long long count = -1
    if c.argc > 3:
        add_reply_error(c, E_SYNTAX)
        return
    if c.argc == 3:
        # getPositiveLongFromObjectOrReply: a bad number gets the range text too
        if not arg_range_ll(c, 2, 0, LLONG_MAX, &count, E_NOTINT_POSITIVE):
            return
    # RESP3 with an explicit count: nested [member, score] pairs
    zpop_generic(c, 1, 1, popmax, False, count, c.resp > 2 and count != -1, False)

cdef void cmd_zpopmin(ClientBase c) noexcept:
    zpop_minmax(c, False)

cdef void cmd_zpopmax(ClientBase c) noexcept:
    zpop_minmax(c, True)

cdef void cmd_zmpop(ClientBase c) noexcept:
    cdef long long dirty_before
    cdef long long numkeys, count = -1
    cdef long long where_idx
    cdef bint popmax
    cdef int j
    if not arg_range_ll(c, 1, 1, LLONG_MAX, &numkeys, E_ZSET_NUMKEYS):
        return
    # (numkeys is compared before adding, so a huge value can't wrap the index)
    if numkeys > c.argc:
        add_reply_error(c, E_SYNTAX)
        return
    where_idx = 1 + numkeys + 1
    if where_idx >= c.argc:
        add_reply_error(c, E_SYNTAX)
        return
    if arg_is(c, <int>where_idx, "min"):
        popmax = False
    elif arg_is(c, <int>where_idx, "max"):
        popmax = True
    else:
        add_reply_error(c, E_SYNTAX)
        return
    j = <int>where_idx + 1
    while j < c.argc:
        if count == -1 and arg_is(c, j, "count") and c.argc - 1 - j > 0:
            j += 1
            if not arg_range_ll(c, j, 1, LLONG_MAX, &count, E_ZSET_COUNT):
                return
        else:
            add_reply_error(c, E_SYNTAX)
            return
        j += 1
    if count == -1:
        count = 1
    dirty_before = srv.dirty
    j = zpop_generic(c, 2, <int>numkeys, popmax, True, count, True, True)
    # propagate.pxi: as ZPOPMIN|ZPOPMAX key <members popped>
    if prop_on and j >= 0:
        prop_rewrite_key_ll(c, b"ZPOPMAX" if popmax else b"ZPOPMIN", j, srv.dirty - dirty_before,
                            True, c.argc)

# ---- ZRANDMEMBER -----------------------------------------------------------------

cdef inline zsl_node *zset_random(fc_zset *zs) noexcept nogil:
    return <zsl_node *>dict_random_node(&zs.dict, &rnd_state)

cdef void zrandmember_count(ClientBase c, long long l, bint withscores) noexcept:
    cdef bint wt
    cdef fc_entry *e = zlookup_read(c, 1, &wt)
    cdef fc_zset *zs
    cdef bint temp
    if wt:
        return
    if e == NULL:
        add_reply_raw(c, b"*0\r\n", 4)
        return
    zs = zs_view(e, &temp)
    zrandmember_from(c, zs, l, withscores)
    if temp:
        zset_free(zs)

cdef void zrandmember_from(ClientBase c, fc_zset *zs, long long l, bint withscores) noexcept:
    cdef unsigned long long count, size, i, k, tsize, h
    cdef bint uniq = True
    cdef zsl_node *x
    cdef zsl_node **picked
    cdef zsl_node **table
    size = zs.length
    if l >= 0:
        count = <unsigned long long>l
    else:
        count = <unsigned long long>(-l)
        uniq = False
    if count == 0:
        add_reply_raw(c, b"*0\r\n", 4)
        return
    # CASE 1: negative count (repetitions allowed), or a single element
    if not uniq or count == 1:
        add_reply_array_len(c, <long long>(count * 2 if (withscores and c.resp == 2) else count))
        for i in range(count):
            add_reply_node(c, zset_random(zs), withscores)
        return
    # CASE 2: the whole set; the reference replies it highest score first
    # (ZREVRANGE 0 -1 order), in both encodings
    if count >= size:
        add_reply_array_len(c, <long long>(size * 2 if (withscores and c.resp == 2) else size))
        x = zs.tail
        while x != NULL:
            add_reply_node(c, x, withscores)
            x = x.backward
        return
    # CASE 3/4: `count` distinct random members.  Pick random nodes and keep the
    # new ones in a small open-addressing pointer set: O(count) work even for a
    # huge zset (Redis does the same with a temporary dict).
    add_reply_array_len(c, <long long>(count * 2 if (withscores and c.resp == 2) else count))
    if count * 3 > size:
        # many of the members: a partial Fisher-Yates shuffle over all of them
        picked = <zsl_node **>fc_malloc(size * sizeof(zsl_node *))
        x = zn_next(zs.header)
        i = 0
        while x != NULL:
            picked[i] = x
            i += 1
            x = zn_next(x)
        for i in range(count):
            k = i + xorshift64(&rnd_state) % (size - i)
            x = picked[k]
            picked[k] = picked[i]
            picked[i] = x
            add_reply_node(c, x, withscores)
        fc_free(picked)
        return
    tsize = 16
    while tsize < count * 2:
        tsize *= 2
    table = <zsl_node **>fc_calloc(tsize * sizeof(zsl_node *))
    i = 0
    while i < count:
        x = zset_random(zs)
        h = (<uint64_t><size_t>x * 0x9E3779B97F4A7C15ULL) >> 20
        while True:
            k = h & (tsize - 1)
            if table[k] == NULL:
                table[k] = x
                add_reply_node(c, x, withscores)
                i += 1
                break
            if table[k] == x:
                break
            h += 1
    fc_free(table)

cdef void cmd_zrandmember(ClientBase c) noexcept:
    cdef long long l
    cdef bint withscores = False
    cdef bint wt
    cdef fc_entry *e
    cdef unsigned char *lp
    cdef unsigned char *eptr
    cdef unsigned char buf[ZLP_INTBUF_SIZE]
    cdef uint32_t n = 0
    cdef const char *ele
    if c.argc >= 3:
        if not arg_range_ll(c, 2, -LLONG_MAX, LLONG_MAX, &l, NULL):
            return
        if c.argc > 4 or (c.argc == 4 and not arg_is(c, 3, "withscores")):
            add_reply_error(c, E_SYNTAX)
            return
        if c.argc == 4:
            withscores = True
            if l < -LLONG_MAX // 2 or l > LLONG_MAX // 2:
                add_reply_error(c, E_ZSET_OUT_OF_RANGE)
                return
        zrandmember_count(c, l, withscores)
        return
    e = zlookup_read(c, 1, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_null(c)
        return
    if e.enc == ENC_LISTPACK:
        # lpRandomPair: a uniformly random member
        lp = zlp_of(e)
        eptr = zlp_seek(lp, <long>(2 * (xorshift64(&rnd_state) % zzl_len(lp))))
        ele = zzl_ele(eptr, &n, buf)
        add_reply_bulk(c, ele, n)
    else:
        add_reply_node(c, zset_random(zs_of(e)), False)

# ---- ZUNION / ZINTER / ZDIFF (+STORE), ZINTERCARD --------------------------------

ctypedef struct zsrc:
    fc_entry *e        # the input key's entry, NULL: missing key (empty input)
    fc_zset *zs        # its members as a skiplist (a view), NULL when missing
    bint temp          # zs is a temporary view to free
    double weight

cdef fc_zset *set_as_zset(fc_entry *e) noexcept nogil:
    """A plain set as a sorted set input: every member with score 1 (zuiNext on
    a set).  Built as a temporary skiplist; iteration order does not matter since
    every operation keys on the member."""
    cdef setv v = setv_load(e)
    cdef setiter it
    cdef setelem el
    cdef char buf[LONG_STR_SIZE]
    cdef size_t n = 0
    cdef const char *s
    cdef fc_zset *zs = zset_new()
    setiter_init(&it, &v)
    while setiter_next(&it, &el):
        s = elem_str(&el, buf, &n)
        zset_insert(zs, 1.0, s, n)
    return zs

cdef void zsrc_release(zsrc *src, long long setnum) noexcept nogil:
    cdef long long i
    for i in range(setnum):
        if src[i].temp:
            zset_free(src[i].zs)
    fc_free(src)

cdef inline unsigned long zsrc_len(zsrc *s) noexcept nogil:
    return 0 if s.zs == NULL else s.zs.length

cdef inline void zaggregate(double *target, double val, int aggr) noexcept nogil:
    if aggr == AGGR_SUM:
        target[0] = target[0] + val
        # +inf + -inf: Redis stores 0 rather than a NaN score
        if zs_isnan(target[0]):
            target[0] = 0.0
    elif aggr == AGGR_MIN:
        if val < target[0]:
            target[0] = val
    else:
        if val > target[0]:
            target[0] = val

cdef void zsetop_generic(ClientBase c, int dstidx, int numkeys_idx, int op, bint cardinality_only) noexcept:
    """zunionInterDiffGenericCommand."""
    cdef long long stored_len
    cdef long long setnum, limit = 0, cardinality = 0
    cdef int i, j, k, remaining
    cdef int aggregate = AGGR_SUM
    cdef bint withscores = False
    cdef zsrc *src
    cdef zsrc tmpsrc
    cdef fc_entry *e
    cdef fc_zset *dst
    cdef zsl_node *x
    cdef zsl_node *y
    cdef zsl_node *acc_head = NULL
    cdef double score, value
    if not arg_ll(c, numkeys_idx, &setnum):
        return
    if setnum < 1:
        add_reply_error_py(c, b"ERR at least 1 input key is needed for '" + <bytes>c.cur_cmd.name
                           + b"' command")
        return
    if setnum > c.argc - (numkeys_idx + 1):
        add_reply_error(c, E_SYNTAX)
        return
    src = <zsrc *>fc_calloc(<size_t>setnum * sizeof(zsrc))
    j = numkeys_idx + 1
    for i in range(setnum):
        # Redis 7.0.15 reads the sources with lookupKeyRead even for the STORE
        # forms (a missing source emits "keymiss" and counts a miss)
        e = lookup_read(c, c.argv[j], c.argvlen[j])
        if e != NULL and e.type != OBJ_ZSET and e.type != OBJ_SET:
            fc_free(src)
            add_reply_error(c, E_WRONGTYPE)
            return
        # views are made once every argument is valid (no allocation to undo)
        src[i].e = e
        src[i].weight = 1.0
        j += 1
    remaining = c.argc - j
    while remaining > 0:
        if op != ZOP_DIFF and not cardinality_only and remaining >= setnum + 1 and arg_is(c, j, "weights"):
            j += 1
            remaining -= 1
            for i in range(setnum):
                if not arg_score(c, j, &src[i].weight, E_ZSET_WEIGHT):
                    fc_free(src)
                    return
                j += 1
                remaining -= 1
        elif op != ZOP_DIFF and not cardinality_only and remaining >= 2 and arg_is(c, j, "aggregate"):
            j += 1
            remaining -= 1
            if arg_is(c, j, "sum"):
                aggregate = AGGR_SUM
            elif arg_is(c, j, "min"):
                aggregate = AGGR_MIN
            elif arg_is(c, j, "max"):
                aggregate = AGGR_MAX
            else:
                fc_free(src)
                add_reply_error(c, E_SYNTAX)
                return
            j += 1
            remaining -= 1
        elif remaining >= 1 and dstidx < 0 and not cardinality_only and arg_is(c, j, "withscores"):
            j += 1
            remaining -= 1
            withscores = True
        elif cardinality_only and remaining >= 2 and arg_is(c, j, "limit"):
            j += 1
            remaining -= 1
            if not arg_range_ll(c, j, 0, LLONG_MAX, &limit, E_ZSET_LIMIT_NEG):
                fc_free(src)
                return
            j += 1
            remaining -= 1
        else:
            fc_free(src)
            add_reply_error(c, E_SYNTAX)
            return
    for i in range(setnum):
        e = src[i].e
        if e == NULL:
            continue
        if e.type == OBJ_SET:
            src[i].zs = set_as_zset(e)
            src[i].temp = True
        else:
            src[i].zs = zs_view(e, &src[i].temp)
    if op != ZOP_DIFF:
        # smallest input first (stable, like glibc's merge-sort qsort), so INTER
        # iterates the smallest set and sums happen in the same order as Redis
        for i in range(1, setnum):
            tmpsrc = src[i]
            k = i - 1
            while k >= 0 and zsrc_len(&src[k]) > zsrc_len(&tmpsrc):
                src[k + 1] = src[k]
                k -= 1
            src[k + 1] = tmpsrc
    dst = zset_new()
    if op == ZOP_INTER:
        if zsrc_len(&src[0]) > 0:
            x = zn_next(src[0].zs.header)
            while x != NULL:
                score = src[0].weight * x.score
                if zs_isnan(score):
                    score = 0
                for i in range(1, setnum):
                    y = zset_find(src[i].zs, zn_ele(x), x.klen)
                    if y == NULL:
                        break
                    zaggregate(&score, y.score * src[i].weight, aggregate)
                else:
                    if cardinality_only:
                        cardinality += 1
                        if limit and cardinality >= limit:
                            break
                    else:
                        zset_insert(dst, score, zn_ele(x), x.klen)
                x = zn_next(x)
    elif op == ZOP_UNION:
        # accumulate in dst's dict only (nodes not yet in the skiplist, chained
        # through backward), then link them all once the scores are final
        for i in range(setnum):
            if zsrc_len(&src[i]) == 0:
                continue
            x = zn_next(src[i].zs.header)
            while x != NULL:
                score = src[i].weight * x.score
                if zs_isnan(score):
                    score = 0
                y = zset_find(dst, zn_ele(x), x.klen)
                if y == NULL:
                    y = zsl_node_new(zsl_random_level(), score, zn_ele(x), x.klen)
                    dict_insert(&dst.dict, <fc_node *>y, dict_hash(zn_ele(x), x.klen))
                    y.backward = acc_head
                    acc_head = y
                else:
                    zaggregate(&y.score, score, aggregate)
                x = zn_next(x)
        while acc_head != NULL:
            y = acc_head
            acc_head = y.backward
            zsl_link(dst, y)
    else:
        if zsrc_len(&src[0]) > 0:
            x = zn_next(src[0].zs.header)
            while x != NULL:
                for i in range(1, setnum):
                    if src[i].zs != NULL and zset_find(src[i].zs, zn_ele(x), x.klen) != NULL:
                        break
                else:
                    zset_insert(dst, x.score, zn_ele(x), x.klen)
                x = zn_next(x)
    # the views go before the store: the destination may be one of the inputs
    zsrc_release(src, setnum)
    if dstidx >= 0:
        if dst.length:
            # setKey ("new"), the reply, then the event (as Redis orders them);
            # zset_store may free dst, so the length is taken first
            stored_len = <long long>dst.length
            zset_store(c, c.argv[dstidx], c.argvlen[dstidx], dst)
            add_reply_int(c, stored_len)
            arg_modified(c, NOTIFY_ZSET, b"zinterstore" if op == ZOP_INTER else
                         (b"zunionstore" if op == ZOP_UNION else b"zdiffstore"), dstidx)
            srv.dirty += 1
        else:
            zset_free(dst)
            add_reply_int(c, 0)
            if db_delete(c.db, c.argv[dstidx], c.argvlen[dstidx]):
                arg_modified(c, NOTIFY_GENERIC, b"del", dstidx)
                srv.dirty += 1
        return
    if cardinality_only:
        zset_free(dst)
        add_reply_int(c, cardinality)
        return
    add_reply_array_len(c, <long long>(dst.length * 2 if (withscores and c.resp == 2) else dst.length))
    x = zn_next(dst.header)
    while x != NULL:
        add_reply_node(c, x, withscores)
        x = zn_next(x)
    zset_free(dst)

cdef void cmd_zunionstore(ClientBase c) noexcept:
    zsetop_generic(c, 1, 2, ZOP_UNION, False)

cdef void cmd_zinterstore(ClientBase c) noexcept:
    zsetop_generic(c, 1, 2, ZOP_INTER, False)

cdef void cmd_zdiffstore(ClientBase c) noexcept:
    zsetop_generic(c, 1, 2, ZOP_DIFF, False)

cdef void cmd_zunion(ClientBase c) noexcept:
    zsetop_generic(c, -1, 1, ZOP_UNION, False)

cdef void cmd_zinter(ClientBase c) noexcept:
    zsetop_generic(c, -1, 1, ZOP_INTER, False)

cdef void cmd_zdiff(ClientBase c) noexcept:
    zsetop_generic(c, -1, 1, ZOP_DIFF, False)

cdef void cmd_zintercard(ClientBase c) noexcept:
    zsetop_generic(c, -1, 1, ZOP_INTER, True)

# ---- ZSCAN -----------------------------------------------------------------------

ctypedef struct zscan_acc:
    zsl_node **items
    size_t n
    size_t cap

cdef void zscan_collect(void *priv, fc_node *node) noexcept:
    cdef zscan_acc *a = <zscan_acc *>priv
    if a.n == a.cap:
        a.cap *= 2
        a.items = <zsl_node **>fc_realloc(a.items, a.cap * sizeof(zsl_node *))
    a.items[a.n] = <zsl_node *>node
    a.n += 1

cdef void zscan_listpack(ClientBase c, unsigned char *lp, const char *pat, int patlen,
                         bint use_pattern) noexcept:
    """A listpack is scanned in one call (cursor 0), every pair; the score is the
    stored entry's own text (an integer entry as its digits), as Redis's
    scanGenericCommand copies listpack entries verbatim."""
    cdef unsigned char *eptr = zlp_first(lp)
    cdef unsigned char *sptr
    cdef unsigned char ebuf[ZLP_INTBUF_SIZE]
    cdef unsigned char sbuf[ZLP_INTBUF_SIZE]
    cdef uint32_t elen = 0, slen = 0
    cdef const char *ele
    cdef const char *sc
    cdef size_t pos
    cdef long long nout = 0
    add_reply_raw(c, b"*2\r\n$1\r\n0\r\n", 11)
    pos = defer_begin(c)
    while eptr != NULL:
        sptr = zlp_next(lp, eptr)
        ele = zzl_ele(eptr, &elen, ebuf)
        if not use_pattern or fc_stringmatchlen(pat, patlen, ele, <int>elen, 0):
            sc = zzl_ele(sptr, &slen, sbuf)
            add_reply_bulk(c, ele, elen)
            add_reply_bulk(c, sc, slen)
            nout += 2
        eptr = zlp_next(lp, sptr)
    defer_array_end(c, pos, nout)

cdef void cmd_zscan(ClientBase c) noexcept:
    cdef uint64_t cursor
    cdef long long count = 10, maxiterations
    cdef const char *pat = NULL
    cdef int patlen = 0
    cdef bint use_pattern = False
    cdef int i = 3
    cdef bint wt
    cdef fc_entry *e
    cdef fc_zset *zs
    cdef zscan_acc acc
    cdef zsl_node *x
    cdef size_t k, pos
    cdef long long nout = 0
    cdef char buf[128]
    cdef int n
    if not parse_scan_cursor(c.argv[2], c.argvlen[2], &cursor):
        add_reply_error(c, E_INVALID_CURSOR)
        return
    e = zlookup_read(c, 1, &wt)
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
    if e.enc == ENC_LISTPACK:
        zscan_listpack(c, zlp_of(e), pat, patlen, use_pattern)
        return
    zs = zs_of(e)
    acc.cap = 16
    acc.n = 0
    acc.items = <zsl_node **>fc_malloc(acc.cap * sizeof(zsl_node *))
    maxiterations = count * 10 if count <= LLONG_MAX // 10 else LLONG_MAX
    # Redis's reply list holds member AND score, so `count` bounds 2 items per member
    while True:
        cursor = dict_scan(&zs.dict, cursor, zscan_collect, &acc)
        if cursor == 0:
            break
        maxiterations -= 1
        if maxiterations + 1 == 0 or <long long>(acc.n * 2) >= count:
            break
    add_reply_array_len(c, 2)
    n = fc_ull2string(buf, sizeof(buf), cursor)
    add_reply_bulk(c, buf, n)
    pos = defer_begin(c)
    for k in range(acc.n):
        x = acc.items[k]
        if use_pattern and not fc_stringmatchlen(pat, patlen, zn_ele(x), <int>x.klen, 0):
            continue
        add_reply_bulk(c, zn_ele(x), x.klen)
        # scores as bulk strings in both protocols, "%.17g" text
        n = fc_double_reply_string(buf, sizeof(buf), x.score)
        add_reply_bulk(c, buf, n)
        nout += 2
    fc_free(acc.items)
    defer_array_end(c, pos, nout)
