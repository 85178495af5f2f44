# quicklist.pxi — Redis 7.0's list structure: a doubly linked list of listpack nodes.
#
# Design note.  A list is a `quicklist` (head/tail, element and node counts, the
# fill and compress settings captured when the list was created, as Redis does)
# of `ql_node`s; each node holds one listpack (csrc/listpack.h, byte-compatible
# with Redis so RDB can store nodes as they are).  Push/pop touch only the end
# nodes (O(1) amortised); indexing walks node counts from the nearer end.
#
# Node size (`list-max-listpack-size`, Redis's _quicklistNodeAllowInsert):
#   fill < 0  the node's listpack may grow to 4k/8k/16k/32k/64k bytes (-1..-5);
#   fill > 0  at most `fill` entries, and never more than 8 KiB (SIZE_SAFETY_LIMIT),
#             so a node always has room for at least one entry.
# Compression (`list-compress-depth` d > 0): every node except the d nodes at each
# end is kept LZF-compressed (csrc/lzf.h) when that saves at least 8 bytes and the
# node has >= 48 bytes (MIN_COMPRESS_BYTES / MIN_COMPRESS_IMPROVE).  An inner node
# that is read or modified is decompressed for the operation (`recompress` is set)
# and compressed again afterwards (ql_node_done).  Nodes are merged when a split
# (LINSERT into a full node) or deletions leave two neighbours that fit in one.
#
# Invariants: no node is empty; ql.count is the sum of node counts; node.sz is the
# size of the uncompressed listpack; `lp` is either that listpack (compressed == 0)
# or an ql_lzf blob.  Every allocation goes through fc_malloc/fc_free; the list
# owns its nodes and their blobs.

cdef extern from "listpack.h" nogil:
    enum:
        FC_LP_BEFORE
        FC_LP_AFTER
        FC_LP_REPLACE
        QL_INTBUF_SIZE "FC_LP_INTBUF_SIZE"    # aliased: t_hash.pxi declares the plain name
    unsigned char *fc_lp_new(size_t capacity)
    void fc_lp_free(unsigned char *lp)
    size_t fc_lp_bytes(const unsigned char *lp)
    unsigned long fc_lp_length(unsigned char *lp)
    unsigned char *fc_lp_first(unsigned char *lp)
    unsigned char *fc_lp_last(unsigned char *lp)
    unsigned char *fc_lp_next(unsigned char *lp, unsigned char *p)
    unsigned char *fc_lp_prev(unsigned char *lp, unsigned char *p)
    unsigned char *fc_lp_seek(unsigned char *lp, long index)
    unsigned char *fc_lp_get_value(unsigned char *p, uint32_t *len, long long *ival)
    unsigned char *fc_lp_get_str(unsigned char *p, uint32_t *len, unsigned char *buf)
    unsigned char *fc_lp_insert_string(unsigned char *lp, const unsigned char *s, uint32_t len,
                                       unsigned char *p, int where, unsigned char **newp)
    unsigned char *fc_lp_insert_integer(unsigned char *lp, long long v, unsigned char *p, int where,
                                        unsigned char **newp)
    unsigned char *fc_lp_append(unsigned char *lp, const unsigned char *s, uint32_t len)
    unsigned char *fc_lp_prepend(unsigned char *lp, const unsigned char *s, uint32_t len)
    unsigned char *fc_lp_append_integer(unsigned char *lp, long long v)
    unsigned char *fc_lp_replace(unsigned char *lp, unsigned char **p, const unsigned char *s, uint32_t len)
    unsigned char *fc_lp_replace_integer(unsigned char *lp, unsigned char **p, long long v)
    unsigned char *fc_lp_delete(unsigned char *lp, unsigned char *p, unsigned char **newp)
    unsigned char *fc_lp_delete_range(unsigned char *lp, long index, unsigned long num)
    unsigned char *fc_lp_delete_range_with_entry(unsigned char *lp, unsigned char **p, unsigned long num)
    int fc_lp_compare(unsigned char *p, const unsigned char *s, uint32_t slen)
    unsigned char *fc_lp_find(unsigned char *lp, unsigned char *p, const unsigned char *s, uint32_t slen,
                              unsigned int skip)
    int fc_lp_validate(const unsigned char *lp, size_t size, int deep)
    int fc_lp_safe_to_add(unsigned char *lp, size_t add)

cdef extern from "lzf.h" nogil:
    unsigned int fc_lzf_compress(const void *in_data, unsigned int in_len, void *out_data, unsigned int out_len)
    unsigned int fc_lzf_decompress(const void *in_data, unsigned int in_len, void *out_data, unsigned int out_len)

cdef enum:
    QL_SIZE_SAFETY_LIMIT = 8192      # positive fill: node bytes cap
    QL_FILL_MAX = (1 << 15) - 1
    QL_MIN_COMPRESS_BYTES = 48
    QL_MIN_COMPRESS_IMPROVE = 8
    QL_COMPRESS_MAX = (1 << 16) - 1
    LP_HDR_SIZE = 6                  # total bytes u32 + element count u16
    LP_HDR_NUMELE_UNKNOWN = 65535

cdef size_t *ql_optimization_level = [4096, 8192, 16384, 32768, 65536]

cdef struct ql_node:
    ql_node *prev
    ql_node *next
    unsigned char *lp       # listpack, or an ql_lzf blob when compressed
    uint32_t sz             # bytes of the (uncompressed) listpack
    uint16_t count          # entries (< 32768: a node is at most 64 KiB)
    uint8_t compressed
    uint8_t recompress      # decompressed for use; compress again when done

ctypedef struct ql_lzf:
    uint32_t sz             # compressed bytes that follow

cdef struct quicklist:
    ql_node *head
    ql_node *tail
    unsigned long count     # elements
    unsigned long len       # nodes
    int fill
    unsigned int compress

# ---- nodes -------------------------------------------------------------------------------

cdef quicklist *ql_new(int fill, int compress) noexcept nogil:
    """An empty list with Redis's clamping of the settings (quicklistSetOptions)."""
    cdef quicklist *ql = <quicklist *>fc_malloc(sizeof(quicklist))
    ql.head = NULL
    ql.tail = NULL
    ql.count = 0
    ql.len = 0
    if fill > QL_FILL_MAX:
        fill = QL_FILL_MAX
    elif fill < -5:
        fill = -5
    ql.fill = fill
    if compress < 0:
        compress = 0
    elif compress > QL_COMPRESS_MAX:
        compress = QL_COMPRESS_MAX
    ql.compress = compress
    return ql

cdef inline ql_node *ql_node_new(unsigned char *lp) noexcept nogil:
    cdef ql_node *n = <ql_node *>fc_malloc(sizeof(ql_node))
    n.prev = NULL
    n.next = NULL
    n.lp = lp
    n.sz = <uint32_t>fc_lp_bytes(lp)
    n.count = <uint16_t>fc_lp_length(lp)
    n.compressed = 0
    n.recompress = 0
    return n

cdef void ql_free(quicklist *ql) noexcept nogil:
    cdef ql_node *n = ql.head
    cdef ql_node *nx
    while n != NULL:
        nx = n.next
        fc_free(n.lp)
        fc_free(n)
        n = nx
    fc_free(ql)

cdef bint ql_node_compress_raw(ql_node *n) noexcept nogil:
    """Compress a raw node in place; False (node unchanged) when not worth it."""
    cdef ql_lzf *z
    cdef unsigned int clen
    if n.compressed or n.sz < QL_MIN_COMPRESS_BYTES:
        return False
    z = <ql_lzf *>fc_malloc(sizeof(ql_lzf) + n.sz)
    clen = fc_lzf_compress(n.lp, n.sz, (<char *>z) + sizeof(ql_lzf), n.sz)
    if clen == 0 or clen + QL_MIN_COMPRESS_IMPROVE >= n.sz:
        fc_free(z)
        return False
    z = <ql_lzf *>fc_realloc(z, sizeof(ql_lzf) + clen)
    z.sz = clen
    fc_free(n.lp)
    n.lp = <unsigned char *>z
    n.compressed = 1
    n.recompress = 0
    return True

cdef void ql_node_decompress_raw(ql_node *n) noexcept nogil:
    cdef ql_lzf *z = <ql_lzf *>n.lp
    cdef unsigned char *lp = <unsigned char *>fc_malloc(n.sz)
    cdef unsigned int got = fc_lzf_decompress((<char *>z) + sizeof(ql_lzf), z.sz, lp, n.sz)
    FC_ASSERT(got == n.sz)
    fc_free(z)
    n.lp = lp
    n.compressed = 0

cdef inline void ql_node_use(ql_node *n) noexcept nogil:
    """Make the node's listpack readable/writable (decompress-for-use)."""
    if FC_UNLIKELY(n.compressed):
        ql_node_decompress_raw(n)
        n.recompress = 1

cdef inline void ql_node_done(ql_node *n) noexcept nogil:
    """End of an access started with ql_node_use: re-compress an inner node."""
    if FC_UNLIKELY(n.recompress):
        n.recompress = 0
        ql_node_compress_raw(n)

cdef inline void ql_node_update_sz(ql_node *n) noexcept nogil:
    n.sz = <uint32_t>fc_lp_bytes(n.lp)

cdef void ql_compress_around(quicklist *ql, ql_node *node) noexcept nogil:
    """__quicklistCompress: keep the `compress` nodes at each end raw and compress
    the first node past that depth on each side (plus `node` if it is inner).
    Nodes further in are compressed already (they were past the depth when they
    got there)."""
    cdef ql_node *fwd
    cdef ql_node *rev
    cdef unsigned int depth = 0
    cdef bint in_depth = False
    if ql.compress == 0 or ql.len < ql.compress * 2:
        if node != NULL and node.recompress:
            ql_node_done(node)
        return
    fwd = ql.head
    rev = ql.tail
    while depth < ql.compress:
        depth += 1
        if fwd.compressed:
            ql_node_decompress_raw(fwd)
        fwd.recompress = 0
        if rev.compressed:
            ql_node_decompress_raw(rev)
        rev.recompress = 0
        if fwd == node or rev == node:
            in_depth = True
        if fwd == rev or fwd.next == rev:
            return
        fwd = fwd.next
        rev = rev.prev
    if not in_depth and node != NULL:
        node.recompress = 0
        ql_node_compress_raw(node)
    fwd.recompress = 0
    rev.recompress = 0
    ql_node_compress_raw(fwd)
    ql_node_compress_raw(rev)

cdef inline void ql_compress(quicklist *ql, ql_node *node) noexcept nogil:
    """quicklistCompress: after an operation on `node`."""
    if ql.compress == 0:
        return
    if node != NULL and node.recompress:
        ql_node_done(node)
    else:
        ql_compress_around(ql, node)

# ---- size rules --------------------------------------------------------------------------

cdef inline bint ql_size_meets_optimization(size_t sz, int fill) noexcept nogil:
    if fill >= 0:
        return False
    return sz <= ql_optimization_level[-fill - 1]

cdef enum:
    # Redis 7.0.15's SIZE_ESTIMATE_OVERHEAD: a fixed over-estimate of a new
    # entry's encoding + backlen bytes (it replaced the per-size estimate, to
    # keep nodes a few bytes under the 4/8/16 KiB allocator classes).  Node
    # boundaries, hence DUMP/RDB bytes of lists, depend on it.
    QL_SIZE_ESTIMATE_OVERHEAD = 8

cdef inline bint ql_node_allow_insert(ql_node *n, int fill, size_t sz) noexcept nogil:
    """_quicklistNodeAllowInsert: would an element of sz bytes fit in n?"""
    cdef size_t new_sz
    if n == NULL:
        return False
    new_sz = n.sz + sz + QL_SIZE_ESTIMATE_OVERHEAD
    if ql_size_meets_optimization(new_sz, fill):
        return True
    if new_sz > QL_SIZE_SAFETY_LIMIT:
        return False
    return <int>n.count < fill

cdef inline bint ql_node_allow_merge(ql_node *a, ql_node *b, int fill) noexcept nogil:
    """_quicklistNodeAllowMerge: would a and b fit in one node?"""
    cdef size_t merge_sz
    if a == NULL or b == NULL:
        return False
    merge_sz = a.sz + b.sz - (LP_HDR_SIZE + 1)
    if ql_size_meets_optimization(merge_sz, fill):
        return True
    if merge_sz > QL_SIZE_SAFETY_LIMIT:
        return False
    return <int>(a.count + b.count) <= fill

# ---- linking -----------------------------------------------------------------------------

cdef void ql_link_after(quicklist *ql, ql_node *old, ql_node *n) noexcept nogil:
    """Insert n after old (old NULL: as the new head)."""
    if old == NULL:
        n.prev = NULL
        n.next = ql.head
        if ql.head != NULL:
            ql.head.prev = n
        ql.head = n
        if ql.tail == NULL:
            ql.tail = n
    else:
        n.prev = old
        n.next = old.next
        if old.next != NULL:
            old.next.prev = n
        old.next = n
        if ql.tail == old:
            ql.tail = n
    ql.len += 1

cdef inline void ql_link_before(quicklist *ql, ql_node *old, ql_node *n) noexcept nogil:
    ql_link_after(ql, old.prev, n)

cdef void ql_unlink_free(quicklist *ql, ql_node *n) noexcept nogil:
    """Remove node n (its elements leave ql.count) and free it."""
    if n.prev != NULL:
        n.prev.next = n.next
    else:
        ql.head = n.next
    if n.next != NULL:
        n.next.prev = n.prev
    else:
        ql.tail = n.prev
    ql.len -= 1
    ql.count -= n.count
    fc_free(n.lp)
    fc_free(n)

# ---- raw listpack splice (format-level: entries are position independent) ----------------

cdef inline void lp_set_header(unsigned char *lp, size_t total, unsigned long num) noexcept nogil:
    cdef uint32_t t = <uint32_t>total
    cdef uint16_t nn = <uint16_t>(num if num < LP_HDR_NUMELE_UNKNOWN else LP_HDR_NUMELE_UNKNOWN)
    lp[0] = t & 0xff
    lp[1] = (t >> 8) & 0xff
    lp[2] = (t >> 16) & 0xff
    lp[3] = (t >> 24) & 0xff
    lp[4] = nn & 0xff
    lp[5] = (nn >> 8) & 0xff

cdef void ql_merge_next(quicklist *ql, ql_node *a) noexcept nogil:
    """Append the entries of a.next to a and free a.next (both must be raw)."""
    cdef ql_node *b = a.next
    cdef size_t abody = a.sz - LP_HDR_SIZE - 1
    cdef size_t bbody = b.sz - LP_HDR_SIZE - 1
    cdef unsigned long cnt = a.count + b.count
    a.lp = <unsigned char *>fc_realloc(a.lp, a.sz + bbody)
    memcpy(a.lp + LP_HDR_SIZE + abody, b.lp + LP_HDR_SIZE, bbody + 1)   # entries + end byte
    a.sz = <uint32_t>(a.sz + bbody)
    lp_set_header(a.lp, a.sz, cnt)
    # b's elements stay counted in ql.count: add them back after the unlink
    ql_unlink_free(ql, b)
    ql.count += cnt - a.count
    a.count = <uint16_t>cnt

cdef ql_node *ql_split_at(quicklist *ql, ql_node *n, unsigned char *p) noexcept nogil:
    """Move the entries from p to the end of n into a new node linked after n;
    returns the new node (raw).  n must be raw and p must not be n's first entry."""
    cdef size_t off = <size_t>(p - n.lp)
    cdef size_t tail = n.sz - off          # entries from p + end byte
    cdef unsigned char *lp2 = <unsigned char *>fc_malloc(LP_HDR_SIZE + tail)
    cdef unsigned long total = n.count
    cdef ql_node *m
    memcpy(lp2 + LP_HDR_SIZE, p, tail)
    lp_set_header(lp2, LP_HDR_SIZE + tail, LP_HDR_NUMELE_UNKNOWN)
    n.lp[off] = 0xFF
    n.lp = <unsigned char *>fc_realloc(n.lp, off + 1)
    n.sz = <uint32_t>(off + 1)
    lp_set_header(n.lp, n.sz, LP_HDR_NUMELE_UNKNOWN)
    n.count = <uint16_t>fc_lp_length(n.lp)
    lp_set_header(lp2, LP_HDR_SIZE + tail, total - n.count)
    m = ql_node_new(lp2)
    ql_link_after(ql, n, m)           # elements were counted in ql.count already
    return m

# ---- push / pop --------------------------------------------------------------------------

cdef void ql_push_head(quicklist *ql, const char *s, size_t len) noexcept nogil:
    cdef ql_node *h = ql.head
    if FC_LIKELY(h != NULL and ql_node_allow_insert(h, ql.fill, len)):
        ql_node_use(h)
        h.lp = fc_lp_prepend(h.lp, <const unsigned char *>s, <uint32_t>len)
        h.count += 1
        ql_node_update_sz(h)
    else:
        h = ql_node_new(fc_lp_prepend(fc_lp_new(len + 16), <const unsigned char *>s, <uint32_t>len))
        ql_link_after(ql, NULL, h)
    ql.count += 1
    if ql.compress:
        ql_compress_around(ql, h)

cdef void ql_push_tail(quicklist *ql, const char *s, size_t len) noexcept nogil:
    cdef ql_node *t = ql.tail
    if FC_LIKELY(t != NULL and ql_node_allow_insert(t, ql.fill, len)):
        ql_node_use(t)
        t.lp = fc_lp_append(t.lp, <const unsigned char *>s, <uint32_t>len)
        t.count += 1
        ql_node_update_sz(t)
    else:
        t = ql_node_new(fc_lp_append(fc_lp_new(len + 16), <const unsigned char *>s, <uint32_t>len))
        ql_link_after(ql, ql.tail, t)
    ql.count += 1
    if ql.compress:
        ql_compress_around(ql, t)

cdef inline void ql_push(quicklist *ql, const char *s, size_t len, bint tail) noexcept nogil:
    if tail:
        ql_push_tail(ql, s, len)
    else:
        ql_push_head(ql, s, len)

cdef inline unsigned char *ql_end_entry(quicklist *ql, bint tail, ql_node **np) noexcept nogil:
    """The first (tail=False) or last element and its node (made readable), or NULL."""
    cdef ql_node *n = ql.tail if tail else ql.head
    np[0] = n
    if n == NULL:
        return NULL
    ql_node_use(n)
    return fc_lp_last(n.lp) if tail else fc_lp_first(n.lp)

cdef void ql_del_entry(quicklist *ql, ql_node *n, unsigned char *p) noexcept nogil:
    """Delete the element at p in node n (raw); frees the node when it empties."""
    if n.count == 1:
        ql_unlink_free(ql, n)
        if ql.compress:
            ql_compress_around(ql, NULL)
        return
    n.lp = fc_lp_delete(n.lp, p, NULL)
    n.count -= 1
    ql.count -= 1
    ql_node_update_sz(n)
    ql_compress(ql, n)

# ---- index -------------------------------------------------------------------------------

cdef unsigned char *ql_index(quicklist *ql, long long idx, ql_node **np) noexcept nogil:
    """The element at idx (negative: from the tail) and its node, made readable
    (call ql_node_done(node) after a read-only access), or NULL if out of range.
    Walks from whichever end is nearer (quicklistGetIteratorAtIdx)."""
    cdef unsigned long index
    cdef unsigned long acc = 0
    cdef ql_node *n
    cdef long long off
    if idx < 0:
        if idx < -<long long>ql.count:
            return NULL
        idx += <long long>ql.count
    if <unsigned long long>idx >= ql.count:
        return NULL
    index = <unsigned long>idx
    if index <= (ql.count - 1) // 2:
        n = ql.head
        while n != NULL and acc + n.count <= index:
            acc += n.count
            n = n.next
        off = <long long>(index - acc)
    else:
        index = ql.count - 1 - index          # position counted from the tail
        n = ql.tail
        while n != NULL and acc + n.count <= index:
            acc += n.count
            n = n.prev
        off = -1 - <long long>(index - acc)
    np[0] = n
    ql_node_use(n)
    return fc_lp_seek(n.lp, <long>off)

# ---- delete range ------------------------------------------------------------------------

cdef void ql_del_range(quicklist *ql, long long start, unsigned long long count) noexcept nogil:
    """quicklistDelRange: delete `count` elements from index `start` (negative from
    the tail); clamps at the end of the list."""
    cdef ql_node *n
    cdef ql_node *nx
    cdef ql_node *partial1 = NULL
    cdef ql_node *partial2 = NULL
    cdef unsigned long long extent
    cdef long long off
    cdef unsigned long long del_
    if count == 0 or ql.count == 0:
        return
    if start < 0:
        start += <long long>ql.count
        if start < 0:
            start = 0
    if <unsigned long long>start >= ql.count:
        return
    extent = ql.count - <unsigned long long>start
    if count > extent:
        count = extent
    n = ql.head
    off = start
    while n != NULL and off >= n.count:
        off -= n.count
        n = n.next
    while count > 0 and n != NULL:
        nx = n.next
        del_ = n.count - <unsigned long long>off
        if del_ > count:
            del_ = count
        if off == 0 and del_ == n.count:
            ql_unlink_free(ql, n)
        else:
            # at most two nodes are cut partially: the first and the last of the range
            ql_node_use(n)
            n.lp = fc_lp_delete_range(n.lp, <long>off, <unsigned long>del_)
            n.count -= <uint16_t>del_
            ql.count -= <unsigned long>del_
            ql_node_update_sz(n)
            if partial1 == NULL:
                partial1 = n
            else:
                partial2 = n
        count -= del_
        off = 0
        n = nx
    if ql.compress:
        # the list only shrank: nodes move towards the ends, so fixing the ends
        # and re-compressing the (inner) partially cut nodes restores the invariant
        ql_compress_around(ql, NULL)
        if partial1 != NULL:
            ql_node_done(partial1)
        if partial2 != NULL:
            ql_node_done(partial2)

cdef void ql_recompress_inner(quicklist *ql) noexcept nogil:
    """Compress every node beyond the depth (after operations that touched inner
    nodes in bulk); O(nodes), used by range deletes and LREM."""
    cdef ql_node *n
    cdef unsigned long i = 0
    if ql.compress == 0 or ql.len < ql.compress * 2:
        return
    n = ql.head
    while n != NULL:
        if i < ql.compress or i >= ql.len - ql.compress:
            if n.compressed:
                ql_node_decompress_raw(n)
        elif not n.compressed:
            ql_node_compress_raw(n)
        n.recompress = 0
        i += 1
        n = n.next

# ---- insert ------------------------------------------------------------------------------

cdef void ql_insert(quicklist *ql, ql_node *n, unsigned char *p, bint after,
                    const char *s, size_t len) noexcept nogil:
    """_quicklistInsert: put s before/after the element at p of node n (raw)."""
    cdef ql_node *center
    cdef bint full = not ql_node_allow_insert(n, ql.fill, len)
    cdef bint at_tail = False
    cdef bint at_head = False
    cdef ql_node *m
    if after and fc_lp_next(n.lp, p) == NULL:
        at_tail = True
    elif not after and fc_lp_prev(n.lp, p) == NULL:
        at_head = True
    if not full:
        n.lp = fc_lp_insert_string(n.lp, <const unsigned char *>s, <uint32_t>len, p,
                                   FC_LP_AFTER if after else FC_LP_BEFORE, NULL)
        n.count += 1
        ql.count += 1
        ql_node_update_sz(n)
        ql_compress(ql, n)
        return
    if at_tail and n.next != NULL and ql_node_allow_insert(n.next, ql.fill, len):
        m = n.next
        ql_node_use(m)
        m.lp = fc_lp_prepend(m.lp, <const unsigned char *>s, <uint32_t>len)
        m.count += 1
        ql.count += 1
        ql_node_update_sz(m)
        ql_compress(ql, m)
        ql_compress(ql, n)
        return
    if at_head and n.prev != NULL and ql_node_allow_insert(n.prev, ql.fill, len):
        m = n.prev
        ql_node_use(m)
        m.lp = fc_lp_append(m.lp, <const unsigned char *>s, <uint32_t>len)
        m.count += 1
        ql.count += 1
        ql_node_update_sz(m)
        ql_compress(ql, m)
        ql_compress(ql, n)
        return
    if at_tail or at_head:
        # full node and full (or no) neighbour: a new node of its own
        m = ql_node_new(fc_lp_append(fc_lp_new(len + 16), <const unsigned char *>s, <uint32_t>len))
        if at_tail:
            ql_link_after(ql, n, m)
        else:
            ql_link_before(ql, n, m)
        ql.count += 1
        # one node more: at most one node per side crosses the depth boundary,
        # which ql_compress_around handles; n gets compressed again if inner
        ql_compress_around(ql, m)
        ql_node_done(n)
        return
    # full node, inserting in the middle (_quicklistSplitNode): after the pivot,
    # the node keeps up to the pivot and a new node after it starts with the
    # element; before the pivot, a new node before it ends with the element and
    # the node keeps the rest.  Then _quicklistMergeNodes around the node that
    # kept the pivot's side ("center").  Node boundaries are DUMP/RDB bytes.
    if after:
        m = ql_split_at(ql, n, fc_lp_next(n.lp, p))
        m.lp = fc_lp_prepend(m.lp, <const unsigned char *>s, <uint32_t>len)
        m.count += 1
        ql_node_update_sz(m)
        center = n
    else:
        m = ql_split_at(ql, n, p)
        n.lp = fc_lp_append(n.lp, <const unsigned char *>s, <uint32_t>len)
        n.count += 1
        ql_node_update_sz(n)
        center = m
    ql.count += 1
    n.recompress = 0
    ql_merge_around(ql, center)
    ql_recompress_inner(ql)

cdef ql_node *ql_merge_pair(quicklist *ql, ql_node *a) noexcept nogil:
    """_quicklistListpackMerge of a and a.next: one node holding both."""
    ql_node_use(a)
    ql_node_use(a.next)
    ql_merge_next(ql, a)
    a.recompress = 0
    return a

cdef void ql_merge_around(quicklist *ql, ql_node *center) noexcept nogil:
    """_quicklistMergeNodes: try prev_prev+prev, next+next_next, then the center
    with its previous node, then the result with its next node -- in that order,
    as Redis does after a split."""
    cdef ql_node *prev = center.prev
    cdef ql_node *prev_prev = prev.prev if prev != NULL else NULL
    cdef ql_node *next = center.next
    cdef ql_node *next_next = next.next if next != NULL else NULL
    cdef ql_node *target
    if prev != NULL and prev_prev != NULL and ql_node_allow_merge(prev, prev_prev, ql.fill):
        ql_merge_pair(ql, prev_prev)
    if next != NULL and next_next != NULL and ql_node_allow_merge(next, next_next, ql.fill):
        ql_merge_pair(ql, next)
    if center.prev != NULL and ql_node_allow_merge(center, center.prev, ql.fill):
        target = ql_merge_pair(ql, center.prev)
    else:
        target = center
    if target.next != NULL and ql_node_allow_merge(target, target.next, ql.fill):
        ql_merge_pair(ql, target)

# ---- copy and memory ---------------------------------------------------------------------

cdef quicklist *ql_dup(quicklist *ql) noexcept nogil:
    """Deep copy (compressed nodes are copied compressed)."""
    cdef quicklist *c = ql_new(ql.fill, ql.compress)
    cdef ql_node *n = ql.head
    cdef ql_node *m
    cdef size_t bytes
    while n != NULL:
        m = <ql_node *>fc_malloc(sizeof(ql_node))
        memcpy(m, n, sizeof(ql_node))
        bytes = sizeof(ql_lzf) + (<ql_lzf *>n.lp).sz if n.compressed else n.sz
        m.lp = <unsigned char *>fc_malloc(bytes)
        memcpy(m.lp, n.lp, bytes)
        m.recompress = 0
        ql_link_after(c, c.tail, m)
        n = n.next
    c.count = ql.count
    return c

cdef size_t ql_mem(quicklist *ql, long long samples) noexcept nogil:
    """objectComputeSize for quicklists: the list header plus the average node
    cost (node struct + blob) of the first `samples` nodes times the node count."""
    cdef size_t total = fc_malloc_size(ql)
    cdef size_t elesize = 0
    cdef long long seen = 0
    cdef ql_node *n = ql.head
    while n != NULL and (samples <= 0 or seen < samples):
        elesize += fc_malloc_size(n) + fc_malloc_size(n.lp)
        seen += 1
        n = n.next
    if seen:
        total += <size_t>(<double>elesize / seen * ql.len)
    return total
