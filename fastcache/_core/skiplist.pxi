# skiplist.pxi — the sorted set type's skiplist: a Redis-style skiplist whose
# nodes are also the member -> score hash table's nodes.
#
# Design note.  Redis spends, per member, a skiplist node (ele pointer, score,
# backward, levels), an sds copy of the member and a dictEntry.  We fold the three
# into ONE allocation:
#
#   [ level[L-1] ... level[1] level[0] ][ next | klen | level | score | backward ][ member ]
#     16 bytes each (forward, span)       ^ node pointer (dict node, fc_node header)
#
# The node pointer points at the header, so the dict (dict.pxi, intrusive) finds
# the member bytes at the fixed offset sizeof(zsl_node) whatever the level count;
# the levels sit *before* the header, at negative offsets, so they stay aligned
# and level i is found without looking at the member length.
#
# The skiplist is Redis's (zskiplist): ZSKIPLIST_MAXLEVEL 32, p = 1/4, ordered by
# (score, member bytes) with memcmp-then-length comparison (sdscmp), spans for
# O(log n) rank, backward pointers for reverse walks.  The header is a node with
# 32 levels and no member; it is never in the dict.
#
# Ownership: the zset owns its nodes; the dict only owns its bucket arrays.

cdef extern from "util.h" nogil:
    int fc_double_reply_string(char *buf, size_t len, double value)

cdef extern from "<stdlib.h>" nogil:
    double strtod(const char *nptr, char **endptr)

# (aliased: t_hash.pxi declares isnan for long double; C's isnan is generic)
cdef extern from "<math.h>" nogil:
    bint zs_isnan "isnan"(double x)

cdef enum:
    ZSKIPLIST_MAXLEVEL = 32

cdef struct zsl_node:
    zsl_node *next          # dict chain (fc_node header: next, klen first)
    uint32_t klen
    uint32_t level
    double score
    zsl_node *backward

cdef struct zsl_level:
    zsl_node *forward
    unsigned long span

ctypedef struct fc_zset:
    fc_dict dict
    zsl_node *header
    zsl_node *tail
    unsigned long length
    int level

cdef uint64_t zsl_rnd = 0x2545F4914F6CDD1DULL

cdef inline zsl_level *zlv(zsl_node *n, int i) noexcept nogil:
    return (<zsl_level *>n) - 1 - i

cdef inline char *zn_ele(zsl_node *n) noexcept nogil:
    return (<char *>n) + sizeof(zsl_node)

cdef inline zsl_node *zn_next(zsl_node *n) noexcept nogil:
    return zlv(n, 0).forward

cdef zsl_node *zsl_node_new(int level, double score, const char *ele, size_t len) noexcept nogil:
    cdef char *block = <char *>fc_malloc(level * sizeof(zsl_level) + sizeof(zsl_node) + len)
    cdef zsl_node *n = <zsl_node *>(block + level * sizeof(zsl_level))
    n.next = NULL
    n.klen = <uint32_t>len
    n.level = <uint32_t>level
    n.score = score
    n.backward = NULL
    if len:
        memcpy(zn_ele(n), ele, len)
    return n

cdef inline void zsl_node_free(zsl_node *n) noexcept nogil:
    fc_free((<char *>n) - n.level * sizeof(zsl_level))

cdef inline size_t zsl_node_size(zsl_node *n) noexcept nogil:
    return fc_malloc_size((<char *>n) - n.level * sizeof(zsl_level))

cdef int zsl_random_level() noexcept nogil:
    """Levels 1..32 with P(level > k) = (1/4)^k (ZSKIPLIST_P = 0.25)."""
    cdef int level = 1
    while (xorshift64(&zsl_rnd) & 0xFFFF) < (0xFFFF // 4) and level < ZSKIPLIST_MAXLEVEL:
        level += 1
    return level

cdef fc_zset *zset_new() noexcept nogil:
    cdef fc_zset *zs = <fc_zset *>fc_malloc(sizeof(fc_zset))
    cdef int i
    dict_init(&zs.dict, sizeof(zsl_node))
    zs.header = zsl_node_new(ZSKIPLIST_MAXLEVEL, 0, NULL, 0)
    for i in range(ZSKIPLIST_MAXLEVEL):
        zlv(zs.header, i).forward = NULL
        zlv(zs.header, i).span = 0
    zs.tail = NULL
    zs.length = 0
    zs.level = 1
    return zs

cdef void zset_free(fc_zset *zs) noexcept nogil:
    cdef zsl_node *n = zn_next(zs.header)
    cdef zsl_node *nxt
    while n != NULL:
        nxt = zn_next(n)
        zsl_node_free(n)
        n = nxt
    zsl_node_free(zs.header)
    dict_release_tables(&zs.dict)
    fc_free(zs)

cdef inline int ele_cmp(const char *a, size_t alen, const char *b, size_t blen) noexcept nogil:
    """sdscmp: memcmp over the common prefix, then the shorter sorts first."""
    cdef size_t m = alen if alen < blen else blen
    cdef int r = memcmp(a, b, m) if m else 0
    if r != 0:
        return r
    return (alen > blen) - (alen < blen)

cdef inline bint zn_before(zsl_node *n, double score, const char *ele, size_t len) noexcept nogil:
    """Does n sort strictly before (score, ele)?"""
    return n.score < score or (n.score == score and ele_cmp(zn_ele(n), n.klen, ele, len) < 0)

cdef void zsl_link(fc_zset *zs, zsl_node *x) noexcept nogil:
    """Insert node x (its level fixed, its (score, member) absent) into the list."""
    cdef zsl_node *update[ZSKIPLIST_MAXLEVEL]
    cdef unsigned long rank[ZSKIPLIST_MAXLEVEL]
    cdef zsl_node *p = zs.header
    cdef zsl_node *f
    cdef int i
    cdef int level = <int>x.level
    i = zs.level - 1
    while i >= 0:
        rank[i] = 0 if i == zs.level - 1 else rank[i + 1]
        f = zlv(p, i).forward
        while f != NULL and zn_before(f, x.score, zn_ele(x), x.klen):
            rank[i] += zlv(p, i).span
            p = f
            f = zlv(p, i).forward
        update[i] = p
        i -= 1
    if level > zs.level:
        for i in range(zs.level, level):
            rank[i] = 0
            update[i] = zs.header
            zlv(zs.header, i).span = zs.length
        zs.level = level
    for i in range(level):
        zlv(x, i).forward = zlv(update[i], i).forward
        zlv(update[i], i).forward = x
        zlv(x, i).span = zlv(update[i], i).span - (rank[0] - rank[i])
        zlv(update[i], i).span = (rank[0] - rank[i]) + 1
    for i in range(level, zs.level):
        zlv(update[i], i).span += 1
    x.backward = NULL if update[0] == zs.header else update[0]
    if zlv(x, 0).forward != NULL:
        zlv(x, 0).forward.backward = x
    else:
        zs.tail = x
    zs.length += 1

cdef void zsl_unlink(fc_zset *zs, zsl_node *x) noexcept nogil:
    """Remove node x from the list (not from the dict, not freed)."""
    cdef zsl_node *update[ZSKIPLIST_MAXLEVEL]
    cdef zsl_node *p = zs.header
    cdef zsl_node *f
    cdef int i = zs.level - 1
    while i >= 0:
        f = zlv(p, i).forward
        while f != NULL and f != x and zn_before(f, x.score, zn_ele(x), x.klen):
            p = f
            f = zlv(p, i).forward
        update[i] = p
        i -= 1
    for i in range(zs.level):
        if zlv(update[i], i).forward == x:
            zlv(update[i], i).span += zlv(x, i).span - 1
            zlv(update[i], i).forward = zlv(x, i).forward
        else:
            zlv(update[i], i).span -= 1
    if zlv(x, 0).forward != NULL:
        zlv(x, 0).forward.backward = x.backward
    else:
        zs.tail = x.backward
    while zs.level > 1 and zlv(zs.header, zs.level - 1).forward == NULL:
        zs.level -= 1
    zs.length -= 1

cdef inline zsl_node *zset_find(fc_zset *zs, const char *ele, size_t len) noexcept nogil:
    return <zsl_node *>dict_find(&zs.dict, ele, len)

cdef zsl_node *zset_insert(fc_zset *zs, double score, const char *ele, size_t len) noexcept nogil:
    """Add a member known to be absent: one allocation, linked in list and dict."""
    cdef zsl_node *x = zsl_node_new(zsl_random_level(), score, ele, len)
    zsl_link(zs, x)
    dict_insert(&zs.dict, <fc_node *>x, dict_hash(ele, len))
    return x

cdef void zset_update_score(fc_zset *zs, zsl_node *x, double score) noexcept nogil:
    """Change a member's score; the node moves only when the order requires it
    (zslUpdateScore: in place when it stays between its neighbours)."""
    cdef zsl_node *f = zlv(x, 0).forward
    if ((x.backward == NULL or x.backward.score < score) and
            (f == NULL or f.score > score)):
        x.score = score
        return
    zsl_unlink(zs, x)
    x.score = score
    zsl_link(zs, x)

cdef void zset_delete_node(fc_zset *zs, zsl_node *x) noexcept nogil:
    """Unlink x from list and dict and free it."""
    cdef fc_node **slot = dict_find_slot(&zs.dict, zn_ele(x), x.klen, dict_hash(zn_ele(x), x.klen))
    zsl_unlink(zs, x)
    if slot != NULL:
        dict_unlink_slot(&zs.dict, slot)
    zsl_node_free(x)

cdef bint zset_delete(fc_zset *zs, const char *ele, size_t len) noexcept nogil:
    cdef fc_node **slot = dict_find_slot(&zs.dict, ele, len, dict_hash(ele, len))
    cdef zsl_node *x
    if slot == NULL:
        return False
    x = <zsl_node *>slot[0]
    dict_unlink_slot(&zs.dict, slot)
    zsl_unlink(zs, x)
    zsl_node_free(x)
    return True

cdef unsigned long zsl_rank(fc_zset *zs, zsl_node *x) noexcept nogil:
    """1-based rank of node x (zslGetRank)."""
    cdef unsigned long rank = 0
    cdef zsl_node *p = zs.header
    cdef zsl_node *f
    cdef int i = zs.level - 1
    while i >= 0:
        f = zlv(p, i).forward
        while f != NULL and (f == x or zn_before(f, x.score, zn_ele(x), x.klen)):
            rank += zlv(p, i).span
            p = f
            if p == x:
                return rank
            f = zlv(p, i).forward
        i -= 1
    return 0

cdef zsl_node *zsl_by_rank(fc_zset *zs, unsigned long rank) noexcept nogil:
    """Node at 1-based rank, NULL when out of range (zslGetElementByRank)."""
    cdef unsigned long traversed = 0
    cdef zsl_node *p = zs.header
    cdef int i = zs.level - 1
    while i >= 0:
        while zlv(p, i).forward != NULL and traversed + zlv(p, i).span <= rank:
            traversed += zlv(p, i).span
            p = zlv(p, i).forward
        if traversed == rank:
            return p if p != zs.header else NULL
        i -= 1
    return NULL

# ---- score ranges ----------------------------------------------------------------

ctypedef struct zrangespec:
    double min
    double max
    int minex
    int maxex

cdef bint parse_range_item(const char *s, size_t n, double *out, int *ex) noexcept nogil:
    """zslParseRange's item: '(' makes it exclusive, then strtod over the C string.
    Reproduced quirks: leading spaces are accepted, the empty string (or a bare
    '(') is 0, overflow gives +-inf, an embedded NUL ends the number; only NaN
    and trailing garbage are rejected."""
    cdef char small[128]
    cdef char *buf = small
    cdef char *eptr
    cdef bint ok
    ex[0] = 0
    if n > 0 and s[0] == 40:  # '('
        ex[0] = 1
        s += 1
        n -= 1
    if n >= sizeof(small):
        buf = <char *>fc_malloc(n + 1)
    memcpy(buf, s, n)
    buf[n] = 0
    out[0] = strtod(buf, &eptr)
    ok = eptr[0] == 0 and not zs_isnan(out[0])
    if buf != small:
        fc_free(buf)
    return ok

cdef inline bint zsl_gte_min(double v, zrangespec *r) noexcept nogil:
    return v > r.min if r.minex else v >= r.min

cdef inline bint zsl_lte_max(double v, zrangespec *r) noexcept nogil:
    return v < r.max if r.maxex else v <= r.max

cdef bint zsl_range_possible(fc_zset *zs, zrangespec *r) noexcept nogil:
    """zslIsInRange: the range is not empty and overlaps the list."""
    if r.min > r.max or (r.min == r.max and (r.minex or r.maxex)):
        return False
    if zs.tail == NULL or not zsl_gte_min(zs.tail.score, r):
        return False
    if not zsl_lte_max(zn_next(zs.header).score, r):
        return False
    return True

cdef zsl_node *zsl_first_in_range(fc_zset *zs, zrangespec *r) noexcept nogil:
    cdef zsl_node *p = zs.header
    cdef int i = zs.level - 1
    if not zsl_range_possible(zs, r):
        return NULL
    while i >= 0:
        while zlv(p, i).forward != NULL and not zsl_gte_min(zlv(p, i).forward.score, r):
            p = zlv(p, i).forward
        i -= 1
    p = zn_next(p)
    if p == NULL or not zsl_lte_max(p.score, r):
        return NULL
    return p

cdef zsl_node *zsl_last_in_range(fc_zset *zs, zrangespec *r) noexcept nogil:
    cdef zsl_node *p = zs.header
    cdef int i = zs.level - 1
    if not zsl_range_possible(zs, r):
        return NULL
    while i >= 0:
        while zlv(p, i).forward != NULL and zsl_lte_max(zlv(p, i).forward.score, r):
            p = zlv(p, i).forward
        i -= 1
    if p == zs.header or not zsl_gte_min(p.score, r):
        return NULL
    return p

# ---- lex ranges ------------------------------------------------------------------
# An item is "[x" (inclusive), "(x" (exclusive), "-" (below everything) or "+"
# (above everything); kind -1 / +1 marks the two infinities (Redis's shared
# minstring / maxstring, compared by identity in sdscmplex).

ctypedef struct zlexrange:
    const char *min
    size_t minlen
    const char *max
    size_t maxlen
    int minex
    int maxex
    int minkind
    int maxkind

cdef bint parse_lex_item(const char *s, size_t n, const char **out, size_t *outlen, int *ex,
                         int *kind) noexcept nogil:
    kind[0] = 0
    if n == 0:
        return False
    if s[0] == 43 or s[0] == 45:   # '+' '-': must be alone (Redis checks c[1] == '\0')
        if n > 1 and s[1] != 0:
            return False
        ex[0] = 1
        kind[0] = 1 if s[0] == 43 else -1
        out[0] = NULL
        outlen[0] = 0
        return True
    if s[0] == 40 or s[0] == 91:   # '(' '['
        ex[0] = 1 if s[0] == 40 else 0
        out[0] = s + 1
        outlen[0] = n - 1
        return True
    return False

cdef bint parse_lex_range(const char *a, size_t alen, const char *b, size_t blen, zlexrange *r) noexcept nogil:
    return (parse_lex_item(a, alen, &r.min, &r.minlen, &r.minex, &r.minkind) and
            parse_lex_item(b, blen, &r.max, &r.maxlen, &r.maxex, &r.maxkind))

cdef inline int lex_cmp(const char *a, size_t alen, int akind, const char *b, size_t blen, int bkind) noexcept nogil:
    """sdscmplex: infinities compare by identity, then bytes."""
    if akind != 0 and akind == bkind:
        return 0
    if akind == -1 or bkind == 1:
        return -1
    if akind == 1 or bkind == -1:
        return 1
    return ele_cmp(a, alen, b, blen)

cdef inline bint lex_gte_min(const char *v, size_t n, zlexrange *r) noexcept nogil:
    cdef int c = lex_cmp(v, n, 0, r.min, r.minlen, r.minkind)
    return c > 0 if r.minex else c >= 0

cdef inline bint lex_lte_max(const char *v, size_t n, zlexrange *r) noexcept nogil:
    cdef int c = lex_cmp(v, n, 0, r.max, r.maxlen, r.maxkind)
    return c < 0 if r.maxex else c <= 0

cdef inline bint lex_range_empty(zlexrange *r) noexcept nogil:
    cdef int c = lex_cmp(r.min, r.minlen, r.minkind, r.max, r.maxlen, r.maxkind)
    return c > 0 or (c == 0 and (r.minex or r.maxex))

cdef bint zsl_lex_possible(fc_zset *zs, zlexrange *r) noexcept nogil:
    cdef zsl_node *first
    if lex_range_empty(r):
        return False
    if zs.tail == NULL or not lex_gte_min(zn_ele(zs.tail), zs.tail.klen, r):
        return False
    first = zn_next(zs.header)
    if not lex_lte_max(zn_ele(first), first.klen, r):
        return False
    return True

cdef zsl_node *zsl_first_in_lex(fc_zset *zs, zlexrange *r) noexcept nogil:
    cdef zsl_node *p = zs.header
    cdef zsl_node *f
    cdef int i = zs.level - 1
    if not zsl_lex_possible(zs, r):
        return NULL
    while i >= 0:
        f = zlv(p, i).forward
        while f != NULL and not lex_gte_min(zn_ele(f), f.klen, r):
            p = f
            f = zlv(p, i).forward
        i -= 1
    p = zn_next(p)
    if p == NULL or not lex_lte_max(zn_ele(p), p.klen, r):
        return NULL
    return p

cdef zsl_node *zsl_last_in_lex(fc_zset *zs, zlexrange *r) noexcept nogil:
    cdef zsl_node *p = zs.header
    cdef zsl_node *f
    cdef int i = zs.level - 1
    if not zsl_lex_possible(zs, r):
        return NULL
    while i >= 0:
        f = zlv(p, i).forward
        while f != NULL and lex_lte_max(zn_ele(f), f.klen, r):
            p = f
            f = zlv(p, i).forward
        i -= 1
    if p == zs.header or not lex_gte_min(zn_ele(p), p.klen, r):
        return NULL
    return p
