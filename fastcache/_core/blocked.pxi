# blocked.pxi — blocking list and sorted-set commands (Redis blocked.c + the
# blocking halves of t_list.c / t_zset.c): BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP
# BZPOPMIN BZPOPMAX BZMPOP, CLIENT UNBLOCK's core, INFO's blocked counters.
#
# Design note.
#
# Parking.  A command that finds every key empty calls block_for_keys(): the
# client is registered on each key and "parked": qpos is rewound to the start of
# the command, so its bytes stay in qbuf (client_make_room keeps everything from
# cmd_start), and process_input() runs nothing more for this client until it is
# served, times out, is unblocked or disconnects.  Reading continues (like Redis,
# later pipelined input just accumulates in the query buffer), so a disconnect is
# seen at once.
#
# Serving = re-executing.  When a key with waiters becomes ready, each waiting
# client (FIFO per key) whose block type matches the key's current type gets its
# parked command re-parsed from qbuf and run again through its C proc.  If the
# command finds data it replies and the client is unblocked; if not (an earlier
# waiter took everything) it calls block_for_keys() again, which only re-parks it
# and keeps its place in every queue and its original deadline.  Re-execution
# gives Redis 7.0's served replies for free (BLMOVE to a destination of the wrong
# type replies WRONGTYPE and leaves the element in the source, as Redis's
# serveClientBlockedOnList does by pushing it back).  A client blocked on a key
# that now holds the other blockable type is skipped and keeps waiting (7.0's
# serveClientsBlockedOnListKey / ...SortedSetKey skip other btypes).
#
# Readiness.  db_add() (db.pxi) calls signal_key_ready() when the new value is a
# list or zset and some client waits on that key (Redis signals from dbAdd), so
# LPUSH/RPUSH/LMOVE/RPOPLPUSH/ZADD/ZINCRBY/ZUNIONSTORE.../RENAME/MOVE/COPY all
# wake waiters without per-command hooks; db_swap() rescans both databases
# (SWAPDB: clients wait on a db *id*).  Ready keys are served at the end of
# execute_command (dispatch.pxi), before any other command runs, like Redis's
# handleClientsBlockedOnKeys in processCommand.  Unblocked clients are queued and
# their output flushed / remaining pipelined input processed after that
# (Redis's processUnblockedClients), never re-entrantly.
#
# Timeouts.  Deadlines (absolute ms, cached-clock based; 0 = forever) of blocked
# clients live in a C binary min-heap; ONE loop timer (loop.call_at) is armed for
# the earliest deadline and re-armed when it fires or an earlier one arrives — no
# polling.  The timeout reply is a null array (RESP2 *-1, RESP3 _), for BLMOVE
# too, as replyToBlockedClientTimedOut does.
#
# Memory / references.  Per-db dicts (bk_dicts, intrusive dict.pxi nodes:
# bk_node with the key bytes after it) map key -> FIFO of bk_waiter; each blocked
# client owns one fc_malloc'ed array of waiters (one per distinct key).  A node
# is freed when its last waiter leaves, unless it sits in the ready list or is
# being served (then the server loop frees it).  A blocked client holds one
# reference to itself (Py_INCREF at block) released at unblock; the unblocked
# queue holds one reference per entry.  No Python object is created on the
# block/serve path; the timer hook is Python.

from libc.math cimport ceill, isnan as _bl_isnan
from cpython.ref cimport Py_INCREF, Py_DECREF

cdef enum:
    BLOCKED_NONE = 0
    BLOCKED_LIST = 1
    BLOCKED_ZSET = 2

cdef struct bk_node:
    fc_node *next           # fc_node header: next, klen
    uint32_t klen
    int dbid
    int busy                # > 0 while its waiters are being served
    int ready               # in the ready list
    bk_waiter *head
    bk_waiter *tail
    # key bytes follow (keyoff = sizeof(bk_node))

cdef struct bk_waiter:
    bk_waiter *next
    bk_waiter *prev
    bk_node *node
    PyObject *client        # borrowed: the client holds a self-reference while blocked

cdef fc_dict *bk_dicts = NULL         # one per db id, created at the first block
cdef long long bk_nkeys = 0           # live bk_nodes: db_add's fast-path test
cdef long long n_blocked_clients = 0
cdef bk_node **ready_keys = NULL
cdef int n_ready = 0
cdef int cap_ready = 0
cdef bint handling_ready = False
cdef PyObject **unblocked_q = NULL    # FIFO of unblocked clients (owned refs)
cdef int unblocked_head = 0
cdef int unblocked_tail = 0
cdef int cap_unblocked = 0
cdef bint processing_unblocked = False
cdef PyObject **theap = NULL          # min-heap of blocked clients by bdeadline
cdef int n_theap = 0
cdef int cap_theap = 0
cdef object _bl_timer = None          # the one armed TimerHandle
cdef long long _bl_timer_at = 0       # deadline (ms) it was armed for

cdef inline char *bk_key(bk_node *n) noexcept nogil:
    return (<char *>n) + sizeof(bk_node)

cdef inline ClientBase _bl_cl(PyObject *p):
    return <ClientBase>p

# ---- ready keys ----------------------------------------------------------------

cdef void bk_mark_ready(bk_node *n) noexcept nogil:
    global ready_keys, cap_ready, n_ready
    if n.ready:
        return
    if n_ready == cap_ready:
        cap_ready = 16 if cap_ready == 0 else cap_ready * 2
        ready_keys = <bk_node **>fc_realloc(ready_keys, cap_ready * sizeof(bk_node *))
    n.ready = 1
    ready_keys[n_ready] = n
    n_ready += 1

cdef void signal_key_ready(fc_db *db, fc_entry *e) noexcept nogil:
    """signalKeyAsReady: called by db_add for a new list/zset value; queues the
    key if clients wait on it (served after the current command)."""
    cdef fc_node *n
    if e.type != OBJ_LIST and e.type != OBJ_ZSET:
        return
    n = dict_find(&bk_dicts[db.id], entry_key(e), e.klen)
    if n != NULL:
        bk_mark_ready(<bk_node *>n)

cdef void bk_scan_db_ready(int dbid) noexcept nogil:
    """scanDatabaseForReadyKeys (SWAPDB): every waited-on key of db `dbid` that now
    holds a list or zset becomes ready."""
    cdef fc_dict *d
    cdef fc_node *n
    cdef fc_node *x
    cdef int t
    cdef uint64_t i
    if bk_dicts == NULL or bk_nkeys == 0:
        return
    d = &bk_dicts[dbid]
    for t in range(2):
        for i in range(d.size[t]):
            n = d.table[t][i]
            while n != NULL:
                x = dict_find(&dbs[dbid].keys, bk_key(<bk_node *>n), n.klen)
                if x != NULL and ((<fc_entry *>x).type == OBJ_LIST or (<fc_entry *>x).type == OBJ_ZSET):
                    bk_mark_ready(<bk_node *>n)
                n = n.next

cdef void bk_node_release(bk_node *n) noexcept nogil:
    """Free a node nobody waits on (unless it is queued or being served)."""
    global bk_nkeys
    cdef fc_dict *d
    cdef fc_node **slot
    if n.head != NULL or n.ready or n.busy:
        return
    d = &bk_dicts[n.dbid]
    slot = dict_find_slot(d, bk_key(n), n.klen, dict_hash(bk_key(n), n.klen))
    if slot != NULL:
        dict_unlink_slot(d, slot)
    bk_nkeys -= 1
    fc_free(n)
    if dict_size(d) == 0:
        dict_release_tables(d)      # no waiters left in this db: give the buckets back

# ---- the timeout heap ------------------------------------------------------------

cdef inline long long _dl(int i) noexcept:
    return (<ClientBase>theap[i]).bdeadline

cdef inline void _heap_set(int i, PyObject *p) noexcept:
    theap[i] = p
    (<ClientBase>p).bheap_idx = i

cdef void heap_sift_up(int i) noexcept:
    cdef PyObject *p = theap[i]
    cdef long long d = (<ClientBase>p).bdeadline
    cdef int parent
    while i > 0:
        parent = (i - 1) // 2
        if _dl(parent) <= d:
            break
        _heap_set(i, theap[parent])
        i = parent
    _heap_set(i, p)

cdef void heap_sift_down(int i) noexcept:
    cdef PyObject *p = theap[i]
    cdef long long d = (<ClientBase>p).bdeadline
    cdef int child
    while True:
        child = 2 * i + 1
        if child >= n_theap:
            break
        if child + 1 < n_theap and _dl(child + 1) < _dl(child):
            child += 1
        if _dl(child) >= d:
            break
        _heap_set(i, theap[child])
        i = child
    _heap_set(i, p)

cdef void heap_push(ClientBase c) noexcept:
    global theap, cap_theap, n_theap
    if n_theap == cap_theap:
        cap_theap = 16 if cap_theap == 0 else cap_theap * 2
        theap = <PyObject **>fc_realloc(theap, cap_theap * sizeof(PyObject *))
    _heap_set(n_theap, <PyObject *>c)
    n_theap += 1
    heap_sift_up(n_theap - 1)

cdef void heap_remove(ClientBase c) noexcept:
    global n_theap
    cdef int i = c.bheap_idx
    if i < 0:
        return
    c.bheap_idx = -1
    n_theap -= 1
    if i == n_theap:
        return
    _heap_set(i, theap[n_theap])
    heap_sift_down(i)
    heap_sift_up(i)

cdef void bl_arm_timer() noexcept:
    """Arm the one loop timer for the earliest deadline, unless a timer armed no
    later than it is pending (a stale early timer just re-arms when it fires)."""
    global _bl_timer, _bl_timer_at
    cdef long long d
    cdef double delay
    if n_theap == 0:
        return
    d = _dl(0)
    if _bl_timer is not None and _bl_timer_at <= d:
        return
    try:
        if _bl_timer is not None:
            _bl_timer.cancel()
        loop = _asyncio.get_event_loop()
        delay = (d - fc_ustime() // 1000) / 1000.0
        if delay < 0:
            delay = 0
        _bl_timer = loop.call_at(loop.time() + delay, _bl_timer_fired)
        _bl_timer_at = d
    except Exception as exc:
        _bl_timer = None
        if _log_exception is not None:
            _log_exception("cannot arm the blocked clients timer: %r" % (exc,), True)

def _bl_timer_fired():
    """Loop timer: reply to every blocked client whose deadline has passed."""
    global _bl_timer, _bl_timer_at
    cdef ClientBase c
    _bl_timer = None
    _bl_timer_at = 0
    update_cached_time()
    while n_theap > 0 and _dl(0) <= srv.mstime:
        c = <ClientBase>theap[0]
        add_reply_null_array(c)
        bl_count_call(c, False)
        unblock_client(c, True)
    process_unblocked_clients()
    bl_arm_timer()

# ---- blocking and unblocking ------------------------------------------------------

cdef void bl_count_call(ClientBase c, bint failed) noexcept:
    """updateStatsOnUnblock: a blocked command counts in commandstats once, when
    it is served, times out or is unblocked."""
    if c.lastcmd != NULL:
        c.lastcmd.calls += 1
        if failed:
            c.lastcmd.failed_calls += 1
        srv.stat_numcommands += 1

cdef void block_for_keys(ClientBase c, int btype, int first, int nkeys, long long deadline) noexcept:
    """blockForKeys: park c on argv[first:first+nkeys] (duplicates once).  Called
    again while the client is being served (re-execution found nothing), it only
    re-parks it, keeping its queue positions and original deadline."""
    global bk_dicts, bk_nkeys, n_blocked_clients
    cdef bk_waiter *ws
    cdef bk_waiter *w
    cdef bk_node *n
    cdef fc_node **slot
    cdef fc_dict *d
    cdef uint64_t h
    cdef int i, nw = 0
    cdef const char *key
    cdef size_t klen
    if FC_UNLIKELY(c.deny_blocking) and c.btype == BLOCKED_NONE:
        # inside EXEC (multi.pxi: CLIENT_DENY_BLOCKING) a blocking command must
        # not block: it answers as if it timed out at once, even with timeout 0
        add_reply_null_array(c)
        return
    c.qpos = c.cmd_start          # keep the command's bytes for re-execution
    c.bparked = True
    if c.btype != BLOCKED_NONE:
        return
    if bk_dicts == NULL:
        bk_dicts = <fc_dict *>fc_calloc(ndbs * sizeof(fc_dict))
        for i in range(ndbs):
            dict_init(&bk_dicts[i], sizeof(bk_node))
    d = &bk_dicts[c.db.id]
    ws = <bk_waiter *>fc_malloc(nkeys * sizeof(bk_waiter))
    for i in range(first, first + nkeys):
        key = c.argv[i]
        klen = c.argvlen[i]
        h = dict_hash(key, klen)
        slot = dict_find_slot(d, key, klen, h)
        if slot == NULL:
            n = <bk_node *>fc_malloc(sizeof(bk_node) + klen)
            memset(n, 0, sizeof(bk_node))
            n.klen = <uint32_t>klen
            n.dbid = c.db.id
            memcpy(bk_key(n), key, klen)
            dict_insert(d, <fc_node *>n, h)
            bk_nkeys += 1
        else:
            n = <bk_node *>slot[0]
            # this client's waiters are appended together: a repeated key shows
            # up as our own waiter at the tail (Redis ignores repeated keys)
            if n.tail != NULL and n.tail.client == <PyObject *>c:
                continue
        w = &ws[nw]
        nw += 1
        w.node = n
        w.client = <PyObject *>c
        w.next = NULL
        w.prev = n.tail
        if n.tail != NULL:
            n.tail.next = w
        else:
            n.head = w
        n.tail = w
    c.bwaiters = ws
    c.bnwaiters = nw
    c.btype = btype
    c.bdeadline = deadline
    c.bheap_idx = -1
    Py_INCREF(c)
    n_blocked_clients += 1
    if deadline != 0:
        heap_push(c)
        if c.bheap_idx == 0:
            bl_arm_timer()

cdef void unblock_client(ClientBase c, bint queue) noexcept:
    """unblockClient: leave every key queue and the timeout heap.  With queue the
    client goes to the unblocked queue (its output is flushed and its pending
    input processed after the current command); the self-reference moves there."""
    global n_blocked_clients, unblocked_q, cap_unblocked, unblocked_head, unblocked_tail
    cdef bk_waiter *ws = <bk_waiter *>c.bwaiters
    cdef bk_waiter *w
    cdef bk_node *n
    cdef int i
    if c.btype == BLOCKED_NONE:
        return
    if c.bparked and not c.closed:
        bl_skip_parked(c)      # timed out / CLIENT UNBLOCK: the command is done
    for i in range(c.bnwaiters):
        w = &ws[i]
        n = w.node
        if w.prev != NULL:
            w.prev.next = w.next
        else:
            n.head = w.next
        if w.next != NULL:
            w.next.prev = w.prev
        else:
            n.tail = w.prev
        bk_node_release(n)
    fc_free(ws)
    c.bwaiters = NULL
    c.bnwaiters = 0
    heap_remove(c)
    c.btype = BLOCKED_NONE
    c.bparked = False
    c.bdeadline = 0
    n_blocked_clients -= 1
    if queue and not c.closed:
        if unblocked_tail == cap_unblocked:
            if unblocked_head > 0:
                memmove(unblocked_q, unblocked_q + unblocked_head,
                        (unblocked_tail - unblocked_head) * sizeof(PyObject *))
                unblocked_tail -= unblocked_head
                unblocked_head = 0
            if unblocked_tail == cap_unblocked:
                cap_unblocked = 16 if cap_unblocked == 0 else cap_unblocked * 2
                unblocked_q = <PyObject **>fc_realloc(unblocked_q, cap_unblocked * sizeof(PyObject *))
        unblocked_q[unblocked_tail] = <PyObject *>c
        unblocked_tail += 1
    else:
        Py_DECREF(c)

cdef int bl_parse_parked(ClientBase c) noexcept:
    """Parse the parked command again (its bytes start at qpos); PARSE_DONE
    leaves argv set and qpos after it."""
    c.cmd_start = c.qpos
    if c.qpos >= c.qlen:
        return -1
    c.reqtype = REQ_MULTIBULK if c.qbuf[c.qpos] == 42 else REQ_INLINE
    if c.reqtype == REQ_MULTIBULK:
        return parse_multibulk(c)
    return parse_inline(c)

cdef void bl_skip_parked(ClientBase c) noexcept:
    """Consume the parked command without running it (it was answered)."""
    bl_parse_parked(c)
    reset_parse(c)
    c.cmd_start = c.qpos

cdef void serve_client(ClientBase c) noexcept:
    """Re-run c's parked command (its bytes start at qpos).  Served: reply is in
    c's buffer and c is unblocked; otherwise it re-parked itself."""
    cdef int r
    cdef long long dirty_before
    cdef fc_command *cmd = c.lastcmd
    c.bparked = False
    r = bl_parse_parked(c)
    if r != PARSE_DONE or cmd == NULL or cmd.proc == NULL or c.argc == 0:
        # cannot happen: the bytes parsed once already; give up on the command
        reset_parse(c)
        add_reply_null_array(c)
        unblock_client(c, True)
        return
    c.cur_cmd = cmd
    c.cmd_failed = False
    # propagate.pxi: a served command is its own execution unit (Redis 7.0
    # propagates each served pop alone, after the push that woke it)
    dirty_before = srv.dirty
    if FC_UNLIKELY(prop_on):
        prop_call_begin()
    cmd.proc(c)
    if FC_UNLIKELY(prop_in_cmd):
        prop_call_end(c, dirty_before, 0)
    reset_parse(c)
    if c.bparked:
        return
    bl_count_call(c, c.cmd_failed)
    unblock_client(c, True)

cdef void serve_key(bk_node *n) noexcept:
    """Serve n's waiters in FIFO order while the key holds a blockable value."""
    cdef fc_db *db = &dbs[n.dbid]
    cdef fc_entry **slot
    cdef bk_waiter *w
    cdef bk_waiter *nxt
    cdef ClientBase c
    cdef int btype
    n.busy += 1
    w = n.head
    while w != NULL:
        # the next waiter belongs to another client (one waiter per client and
        # key), so serving this one cannot free it
        nxt = w.next
        slot = db_lookup_slot(db, bk_key(n), n.klen)
        if slot == NULL:
            break
        btype = (BLOCKED_LIST if slot[0].type == OBJ_LIST else
                 BLOCKED_ZSET if slot[0].type == OBJ_ZSET else BLOCKED_NONE)
        if btype == BLOCKED_NONE:
            break
        c = <ClientBase>w.client
        if c.btype == btype and c.bparked and not c.closed:
            serve_client(c)
        w = nxt
    n.busy -= 1
    bk_node_release(n)

cdef void handle_clients_blocked_on_keys() noexcept:
    """handleClientsBlockedOnKeys: serve ready keys until none is left (serving
    may make more keys ready: BLMOVE pushes)."""
    global handling_ready, n_ready
    cdef bk_node **batch
    cdef int nb, i
    cdef bk_node *n
    if handling_ready or n_ready == 0:
        return
    handling_ready = True
    update_cached_time()
    while n_ready > 0:
        nb = n_ready
        batch = <bk_node **>fc_malloc(nb * sizeof(bk_node *))
        memcpy(batch, ready_keys, nb * sizeof(bk_node *))
        n_ready = 0
        for i in range(nb):
            n = batch[i]
            # ready is cleared only now: a node later in the batch must stay
            # alive (bk_node_release skips ready nodes) until its turn
            n.ready = 0
            serve_key(n)
        fc_free(batch)
    handling_ready = False

cdef void process_unblocked_clients() noexcept:
    """processUnblockedClients: flush each unblocked client's reply and run its
    pending pipelined input, in unblock order (not re-entrant)."""
    global processing_unblocked, unblocked_head, unblocked_tail
    cdef ClientBase c
    cdef PyObject *p
    if processing_unblocked:
        return
    processing_unblocked = True
    try:
        while unblocked_head < unblocked_tail:
            p = unblocked_q[unblocked_head]
            unblocked_head += 1
            c = <ClientBase>p
            Py_DECREF(c)             # the queue's reference; `c` holds its own
            if c.closed or c.bparked:
                continue
            process_input(c)
            flush_output(c)
            if c.close_after_reply:
                c.close_now()
        unblocked_head = 0
        unblocked_tail = 0
    except Exception as exc:
        if _log_exception is not None:
            _log_exception("error processing unblocked clients: %r" % (exc,), True)
    processing_unblocked = False

cdef void blocked_after_command() noexcept:
    """End of execute_command: serve keys made ready, then resume unblocked clients."""
    handle_clients_blocked_on_keys()
    if unblocked_head < unblocked_tail:
        process_unblocked_clients()

cdef void blocked_client_disconnected(ClientBase c) noexcept:
    """connection_lost of a blocked client: drop it from every structure."""
    unblock_client(c, False)

# ---- argument parsing ----------------------------------------------------------

cdef bint arg_timeout(ClientBase c, int i, long long *deadline) noexcept:
    """getTimeoutFromObjectOrReply(UNIT_SECONDS) of Redis 7.0: a long double in
    seconds, ms = ceill(x * 1000) converted to long long (a value out of long
    long's range converts to LLONG_MIN on x86 and so reads "timeout is negative",
    as the reference replies for inf or 1e16); 0 blocks forever; deadline =
    now + ms (a huge one saturates: it blocks "forever", as the reference does)."""
    cdef long double ft
    cdef long long ms
    if not fc_string2ld(c.argv[i], c.argvlen[i], &ft):
        add_reply_error(c, E_TIMEOUT_NOTFLOAT)
        return False
    ft = ceill(ft * 1000.0)
    if ft >= 9223372036854775808.0 or ft < -9223372036854775808.0:
        ms = LLONG_MIN
    else:
        ms = <long long>ft
    if ms < 0:
        add_reply_error(c, E_TIMEOUT_NEG)
        return False
    if ms > 0:
        if ms > LLONG_MAX - srv.mstime:
            ms = LLONG_MAX
        else:
            ms += srv.mstime
    deadline[0] = ms
    return True

cdef bint arg_mpop_where_count(ClientBase c, int numkeys_idx, bint zset, long long *numkeys,
                               int *where_idx, bint *end, long long *count) noexcept:
    """lmpopGenericCommand / zmpopGenericCommand parsing: numkeys, LEFT|RIGHT (or
    MIN|MAX), [COUNT n]; replies the error and returns False on failure."""
    cdef long long nk
    cdef int j
    count[0] = -1
    if not arg_range_ll(c, numkeys_idx, 1, LLONG_MAX, &nk, E_NUMKEYS_POSITIVE):
        return False
    # compare before adding, so a huge numkeys can't wrap the index
    if nk > c.argc:
        add_reply_error(c, E_SYNTAX)
        return False
    j = numkeys_idx + <int>nk + 1
    if j >= c.argc:
        add_reply_error(c, E_SYNTAX)
        return False
    if zset:
        if arg_is(c, j, "min"):
            end[0] = False
        elif arg_is(c, j, "max"):
            end[0] = True
        else:
            add_reply_error(c, E_SYNTAX)
            return False
    elif not arg_where(c, j, end):
        return False
    numkeys[0] = nk
    where_idx[0] = j
    j += 1
    while j < c.argc:
        if count[0] == -1 and arg_is(c, j, "count") and c.argc - 1 - j > 0:
            j += 1
            if not arg_range_ll(c, j, 1, LLONG_MAX, count, E_COUNT_POSITIVE):
                return False
        else:
            add_reply_error(c, E_SYNTAX)
            return False
        j += 1
    if count[0] == -1:
        count[0] = 1
    return True

# ---- list commands -------------------------------------------------------------

cdef void blocking_pop_generic(ClientBase c, int first, int nkeys, int timeout_idx, bint tail,
                               long long count) noexcept:
    """blockingPopGenericCommand: pop from the first non-empty list (count -1:
    BLPOP's [key, value]; else BLMPOP's [key, [values]]), or block."""
    cdef long long deadline
    cdef fc_entry **slot
    cdef quicklist *ql
    cdef long long before
    cdef int j
    if not arg_timeout(c, timeout_idx, &deadline):
        return
    for j in range(first, first + nkeys):
        slot = lookup_write(c, c.argv[j], c.argvlen[j])
        if slot == NULL:
            continue
        if slot[0].type != OBJ_LIST:
            add_reply_error(c, E_WRONGTYPE)
            return
        ql = list_ql(slot[0])
        before = <long long>ql.count
        add_reply_array_len(c, 2)
        add_reply_bulk(c, c.argv[j], c.argvlen[j])
        if count == -1:
            list_pop_reply(c, ql, tail)
        else:
            list_pop_range_reply(c, ql, tail, count)
        srv.dirty += before - <long long>ql.count
        # propagate.pxi: BLPOP/BRPOP -> LPOP|RPOP key; BLMPOP -> with the number
        # popped (served after blocking too: this code re-runs then)
        if prop_on:
            prop_rewrite_key_ll(c, b"RPOP" if tail else b"LPOP", j, before - <long long>ql.count,
                                count != -1, c.argc)
        list_popped(c, j, tail, ql)     # t_list.pxi: "lpop"/"rpop" (+ "del")
        return
    block_for_keys(c, BLOCKED_LIST, first, nkeys, deadline)

cdef void cmd_blpop(ClientBase c) noexcept:
    blocking_pop_generic(c, 1, c.argc - 2, c.argc - 1, False, -1)

cdef void cmd_brpop(ClientBase c) noexcept:
    blocking_pop_generic(c, 1, c.argc - 2, c.argc - 1, True, -1)

cdef void cmd_blmpop(ClientBase c) noexcept:
    """BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]."""
    cdef long long numkeys, count
    cdef int where_idx
    cdef bint tail
    if not arg_mpop_where_count(c, 2, False, &numkeys, &where_idx, &tail, &count):
        return
    blocking_pop_generic(c, 3, <int>numkeys, 1, tail, count)

cdef void blmove_generic(ClientBase c, bint src_tail, bint dst_tail, int timeout_idx) noexcept:
    """blmoveGenericCommand: LMOVE when the source has elements, else block on
    the source only (the destination's type is checked when served)."""
    cdef long long deadline
    cdef long long dirty_before
    cdef fc_entry **slot
    if not arg_timeout(c, timeout_idx, &deadline):
        return
    slot = lookup_write(c, c.argv[1], c.argvlen[1])
    if slot == NULL:
        if FC_UNLIKELY(c.deny_blocking) and c.btype == BLOCKED_NONE:
            # inside EXEC: no blocking; BLMOVE/BRPOPLPUSH's immediate "timeout"
            # is a null bulk here (blmoveGenericCommand), not the null array a
            # real timeout replies
            add_reply_null(c)
            return
        block_for_keys(c, BLOCKED_LIST, 1, 1, deadline)
        return
    if slot[0].type != OBJ_LIST:
        add_reply_error(c, E_WRONGTYPE)
        return
    dirty_before = srv.dirty
    lmove_generic(c, src_tail, dst_tail)
    # propagate.pxi: BLMOVE -> LMOVE src dst wherefrom whereto, BRPOPLPUSH ->
    # RPOPLPUSH src dst.  Served at once only argv[0] is replaced (the words
    # keep their spelling); served after blocking (btype still set) Redis
    # rebuilds the argv from its shared lowercase "left"/"right".
    if prop_on and srv.dirty != dirty_before:
        prop_begin_override(c)
        if timeout_idx == 3:
            prop_op_begin(c.db.id, 3)
            prop_op_arg(b"RPOPLPUSH", 9)
        else:
            prop_op_begin(c.db.id, 5)
            prop_op_arg(b"LMOVE", 5)
        prop_op_arg(c.argv[1], c.argvlen[1])
        prop_op_arg(c.argv[2], c.argvlen[2])
        if timeout_idx != 3 and c.btype != BLOCKED_NONE:
            prop_op_arg_str(b"right" if src_tail else b"left")
            prop_op_arg_str(b"right" if dst_tail else b"left")
        elif timeout_idx != 3:
            prop_op_arg(c.argv[3], c.argvlen[3])
            prop_op_arg(c.argv[4], c.argvlen[4])
        prop_op_end()

cdef void cmd_blmove(ClientBase c) noexcept:
    cdef bint src_tail
    cdef bint dst_tail
    if not arg_where(c, 3, &src_tail) or not arg_where(c, 4, &dst_tail):
        return
    blmove_generic(c, src_tail, dst_tail, 5)

cdef void cmd_brpoplpush(ClientBase c) noexcept:
    blmove_generic(c, True, False, 3)

# ---- sorted set commands ---------------------------------------------------------

cdef void blocking_zpop_generic(ClientBase c, int first, int nkeys, int timeout_idx, bint popmax,
                                long long count, bint nested) noexcept:
    """blockingGenericZpopCommand: BZPOPMIN/MAX reply [key, member, score];
    BZMPOP [key, [[member, score] ...]]."""
    cdef long long dirty_before
    cdef long long deadline
    cdef fc_entry **slot
    cdef int j
    if not arg_timeout(c, timeout_idx, &deadline):
        return
    for j in range(first, first + nkeys):
        slot = lookup_write(c, c.argv[j], c.argvlen[j])
        if slot == NULL:
            continue
        if slot[0].type != OBJ_ZSET:
            add_reply_error(c, E_WRONGTYPE)
            return
        dirty_before = srv.dirty
        zpop_generic(c, j, 1, popmax, True, count, nested, nested)
        # propagate.pxi: BZPOPMIN/MAX -> ZPOPMIN|ZPOPMAX key; BZMPOP -> with the
        # number popped
        if prop_on and srv.dirty != dirty_before:
            prop_rewrite_key_ll(c, b"ZPOPMAX" if popmax else b"ZPOPMIN", j, srv.dirty - dirty_before,
                                nested, c.argc)
        return
    block_for_keys(c, BLOCKED_ZSET, first, nkeys, deadline)

cdef void cmd_bzpopmin(ClientBase c) noexcept:
    blocking_zpop_generic(c, 1, c.argc - 2, c.argc - 1, False, -1, False)

cdef void cmd_bzpopmax(ClientBase c) noexcept:
    blocking_zpop_generic(c, 1, c.argc - 2, c.argc - 1, True, -1, False)

cdef void cmd_bzmpop(ClientBase c) noexcept:
    """BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]."""
    cdef long long numkeys, count
    cdef int where_idx
    cdef bint popmax
    if not arg_mpop_where_count(c, 2, True, &numkeys, &where_idx, &popmax, &count):
        return
    blocking_zpop_generic(c, 3, <int>numkeys, 1, popmax, count, True)

# ---- Python API: CLIENT UNBLOCK, INFO --------------------------------------------

def client_unblock(ClientBase c, bint error):
    """CLIENT UNBLOCK: if c waits on keys, reply the timeout null array (or, with
    error, "-UNBLOCKED client unblocked via CLIENT UNBLOCK") and unblock it.
    Returns True when c was blocked."""
    if c.btype == BLOCKED_NONE:
        return False
    if error:
        add_reply_error_py(c, b"-UNBLOCKED client unblocked via CLIENT UNBLOCK")
    else:
        add_reply_null_array(c)
    bl_count_call(c, error)
    unblock_client(c, True)
    return True

def blocked_stats():
    """(blocked_clients, clients_in_timeout_table, keys with waiters) for INFO."""
    return n_blocked_clients, n_theap, bk_nkeys
