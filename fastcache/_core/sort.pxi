# sort.pxi — SORT and SORT_RO (Redis sort.c) over lists, sets and sorted sets.
#
# Design note.  SORT copies every element it will look at into a private arena
# (NUL-terminated, so the C-string quirks below work on them directly), builds a
# vector of `sort_obj` (element, numeric score or ALPHA compare value), sorts it
# and replies (or STOREs a list).  Copying makes the vector independent of the
# source structure: quicklist nodes may be compressed again after a read, and a
# STORE over the source key itself frees it while the result is built.
#
# Redis 7.0 quirks reproduced on purpose:
#   * Patterns are C strings where Redis uses strchr/strstr: the '*' and the
#     "->" are only found before the first NUL byte, "#" means "the element"
#     when the pattern is '#' up to its first NUL; but the lengths of prefix,
#     postfix and hash field come from the full argument (lookupKeyByPattern).
#     Only the first '*' is substituted.  A pattern without '*' finds nothing;
#     BY with such a pattern means "don't sort" (BY nosort).
#   * Numeric scores come from strtod over the C string: leading blanks, hex
#     floats, "inf" are accepted, "" is 0, trailing garbage / ERANGE (overflow
#     and underflow) / NaN set the "can't be converted" error, which is replied
#     only after the whole vector was scored.  Missing BY keys score 0.
#   * Equal scores compare the elements as binary strings; ALPHA compares with
#     strcoll (C strings) except with STORE, where it is binary (sort_store);
#     ALPHA BY puts missing values first.  DESC negates the comparison.
#   * The full sort is glibc's qsort, which is a stable merge sort, so ties keep
#     the input order: we use a stable merge sort.  BY with a LIMIT that cuts the
#     vector uses Redis's partial quicksort (pqsort: Bentley-McIlroy with range
#     pruning), whose arrangement of ties clients can see (ALPHA BY ... LIMIT):
#     sort_pqsort follows that algorithm step by step.
#   * BY nosort keeps the native order of lists and sorted sets (LIMIT picks the
#     range directly, DESC walks backwards); a set with BY nosort and STORE is
#     sorted ALPHA instead, so that the stored result is deterministic.
#   * A missing source key sorts as an empty list; STORE of an empty result
#     deletes the destination; STORE writes a list and drops the TTL (setKey).
#   * LIMIT values are clamped to the vector length first (7.0.x overflow fix):
#     a negative offset is 0, a negative count means "to the end".
# Not here: the cluster-mode and ACL restrictions of BY/GET patterns (fastcache
# has neither yet), the CLIENT_SCRIPT rule (scripts sort BY-nosort sets), and
# the conversion of listpack sorted sets to skiplist (sorted sets are skiplists).

cdef extern from "<stdlib.h>" nogil:
    double sort_strtod "strtod"(const char *nptr, char **endptr)

cdef extern from "<string.h>" nogil:
    int sort_strcoll "strcoll"(const char *a, const char *b)

cdef extern from "<errno.h>" nogil:
    int SORT_ERANGE "ERANGE"

cdef enum:
    SORT_PAT_NONE = 0       # no '*': never finds anything
    SORT_PAT_SELF = 1       # "#": the element itself
    SORT_PAT_KEY = 2        # prefix*postfix: a string key
    SORT_PAT_HASH = 3       # prefix*postfix->field: a hash field
    SORT_ARENA_BLOCK = 65536
    SORT_KEYBUF = 256

ctypedef struct sort_pat:
    const char *p
    size_t len
    int kind
    size_t prefixlen
    size_t postfixlen
    const char *field
    size_t fieldlen

ctypedef struct sort_obj:
    const char *s           # the element (arena copy, NUL-terminated)
    size_t n
    double score
    const char *cmp         # ALPHA BY value (arena copy), NULL when missing
    size_t cmplen

ctypedef struct sort_arena:
    char *block             # first 8 bytes of a block link to the previous one
    size_t used
    size_t cap

# The comparator's mode, as Redis keeps it in server.sort_* globals.
cdef bint sort_desc = False
cdef bint sort_alpha = False
cdef bint sort_bypattern = False
cdef bint sort_store = False

# ---- arena ---------------------------------------------------------------------------

cdef const char *arena_copy(sort_arena *a, const char *s, size_t n) noexcept nogil:
    """A NUL-terminated copy of s[:n]; blocks never move, so pointers stay valid."""
    cdef size_t need = n + 1
    cdef size_t cap
    cdef char *b
    cdef char *p
    if a.block == NULL or a.used + need > a.cap:
        cap = SORT_ARENA_BLOCK if need + 8 <= SORT_ARENA_BLOCK else need + 8
        b = <char *>fc_malloc(cap)
        memcpy(b, &a.block, sizeof(char *))
        a.block = b
        a.used = 8
        a.cap = cap
    p = a.block + a.used
    memcpy(p, s, n)
    p[n] = 0
    a.used += need
    return p

cdef void arena_free(sort_arena *a) noexcept nogil:
    cdef char *b = a.block
    cdef char *prev
    while b != NULL:
        memcpy(&prev, b, sizeof(char *))
        fc_free(b)
        b = prev
    a.block = NULL

# ---- patterns ------------------------------------------------------------------------

cdef void sort_pat_init(sort_pat *pat, const char *p, size_t len) noexcept nogil:
    cdef size_t clen = cstr_len(p, len)
    cdef const char *star
    cdef const char *f = NULL
    cdef size_t i
    pat.p = p
    pat.len = len
    pat.field = NULL
    pat.fieldlen = 0
    pat.prefixlen = 0
    pat.postfixlen = 0
    if clen == 1 and p[0] == 35:        # '#' then end of C string
        pat.kind = SORT_PAT_SELF
        return
    star = <const char *>memchr(p, 42, clen)   # strchr(spat, '*')
    if star == NULL:
        pat.kind = SORT_PAT_NONE
        return
    # strstr(star+1, "->") with a non-NUL byte after the arrow
    i = <size_t>(star - p) + 1
    while i + 2 < clen:
        if p[i] == 45 and p[i + 1] == 62:
            f = p + i
            break
        i += 1
    pat.prefixlen = <size_t>(star - p)
    if f != NULL:
        pat.kind = SORT_PAT_HASH
        pat.field = f + 2
        pat.fieldlen = len - <size_t>(f - p) - 2
        pat.postfixlen = len - (pat.prefixlen + 1) - (pat.fieldlen + 2)
    else:
        pat.kind = SORT_PAT_KEY
        pat.postfixlen = len - (pat.prefixlen + 1)

cdef bint sort_lookup(ClientBase c, sort_pat *pat, const char *sub, size_t sublen,
                      const char **out, size_t *outlen, char *tmp) noexcept:
    """lookupKeyByPattern: the value found for element `sub`, False when none.
    tmp (>= 32 bytes) holds integer values formatted as text.  The result points
    into the keyspace: use it before the next lookup."""
    cdef char kbuf[SORT_KEYBUF]
    cdef char *key
    cdef size_t klen
    cdef fc_entry *e
    cdef bint found = False
    if pat.kind == SORT_PAT_SELF:
        out[0] = sub
        outlen[0] = sublen
        return True
    if pat.kind == SORT_PAT_NONE:
        return False
    klen = pat.prefixlen + sublen + pat.postfixlen
    key = <char *>kbuf if klen <= SORT_KEYBUF else <char *>fc_malloc(klen)
    memcpy(key, pat.p, pat.prefixlen)
    memcpy(key + pat.prefixlen, sub, sublen)
    memcpy(key + pat.prefixlen + sublen, pat.p + pat.prefixlen + 1, pat.postfixlen)
    e = lookup_read(c, key, klen)
    if e != NULL:
        if pat.kind == SORT_PAT_HASH:
            if e.type == OBJ_HASH:
                found = hash_get(e, pat.field, pat.fieldlen, out, outlen, tmp)
        elif e.type == OBJ_STRING:
            out[0] = entry_str(e, tmp, outlen)
            found = True
    if key != kbuf:
        fc_free(key)
    return found

cdef bint sort_score(const char *s, size_t n, double *score) noexcept:
    """strtod over the C string s (NUL-terminated copy made here); False when
    Redis reports "can't be converted": trailing bytes, ERANGE or NaN."""
    global errno        # the C errno (common.pxi), not a local
    cdef char buf[64]
    cdef char *z = <char *>buf if n < 64 else <char *>fc_malloc(n + 1)
    cdef char *eptr
    cdef bint ok
    memcpy(z, s, n)
    z[n] = 0
    errno = 0
    score[0] = sort_strtod(z, &eptr)
    ok = eptr[0] == 0 and errno != SORT_ERANGE and not zs_isnan(score[0])
    if z != buf:
        fc_free(z)
    return ok

# ---- comparison and sorting ----------------------------------------------------------

cdef inline int sort_bincmp(const char *a, size_t an, const char *b, size_t bn) noexcept nogil:
    """compareStringObjects (binary): memcmp of the common part, then length."""
    cdef int r = memcmp(a, b, an if an < bn else bn)
    if r != 0:
        return r
    return -1 if an < bn else (1 if an > bn else 0)

cdef int sort_compare(sort_obj *a, sort_obj *b) noexcept nogil:
    """sortCompare."""
    cdef int cmp
    if not sort_alpha:
        if a.score > b.score:
            cmp = 1
        elif a.score < b.score:
            cmp = -1
        else:
            cmp = sort_bincmp(a.s, a.n, b.s, b.n)
    elif sort_bypattern:
        if a.cmp == NULL or b.cmp == NULL:
            if a.cmp == b.cmp:
                cmp = 0
            elif a.cmp == NULL:
                cmp = -1
            else:
                cmp = 1
        elif sort_store:
            cmp = sort_bincmp(a.cmp, a.cmplen, b.cmp, b.cmplen)
        else:
            cmp = sort_strcoll(a.cmp, b.cmp)
    elif sort_store:
        cmp = sort_bincmp(a.s, a.n, b.s, b.n)
    else:
        cmp = sort_strcoll(a.s, b.s)
    return -cmp if sort_desc else cmp

cdef void sort_merge(sort_obj *v, size_t n, sort_obj *tmp) noexcept nogil:
    """Stable top-down merge sort (what glibc's qsort does for SORT's vector)."""
    cdef size_t n1, i, j, k
    if n <= 1:
        return
    n1 = n // 2
    sort_merge(v, n1, tmp)
    sort_merge(v + n1, n - n1, tmp)
    i = 0
    j = n1
    k = 0
    while i < n1 and j < n:
        if sort_compare(&v[i], &v[j]) <= 0:
            tmp[k] = v[i]
            i += 1
        else:
            tmp[k] = v[j]
            j += 1
        k += 1
    while i < n1:
        tmp[k] = v[i]
        i += 1
        k += 1
    memcpy(v, tmp, k * sizeof(sort_obj))

cdef inline void sort_swap(sort_obj *v, long long i, long long j) noexcept nogil:
    cdef sort_obj t = v[i]
    v[i] = v[j]
    v[j] = t

cdef inline void sort_vecswap(sort_obj *v, long long i, long long j, long long n) noexcept nogil:
    cdef long long k
    for k in range(n):
        sort_swap(v, i + k, j + k)

cdef inline long long sort_med3(sort_obj *v, long long a, long long b, long long c) noexcept nogil:
    if sort_compare(&v[a], &v[b]) < 0:
        if sort_compare(&v[b], &v[c]) < 0:
            return b
        return c if sort_compare(&v[a], &v[c]) < 0 else a
    if sort_compare(&v[b], &v[c]) > 0:
        return b
    return a if sort_compare(&v[a], &v[c]) < 0 else c

cdef void sort_pqsort(sort_obj *v, long long lo, long long n, long long lrange, long long rrange) noexcept nogil:
    """Partial quicksort of v[lo:lo+n] such that positions lrange..rrange end up
    as in a full sort (Redis's pqsort; Bentley & McIlroy's three-way partition,
    with subarrays outside the wanted range left unsorted).  Indices are absolute
    positions in v.  The order of steps decides where equal elements land, which
    clients see, so it follows that algorithm exactly."""
    cdef long long pa, pb, pc, pd, pl, pm, pn, d, r, end
    cdef int res
    while True:
        if n < 7:
            pm = lo + 1
            while pm < lo + n:
                pl = pm
                while pl > lo and sort_compare(&v[pl - 1], &v[pl]) > 0:
                    sort_swap(v, pl, pl - 1)
                    pl -= 1
                pm += 1
            return
        pm = lo + n // 2
        if n > 7:
            pl = lo
            pn = lo + n - 1
            if n > 40:
                d = n // 8
                pl = sort_med3(v, pl, pl + d, pl + 2 * d)
                pm = sort_med3(v, pm - d, pm, pm + d)
                pn = sort_med3(v, pn - 2 * d, pn - d, pn)
            pm = sort_med3(v, pl, pm, pn)
        sort_swap(v, lo, pm)
        pa = lo + 1
        pb = pa
        pc = lo + n - 1
        pd = pc
        while True:
            while pb <= pc:
                res = sort_compare(&v[pb], &v[lo])
                if res > 0:
                    break
                if res == 0:
                    sort_swap(v, pa, pb)
                    pa += 1
                pb += 1
            while pb <= pc:
                res = sort_compare(&v[pc], &v[lo])
                if res < 0:
                    break
                if res == 0:
                    sort_swap(v, pc, pd)
                    pd -= 1
                pc -= 1
            if pb > pc:
                break
            sort_swap(v, pb, pc)
            pb += 1
            pc -= 1
        pn = lo + n
        r = pa - lo if pa - lo < pb - pa else pb - pa
        sort_vecswap(v, lo, pb - r, r)
        r = pd - pc if pd - pc < pn - pd - 1 else pn - pd - 1
        sort_vecswap(v, pb, pn - r, r)
        r = pb - pa
        if r > 1:
            # recurse unless the wanted range lies wholly before or after it
            end = lo + r
            if not ((lrange < lo and rrange < lo) or (lrange >= end and rrange >= end)):
                sort_pqsort(v, lo, r, lrange, rrange)
        r = pd - pc
        if r <= 1:
            return
        lo = pn - r
        n = r
        end = lo + r
        if (lrange < lo and rrange < lo) or (lrange >= end and rrange >= end):
            return

# ---- loading the vector --------------------------------------------------------------

cdef inline void sort_push(sort_obj *v, long long *j, sort_arena *a, const char *s, size_t n) noexcept nogil:
    cdef sort_obj *o = &v[j[0]]
    o.s = arena_copy(a, s, n)
    o.n = n
    o.score = 0
    o.cmp = NULL
    o.cmplen = 0
    j[0] += 1

cdef inline void sort_push_lp(sort_obj *v, long long *j, sort_arena *a, unsigned char *p) noexcept nogil:
    cdef char buf[LONG_STR_SIZE]
    cdef uint32_t n
    cdef long long ll
    cdef unsigned char *s = fc_lp_get_value(p, &n, &ll)
    if s == NULL:
        n = <uint32_t>fc_ll2string(buf, LONG_STR_SIZE, ll)
        s = <unsigned char *>buf
    sort_push(v, j, a, <const char *>s, n)

cdef void sort_load_list(quicklist *ql, long long idx, long long count, bint backwards,
                         sort_obj *v, long long *j, sort_arena *a) noexcept nogil:
    """count elements from index idx, towards the head when backwards."""
    cdef ql_node *n
    cdef unsigned char *p
    if count <= 0:
        return
    p = ql_index(ql, idx, &n)
    while True:
        sort_push_lp(v, j, a, p)
        count -= 1
        if count == 0:
            break
        p = fc_lp_prev(n.lp, p) if backwards else fc_lp_next(n.lp, p)
        if p == NULL:
            ql_node_done(n)
            n = n.prev if backwards else n.next
            ql_node_use(n)
            p = fc_lp_last(n.lp) if backwards else fc_lp_first(n.lp)
    ql_node_done(n)

cdef void sort_load_zset(fc_zset *zs, long long start, long long count, bint desc,
                         sort_obj *v, long long *j, sort_arena *a) noexcept nogil:
    """count members in native order from rank start (from the top with desc)."""
    cdef zsl_node *ln
    if count <= 0:
        return
    if desc:
        ln = zs.tail
        if start > 0:
            ln = zsl_by_rank(zs, <unsigned long>(<long long>zs.length - start))
    else:
        ln = zlv(zs.header, 0).forward
        if start > 0:
            ln = zsl_by_rank(zs, <unsigned long>(start + 1))
    while count > 0 and ln != NULL:
        sort_push(v, j, a, zn_ele(ln), ln.klen)
        ln = ln.backward if desc else zlv(ln, 0).forward
        count -= 1

# ---- the command ---------------------------------------------------------------------

cdef void sort_generic(ClientBase c, bint readonly) noexcept:
    """sortCommandGeneric."""
    global sort_desc, sort_alpha, sort_bypattern, sort_store
    cdef bint desc = False
    cdef bint alpha = False
    cdef bint dontsort = False
    cdef long long limit_start = 0
    cdef long long limit_count = -1
    cdef int byidx = -1
    cdef int storeidx = -1
    cdef int getop = 0
    cdef int j = 2
    cdef int leftargs
    cdef int i
    cdef sort_pat bypat
    cdef sort_pat *gets = NULL
    cdef fc_entry *e
    cdef fc_entry *ne
    cdef fc_entry **slot
    cdef long long vectorlen = 0
    cdef long long start, end, k, outputlen, loaded = 0
    cdef sort_obj *vector = NULL
    cdef sort_obj *tmp
    cdef sort_arena arena
    cdef bint conversion_error = False
    cdef const char *val
    cdef size_t vlen
    cdef char vbuf[64]
    cdef quicklist *ql
    cdef setv sv
    cdef setiter si
    cdef setelem el
    cdef zsl_node *zn

    # Parse every option first (sort.c's SQL-like loop); a syntax or number
    # error stops before the key is looked up.
    for i in range(2, c.argc):
        if arg_is(c, i, "get"):
            getop += 1
    if getop:
        gets = <sort_pat *>fc_malloc(getop * sizeof(sort_pat))
    getop = 0
    while j < c.argc:
        leftargs = c.argc - j - 1
        if arg_is(c, j, "asc"):
            desc = False
        elif arg_is(c, j, "desc"):
            desc = True
        elif arg_is(c, j, "alpha"):
            alpha = True
        elif arg_is(c, j, "limit") and leftargs >= 2:
            if not arg_ll(c, j + 1, &limit_start) or not arg_ll(c, j + 2, &limit_count):
                fc_free(gets)
                return
            j += 2
        elif not readonly and arg_is(c, j, "store") and leftargs >= 1:
            storeidx = j + 1
            j += 1
        elif arg_is(c, j, "by") and leftargs >= 1:
            byidx = j + 1
            # a BY pattern without '*' (C string) means: don't sort
            dontsort = memchr(c.argv[byidx], 42, cstr_len(c.argv[byidx], c.argvlen[byidx])) == NULL
            j += 1
        elif arg_is(c, j, "get") and leftargs >= 1:
            sort_pat_init(&gets[getop], c.argv[j + 1], c.argvlen[j + 1])
            getop += 1
            j += 1
        else:
            add_reply_error(c, E_SYNTAX)
            fc_free(gets)
            return
        j += 1

    e = lookup_read(c, c.argv[1], c.argvlen[1])
    if e != NULL and e.type != OBJ_SET and e.type != OBJ_LIST and e.type != OBJ_ZSET:
        add_reply_error(c, E_WRONGTYPE)
        fc_free(gets)
        return

    # Redis's sortCommandGeneric converts a listpack sorted set to a skiplist
    # for good (even for SORT_RO), and OBJECT ENCODING shows it afterwards.
    if e != NULL and e.type == OBJ_ZSET and e.enc == ENC_LISTPACK:
        zset_convert_to_skiplist(e)

    # A set has no native order: BY nosort with STORE sorts ALPHA instead so the
    # stored list is deterministic (and replicates the same).
    if dontsort and e != NULL and e.type == OBJ_SET and storeidx >= 0:
        dontsort = False
        alpha = True
        byidx = -1
    if byidx >= 0:
        sort_pat_init(&bypat, c.argv[byidx], c.argvlen[byidx])

    if e != NULL:
        if e.type == OBJ_LIST:
            vectorlen = <long long>list_ql(e).count
        elif e.type == OBJ_SET:
            sv = setv_load(e)
            vectorlen = <long long>setv_size(&sv)
        else:
            vectorlen = <long long>zs_of(e).length

    # LIMIT sanity checks, with 7.0's clamping against overflow.
    start = limit_start if limit_start > 0 else 0
    if start > vectorlen:
        start = vectorlen
    if limit_count > vectorlen:
        limit_count = vectorlen
    end = vectorlen - 1 if limit_count < 0 else start + limit_count - 1
    if start >= vectorlen:
        start = vectorlen - 1
        end = vectorlen - 2
    if end >= vectorlen:
        end = vectorlen - 1

    # Lists and sorted sets not sorted: load only the range asked for.
    if (e != NULL and (e.type == OBJ_ZSET or e.type == OBJ_LIST) and dontsort
            and (start != 0 or end != vectorlen - 1)):
        vectorlen = end - start + 1
    vector = <sort_obj *>fc_malloc((vectorlen if vectorlen > 0 else 1) * sizeof(sort_obj))
    arena.block = NULL
    arena.used = 0
    arena.cap = 0

    if e == NULL:
        pass
    elif e.type == OBJ_LIST:
        ql = list_ql(e)
        if dontsort:
            if end >= start:
                sort_load_list(ql, <long long>ql.count - start - 1 if desc else start,
                               vectorlen, desc, vector, &loaded, &arena)
                end -= start
                start = 0
        else:
            sort_load_list(ql, 0, vectorlen, False, vector, &loaded, &arena)
    elif e.type == OBJ_SET:
        setiter_init(&si, &sv)
        while setiter_next(&si, &el):
            val = elem_str(&el, vbuf, &vlen)
            sort_push(vector, &loaded, &arena, val, vlen)
    elif dontsort:
        sort_load_zset(zs_of(e), start, vectorlen, desc, vector, &loaded, &arena)
        end -= start
        start = 0
    else:
        # order of a sorted set's members doesn't matter here: they get sorted
        zn = zlv(zs_of(e).header, 0).forward
        while zn != NULL:
            sort_push(vector, &loaded, &arena, zn_ele(zn), zn.klen)
            zn = zlv(zn, 0).forward
    FC_ASSERT(loaded == vectorlen)

    if not dontsort:
        for k in range(vectorlen):
            if byidx >= 0:
                if not sort_lookup(c, &bypat, vector[k].s, vector[k].n, &val, &vlen, vbuf):
                    continue
                if alpha:
                    vector[k].cmp = arena_copy(&arena, val, vlen)
                    vector[k].cmplen = vlen
                elif not sort_score(val, vlen, &vector[k].score):
                    conversion_error = True
            elif not alpha:
                if not sort_score(vector[k].s, vector[k].n, &vector[k].score):
                    conversion_error = True
        sort_desc = desc
        sort_alpha = alpha
        sort_bypattern = byidx >= 0
        sort_store = storeidx >= 0
        if byidx >= 0 and (start != 0 or end != vectorlen - 1):
            if vectorlen > 0:
                sort_pqsort(vector, 0, vectorlen, start, end)
        elif vectorlen > 1:
            tmp = <sort_obj *>fc_malloc(vectorlen * sizeof(sort_obj))
            sort_merge(vector, <size_t>vectorlen, tmp)
            fc_free(tmp)

    outputlen = (end - start + 1) * (getop if getop else 1)
    if conversion_error:
        add_reply_error(c, E_SORT_SCORES)
    elif storeidx < 0:
        add_reply_array_len(c, outputlen)
        for k in range(start, end + 1):
            if not getop:
                add_reply_bulk(c, vector[k].s, vector[k].n)
            for i in range(getop):
                if sort_lookup(c, &gets[i], vector[k].s, vector[k].n, &val, &vlen, vbuf):
                    add_reply_bulk(c, val, vlen)
                else:
                    add_reply_null(c)
    else:
        ql = ql_new(srv.list_max_listpack_size, srv.list_compress_depth)
        for k in range(start, end + 1):
            if not getop:
                ql_push_tail(ql, vector[k].s, vector[k].n)
            for i in range(getop):
                if sort_lookup(c, &gets[i], vector[k].s, vector[k].n, &val, &vlen, vbuf):
                    ql_push_tail(ql, val, vlen)
                else:
                    ql_push_tail(ql, b"", 0)     # a missing GET stores an empty string
        if outputlen > 0:
            # setKey: replace whatever was there (the TTL goes), even the source
            ne = entry_alloc(c.argv[storeidx], c.argvlen[storeidx], sizeof(void *))
            ne.type = OBJ_LIST
            ne.enc = ENC_QUICKLIST
            entry_set_ptr(ne, ql)
            slot = lookup_write(c, c.argv[storeidx], c.argvlen[storeidx])
            if slot != NULL:
                db_replace(c.db, slot, ne, False)
            else:
                db_add(c.db, ne)
            srv.dirty += outputlen
            arg_modified(c, NOTIFY_LIST, b"sortstore", storeidx)
        else:
            ql_free(ql)
            if db_delete(c.db, c.argv[storeidx], c.argvlen[storeidx]):
                arg_modified(c, NOTIFY_GENERIC, b"del", storeidx)
                srv.dirty += 1
        add_reply_int(c, outputlen)

    arena_free(&arena)
    fc_free(vector)
    fc_free(gets)

cdef void cmd_sort(ClientBase c) noexcept:
    sort_generic(c, False)

cdef void cmd_sort_ro(ClientBase c) noexcept:
    sort_generic(c, True)
