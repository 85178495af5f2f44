# evict.pxi — maxmemory eviction and OOM refusals (Redis 7.0 evict.c).
#
# Design note.  execute_command() calls evict_before_command() before every
# command when maxmemory is set (one predictable branch when it is 0, the
# default).  perform_evictions() compares the counting allocator's total
# (fc_used_memory, INFO used_memory) with maxmemory and, under an evicting
# policy, deletes keys until the excess is freed, nothing is left to evict, or
# the time budget of maxmemory-eviction-tenacity ran out (then the next command
# continues: Redis's EVICT_RUNNING, not an OOM).  As in Redis, the memory
# freed is measured around the delete alone (what the DEL costs in the
# propagation stream or in subscribers' buffers is not held against it, or the
# loop might never end).
#
# Choosing the key, per policy (Redis's algorithm):
#   *-random      round-robin over the databases, a random key of the first
#                 non-empty dict (keys, or expires for volatile-*);
#   *-lru/lfu/ttl approximated: every round samples maxmemory-samples keys of
#                 each database into a 16-slot pool kept sorted by "idle" score
#                 (LRU idle time; 255 - LFU counter; ULLONG_MAX - expire time),
#                 then evicts the best pool entry that still exists.  The pool
#                 lives across calls, so good candidates accumulate.
# Each evicted key is deleted, counted (evicted_keys), signals WATCH,
# propagates `DEL key` (each on its own: outside a command prop_op_end writes
# it out at once, as 7.0.15's propagatePendingCommands after every eviction)
# and publishes the "evicted" keyspace event (class e) -- in that order.
#
# LFU (Redis's logarithmic counter): under an LFU policy an entry's 24-bit lru
# field holds 16 bits of "minutes" (last decrement time) and an 8-bit counter
# starting at LFU_INIT_VAL; entry_touch() applies the decay (lfu-decay-time) and
# a probabilistic increment (lfu-log-factor) on access.  Otherwise lru is the
# LRU clock (1000 ms resolution, common.pxi).
#
# When a pass stops on its time budget, or CONFIG SET maxmemory changes the
# limit, an event-loop callback continues (Redis's evictionTimeProc).
#
# Not done: replica-ignore-maxmemory is approximated (the core has no replica
# role: commands from the master link are never refused nor evict, other
# clients of a replica are treated as on a master), client eviction
# (maxmemory-clients), and mem_not_counted_for_evict (replica/AOF buffers are
# counted like everything else).

from libc.math cimport pow as c_pow

cdef enum:
    MAXMEMORY_FLAG_ALLKEYS = 1 << 2
    # Redis's policy numbers (server.h MAXMEMORY_*): a family in bits 8+ plus flags
    MM_VOLATILE_LRU = (0 << 8) | MAXMEMORY_FLAG_LRU
    MM_VOLATILE_LFU = (1 << 8) | MAXMEMORY_FLAG_LFU
    MM_VOLATILE_TTL = 2 << 8
    MM_VOLATILE_RANDOM = 3 << 8
    MM_ALLKEYS_LRU = (4 << 8) | MAXMEMORY_FLAG_LRU | MAXMEMORY_FLAG_ALLKEYS
    MM_ALLKEYS_LFU = (5 << 8) | MAXMEMORY_FLAG_LFU | MAXMEMORY_FLAG_ALLKEYS
    MM_ALLKEYS_RANDOM = (6 << 8) | MAXMEMORY_FLAG_ALLKEYS
    MM_NO_EVICTION = 7 << 8

cdef enum:
    EVPOOL_SIZE = 16
    EVPOOL_KEYBUF = 255     # keys up to this long are kept inside the pool slot
    EVICT_OK = 0
    EVICT_RUNNING = 1
    EVICT_FAIL = 2
    LFU_INIT_VAL_EV = 5     # = rdb.pxi's LFU_INIT_VAL (a new key's counter)
    EVICT_MAX_SAMPLES = 64  # samples per db per round (maxmemory-samples is capped here)

cdef int evict_policy = MM_NO_EVICTION
cdef int evict_samples = 5
cdef int evict_tenacity = 10
cdef int lfu_log_factor = 10
cdef int lfu_decay_time = 1
cdef uint64_t evict_rnd = 0x2545F4914F6CDD1DULL
cdef int evict_next_db = 0
# server.pre_command_oom_state: OOM detected before the running command (a
# script's first write then fails, scriptVerifyOOM).  Cleared for scripts and
# functions that declared flags: those were refused up front unless they allow
# OOM or make no writes.
cdef bint evict_oom_state = False
# total_eviction_exceeded_time / current_eviction_exceeded_time (INFO stats):
# how long used memory stayed above maxmemory (monotonic us; 0 = not over)
cdef long long evict_exceeded_since = 0
cdef long long evict_exceeded_total_us = 0

cdef struct ev_pool_entry:
    unsigned long long idle      # higher = better candidate
    int dbid
    int used
    size_t klen
    char *heapkey                # keys longer than EVPOOL_KEYBUF (fc_malloc)
    char buf[EVPOOL_KEYBUF]

cdef ev_pool_entry evpool[EVPOOL_SIZE]
memset(evpool, 0, sizeof(evpool))

# ---- LFU counter (evict.c's LFU* helpers) --------------------------------------------

cdef inline unsigned long lfu_minutes() noexcept nogil:
    return <unsigned long>((srv.mstime // 60000) & 65535)

cdef inline unsigned long lfu_decr_and_return(uint32_t lru) noexcept nogil:
    """The counter after the decay owed since its last decrement time: one per
    lfu-decay-time minutes (the 16-bit minutes clock wraps)."""
    cdef unsigned long ldt = lru >> 8
    cdef unsigned long counter = lru & 255
    cdef unsigned long now = lfu_minutes()
    cdef unsigned long elapsed = now - ldt if now >= ldt else 65535 - ldt + now
    cdef unsigned long periods = elapsed // <unsigned long>lfu_decay_time if lfu_decay_time > 0 else 0
    if periods:
        counter = 0 if periods > counter else counter - periods
    return counter

cdef inline unsigned long lfu_log_incr(unsigned long counter) noexcept nogil:
    """Increment with probability 1 / ((counter - LFU_INIT_VAL) * lfu-log-factor + 1),
    saturating at 255: a counter of 255 takes about a million hits (factor 10)."""
    cdef double r, base
    if counter >= 255:
        return 255
    r = <double>(xorshift64(&evict_rnd) >> 11) * (1.0 / 9007199254740992.0)
    base = <double>counter - LFU_INIT_VAL_EV
    if base < 0:
        base = 0
    if r < 1.0 / (base * lfu_log_factor + 1.0):
        counter += 1
    return counter

cdef inline uint32_t lfu_initial() noexcept nogil:
    return <uint32_t>((lfu_minutes() << 8) | LFU_INIT_VAL_EV)

cdef void lfu_update(fc_entry *e) noexcept nogil:
    """updateLFU: decay, then the logarithmic increment, stamped with now."""
    cdef unsigned long counter = lfu_log_incr(lfu_decr_and_return(e.lru))
    e.lru = <uint32_t>((lfu_minutes() << 8) | counter)

cdef inline void entry_touch(fc_entry *e) noexcept nogil:
    """An access (lookupKey): LFU counter under an LFU policy, else the LRU clock."""
    if FC_UNLIKELY(srv.maxmemory_policy & MAXMEMORY_FLAG_LFU):
        lfu_update(e)
    else:
        e.lru = srv.lruclock

cdef inline void evict_lfu_touch_key(fc_db *db, const char *key, size_t klen) noexcept nogil:
    """setKey's own lookupKeyWrite, for callers that set without a lookup
    (MSET, GETSET): bumps the LFU counter of an existing key.  Under LRU the
    new value gets the clock anyway."""
    cdef fc_entry **slot
    if FC_UNLIKELY(srv.maxmemory_policy & MAXMEMORY_FLAG_LFU):
        slot = db_find_slot(db, key, klen)
        if slot != NULL:
            lfu_update(slot[0])

cdef inline uint32_t entry_initial_lru() noexcept nogil:
    """createObject's lru field: LFU_INIT_VAL under an LFU policy, else now."""
    if FC_UNLIKELY(srv.maxmemory_policy & MAXMEMORY_FLAG_LFU):
        return lfu_initial()
    return srv.lruclock

cdef inline unsigned long long lru_idle_ms(fc_entry *e) noexcept nogil:
    """estimateObjectIdleTime (the 24-bit clock wraps)."""
    if srv.lruclock >= e.lru:
        return <unsigned long long>(srv.lruclock - e.lru) * LRU_CLOCK_RESOLUTION
    return <unsigned long long>(srv.lruclock + (LRU_CLOCK_MAX - e.lru)) * LRU_CLOCK_RESOLUTION

# ---- sampling --------------------------------------------------------------------------

cdef int dict_some_nodes(fc_dict *d, fc_node **out, int count) noexcept nogil:
    """Up to `count` nodes from a random stretch of buckets (dictGetSomeKeys:
    cheap, not uniform; good enough to feed the pool).  Both tables are walked
    during a rehash; buckets of table 0 below rehashidx are already empty."""
    cdef uint64_t size = dict_size(d)
    cdef uint64_t mask, i
    cdef long long steps
    cdef int stored = 0, empty_run = 0, t, ntables
    cdef fc_node *n
    if size == 0 or count <= 0:
        return 0
    if <uint64_t>count > size:
        count = <int>size
    ntables = 2 if dict_is_rehashing(d) else 1
    mask = d.size[0] - 1
    if ntables == 2 and d.size[1] > d.size[0]:
        mask = d.size[1] - 1
    i = xorshift64(&evict_rnd) & mask
    steps = <long long>count * 10
    while stored < count and steps > 0:
        steps -= 1
        for t in range(ntables):
            if t == 0 and ntables == 2 and <long long>i < d.rehashidx:
                continue
            if i >= d.size[t]:
                continue
            n = d.table[t][i]
            if n == NULL:
                empty_run += 1
                # a long run of empty buckets: jump somewhere else
                if empty_run >= 5 and empty_run > count:
                    i = xorshift64(&evict_rnd) & mask
                    empty_run = 0
            else:
                empty_run = 0
                while n != NULL and stored < count:
                    out[stored] = n
                    stored += 1
                    n = n.next
            if stored >= count:
                break
        i = (i + 1) & mask
    return stored

cdef inline const char *evpool_key(ev_pool_entry *p) noexcept nogil:
    return p.heapkey if p.heapkey != NULL else p.buf

cdef inline void evpool_clear(ev_pool_entry *p) noexcept nogil:
    if p.heapkey != NULL:
        fc_free(p.heapkey)
        p.heapkey = NULL
    p.used = 0
    p.idle = 0

cdef void evpool_insert(int dbid, const char *key, size_t klen, unsigned long long idle) noexcept nogil:
    """Keep the pool sorted by ascending idle (best candidate last).  A sample
    worse than every entry of a full pool is dropped; otherwise it goes in at
    its place, shifting right into free room, or pushing out the worst entry."""
    cdef int k = 0
    while k < EVPOOL_SIZE and evpool[k].used and evpool[k].idle < idle:
        k += 1
    if k == 0 and evpool[EVPOOL_SIZE - 1].used:
        return
    if k < EVPOOL_SIZE and not evpool[k].used:
        pass                                   # an empty slot at its place
    elif not evpool[EVPOOL_SIZE - 1].used:
        # room on the right: shift k..end-1 one step right (the last is empty)
        memmove(&evpool[k + 1], &evpool[k], sizeof(ev_pool_entry) * (EVPOOL_SIZE - k - 1))
        evpool[k].heapkey = NULL
        evpool[k].used = 0
    else:
        # full: drop the worst (slot 0) and shift 1..k-1 left
        k -= 1
        evpool_clear(&evpool[0])
        memmove(&evpool[0], &evpool[1], sizeof(ev_pool_entry) * k)
        evpool[k].heapkey = NULL
        evpool[k].used = 0
    # (a key sampled twice may sit in two slots: the copy left behind after
    # its eviction is a ghost, skipped by evict_best_from_pool, as in Redis)
    if klen > EVPOOL_KEYBUF:
        evpool[k].heapkey = <char *>fc_malloc(klen)
        memcpy(evpool[k].heapkey, key, klen)
    else:
        evpool[k].heapkey = NULL
        memcpy(evpool[k].buf, key, klen)
    evpool[k].klen = klen
    evpool[k].dbid = dbid
    evpool[k].idle = idle
    evpool[k].used = 1

cdef void evpool_populate(fc_db *db) noexcept nogil:
    """Sample one database into the pool (evictionPoolPopulate)."""
    cdef fc_node *samples[EVICT_MAX_SAMPLES]
    cdef int count, j
    cdef int nsamples = evict_samples if evict_samples < EVICT_MAX_SAMPLES else EVICT_MAX_SAMPLES
    cdef bint allkeys = (evict_policy & MAXMEMORY_FLAG_ALLKEYS) != 0
    cdef fc_entry *e
    cdef fc_expnode *x
    cdef fc_entry **slot
    cdef unsigned long long idle
    count = dict_some_nodes(&db.keys if allkeys else &db.expires, samples, nsamples)
    for j in range(count):
        if allkeys:
            e = <fc_entry *>samples[j]
            x = NULL
        else:
            x = <fc_expnode *>samples[j]
            e = NULL
            if evict_policy != MM_VOLATILE_TTL:
                slot = db_find_slot(db, expnode_key(x), x.klen)
                if slot == NULL:
                    continue
                e = slot[0]
        if evict_policy & MAXMEMORY_FLAG_LRU:
            idle = lru_idle_ms(e)
        elif evict_policy & MAXMEMORY_FLAG_LFU:
            idle = 255 - lfu_decr_and_return(e.lru)
        else:
            # volatile-ttl: the sooner it expires, the better the candidate
            idle = <unsigned long long>0xFFFFFFFFFFFFFFFFULL - <unsigned long long>x.when
        if allkeys:
            evpool_insert(db.id, entry_key(e), e.klen, idle)
        else:
            evpool_insert(db.id, expnode_key(x), x.klen, idle)

# ---- evicting ------------------------------------------------------------------------

cdef size_t evict_key(fc_db *db, const char *key, size_t klen) noexcept:
    """Delete one key chosen for eviction; returns the memory its delete freed.
    `key` must not point into the entry (the caller passes a copy)."""
    cdef size_t before = fc_used_memory
    cdef size_t after
    if not db_delete(db, key, klen):
        return 0
    after = fc_used_memory
    srv.stat_evictedkeys += 1
    signal_modified_key(db, key, klen)
    if FC_UNLIKELY(prop_on):
        prop_expired_key(db, key, klen)        # `DEL key`, written out at once
    notify_keyspace_event(NOTIFY_EVICTED, b"evicted", key, klen, db.id)
    return before - after if before > after else 0

cdef long long evict_time_limit_us() noexcept nogil:
    """evictionTimeLimitUs: 50 us per tenacity step up to 10 (500 us), then 15%
    geometric growth; 100 means no limit."""
    if evict_tenacity <= 10:
        return 50 * evict_tenacity
    if evict_tenacity < 100:
        return <long long>(500.0 * c_pow(1.15, evict_tenacity - 10.0))
    return 0x7FFFFFFFFFFFFFFFLL

cdef size_t evict_best_from_pool(char *keybuf, size_t cap, char **heap, int *dbid) noexcept nogil:
    """Take the best pool entry whose key still exists (in keys, or in expires
    for volatile-*); copy its key out.  Returns its length, or (size_t)-1."""
    cdef int k
    cdef size_t klen
    cdef fc_db *db
    cdef bint found
    cdef const char *key
    for k in range(EVPOOL_SIZE - 1, -1, -1):
        if not evpool[k].used:
            continue
        db = &dbs[evpool[k].dbid]
        key = evpool_key(&evpool[k])
        klen = evpool[k].klen
        if evict_policy & MAXMEMORY_FLAG_ALLKEYS:
            found = db_find_slot(db, key, klen) != NULL
        else:
            found = dict_find(&db.expires, key, klen) != NULL
        if found:
            dbid[0] = evpool[k].dbid
            if klen > cap:
                heap[0] = <char *>fc_malloc(klen)
                memcpy(heap[0], key, klen)
            else:
                memcpy(keybuf, key, klen)
        evpool_clear(&evpool[k])
        if found:
            return klen
        # a ghost (deleted since sampled): try the next best
    return <size_t>-1

cdef int perform_evictions() noexcept:
    """performEvictions: EVICT_OK when memory is (now) under maxmemory,
    EVICT_RUNNING when the time budget ran out first, EVICT_FAIL when over the
    limit with nothing (more) to evict or under noeviction."""
    global evict_next_db
    cdef size_t used = fc_used_memory
    cdef size_t tofree, freed = 0
    cdef long long start, limit
    cdef long long keys_freed = 0
    cdef unsigned long long total_keys
    cdef int result = EVICT_FAIL
    cdef int i, j, dbid = 0
    cdef char keybuf[256]
    cdef char *heap = NULL
    cdef size_t klen
    cdef fc_db *db
    cdef fc_dict *d
    cdef fc_node *n
    if used <= <size_t>srv.maxmemory:
        result = EVICT_OK
    elif evict_policy != MM_NO_EVICTION:
        tofree = used - <size_t>srv.maxmemory
        start = fc_monotonic_us()
        limit = evict_time_limit_us()
        while freed < tofree:
            klen = <size_t>-1
            heap = NULL
            if evict_policy & (MAXMEMORY_FLAG_LRU | MAXMEMORY_FLAG_LFU) or evict_policy == MM_VOLATILE_TTL:
                while klen == <size_t>-1:
                    total_keys = 0
                    for i in range(ndbs):
                        db = &dbs[i]
                        d = &db.keys if evict_policy & MAXMEMORY_FLAG_ALLKEYS else &db.expires
                        if dict_size(d) != 0:
                            evpool_populate(db)
                            total_keys += dict_size(d)
                    if total_keys == 0:
                        break
                    klen = evict_best_from_pool(keybuf, sizeof(keybuf), &heap, &dbid)
            else:
                # random policies: round-robin over the databases
                for i in range(ndbs):
                    evict_next_db += 1
                    j = evict_next_db % ndbs
                    d = &dbs[j].keys if evict_policy & MAXMEMORY_FLAG_ALLKEYS else &dbs[j].expires
                    if dict_size(d) != 0:
                        n = dict_random_node(d, &evict_rnd)
                        klen = n.klen
                        if klen > sizeof(keybuf):
                            heap = <char *>fc_malloc(klen)
                        memcpy(heap if heap != NULL else keybuf, node_key(d, n), klen)
                        dbid = j
                        break
            if klen == <size_t>-1:
                break                              # nothing left to evict: EVICT_FAIL
            freed += evict_key(&dbs[dbid], heap if heap != NULL else keybuf, klen)
            if heap != NULL:
                fc_free(heap)
                heap = NULL
            keys_freed += 1
            # every 16 keys: stop when past the time budget (the next command
            # resumes; not an OOM refusal)
            if keys_freed % 16 == 0 and fc_monotonic_us() - start > limit:
                result = EVICT_RUNNING
                evict_start_timer()
                break
        else:
            result = EVICT_OK
    # eviction-exceeded time: from the first call over the limit to the first
    # call back under it
    if result == EVICT_OK:
        if evict_exceeded_since != 0:
            evict_exceeded_total_us_add(fc_monotonic_us() - evict_exceeded_since)
    elif evict_exceeded_since == 0:
        evict_exceeded_start()
    return result

# evictionTimeProc: when a pass stops on its time budget (or CONFIG SET
# maxmemory lowers the limit), eviction continues from the event loop on the
# next iterations, even with no command arriving.  Python objects only here,
# off the command path.
cdef bint evict_timer_pending = False

cdef void evict_start_timer() noexcept:
    global evict_timer_pending
    if evict_timer_pending:
        return
    try:
        import asyncio
        asyncio.get_running_loop().call_soon(_evict_timer_proc)
        evict_timer_pending = True
    except Exception:
        pass                    # no loop (start-up): the next command evicts

def _evict_timer_proc():
    global evict_timer_pending
    evict_timer_pending = False
    if srv.maxmemory != 0 and not script_running:
        perform_evictions()     # re-arms the timer while it returns EVICT_RUNNING

cdef inline void evict_exceeded_start() noexcept nogil:
    global evict_exceeded_since
    evict_exceeded_since = fc_monotonic_us()
    if evict_exceeded_since == 0:
        evict_exceeded_since = 1

cdef inline void evict_exceeded_total_us_add(long long us) noexcept nogil:
    global evict_exceeded_since, evict_exceeded_total_us
    evict_exceeded_total_us += us
    evict_exceeded_since = 0

# ---- processCommand's maxmemory block ----------------------------------------------

cdef bint evict_before_command(ClientBase c, fc_command *cmd) noexcept:
    """Evict if over maxmemory; then refuse, with -OOM, a denyoom command (an
    EXEC that queued one, an EVAL/FCALL whose script declares flags without
    allow-oom/no-writes) or anything but EXEC/DISCARD/QUIT/RESET inside MULTI
    (queueing takes memory too).  True when the command was refused."""
    global evict_oom_state
    cdef bint oom
    cdef bint reject
    cdef int sflags
    # the master link: a replica applies what its master sends, whatever its
    # own memory (Redis: replica-ignore-maxmemory, mustObeyClient)
    if c.is_master:
        evict_oom_state = False
        return False
    oom = perform_evictions() == EVICT_FAIL
    evict_oom_state = oom
    if not oom:
        return False
    reject = (cmd.flags & CMD_DENYOOM) != 0 or (
        cmd.proc == <cmd_proc>cmd_exec and (c.mcmd_flags & CMD_DENYOOM) != 0)
    if not reject and (cmd.flags & CMD_NOSCRIPT) and cmd.proc != NULL and cmd.parent == NULL:
        # EVAL*/FCALL*: the script's own flags decide (evalGetCommandFlags)
        sflags = script_oom_flags(c, cmd)
        if sflags >= 0:
            evict_oom_state = False            # flagged script: no per-call check
            reject = (sflags & 3) == 0          # neither allow-oom nor no-writes
    if ((c.mflags & MF_MULTI) and cmd.proc != <cmd_proc>cmd_exec and cmd.proc != <cmd_proc>cmd_discard
            and cmd.proc != <cmd_proc>cmd_quit
            and not (cmd.parent == NULL and cmd.namelen == 5 and memcmp(cmd.name, b"reset", 5) == 0)):
        reject = True
    if reject:
        reject_command(c, cmd, E_OOM)
        return True
    return False

cdef int script_oom_flags(ClientBase c, fc_command *cmd) noexcept:
    """For EVAL/EVALSHA(_RO) and FCALL(_RO): -1 when the script runs in
    compatibility mode (no shebang, unknown script or function), else bit 1 =
    allow-oom, bit 2 = no-writes.  Python objects only on this OOM path."""
    cdef object flags = None
    cdef bytes name
    try:
        if cmd.proc == <cmd_proc>cmd_eval or cmd.proc == <cmd_proc>cmd_eval_ro:
            from fastcache.scripting import parse_shebang
            try:
                flags = parse_shebang(argv_bytes(c, 1))[0]
            except ValueError:
                return -1
        elif cmd.proc == <cmd_proc>cmd_evalsha or cmd.proc == <cmd_proc>cmd_evalsha_ro:
            if c.argvlen[1] != 40 or _script_cache is None:
                return -1
            s = _script_cache.get(argv_bytes(c, 1).lower())
            if s is None:
                return -1
            flags = s.flags
        elif cmd.proc == <cmd_proc>cmd_fcall or cmd.proc == <cmd_proc>cmd_fcall_ro:
            if _fn_index is None:
                return -1
            name = argv_bytes(c, 1)
            f = _fn_index.get(name.lower())
            if f is None:
                return -1
            flags = f.flags
        else:
            return -1
    except Exception:
        return -1
    if flags is None:
        return -1
    return (1 if b"allow-oom" in flags else 0) | (2 if b"no-writes" in flags else 0)

cdef inline bint script_call_oom(fc_command *cmd) noexcept:
    """scriptVerifyOOM for redis.call in a script without flags: a denyoom
    command is refused while the server was OOM when the script started,
    unless the script already wrote something (it can't stop half-way)."""
    return evict_oom_state and srv.maxmemory != 0 and (cmd.flags & CMD_DENYOOM) != 0

# ---- Python API ----------------------------------------------------------------------

def evict_maxmemory_changed():
    """CONFIG SET maxmemory: Redis's updateMaxmemory starts the eviction timer
    rather than evicting inside CONFIG SET (so the eviction-exceeded clock
    starts right away under noeviction too)."""
    if srv.maxmemory != 0:
        evict_start_timer()

def evict_set_policy(str name):
    """maxmemory-policy by name (config.py validated it)."""
    global evict_policy
    evict_policy = {
        "volatile-lru": MM_VOLATILE_LRU, "volatile-lfu": MM_VOLATILE_LFU,
        "volatile-ttl": MM_VOLATILE_TTL, "volatile-random": MM_VOLATILE_RANDOM,
        "allkeys-lru": MM_ALLKEYS_LRU, "allkeys-lfu": MM_ALLKEYS_LFU,
        "allkeys-random": MM_ALLKEYS_RANDOM}.get(name, MM_NO_EVICTION)
    # a pool scored under another policy would mislead the next choice
    for i in range(EVPOOL_SIZE):
        evpool_clear(&evpool[i])

def evict_set_param(str name, long long value):
    """maxmemory-samples, maxmemory-eviction-tenacity, lfu-log-factor, lfu-decay-time."""
    global evict_samples, evict_tenacity, lfu_log_factor, lfu_decay_time
    if name == "maxmemory-samples":
        evict_samples = <int>value
    elif name == "maxmemory-eviction-tenacity":
        evict_tenacity = <int>value
    elif name == "lfu-log-factor":
        lfu_log_factor = <int>value
    elif name == "lfu-decay-time":
        lfu_decay_time = <int>value

def eviction_stats():
    """(total_eviction_exceeded_time, current_eviction_exceeded_time) in ms."""
    cdef long long cur = 0
    if evict_exceeded_since != 0:
        cur = fc_monotonic_us() - evict_exceeded_since
    # the total includes the stretch in progress (genRedisInfoString)
    return ((evict_exceeded_total_us + cur) // 1000, cur // 1000)

def eviction_reset_stats():
    """CONFIG RESETSTAT: Redis zeroes both eviction-exceeded timers."""
    global evict_exceeded_total_us, evict_exceeded_since
    evict_exceeded_total_us = 0
    evict_exceeded_since = 0

def perform_evictions_now():
    """Run one eviction pass (tests, the cron); returns 0 ok, 1 running, 2 fail."""
    return perform_evictions()
