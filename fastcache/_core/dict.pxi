# dict.pxi — the keyspace hash table: chained, power-of-two sized, incrementally
# rehashed, with Redis's reverse-binary SCAN cursor.
#
# Design note.  The table is intrusive: a node is any C struct that starts with a
# `fc_node` header ({next, klen}); its key bytes sit at `d.keyoff` bytes from the
# node start.  The keyspace stores `fc_entry` nodes (object.pxi: key and small
# values in one allocation), the expiry table stores `fc_expnode`.  The dict owns
# its bucket arrays; it never allocates or frees nodes — callers do, so a node can
# be replaced in place through the link slot that `dict_find_slot` returns.
#
# Invariants: while rehashing (rehashidx >= 0) buckets [0, rehashidx) of table 0
# are empty and every new node goes to table 1.  A slot pointer returned by a find
# stays valid until the next insert (which may expand) or rehash step; callers
# finish their edit before touching the dict again.
#
# Resizing follows Redis: grow to the next power of two >= used+1 when used reaches
# size (or when used/size > 5 even while resizing is disallowed, e.g. during a
# fork), shrink from the cron when fill drops under 10%.

cdef struct fc_node:
    fc_node *next
    uint32_t klen

ctypedef struct fc_dict:
    fc_node **table[2]
    uint64_t size[2]
    uint64_t used[2]
    long long rehashidx
    int pauserehash
    int last_table       # table of the latest successful find (for unlink)
    uint32_t keyoff

cdef enum:
    DICT_HT_INITIAL_SIZE = 4
    DICT_FORCE_RESIZE_RATIO = 5
    DICT_HT_MIN_FILL = 10

cdef bint dict_can_resize = True

cdef inline const char *node_key(fc_dict *d, fc_node *n) noexcept nogil:
    return (<const char *>n) + d.keyoff

cdef inline uint64_t dict_hash(const char *key, size_t klen) noexcept nogil:
    return fc_siphash(<const uint8_t *>key, klen, hash_seed)

cdef void dict_init(fc_dict *d, uint32_t keyoff) noexcept nogil:
    memset(d, 0, sizeof(fc_dict))
    d.rehashidx = -1
    d.keyoff = keyoff

cdef inline uint64_t dict_size(fc_dict *d) noexcept nogil:
    return d.used[0] + d.used[1]

cdef inline bint dict_is_rehashing(fc_dict *d) noexcept nogil:
    return d.rehashidx != -1

cdef int dict_rehash(fc_dict *d, int n) noexcept nogil:
    """Move up to n buckets from table 0 to table 1 (visiting at most n*10 empty
    buckets).  Returns 1 if more work remains, 0 when rehashing finished."""
    cdef int empty_visits = n * 10
    cdef fc_node *node
    cdef fc_node *nxt
    cdef uint64_t idx
    if d.rehashidx == -1:
        return 0
    while n > 0 and d.used[0] != 0:
        n -= 1
        while d.table[0][d.rehashidx] == NULL:
            d.rehashidx += 1
            empty_visits -= 1
            if empty_visits == 0:
                return 1
        node = d.table[0][d.rehashidx]
        while node != NULL:
            nxt = node.next
            idx = dict_hash(node_key(d, node), node.klen) & (d.size[1] - 1)
            node.next = d.table[1][idx]
            d.table[1][idx] = node
            d.used[0] -= 1
            d.used[1] += 1
            node = nxt
        d.table[0][d.rehashidx] = NULL
        d.rehashidx += 1
    if d.used[0] == 0:
        fc_free(d.table[0])
        d.table[0] = d.table[1]
        d.size[0] = d.size[1]
        d.used[0] = d.used[1]
        d.table[1] = NULL
        d.size[1] = 0
        d.used[1] = 0
        d.rehashidx = -1
        return 0
    return 1

cdef inline void dict_rehash_step(fc_dict *d) noexcept nogil:
    if d.pauserehash == 0 and d.rehashidx != -1:
        dict_rehash(d, 1)

cdef int dict_rehash_ms(fc_dict *d, int ms) noexcept nogil:
    """Rehash in batches of 100 buckets for about `ms` milliseconds (cron)."""
    cdef long long start = fc_monotonic_us()
    cdef int rehashes = 0
    if d.pauserehash > 0:
        return 0
    while dict_rehash(d, 100):
        rehashes += 100
        if fc_monotonic_us() - start > ms * 1000:
            break
    return rehashes

cdef void dict_resize_to(fc_dict *d, uint64_t minsize) noexcept nogil:
    """Start rehashing into a table of the next power of two >= minsize."""
    cdef uint64_t realsize = DICT_HT_INITIAL_SIZE
    if dict_is_rehashing(d) or d.used[0] > minsize:
        return
    while realsize < minsize:
        realsize *= 2
    if realsize == d.size[0]:
        return
    if d.table[0] == NULL:
        d.table[0] = <fc_node **>fc_calloc(realsize * sizeof(fc_node *))
        d.size[0] = realsize
        return
    d.table[1] = <fc_node **>fc_calloc(realsize * sizeof(fc_node *))
    d.size[1] = realsize
    d.used[1] = 0
    d.rehashidx = 0

cdef inline void dict_expand_if_needed(fc_dict *d) noexcept nogil:
    if dict_is_rehashing(d):
        return
    if d.size[0] == 0:
        dict_resize_to(d, DICT_HT_INITIAL_SIZE)
    elif d.used[0] >= d.size[0] and (dict_can_resize or d.used[0] / d.size[0] > DICT_FORCE_RESIZE_RATIO):
        dict_resize_to(d, d.used[0] + 1)

cdef bint dict_needs_shrink(fc_dict *d) noexcept nogil:
    cdef uint64_t size = d.size[0] + d.size[1]
    cdef uint64_t used = d.used[0] + d.used[1]
    return size > DICT_HT_INITIAL_SIZE and (used * 100 // size < DICT_HT_MIN_FILL)

cdef void dict_shrink(fc_dict *d) noexcept nogil:
    cdef uint64_t minimal = d.used[0]
    if not dict_can_resize or dict_is_rehashing(d):
        return
    if minimal < DICT_HT_INITIAL_SIZE:
        minimal = DICT_HT_INITIAL_SIZE
    dict_resize_to(d, minimal)

cdef fc_node **dict_find_slot(fc_dict *d, const char *key, size_t klen, uint64_t h) noexcept nogil:
    """Return the link that points at the node with this key (so the caller may
    read it, replace it or unlink it), or NULL if absent."""
    cdef fc_node **slot
    cdef fc_node *n
    cdef int t
    if d.used[0] + d.used[1] == 0:
        return NULL
    dict_rehash_step(d)
    for t in range(2):
        if d.size[t] == 0:
            break
        slot = &d.table[t][h & (d.size[t] - 1)]
        n = slot[0]
        while n != NULL:
            if n.klen == klen and memcmp(node_key(d, n), key, klen) == 0:
                d.last_table = t
                return slot
            slot = &n.next
            n = slot[0]
        if not dict_is_rehashing(d):
            break
    return NULL

cdef inline fc_node *dict_find(fc_dict *d, const char *key, size_t klen) noexcept nogil:
    cdef fc_node **slot = dict_find_slot(d, key, klen, dict_hash(key, klen))
    return slot[0] if slot != NULL else NULL

cdef void dict_insert(fc_dict *d, fc_node *n, uint64_t h) noexcept nogil:
    """Insert a node known to be absent (callers look it up first)."""
    cdef int t
    cdef uint64_t idx
    dict_rehash_step(d)
    dict_expand_if_needed(d)
    t = 1 if dict_is_rehashing(d) else 0
    idx = h & (d.size[t] - 1)
    n.next = d.table[t][idx]
    d.table[t][idx] = n
    d.used[t] += 1

cdef inline void dict_unlink_slot(fc_dict *d, fc_node **slot) noexcept nogil:
    """Unlink the node a slot points at; the caller frees it.  The slot must come
    from the latest dict_find_slot on this dict (which recorded its table)."""
    cdef fc_node *n = slot[0]
    slot[0] = n.next
    d.used[d.last_table] -= 1

cdef void dict_release_tables(fc_dict *d) noexcept nogil:
    """Free bucket arrays (not nodes: the owner frees them first) and reset."""
    fc_free(d.table[0])
    fc_free(d.table[1])
    dict_init(d, d.keyoff)

cdef inline uint64_t rev64(uint64_t v) noexcept nogil:
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1)
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2)
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4)
    v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8)
    v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16)
    return (v >> 32) | (v << 32)

ctypedef void (*dict_scan_fn)(void *priv, fc_node *n) noexcept

cdef uint64_t dict_scan(fc_dict *d, uint64_t v, dict_scan_fn fn, void *priv) noexcept:
    """Visit every node of one cursor step and return the next cursor (0 = done).

    Redis's reverse-binary cursor: the cursor's high bits are incremented, so a
    bucket's expansion/shrink siblings are visited together and every node present
    for the whole scan is returned at least once, whatever resizes happen between
    calls.  Rehashing is paused while the callback runs."""
    cdef fc_node *n
    cdef fc_node *nxt
    cdef uint64_t m0, m1
    cdef int small, big
    if dict_size(d) == 0:
        return 0
    d.pauserehash += 1
    if not dict_is_rehashing(d):
        m0 = d.size[0] - 1
        n = d.table[0][v & m0]
        while n != NULL:
            nxt = n.next
            fn(priv, n)
            n = nxt
        v |= ~m0
        v = rev64(v)
        v += 1
        v = rev64(v)
    else:
        small = 0
        big = 1
        if d.size[0] > d.size[1]:
            small = 1
            big = 0
        m0 = d.size[small] - 1
        m1 = d.size[big] - 1
        n = d.table[small][v & m0]
        while n != NULL:
            nxt = n.next
            fn(priv, n)
            n = nxt
        while True:
            n = d.table[big][v & m1]
            while n != NULL:
                nxt = n.next
                fn(priv, n)
                n = nxt
            v |= ~m1
            v = rev64(v)
            v += 1
            v = rev64(v)
            if not (v & (m0 ^ m1)):
                break
    d.pauserehash -= 1
    return v

cdef fc_node *dict_random_node(fc_dict *d, uint64_t *rnd_state) noexcept nogil:
    """A random node (Redis's dictGetRandomKey: random non-empty bucket, then a
    random element of its chain).  NULL when empty."""
    cdef fc_node *head
    cdef fc_node *n
    cdef uint64_t idx, s0
    cdef int listlen, i
    if dict_size(d) == 0:
        return NULL
    dict_rehash_step(d)
    while True:
        if dict_is_rehashing(d):
            s0 = d.size[0]
            idx = <uint64_t>d.rehashidx + xorshift64(rnd_state) % (d.size[0] + d.size[1] - <uint64_t>d.rehashidx)
            head = d.table[1][idx - s0] if idx >= s0 else d.table[0][idx]
        else:
            idx = xorshift64(rnd_state) & (d.size[0] - 1)
            head = d.table[0][idx]
        if head != NULL:
            break
    listlen = 0
    n = head
    while n != NULL:
        listlen += 1
        n = n.next
    i = <int>(xorshift64(rnd_state) % <uint64_t>listlen)
    n = head
    while i > 0:
        n = n.next
        i -= 1
    return n

cdef inline uint64_t xorshift64(uint64_t *state) noexcept nogil:
    cdef uint64_t x = state[0]
    x ^= x << 13
    x ^= x >> 7
    x ^= x << 17
    state[0] = x
    return x

cdef size_t dict_mem_buckets(fc_dict *d) noexcept nogil:
    return (d.size[0] + d.size[1]) * sizeof(fc_node *)
