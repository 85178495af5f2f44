# pubsub.pxi — channels, patterns and shard channels (Redis's pubsub.c).
#
# Interface for the rest of the core: pubsub_publish() delivers a message to the
# subscribers of `channel` and of every matching pattern, and returns the number
# of receivers (PUBLISH's reply).  Keyspace notifications (notify.pxi) publish
# through it.
#
# Design note.  Three server-side tables (channels, patterns, shard channels)
# map a name to a ps_node: the name (in the node's own allocation) and the
# array of subscribed clients in subscription order (delivery order, as Redis's
# per-channel client list).  A client keeps the nodes it subscribes to: a
# pointer set for channels and shard channels (O(1) duplicate check and
# removal), and an array in subscription order for patterns (PUNSUBSCRIBE with
# no argument answers in that order, as Redis's c->pubsub_patterns list does).
# A node lives while it has subscribers; it is freed by the unsubscribe that
# empties it.
#
# Ownership and lifetime: a client with at least one subscription holds one
# reference to itself (taken when its count goes 0 -> 1, dropped at 1 -> 0), so
# the borrowed pointers in node arrays can never dangle; the disconnect path
# (client.pxi connection_lost) unsubscribes everything.
#
# Delivery creates no Python object: the `$chlen ch $mlen msg` tail is encoded
# once per PUBLISH into a scratch buffer and memcpy'd after a per-kind header
# into each receiver's output buffer (the first byte turned into '>' for RESP3
# clients).  Receivers go on a pending-write list flushed once at the end of the
# publishing client's input batch (Redis writes them in beforeSleep), or on the
# next loop iteration when the publish came from outside a batch (cron,
# timers).

cdef struct ps_node:
    ps_node *next             # hash chain
    uint64_t hash
    PyObject **subs           # subscribed clients (borrowed; see design note)
    int nsubs
    int subcap
    size_t len
    char *name                # points just past the struct (same allocation)

ctypedef struct ps_table:
    ps_node **b
    size_t nb                 # power of two, or 0 before the first insert
    size_t n

cdef ps_table ps_channels
cdef ps_table ps_patterns
cdef ps_table ps_shardchannels
memset(&ps_channels, 0, sizeof(ps_table))
memset(&ps_patterns, 0, sizeof(ps_table))
memset(&ps_shardchannels, 0, sizeof(ps_table))

# ---------------------------------------------------------------- tables

cdef inline uint64_t ps_hash(const char *s, size_t n) noexcept nogil:
    return fc_siphash(<const uint8_t *>s, n, hash_seed)

cdef ps_node *ps_lookup(ps_table *t, const char *s, size_t n, uint64_t h) noexcept nogil:
    cdef ps_node *e
    if t.nb == 0:
        return NULL
    e = t.b[h & (t.nb - 1)]
    while e != NULL:
        if e.hash == h and e.len == n and memcmp(e.name, s, n) == 0:
            return e
        e = e.next
    return NULL

cdef void ps_table_grow(ps_table *t) noexcept nogil:
    cdef size_t nb = t.nb * 2 if t.nb else 16
    cdef ps_node **b = <ps_node **>fc_calloc(nb * sizeof(ps_node *))
    cdef ps_node *e
    cdef ps_node *nx
    cdef size_t i
    for i in range(t.nb):
        e = t.b[i]
        while e != NULL:
            nx = e.next
            e.next = b[e.hash & (nb - 1)]
            b[e.hash & (nb - 1)] = e
            e = nx
    fc_free(t.b)
    t.b = b
    t.nb = nb

cdef ps_node *ps_create(ps_table *t, const char *s, size_t n, uint64_t h) noexcept nogil:
    cdef ps_node *e
    if t.n >= t.nb:
        ps_table_grow(t)
    e = <ps_node *>fc_malloc(sizeof(ps_node) + n + 1)
    e.hash = h
    e.subs = NULL
    e.nsubs = 0
    e.subcap = 0
    e.len = n
    e.name = <char *>(e + 1)
    memcpy(e.name, s, n)
    e.name[n] = 0
    e.next = t.b[h & (t.nb - 1)]
    t.b[h & (t.nb - 1)] = e
    t.n += 1
    return e

cdef void ps_destroy(ps_table *t, ps_node *node) noexcept nogil:
    """Unlink an empty node from its table and free it."""
    cdef ps_node **pp = &t.b[node.hash & (t.nb - 1)]
    while pp[0] != node:
        pp = &pp[0].next
    pp[0] = node.next
    t.n -= 1
    fc_free(node.subs)
    fc_free(node)

cdef void ps_node_add(ps_node *node, ClientBase c) noexcept:
    if node.nsubs == node.subcap:
        node.subcap = node.subcap * 2 if node.subcap else 4
        node.subs = <PyObject **>fc_realloc(node.subs, node.subcap * sizeof(PyObject *))
    node.subs[node.nsubs] = <PyObject *>c
    node.nsubs += 1

cdef void ps_node_del(ps_node *node, ClientBase c) noexcept:
    # keeps the others' subscription (delivery) order, like Redis's list delete
    cdef int i
    for i in range(node.nsubs):
        if node.subs[i] == <PyObject *>c:
            memmove(&node.subs[i], &node.subs[i + 1], (node.nsubs - i - 1) * sizeof(PyObject *))
            node.nsubs -= 1
            return

# ---------------------------------------------------------------- per-client pointer sets
# Open addressing, linear probing, backward-shift deletion; slots hold node
# pointers (NULL = empty).  Capacity is a power of two, at most half full.

cdef inline size_t pset_slot(void *p, size_t cap) noexcept nogil:
    return <size_t>(((<uint64_t><size_t>p >> 4) * 11400714819323198485ULL) >> 20) & (cap - 1)

cdef bint pset_has(ps_pset *s, void *p) noexcept nogil:
    cdef size_t i
    if s.cap == 0:
        return False
    i = pset_slot(p, s.cap)
    while s.slots[i] != NULL:
        if s.slots[i] == p:
            return True
        i = (i + 1) & (s.cap - 1)
    return False

cdef void pset_insert_raw(void **slots, size_t cap, void *p) noexcept nogil:
    cdef size_t i = pset_slot(p, cap)
    while slots[i] != NULL:
        i = (i + 1) & (cap - 1)
    slots[i] = p

cdef void pset_add(ps_pset *s, void *p) noexcept nogil:
    """Add p (the caller checked it is absent)."""
    cdef size_t cap, i
    cdef void **slots
    if (s.n + 1) * 2 > s.cap:
        cap = s.cap * 2 if s.cap else 8
        slots = <void **>fc_calloc(cap * sizeof(void *))
        for i in range(s.cap):
            if s.slots[i] != NULL:
                pset_insert_raw(slots, cap, s.slots[i])
        fc_free(s.slots)
        s.slots = slots
        s.cap = cap
    pset_insert_raw(s.slots, s.cap, p)
    s.n += 1

cdef bint pset_del(ps_pset *s, void *p) noexcept nogil:
    cdef size_t i, j, k
    if s.cap == 0:
        return False
    i = pset_slot(p, s.cap)
    while s.slots[i] != p:
        if s.slots[i] == NULL:
            return False
        i = (i + 1) & (s.cap - 1)
    s.slots[i] = NULL
    s.n -= 1
    # backward shift: move later members of the probe run into the hole when
    # their home slot is not cyclically in (i, j]
    j = i
    while True:
        j = (j + 1) & (s.cap - 1)
        if s.slots[j] == NULL:
            break
        k = pset_slot(s.slots[j], s.cap)
        if (j > i and (k <= i or k > j)) or (j < i and (k <= i and k > j)):
            s.slots[i] = s.slots[j]
            s.slots[j] = NULL
            i = j
    if s.n == 0:
        fc_free(s.slots)
        s.slots = NULL
        s.cap = 0
    return True

cdef void pset_free(ps_pset *s) noexcept nogil:
    fc_free(s.slots)
    s.slots = NULL
    s.cap = 0
    s.n = 0

# ---------------------------------------------------------------- client state

cdef inline long long ps_count(ClientBase c) noexcept:
    """clientSubscriptionsCount: channels + patterns (shard channels apart)."""
    return <long long>c.ps_chans.n + c.ps_npats

cdef inline long long ps_total(ClientBase c) noexcept:
    return <long long>c.ps_chans.n + c.ps_npats + <long long>c.ps_shards.n

cdef void ps_update_flag(ClientBase c) noexcept:
    """CLIENT_PUBSUB follows "has any subscription" (the reference clears it
    only when channels, patterns and shard channels are all gone); the client
    holds a reference to itself while the flag is set."""
    cdef bint now = ps_total(c) > 0
    if now and not c.ps_flag:
        c.ps_flag = True
        Py_INCREF(c)
    elif not now and c.ps_flag:
        c.ps_flag = False
        Py_DECREF(c)    # the caller still holds c (its command or disconnect path)

cdef void ps_reply_subscription(ClientBase c, const char *kind, size_t klen,
                                const char *ch, size_t chlen, bint null_channel,
                                long long count) noexcept:
    """[kind, channel, count] as a push (RESP3) or a 3-array (RESP2)."""
    add_reply_push_len(c, 3)
    add_reply_bulk(c, kind, klen)
    if null_channel:
        add_reply_null(c)
    else:
        add_reply_bulk(c, ch, chlen)
    add_reply_int(c, count)

cdef bint ps_subscribe(ClientBase c, ps_table *t, ps_pset *mine, const char *ch, size_t n) noexcept:
    """Subscribe c to ch in table t; False if it already was."""
    cdef uint64_t h = ps_hash(ch, n)
    cdef ps_node *node = ps_lookup(t, ch, n, h)
    if node != NULL and pset_has(mine, node):
        return False
    if node == NULL:
        node = ps_create(t, ch, n, h)
    pset_add(mine, node)
    ps_node_add(node, c)
    ps_update_flag(c)
    return True

cdef void ps_drop(ClientBase c, ps_table *t, ps_node *node) noexcept:
    """Take c off node's subscriber list; free the node when it empties."""
    ps_node_del(node, c)
    if node.nsubs == 0:
        ps_destroy(t, node)

cdef void ps_unsubscribe_node(ClientBase c, ps_table *t, ps_pset *mine, ps_node *node,
                              bint notify, const char *kind, size_t klen, bint shard) noexcept:
    # the reply names the channel, so it is written before the node can be freed
    pset_del(mine, node)
    ps_node_del(node, c)
    if notify:
        ps_reply_subscription(c, kind, klen, node.name, node.len, False,
                              <long long>c.ps_shards.n if shard else ps_count(c))
    if node.nsubs == 0:
        ps_destroy(t, node)

cdef void ps_unsubscribe_all(ClientBase c, ps_table *t, ps_pset *mine, bint notify,
                             const char *kind, size_t klen, bint shard) noexcept:
    """(S)UNSUBSCRIBE without arguments: every channel, in the set's (arbitrary)
    order like Redis's dict walk; nothing subscribed answers [kind, nil, count]."""
    cdef size_t i, k = 0, cap = mine.cap
    cdef ps_node **snap
    if mine.n == 0:
        if notify:
            ps_reply_subscription(c, kind, klen, NULL, 0, True,
                                  <long long>c.ps_shards.n if shard else ps_count(c))
        return
    snap = <ps_node **>fc_malloc(mine.n * sizeof(ps_node *))
    for i in range(cap):
        if mine.slots[i] != NULL:
            snap[k] = <ps_node *>mine.slots[i]
            k += 1
    for i in range(k):
        ps_unsubscribe_node(c, t, mine, snap[i], notify, kind, klen, shard)
    fc_free(snap)

cdef bint ps_psubscribe(ClientBase c, const char *pat, size_t n) noexcept:
    cdef uint64_t h = ps_hash(pat, n)
    cdef ps_node *node = ps_lookup(&ps_patterns, pat, n, h)
    cdef int i
    if node != NULL:
        # a linear search of the client's patterns, as Redis's listSearchKey
        for i in range(c.ps_npats):
            if c.ps_pats[i] == <void *>node:
                return False
    else:
        node = ps_create(&ps_patterns, pat, n, h)
    if c.ps_npats == c.ps_patcap:
        c.ps_patcap = c.ps_patcap * 2 if c.ps_patcap else 4
        c.ps_pats = <void **>fc_realloc(c.ps_pats, c.ps_patcap * sizeof(void *))
    c.ps_pats[c.ps_npats] = <void *>node
    c.ps_npats += 1
    ps_node_add(node, c)
    ps_update_flag(c)
    return True

cdef void ps_punsubscribe_at(ClientBase c, int i, bint notify) noexcept:
    cdef ps_node *node = <ps_node *>c.ps_pats[i]
    memmove(&c.ps_pats[i], &c.ps_pats[i + 1], (c.ps_npats - i - 1) * sizeof(void *))
    c.ps_npats -= 1
    ps_node_del(node, c)
    if notify:
        ps_reply_subscription(c, b"punsubscribe", 12, node.name, node.len, False, ps_count(c))
    if node.nsubs == 0:
        ps_destroy(&ps_patterns, node)
    if c.ps_npats == 0:
        fc_free(c.ps_pats)
        c.ps_pats = NULL
        c.ps_patcap = 0

cdef void pubsub_unsubscribe_everything(ClientBase c) noexcept:
    """Silently drop every subscription (RESET, disconnect, output limit close)."""
    if not c.ps_flag:
        return
    Py_INCREF(c)      # ps_update_flag may drop the client's self-reference
    ps_unsubscribe_all(c, &ps_channels, &c.ps_chans, False, b"unsubscribe", 11, False)
    ps_unsubscribe_all(c, &ps_shardchannels, &c.ps_shards, False, b"sunsubscribe", 12, True)
    while c.ps_npats > 0:
        ps_punsubscribe_at(c, 0, False)
    ps_update_flag(c)
    Py_DECREF(c)

# ---------------------------------------------------------------- delivery

cdef char *ps_scratch = NULL       # the encoded "$chlen ch $mlen msg" tail
cdef size_t ps_scratch_cap = 0
cdef PyObject **ps_pending = NULL  # receivers with output to flush (owned refs)
cdef int ps_npending = 0
cdef int ps_pending_cap = 0
cdef int ps_batch_depth = 0        # >0 inside a client's input batch (buffer_updated)
cdef bint ps_flush_scheduled = False
cdef object ps_call_soon = None    # the loop's call_soon, bound at the first SUBSCRIBE

cdef inline size_t ps_put_bulk(char *p, const char *s, size_t n) noexcept nogil:
    cdef int k
    p[0] = 36   # '$'
    k = fc_ll2string(p + 1, 22, <long long>n)
    p[k + 1] = 13
    p[k + 2] = 10
    memcpy(p + k + 3, s, n)
    p[k + 3 + n] = 13
    p[k + 4 + n] = 10
    return n + k + 5

cdef void ps_mark_pending(ClientBase c) noexcept:
    global ps_npending, ps_pending_cap, ps_pending, ps_flush_scheduled
    if c.ps_flush_pending:
        return
    if ps_npending == ps_pending_cap:
        ps_pending_cap = ps_pending_cap * 2 if ps_pending_cap else 64
        ps_pending = <PyObject **>fc_realloc(ps_pending, ps_pending_cap * sizeof(PyObject *))
    c.ps_flush_pending = True
    Py_INCREF(c)
    ps_pending[ps_npending] = <PyObject *>c
    ps_npending += 1
    if ps_batch_depth == 0 and not ps_flush_scheduled and ps_call_soon is not None:
        # a publish outside any input batch (cron, timers): flush next iteration
        ps_flush_scheduled = True
        try:
            ps_call_soon(_ps_flush_cb)
        except BaseException:
            ps_flush_scheduled = False

def _ps_flush_cb():
    global ps_flush_scheduled
    ps_flush_scheduled = False
    ps_flush_pending()

cdef void ps_flush_pending() noexcept:
    """Write every receiver's pending messages (end of the publisher's batch)."""
    global ps_npending
    cdef int i = 0
    cdef ClientBase r
    # flush_output may close a receiver (output limit) but never publishes, so
    # the list only shrinks through this loop
    while i < ps_npending:
        r = <ClientBase>ps_pending[i]
        r.ps_flush_pending = False
        try:
            flush_output(r)
        except BaseException:
            pass
        Py_DECREF(r)
        i += 1
    ps_npending = 0

cdef inline void ps_deliver(ClientBase r, const char *hdr, size_t hlen,
                            const char *tail, size_t tlen) noexcept:
    cdef char *p
    if FC_UNLIKELY(r.closed):
        return
    p = reply_reserve(r, hlen + tlen)
    memcpy(p, hdr, hlen)
    if r.resp >= 3:
        p[0] = 62   # '>': a push in RESP3, the same array otherwise
    memcpy(p + hlen, tail, tlen)
    r.olen += hlen + tlen
    ps_mark_pending(r)

cdef size_t ps_encode_tail(const char *ch, size_t chlen, const char *msg, size_t mlen) noexcept:
    global ps_scratch, ps_scratch_cap
    cdef size_t need = chlen + mlen + 64
    if need > ps_scratch_cap:
        ps_scratch = <char *>fc_realloc(ps_scratch, need)
        ps_scratch_cap = need
    cdef size_t n = ps_put_bulk(ps_scratch, ch, chlen)
    return n + ps_put_bulk(ps_scratch + n, msg, mlen)

cdef void ps_scratch_release() noexcept:
    # a huge message must not pin its scratch copy
    global ps_scratch, ps_scratch_cap
    if ps_scratch_cap > 64 * 1024:
        fc_free(ps_scratch)
        ps_scratch = NULL
        ps_scratch_cap = 0

cdef long long pubsub_publish(const char *channel, size_t chlen,
                              const char *msg, size_t mlen) noexcept:
    """Deliver msg to channel's subscribers and matching patterns; receivers.

    Order as Redis's pubsubPublishMessage: the channel's subscribers (in
    subscription order), then every pattern that matches, each pattern's
    subscribers getting [pmessage, pattern, channel, message]."""
    cdef long long receivers = 0
    cdef ps_node *node
    cdef size_t tlen, i, hlen
    cdef int j
    cdef char hdr[64]
    cdef char *phdr
    if ps_channels.n == 0 and ps_patterns.n == 0:
        return 0
    tlen = ps_encode_tail(channel, chlen, msg, mlen)
    if ps_channels.n:
        node = ps_lookup(&ps_channels, channel, chlen, ps_hash(channel, chlen))
        if node != NULL:
            for j in range(node.nsubs):
                ps_deliver(<ClientBase>node.subs[j], b"*3\r\n$7\r\nmessage\r\n", 17, ps_scratch, tlen)
            receivers += node.nsubs
    if ps_patterns.n:
        for i in range(ps_patterns.nb):
            node = ps_patterns.b[i]
            while node != NULL:
                if fc_stringmatchlen(node.name, <int>node.len, channel, <int>chlen, 0):
                    if node.len + 48 <= sizeof(hdr):
                        phdr = hdr
                    else:
                        phdr = <char *>fc_malloc(node.len + 48)
                    memcpy(phdr, b"*4\r\n$8\r\npmessage\r\n", 18)
                    hlen = 18 + ps_put_bulk(phdr + 18, node.name, node.len)
                    for j in range(node.nsubs):
                        ps_deliver(<ClientBase>node.subs[j], phdr, hlen, ps_scratch, tlen)
                    receivers += node.nsubs
                    if phdr != hdr:
                        fc_free(phdr)
                node = node.next
    ps_scratch_release()
    return receivers

cdef long long pubsub_publish_shard(const char *channel, size_t chlen,
                                    const char *msg, size_t mlen) noexcept:
    """SPUBLISH: shard channel subscribers only, as [smessage, channel, message]."""
    cdef ps_node *node
    cdef size_t tlen
    cdef int j
    if ps_shardchannels.n == 0:
        return 0
    node = ps_lookup(&ps_shardchannels, channel, chlen, ps_hash(channel, chlen))
    if node == NULL:
        return 0
    tlen = ps_encode_tail(channel, chlen, msg, mlen)
    for j in range(node.nsubs):
        ps_deliver(<ClientBase>node.subs[j], b"*3\r\n$8\r\nsmessage\r\n", 18, ps_scratch, tlen)
    ps_scratch_release()
    return node.nsubs

# ---------------------------------------------------------------- commands

cdef void ps_bind_loop() noexcept:
    global ps_call_soon
    if ps_call_soon is None:
        try:
            ps_call_soon = _asyncio.get_running_loop().call_soon
        except BaseException:
            pass

cdef void cmd_subscribe(ClientBase c) noexcept:
    cdef int j
    ps_bind_loop()
    for j in range(1, c.argc):
        ps_subscribe(c, &ps_channels, &c.ps_chans, c.argv[j], c.argvlen[j])
        # a repeated channel is answered again with the unchanged count
        ps_reply_subscription(c, b"subscribe", 9, c.argv[j], c.argvlen[j], False, ps_count(c))

cdef void cmd_ssubscribe(ClientBase c) noexcept:
    cdef int j
    ps_bind_loop()
    for j in range(1, c.argc):
        ps_subscribe(c, &ps_shardchannels, &c.ps_shards, c.argv[j], c.argvlen[j])
        ps_reply_subscription(c, b"ssubscribe", 10, c.argv[j], c.argvlen[j], False,
                              <long long>c.ps_shards.n)

cdef void cmd_psubscribe(ClientBase c) noexcept:
    cdef int j
    ps_bind_loop()
    for j in range(1, c.argc):
        ps_psubscribe(c, c.argv[j], c.argvlen[j])
        ps_reply_subscription(c, b"psubscribe", 10, c.argv[j], c.argvlen[j], False, ps_count(c))

cdef void ps_unsubscribe_generic(ClientBase c, ps_table *t, ps_pset *mine,
                                 const char *kind, size_t klen, bint shard) noexcept:
    cdef int j
    cdef ps_node *node
    if c.argc == 1:
        ps_unsubscribe_all(c, t, mine, True, kind, klen, shard)
    else:
        for j in range(1, c.argc):
            node = ps_lookup(t, c.argv[j], c.argvlen[j], ps_hash(c.argv[j], c.argvlen[j]))
            if node != NULL and pset_has(mine, node):
                ps_unsubscribe_node(c, t, mine, node, True, kind, klen, shard)
            else:
                # not subscribed: still answered, with the current count
                ps_reply_subscription(c, kind, klen, c.argv[j], c.argvlen[j], False,
                                      <long long>c.ps_shards.n if shard else ps_count(c))
    ps_update_flag(c)

cdef void cmd_unsubscribe(ClientBase c) noexcept:
    ps_unsubscribe_generic(c, &ps_channels, &c.ps_chans, b"unsubscribe", 11, False)

cdef void cmd_sunsubscribe(ClientBase c) noexcept:
    ps_unsubscribe_generic(c, &ps_shardchannels, &c.ps_shards, b"sunsubscribe", 12, True)

cdef void cmd_punsubscribe(ClientBase c) noexcept:
    cdef int i, j
    cdef bint found
    if c.argc == 1:
        if c.ps_npats == 0:
            ps_reply_subscription(c, b"punsubscribe", 12, NULL, 0, True, ps_count(c))
        while c.ps_npats > 0:
            ps_punsubscribe_at(c, 0, True)
    else:
        for j in range(1, c.argc):
            found = False
            for i in range(c.ps_npats):
                if (<ps_node *>c.ps_pats[i]).len == c.argvlen[j] and \
                        memcmp((<ps_node *>c.ps_pats[i]).name, c.argv[j], c.argvlen[j]) == 0:
                    ps_punsubscribe_at(c, i, True)
                    found = True
                    break
            if not found:
                ps_reply_subscription(c, b"punsubscribe", 12, c.argv[j], c.argvlen[j], False,
                                      ps_count(c))
    ps_update_flag(c)

cdef void cmd_publish(ClientBase c) noexcept:
    # Redis also propagates PUBLISH to replicas (not to the AOF); the one
    # propagation stream here feeds both, so it is not propagated yet.
    add_reply_int(c, pubsub_publish(c.argv[1], c.argvlen[1], c.argv[2], c.argvlen[2]))

cdef void cmd_spublish(ClientBase c) noexcept:
    add_reply_int(c, pubsub_publish_shard(c.argv[1], c.argvlen[1], c.argv[2], c.argvlen[2]))

cdef void ps_reply_channels(ClientBase c, ps_table *t) noexcept:
    """PUBSUB (SHARD)CHANNELS [pattern]: active channels (those with a
    subscriber), in table order; the count is only known after matching."""
    cdef const char *pat = NULL
    cdef int plen = 0
    cdef size_t i
    cdef long long n = 0
    cdef ps_node *node
    if c.argc > 3:
        ps_reply_subcommand_syntax(c)
        return
    if c.argc == 3:
        pat = c.argv[2]
        plen = <int>c.argvlen[2]
    for i in range(t.nb):
        node = t.b[i]
        while node != NULL:
            if pat == NULL or fc_stringmatchlen(pat, plen, node.name, <int>node.len, 0):
                n += 1
            node = node.next
    add_reply_array_len(c, n)
    for i in range(t.nb):
        node = t.b[i]
        while node != NULL:
            if pat == NULL or fc_stringmatchlen(pat, plen, node.name, <int>node.len, 0):
                add_reply_bulk(c, node.name, node.len)
            node = node.next

cdef void ps_reply_numsub(ClientBase c, ps_table *t) noexcept:
    """[channel, count, ...] as a flat array in both protocols (Redis 7.0)."""
    cdef int j
    cdef ps_node *node
    add_reply_array_len(c, (c.argc - 2) * 2)
    for j in range(2, c.argc):
        node = ps_lookup(t, c.argv[j], c.argvlen[j], ps_hash(c.argv[j], c.argvlen[j]))
        add_reply_bulk(c, c.argv[j], c.argvlen[j])
        add_reply_int(c, node.nsubs if node != NULL else 0)

cdef void ps_reply_subcommand_syntax(ClientBase c) noexcept:
    # addReplySubcommandSyntaxError: the subcommand as typed, the command upper-cased
    add_reply_error_py(c, b"ERR unknown subcommand or wrong number of arguments for '"
                       + _cstr_trunc(argv_bytes(c, 1), 128) + b"'. Try "
                       + argv_bytes(c, 0).upper() + b" HELP.")

cdef void cmd_pubsub_channels(ClientBase c) noexcept:
    ps_reply_channels(c, &ps_channels)

cdef void cmd_pubsub_shardchannels(ClientBase c) noexcept:
    ps_reply_channels(c, &ps_shardchannels)

cdef void cmd_pubsub_numsub(ClientBase c) noexcept:
    ps_reply_numsub(c, &ps_channels)

cdef void cmd_pubsub_shardnumsub(ClientBase c) noexcept:
    ps_reply_numsub(c, &ps_shardchannels)

cdef void cmd_pubsub_numpat(ClientBase c) noexcept:
    # Redis 7.0 counts distinct patterns (dictSize(server.pubsub_patterns))
    add_reply_int(c, <long long>ps_patterns.n)

cdef void cmd_pubsub_help(ClientBase c) noexcept:
    add_reply_help(c, b"pubsub", [
        b"CHANNELS [<pattern>]",
        b"    Return the currently active channels matching a <pattern> (default: '*').",
        b"NUMPAT",
        b"    Return number of subscriptions to patterns.",
        b"NUMSUB [<channel> ...]",
        b"    Return the number of subscribers for the specified channels, excluding",
        b"    pattern subscriptions(default: no channels).",
        b"SHARDCHANNELS [<pattern>]",
        b"    Return the currently active shard level channels matching a <pattern> (default: '*').",
        b"SHARDNUMSUB [<shardchannel> ...]",
        b"    Return the number of subscribers for the specified shard level channel(s)",
    ])

cdef bint ps_allowed_when_subscribed(fc_command *cmd) noexcept:
    """RESP2 subscribed mode lets through only (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE,
    PING, QUIT and RESET (processCommand compares the procs)."""
    cdef cmd_proc p = cmd.proc
    if (p == cmd_ping or p == cmd_subscribe or p == cmd_ssubscribe or p == cmd_psubscribe or
            p == cmd_unsubscribe or p == cmd_sunsubscribe or p == cmd_punsubscribe or p == cmd_quit):
        return True
    # RESET is a Python handler (connection.py): recognised by name
    return cmd.parent == NULL and cmd.namelen == 5 and memcmp(cmd.name, b"reset", 5) == 0

cdef bint ps_is_subscription_cmd(fc_command *cmd) noexcept:
    """(P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE: their whole output is pushes."""
    cdef cmd_proc p = cmd.proc
    return (p == cmd_subscribe or p == cmd_ssubscribe or p == cmd_psubscribe or
            p == cmd_unsubscribe or p == cmd_sunsubscribe or p == cmd_punsubscribe)

cdef void ps_reject_subscribed(ClientBase c, fc_command *cmd) noexcept:
    add_reply_error_py(c, b"ERR Can't execute '" + <bytes>cmd.name + b"': only (P|S)SUBSCRIBE / "
                       b"(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")

# ---------------------------------------------------------------- Python API

def pubsub_reset(ClientBase c):
    """RESET's share: drop every subscription without replies."""
    pubsub_unsubscribe_everything(c)

def pubsub_info():
    """(channels, patterns, shard channels) for INFO stats."""
    return ps_channels.n, ps_patterns.n, ps_shardchannels.n

def publish(bytes channel, bytes message):
    """Publish from Python (tests, admin paths); returns the receiver count."""
    cdef long long n = pubsub_publish(PyBytes_AS_STRING(channel), PyBytes_GET_SIZE(channel),
                                      PyBytes_AS_STRING(message), PyBytes_GET_SIZE(message))
    return n
