# db.pxi — databases: the keyspace dict, the expiry dict, lookups with lazy expiry,
# and Redis's adaptive active-expiry cycle.
#
# Design note.  Each database has two dicts: `keys` (fc_entry nodes) and `expires`
# (fc_expnode: key copy + absolute unix time in ms).  An entry with a TTL carries
# EF_HAS_EXPIRE, so keys without TTL never touch the expiry dict.  The expiry
# dict keeps its own key copy, so entries can be reallocated freely.
#
# Lookups expire lazily: a key whose time has passed is deleted on access (and
# counted in expired_keys), exactly where Redis's expireIfNeeded runs.  The cron
# runs active_expire_cycle() which samples keys with a TTL, deletes expired ones
# and repeats while more than 10% of a sample was stale, within a CPU budget of
# 25% of the cron period (ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC) — Redis's algorithm.

cdef struct fc_expnode:
    fc_expnode *next
    uint32_t klen
    uint32_t pad
    long long when

ctypedef struct fc_db:
    fc_dict keys
    fc_dict expires
    int id
    uint64_t expires_cursor
    long long avg_ttl

cdef fc_db *dbs = NULL
cdef int ndbs = 0
cdef uint64_t rnd_state = 0x9E3779B97F4A7C15ULL
cdef bint expire_enabled_for_lookups = True

cdef void dbs_init(int n) noexcept nogil:
    global dbs, ndbs
    cdef int i
    dbs = <fc_db *>fc_calloc(n * sizeof(fc_db))
    ndbs = n
    for i in range(n):
        dict_init(&dbs[i].keys, sizeof(fc_entry))
        dict_init(&dbs[i].expires, sizeof(fc_expnode))
        dbs[i].id = i

cdef inline char *expnode_key(fc_expnode *x) noexcept nogil:
    return (<char *>x) + sizeof(fc_expnode)

cdef long long db_get_expire(fc_db *db, fc_entry *e) noexcept nogil:
    """Absolute expire time in ms, or -1 when the key has no TTL."""
    cdef fc_node *n
    if not (e.flags & EF_HAS_EXPIRE):
        return -1
    n = dict_find(&db.expires, entry_key(e), e.klen)
    if n == NULL:
        return -1
    return (<fc_expnode *>n).when

cdef void db_set_expire(fc_db *db, fc_entry *e, long long when) noexcept nogil:
    cdef fc_node *n
    cdef fc_expnode *x
    if e.flags & EF_HAS_EXPIRE:
        n = dict_find(&db.expires, entry_key(e), e.klen)
        if n != NULL:
            (<fc_expnode *>n).when = when
            return
    x = <fc_expnode *>fc_malloc(sizeof(fc_expnode) + e.klen)
    x.klen = e.klen
    x.pad = 0
    x.when = when
    memcpy(expnode_key(x), entry_key(e), e.klen)
    dict_insert(&db.expires, <fc_node *>x, dict_hash(entry_key(e), e.klen))
    e.flags |= EF_HAS_EXPIRE

cdef bint db_remove_expire(fc_db *db, fc_entry *e) noexcept nogil:
    """Drop the key's TTL; True if it had one."""
    cdef fc_node **slot
    cdef fc_node *n
    if not (e.flags & EF_HAS_EXPIRE):
        return False
    e.flags &= ~EF_HAS_EXPIRE
    slot = dict_find_slot(&db.expires, entry_key(e), e.klen, dict_hash(entry_key(e), e.klen))
    if slot == NULL:
        return False
    n = slot[0]
    dict_unlink_slot(&db.expires, slot)
    fc_free(n)
    return True

cdef inline fc_entry **db_find_slot(fc_db *db, const char *key, size_t klen) noexcept nogil:
    return <fc_entry **>dict_find_slot(&db.keys, key, klen, dict_hash(key, klen))

cdef void db_unlink_free(fc_db *db, fc_entry **slot) noexcept nogil:
    """Remove the entry at slot (from the latest find) and free it with its TTL."""
    cdef fc_entry *e = slot[0]
    dict_unlink_slot(&db.keys, <fc_node **>slot)
    if e.flags & EF_HAS_EXPIRE:
        db_remove_expire(db, e)
    entry_free(e)

cdef fc_entry **db_lookup_slot(fc_db *db, const char *key, size_t klen) noexcept:
    """Find a live key: an expired one is deleted on the spot (lazy expiry).
    Returns the dict slot pointing at it, or NULL."""
    cdef fc_entry **slot = db_find_slot(db, key, klen)
    cdef fc_entry *e
    cdef long long when
    if slot == NULL:
        return NULL
    e = slot[0]
    if FC_UNLIKELY(e.flags & EF_HAS_EXPIRE) and expire_enabled_for_lookups:
        when = db_get_expire(db, e)
        if when >= 0 and when < srv.mstime:
            # propagate.pxi: an expired key is propagated as DEL, before the
            # command that found it (deleteExpiredKeyAndPropagate)
            if FC_UNLIKELY(prop_on):
                prop_expired_key(db, key, klen)
            db_delete(db, key, klen)
            # notify.pxi / multi.pxi: deleteExpiredKeyAndPropagate's "expired"
            # event (class x) and WATCH invalidation, as for active expiry
            notify_keyspace_event(NOTIFY_EXPIRED, b"expired", key, klen, db.id)
            signal_modified_key(db, key, klen)
            srv.stat_expiredkeys += 1
            return NULL
    return slot

cdef bint active_expire_delete(fc_db *db, fc_expnode *x) noexcept:
    """Delete an expired key found by the active cycle, then send its "expired"
    event and WATCH signal -- after the delete, as deleteExpiredKeyAndPropagate
    does.  The key bytes live in the node being freed, so they are copied first
    (on the stack for the usual short keys)."""
    cdef char small[128]
    cdef size_t klen = x.klen
    cdef char *key = &small[0]
    cdef bint deleted
    if klen > sizeof(small):
        key = <char *>fc_malloc(klen)
    memcpy(key, expnode_key(x), klen)
    deleted = db_delete(db, key, klen)
    if deleted:
        notify_keyspace_event(NOTIFY_EXPIRED, b"expired", key, klen, db.id)
        signal_modified_key(db, key, klen)
    if key != &small[0]:
        fc_free(key)
    return deleted

cdef bint db_delete(fc_db *db, const char *key, size_t klen) noexcept nogil:
    cdef fc_entry **slot = db_find_slot(db, key, klen)
    if slot == NULL:
        return False
    db_unlink_free(db, slot)
    return True

cdef inline void db_add_quiet(fc_db *db, fc_entry *e) noexcept nogil:
    """Insert an entry whose key is known to be absent, without the "new"
    keyspace event (Redis's dbAddRDBLoad path: loading emits no events)."""
    dict_insert(&db.keys, <fc_node *>e, dict_hash(entry_key(e), e.klen))
    # blocked.pxi: a new list/zset wakes clients blocked on the key (Redis's
    # signalKeyAsReady in dbAdd); bk_nkeys counts keys with waiters
    if FC_UNLIKELY(bk_nkeys > 0):
        signal_key_ready(db, e)

cdef inline void db_add(fc_db *db, fc_entry *e) noexcept:
    """Insert an entry whose key is known to be absent (dbAdd).  Emits the
    "new" event (class n) before the command's own event, as dbAdd does."""
    db_add_quiet(db, e)
    notify_keyspace_event(NOTIFY_NEW, b"new", entry_key(e), e.klen, db.id)

cdef inline void db_replace(fc_db *db, fc_entry **slot, fc_entry *n, bint keepttl) noexcept nogil:
    """Put `n` where the old entry was (same key) and free the old one.  With
    keepttl the TTL stays; otherwise it is removed (SET semantics)."""
    cdef fc_entry *old = slot[0]
    n.next = old.next
    # dbOverwrite: under an LFU policy the key keeps its access counter
    if FC_UNLIKELY(srv.maxmemory_policy & MAXMEMORY_FLAG_LFU):
        n.lru = old.lru
    if old.flags & EF_HAS_EXPIRE:
        if keepttl:
            n.flags |= EF_HAS_EXPIRE
        else:
            db_remove_expire(db, old)
    slot[0] = n
    old.flags &= ~EF_HAS_EXPIRE
    entry_free(old)

cdef void db_set_string(fc_db *db, const char *key, size_t klen, const char *val, size_t vlen,
                        int how, bint keepttl) noexcept:
    """setKey for strings: add or overwrite.  Same-size small values are rewritten
    in place (no allocation), keeping the TTL only with keepttl."""
    cdef fc_entry **slot = db_find_slot(db, key, klen)
    cdef fc_entry *e
    cdef long long v
    if slot == NULL:
        db_add(db, entry_new_string(key, klen, val, vlen, how))
        return
    e = slot[0]
    if (e.type == OBJ_STRING and e.enc == ENC_EMBSTR and how != STR_RAW and vlen <= EMBSTR_SIZE_LIMIT
            and not (how == STR_TRY and string_is_canonical_int(val, vlen, &v))
            and sizeof(fc_entry) + klen + vlen <= fc_malloc_size(e)):
        memcpy(entry_payload(e), val, vlen)
        e.vlen = <uint32_t>vlen
        # a new object in Redis (LRU: now); under LFU dbOverwrite keeps the
        # counter, which the caller's lookup already bumped
        if not (srv.maxmemory_policy & MAXMEMORY_FLAG_LFU):
            e.lru = srv.lruclock
        if not keepttl and (e.flags & EF_HAS_EXPIRE):
            db_remove_expire(db, e)
        return
    db_replace(db, slot, entry_new_string(key, klen, val, vlen, how), keepttl)

cdef void db_empty(fc_db *db) noexcept nogil:
    """FLUSHDB: free every entry and expiry node, and the tables."""
    cdef int t
    cdef uint64_t i
    cdef fc_node *n
    cdef fc_node *nxt
    cdef fc_dict *d
    cdef int which
    for which in range(2):
        d = &db.keys if which == 0 else &db.expires
        for t in range(2):
            for i in range(d.size[t]):
                n = d.table[t][i]
                while n != NULL:
                    nxt = n.next
                    if d == &db.keys:
                        entry_free(<fc_entry *>n)
                    else:
                        fc_free(n)
                    n = nxt
        dict_release_tables(d)
    db.expires_cursor = 0
    db.avg_ttl = 0

cdef void db_swap(fc_db *a, fc_db *b) noexcept nogil:
    """SWAPDB: exchange contents, keep ids."""
    cdef fc_db tmp = a[0]
    cdef int ida = a.id
    cdef int idb = b.id
    a[0] = b[0]
    b[0] = tmp
    a.id = ida
    b.id = idb
    # blocked.pxi: clients wait on a db id, not its contents (Redis 7.0's
    # scanDatabaseForReadyKeys after swapping)
    bk_scan_db_ready(ida)
    bk_scan_db_ready(idb)

# ---- active expiry -------------------------------------------------------------

cdef enum:
    ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP = 20
    ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC = 25
    ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE = 10

cdef int expire_cycle_db = 0

cdef long long active_expire_cycle() noexcept:
    """One slow cycle (called hz times a second).  Returns keys expired."""
    global expire_cycle_db
    cdef long long start = fc_monotonic_us()
    cdef long long timelimit = 1000000 * ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC // srv.hz // 100
    cdef long long expired_total = 0
    cdef long long now
    cdef int dbs_per_call = ndbs
    cdef int j, checked_buckets, max_buckets, sampled, expired, t
    cdef fc_db *db
    cdef fc_dict *d
    cdef fc_expnode *x
    cdef fc_expnode *nxt
    cdef uint64_t idx
    cdef bint timelimit_exit = False
    if timelimit <= 0:
        timelimit = 1
    update_cached_time()
    now = srv.mstime
    for j in range(dbs_per_call):
        if timelimit_exit:
            break
        db = &dbs[expire_cycle_db % ndbs]
        expire_cycle_db += 1
        while True:
            d = &db.expires
            if dict_size(d) == 0:
                db.avg_ttl = 0
                break
            sampled = 0
            expired = 0
            checked_buckets = 0
            # chains are walked while nodes are deleted: no rehash may move them
            d.pauserehash += 1
            max_buckets = ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP * 20
            while sampled < ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP and checked_buckets < max_buckets:
                for t in range(2):
                    if t == 1 and not dict_is_rehashing(d):
                        break
                    idx = db.expires_cursor & (d.size[t] - 1)
                    # skip buckets table 0 already moved during rehash
                    if t == 0 and dict_is_rehashing(d) and <long long>idx < d.rehashidx:
                        continue
                    x = <fc_expnode *>d.table[t][idx]
                    while x != NULL:
                        nxt = x.next
                        sampled += 1
                        if x.when < now:
                            if prop_on:     # DEL before the key bytes are freed
                                prop_expired_key(db, expnode_key(x), x.klen)
                            if active_expire_delete(db, x):
                                expired += 1
                        x = nxt
                db.expires_cursor += 1
                checked_buckets += 1
                if dict_size(d) == 0:
                    break
            d.pauserehash -= 1
            expired_total += expired
            srv.stat_expiredkeys += expired
            if fc_monotonic_us() - start > timelimit:
                timelimit_exit = True
                srv.stat_expired_time_cap_reached_count += 1
                break
            if sampled == 0 or expired * 100 // sampled <= ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE:
                break
    srv.stat_expire_cycle_time_used += fc_monotonic_us() - start
    return expired_total
