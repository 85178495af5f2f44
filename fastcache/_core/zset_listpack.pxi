# zset_listpack.pxi — the sorted set's compact encoding (Redis's "zzl" listpack).
#
# Design note.  A small sorted set is ONE listpack blob (csrc/listpack.h, byte for
# byte Redis 7.0's) of member, score, member, score ... pairs, ordered by (score,
# member bytes) exactly like the skiplist.  Scores are stored as Redis 7.0's
# zzlInsertAt stores them: an integer entry when double2ll accepts the double
# (integral and within +-LLONG_MAX/2 — so -0.0 becomes the integer 0 and reads
# back as 0, the "-0 score behaviour" of listpack zsets), else the text of
# fc_d2string ("%.17g", "inf", "-inf").  A member that is a canonical integer is
# stored as an integer entry by the listpack kernel itself (lpEncodeGetType), and
# compares by its text.
#
# Everything here is encoding-level: find, insert, delete, the score reader, and
# the two conversions (listpack -> skiplist when the set outgrows the listpack
# thresholds; skiplist -> listpack for freshly built *STORE results, as Redis's
# zsetConvertToListpackIfNeeded).  Functions that can move the blob return it.

# Aliased cnames (zlp_*): quicklist.pxi and t_hash.pxi declare the same C
# functions under their own names inside this one extension.
cdef extern from "listpack.h" nogil:
    unsigned char *zlp_new "fc_lp_new"(size_t capacity)
    void zlp_free "fc_lp_free"(unsigned char *lp)
    size_t zlp_bytes "fc_lp_bytes"(const unsigned char *lp)
    unsigned long zlp_length "fc_lp_length"(unsigned char *lp)
    unsigned char *zlp_first "fc_lp_first"(unsigned char *lp)
    unsigned char *zlp_last "fc_lp_last"(unsigned char *lp)
    unsigned char *zlp_next "fc_lp_next"(unsigned char *lp, unsigned char *p)
    unsigned char *zlp_prev "fc_lp_prev"(unsigned char *lp, unsigned char *p)
    unsigned char *zlp_seek "fc_lp_seek"(unsigned char *lp, long index)
    unsigned char *zlp_get_value "fc_lp_get_value"(unsigned char *p, uint32_t *len, long long *ival)
    unsigned char *zlp_get_str "fc_lp_get_str"(unsigned char *p, uint32_t *len, unsigned char *buf)
    unsigned char *zlp_insert_string "fc_lp_insert_string"(unsigned char *lp, const unsigned char *s,
                                                           uint32_t len, unsigned char *p, int where,
                                                           unsigned char **newp)
    unsigned char *zlp_insert_integer "fc_lp_insert_integer"(unsigned char *lp, long long v,
                                                             unsigned char *p, int where,
                                                             unsigned char **newp)
    unsigned char *zlp_append "fc_lp_append"(unsigned char *lp, const unsigned char *s, uint32_t len)
    unsigned char *zlp_append_integer "fc_lp_append_integer"(unsigned char *lp, long long v)
    unsigned char *zlp_delete_range_with_entry "fc_lp_delete_range_with_entry"(
        unsigned char *lp, unsigned char **p, unsigned long num)
    int zlp_compare "fc_lp_compare"(unsigned char *p, const unsigned char *s, uint32_t slen)
    unsigned char *zlp_find "fc_lp_find"(unsigned char *lp, unsigned char *p, const unsigned char *s,
                                         uint32_t slen, unsigned int skip)
    int zlp_safe_to_add "fc_lp_safe_to_add"(unsigned char *lp, size_t add)
    enum:
        ZLP_BEFORE "FC_LP_BEFORE"
        ZLP_AFTER "FC_LP_AFTER"
        ZLP_INTBUF_SIZE "FC_LP_INTBUF_SIZE"

cdef inline bint zs_double2ll(double d, long long *out) noexcept nogil:
    """Redis's double2ll: integral doubles within +-LLONG_MAX/2 (NaN never reaches here)."""
    cdef long long ll
    if d < <double>(-LLONG_MAX // 2) or d > <double>(LLONG_MAX // 2):
        return False
    ll = <long long>d
    if <double>ll == d:
        out[0] = ll
        return True
    return False

cdef double zzl_score(unsigned char *sptr) noexcept nogil:
    """zzlGetScore: an integer entry, or strtod over the stored text (<= 127 bytes)."""
    cdef uint32_t len = 0
    cdef long long iv = 0
    cdef char buf[128]
    cdef unsigned char *s = zlp_get_value(sptr, &len, &iv)
    if s == NULL:
        return <double>iv
    if len > 127:
        len = 127
    memcpy(buf, s, len)
    buf[len] = 0
    return strtod(buf, NULL)

cdef inline const char *zzl_ele(unsigned char *eptr, uint32_t *len, unsigned char *buf) noexcept nogil:
    """The member's bytes (an integer entry is formatted into buf, ZLP_INTBUF_SIZE)."""
    return <const char *>zlp_get_str(eptr, len, buf)

cdef inline unsigned long zzl_len(unsigned char *lp) noexcept nogil:
    return zlp_length(lp) // 2

cdef unsigned char *zzl_find(unsigned char *lp, const char *ele, size_t len, double *score) noexcept nogil:
    """The member's entry (its score in *score), NULL when absent."""
    cdef unsigned char *eptr = zlp_first(lp)
    if eptr == NULL:
        return NULL
    eptr = zlp_find(lp, eptr, <const unsigned char *>ele, <uint32_t>len, 1)
    if eptr != NULL:
        score[0] = zzl_score(zlp_next(lp, eptr))
    return eptr

cdef inline int zzl_cmp_ele(unsigned char *eptr, const char *ele, size_t len) noexcept nogil:
    """zzlCompareElements: the stored member (as text) against ele, sdscmp order."""
    cdef unsigned char buf[ZLP_INTBUF_SIZE]
    cdef uint32_t n = 0
    cdef const char *s = zzl_ele(eptr, &n, buf)
    return ele_cmp(s, n, ele, len)

cdef unsigned char *zzl_insert_at(unsigned char *lp, unsigned char *eptr, const char *ele, size_t len,
                                  double score) noexcept nogil:
    """zzlInsertAt: the pair goes before eptr (NULL: appended)."""
    cdef char sbuf[128]
    cdef int slen = 0
    cdef long long lscore = 0
    cdef bint is_long = zs_double2ll(score, &lscore)
    cdef unsigned char *newp = NULL
    if not is_long:
        slen = fc_d2string(sbuf, sizeof(sbuf), score)
    if eptr == NULL:
        lp = zlp_append(lp, <const unsigned char *>ele, <uint32_t>len)
        if is_long:
            return zlp_append_integer(lp, lscore)
        return zlp_append(lp, <const unsigned char *>sbuf, <uint32_t>slen)
    lp = zlp_insert_string(lp, <const unsigned char *>ele, <uint32_t>len, eptr, ZLP_BEFORE, &newp)
    if is_long:
        return zlp_insert_integer(lp, lscore, newp, ZLP_AFTER, NULL)
    return zlp_insert_string(lp, <const unsigned char *>sbuf, <uint32_t>slen, newp, ZLP_AFTER, NULL)

cdef unsigned char *zzl_insert(unsigned char *lp, const char *ele, size_t len, double score) noexcept nogil:
    """zzlInsert: a member known to be absent, at its (score, member) position."""
    cdef unsigned char *eptr = zlp_first(lp)
    cdef unsigned char *sptr
    cdef double s
    while eptr != NULL:
        sptr = zlp_next(lp, eptr)
        s = zzl_score(sptr)
        if s > score or (s == score and zzl_cmp_ele(eptr, ele, len) > 0):
            break
        eptr = zlp_next(lp, sptr)
    return zzl_insert_at(lp, eptr, ele, len, score)

cdef inline unsigned char *zzl_delete(unsigned char *lp, unsigned char *eptr) noexcept nogil:
    """Remove the pair at eptr."""
    return zlp_delete_range_with_entry(lp, &eptr, 2)

cdef fc_zset *zzl_to_zset(unsigned char *lp) noexcept nogil:
    """A skiplist zset with the listpack's pairs (zsetConvert).  Pairs are linked
    from the last one backwards so that each insert lands at the head."""
    cdef fc_zset *zs = zset_new()
    cdef unsigned char *sptr = zlp_last(lp)
    cdef unsigned char *eptr
    cdef unsigned char buf[ZLP_INTBUF_SIZE]
    cdef uint32_t n = 0
    cdef const char *s
    while sptr != NULL:
        eptr = zlp_prev(lp, sptr)
        s = zzl_ele(eptr, &n, buf)
        zset_insert(zs, zzl_score(sptr), s, n)
        sptr = zlp_prev(lp, eptr)
    return zs

cdef unsigned char *zset_to_zzl(fc_zset *zs) noexcept nogil:
    """A listpack with the skiplist's pairs, in order (zsetConvertToListpackIfNeeded)."""
    cdef unsigned char *lp = zlp_new(0)
    cdef zsl_node *x = zn_next(zs.header)
    while x != NULL:
        lp = zzl_insert_at(lp, NULL, zn_ele(x), x.klen, x.score)
        x = zn_next(x)
    return lp

cdef bint zset_fits_listpack(fc_zset *zs) noexcept nogil:
    """Would Redis keep (or make) this many members of these lengths a listpack?"""
    cdef zsl_node *x
    cdef size_t total = 0
    if zs.length > <unsigned long>srv.zset_max_listpack_entries:
        return False
    x = zn_next(zs.header)
    while x != NULL:
        if x.klen > <size_t>srv.zset_max_listpack_value:
            return False
        total += x.klen
        x = zn_next(x)
    return zlp_safe_to_add(NULL, total) != 0

def zzl_debug_build(list pairs):
    """Test hook: the listpack blob that ZADD builds for [(member, score), ...]
    inserted in that order (tests/unit compare it with the reference's DUMP)."""
    cdef unsigned char *lp = zlp_new(0)
    cdef bytes m
    cdef double sc, cur
    cdef bytes out
    for m, sc in pairs:
        if zzl_find(lp, m, len(m), &cur) == NULL:
            lp = zzl_insert(lp, m, len(m), sc)
    out = (<char *>lp)[:zlp_bytes(lp)]
    zlp_free(lp)
    return out
