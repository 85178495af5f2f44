# multi.pxi — MULTI/EXEC/DISCARD/WATCH/UNWATCH (Redis's multi.c).
#
# Interface used by every command family (ARCHITECTURE.md §5, "signal the
# modified key"): a command that changed key `key` in `db` calls
# signal_modified_key(db, key, klen) once per key, next to its keyspace
# notification; FLUSHDB/FLUSHALL/SWAPDB call touch_all_watched_keys_in_db
# BEFORE they empty or swap the databases.
#
# Design note.
#
# Client state (ClientBase fields, client.pxi): `mflags` holds MF_MULTI (between
# MULTI and EXEC/DISCARD), MF_DIRTY_CAS (a watched key was touched: EXEC replies
# a null array) and MF_DIRTY_EXEC (a command was rejected while queueing: EXEC
# replies EXECABORT) -- Redis's CLIENT_MULTI / CLIENT_DIRTY_CAS / CLIENT_DIRTY_EXEC.
# `deny_blocking` is set while EXEC runs its commands (CLIENT_DENY_BLOCKING):
# blocking commands then answer their timeout reply at once (blocked.pxi).
#
# Queue.  execute_command (dispatch.pxi) queues every command but EXEC, DISCARD,
# MULTI, WATCH, QUIT and RESET while MF_MULTI is set, after all of processCommand's
# checks passed.  A queued command is ONE fc_malloc'ed block: its argv pointer
# array, its length array, then the argument bytes (each followed by CRLF, so a
# queued argument looks like one in the query buffer to any parser that peeks
# one byte past it).  `mqueue` is an fc_realloc'ed array of mc_cmd headers.  No
# Python object is created.  Once the transaction is dirty, commands are still
# answered +QUEUED but not stored (Redis 7.0's queueMultiCommand: EXEC will not
# run them anyway).  `mmem` is Redis's mstate.argv_len_sums (CLIENT LIST
# multi-mem: argument bytes + one robj pointer per argument).
#
# EXEC swaps each queued argv into the client and runs it through call_command,
# so stats, MONITOR, SLOWLOG and propagation behave as for a normal command; EXEC
# calls prop_begin_override so that only the effects are propagated (wrapped in
# MULTI/EXEC by propagate.pxi when there is more than one op).
#
# WATCH.  Per database id, a dict (dict.pxi, intrusive wk_key nodes with the key
# bytes after the header) maps a watched key to a doubly-linked list of wk_watch
# records, one per watching client; each client chains its own records through
# `cnext` (ClientBase.watched).  A record points at the client's `mflags` field
# (a C int inside the client object), so touching a key sets MF_DIRTY_CAS without
# any Python object and without the GIL.  `wk_nkeys` counts live nodes: with
# nothing watched, signal_modified_key is one predictable branch.
#
# Redis 7.0 expiry rules reproduced (checked against 7.0.15):
#   - a record remembers whether its key was already logically expired at WATCH
#     time (`expired`); such a key being deleted (lazily, actively, by FLUSHDB)
#     is no logical change: the flag is cleared and the client stays clean;
#   - EXEC aborts if a watched key, live at WATCH time, is now logically expired
#     even if nobody deleted it yet (isWatchedKeyExpired);
#   - FLUSHDB/FLUSHALL touch a watched key only if it exists (even logically
#     expired); SWAPDB also if it exists in the db swapped in, except that an
#     expired key swapped for an expired one, or a missing key for an expired
#     one, is no change (touchAllWatchedKeysInDb).
# A watch stays with the db *id* (SWAPDB does not move watches, as in Redis).
#
# Memory ownership: wk_key nodes and wk_watch records are fc_malloc'ed here and
# freed by unwatch_all_keys (EXEC, DISCARD, UNWATCH, RESET, disconnect); queued
# commands are freed by discard_transaction.  A record holds no reference to its
# client: the client unwatches before it goes away (connection_lost/__dealloc__).

from cpython.bytes cimport PyBytes_FromStringAndSize as _mc_bytes

cdef enum:
    MF_MULTI = 1
    MF_DIRTY_CAS = 2
    MF_DIRTY_EXEC = 4

cdef struct mc_cmd:
    fc_command *cmd
    int argc
    const char **argv          # into the same allocation
    size_t *argvlen

cdef struct wk_key:
    fc_node *next              # fc_node header: next, klen
    uint32_t klen
    int dbid
    wk_watch *head
    # key bytes follow (keyoff = sizeof(wk_key))

cdef struct wk_watch:
    wk_watch *knext            # the key's list of watchers
    wk_watch *kprev
    wk_watch *cnext            # the client's chain of watches
    wk_key *key
    int *cflags                # &client.mflags
    int expired                # key was logically expired at WATCH time

cdef fc_dict *wk_dicts = NULL     # one per db id, created at the first WATCH
cdef long long wk_nkeys = 0       # live wk_key nodes (signal_modified_key's fast path)

cdef inline char *wk_keyptr(wk_key *n) noexcept nogil:
    return (<char *>n) + sizeof(wk_key)

# ---- keyspace probes without side effects --------------------------------------------

cdef fc_node *wk_dict_peek(fc_dict *d, const char *key, size_t klen) noexcept nogil:
    """dict_find without the rehash step: callers of signal_modified_key may
    still hold a slot pointer into db.keys, and active expiry walks db.expires."""
    cdef uint64_t h
    cdef fc_node *n
    cdef int t
    if d.used[0] + d.used[1] == 0:
        return NULL
    h = dict_hash(key, klen)
    for t in range(2):
        if d.size[t] == 0:
            break
        n = d.table[t][h & (d.size[t] - 1)]
        while n != NULL:
            if n.klen == klen and memcmp(node_key(d, n), key, klen) == 0:
                return n
            n = n.next
        if not dict_is_rehashing(d):
            break
    return NULL

cdef inline fc_entry *wk_find_raw(fc_db *db, const char *key, size_t klen) noexcept nogil:
    """The entry for key, logically expired or not, without deleting it."""
    return <fc_entry *>wk_dict_peek(&db.keys, key, klen)

cdef bint wk_key_is_expired(fc_db *db, const char *key, size_t klen) noexcept nogil:
    """keyIsExpired: the key exists and its TTL has passed (cached clock)."""
    cdef fc_entry *e = wk_find_raw(db, key, klen)
    cdef fc_node *x
    if e == NULL or not (e.flags & EF_HAS_EXPIRE):
        return False
    x = wk_dict_peek(&db.expires, key, klen)
    return x != NULL and (<fc_expnode *>x).when < srv.mstime

# ---- the interface every command family calls ------------------------------------------

cdef inline void signal_modified_key(fc_db *db, const char *key, size_t klen) noexcept nogil:
    """A key was modified (Redis's signalModifiedKey): invalidates WATCHes on it."""
    if FC_UNLIKELY(wk_nkeys != 0):
        touch_watched_key(db, key, klen)

cdef void touch_watched_key(fc_db *db, const char *key, size_t klen) noexcept nogil:
    """touchWatchedKey: every client watching key in db gets MF_DIRTY_CAS, except
    one whose key was already expired at WATCH time and is now gone."""
    cdef wk_key *n
    cdef wk_watch *w
    cdef int exists = -1
    if wk_dicts == NULL:
        return
    n = <wk_key *>dict_find(&wk_dicts[db.id], key, klen)
    if n == NULL:
        return
    w = n.head
    while w != NULL:
        if w.expired:
            # A key already expired at WATCH time that is now gone -- or still
            # there but logically expired: active expiry signals just before it
            # frees the key (db.pxi), while Redis deletes first -- was only
            # expired away: logically no change, the client stays clean.
            if exists < 0:
                exists = 1 if (wk_find_raw(db, key, klen) != NULL and
                               not wk_key_is_expired(db, key, klen)) else 0
            if not exists:
                # the already-expired key was deleted: logically no change
                w.expired = 0
                w = w.knext
                continue
        w.cflags[0] |= MF_DIRTY_CAS
        w = w.knext

cdef void touch_all_watched_keys_in_db(fc_db *emptied, fc_db *replaced_with) noexcept nogil:
    """Every watched key of `emptied` that exists there (or, for SWAPDB, in
    `replaced_with`) is touched (Redis's touchAllWatchedKeysInDb).  Call before
    the database is emptied or swapped."""
    cdef fc_dict *d
    cdef fc_node *x
    cdef wk_key *n
    cdef wk_watch *w
    cdef const char *key
    cdef bint in_emptied, in_replaced
    cdef int t
    cdef uint64_t i
    if wk_nkeys == 0 or wk_dicts == NULL:
        return
    d = &wk_dicts[emptied.id]
    for t in range(2):
        for i in range(d.size[t]):
            x = d.table[t][i]
            while x != NULL:
                n = <wk_key *>x
                key = wk_keyptr(n)
                in_emptied = wk_find_raw(emptied, key, n.klen) != NULL
                in_replaced = replaced_with != NULL and wk_find_raw(replaced_with, key, n.klen) != NULL
                if in_emptied or in_replaced:
                    w = n.head
                    while w != NULL:
                        if w.expired:
                            if not in_replaced:
                                # the expired key is deleted: no logical change
                                w.expired = 0
                                w = w.knext
                                continue
                            if wk_key_is_expired(replaced_with, key, n.klen):
                                # an expired key replaced by an expired one
                                w = w.knext
                                continue
                        elif not in_emptied and wk_key_is_expired(replaced_with, key, n.klen):
                            # a missing key replaced by an expired one
                            w.expired = 1
                            w = w.knext
                            continue
                        w.cflags[0] |= MF_DIRTY_CAS
                        w = w.knext
                x = x.next

# ---- watching ------------------------------------------------------------------------

cdef void watch_key(ClientBase c, fc_db *db, const char *key, size_t klen) noexcept:
    """watchForKey: add one watch (a key this client already watches in this db
    is watched once)."""
    global wk_dicts, wk_nkeys
    cdef fc_dict *d
    cdef fc_node **slot
    cdef wk_key *n
    cdef wk_watch *w
    cdef uint64_t h
    cdef int i
    if wk_dicts == NULL:
        wk_dicts = <fc_dict *>fc_calloc(ndbs * sizeof(fc_dict))
        for i in range(ndbs):
            dict_init(&wk_dicts[i], sizeof(wk_key))
    d = &wk_dicts[db.id]
    h = dict_hash(key, klen)
    slot = dict_find_slot(d, key, klen, h)
    if slot != NULL:
        n = <wk_key *>slot[0]
        w = n.head
        while w != NULL:
            if w.cflags == &c.mflags:
                return
            w = w.knext
    else:
        n = <wk_key *>fc_malloc(sizeof(wk_key) + klen)
        memset(n, 0, sizeof(wk_key))
        n.klen = <uint32_t>klen
        n.dbid = db.id
        memcpy(wk_keyptr(n), key, klen)
        dict_insert(d, <fc_node *>n, h)
        wk_nkeys += 1
    w = <wk_watch *>fc_malloc(sizeof(wk_watch))
    w.key = n
    w.cflags = &c.mflags
    w.expired = 1 if wk_key_is_expired(db, key, klen) else 0
    w.kprev = NULL
    w.knext = n.head
    if n.head != NULL:
        n.head.kprev = w
    n.head = w
    w.cnext = c.watched
    c.watched = w

cdef void unwatch_all_keys(ClientBase c) noexcept:
    """unwatchAllKeys: drop every watch of c (freeing keys nobody watches any more)."""
    global wk_nkeys
    cdef wk_watch *w = c.watched
    cdef wk_watch *nxt
    cdef wk_key *n
    cdef fc_dict *d
    cdef fc_node **slot
    while w != NULL:
        nxt = w.cnext
        n = w.key
        if w.kprev != NULL:
            w.kprev.knext = w.knext
        else:
            n.head = w.knext
        if w.knext != NULL:
            w.knext.kprev = w.kprev
        fc_free(w)
        if n.head == NULL:
            d = &wk_dicts[n.dbid]
            slot = dict_find_slot(d, wk_keyptr(n), n.klen, dict_hash(wk_keyptr(n), n.klen))
            if slot != NULL:
                dict_unlink_slot(d, slot)
            fc_free(n)
            wk_nkeys -= 1
            if dict_size(d) == 0:
                dict_release_tables(d)
        w = nxt
    c.watched = NULL

cdef bint watched_key_expired(ClientBase c) noexcept:
    """isWatchedKeyExpired: a key live at WATCH time has logically expired since."""
    cdef wk_watch *w = c.watched
    while w != NULL:
        if not w.expired and wk_key_is_expired(&dbs[w.key.dbid], wk_keyptr(w.key), w.key.klen):
            return True
        w = w.cnext
    return False

# ---- the queue -----------------------------------------------------------------------

cdef void free_multi_queue(ClientBase c) noexcept:
    cdef int j
    for j in range(c.mcount):
        fc_free(c.mqueue[j].argv)
    fc_free(c.mqueue)
    c.mqueue = NULL
    c.mcount = 0
    c.mcap = 0
    c.mcmd_flags = 0
    c.mmem = 0

cdef void discard_transaction(ClientBase c) noexcept:
    """discardTransaction: free the queue, leave MULTI (dirty flags too), unwatch."""
    free_multi_queue(c)
    c.mflags &= ~(MF_MULTI | MF_DIRTY_CAS | MF_DIRTY_EXEC)
    unwatch_all_keys(c)

cdef inline void multi_flag_transaction(ClientBase c) noexcept:
    """flagTransaction: a command rejected inside MULTI makes EXEC abort."""
    if c.mflags & MF_MULTI:
        c.mflags |= MF_DIRTY_EXEC

cdef void queue_multi_command(ClientBase c, fc_command *cmd) noexcept:
    """queueMultiCommand + the +QUEUED reply: copy argv into one fc_malloc'ed
    block (nothing is stored once the transaction is dirty)."""
    cdef size_t total = 0
    cdef size_t hdr
    cdef char *block
    cdef char *p
    cdef mc_cmd *m
    cdef int i
    if not (c.mflags & (MF_DIRTY_CAS | MF_DIRTY_EXEC)):
        if c.mcount == c.mcap:
            c.mcap = 4 if c.mcap == 0 else c.mcap * 2
            c.mqueue = <mc_cmd *>fc_realloc(c.mqueue, c.mcap * sizeof(mc_cmd))
        for i in range(c.argc):
            total += c.argvlen[i] + 2
        hdr = <size_t>c.argc * (sizeof(char *) + sizeof(size_t))
        block = <char *>fc_malloc(hdr + total)
        m = &c.mqueue[c.mcount]
        m.cmd = cmd
        m.argc = c.argc
        m.argv = <const char **>block
        m.argvlen = <size_t *>(block + <size_t>c.argc * sizeof(char *))
        p = block + hdr
        for i in range(c.argc):
            memcpy(p, c.argv[i], c.argvlen[i])
            p[c.argvlen[i]] = 13
            p[c.argvlen[i] + 1] = 10
            m.argv[i] = p
            m.argvlen[i] = c.argvlen[i]
            p += c.argvlen[i] + 2
            c.mmem += c.argvlen[i] + sizeof(void *)
        c.mcount += 1
        c.mcmd_flags |= cmd.flags
    add_reply_raw(c, b"+QUEUED\r\n", 9)

cdef bint multi_passthrough(fc_command *cmd) noexcept:
    """Commands processCommand runs at once even inside MULTI."""
    return (cmd.proc == <cmd_proc>cmd_exec or cmd.proc == <cmd_proc>cmd_discard or
            cmd.proc == <cmd_proc>cmd_multi or cmd.proc == <cmd_proc>cmd_watch or
            cmd.proc == <cmd_proc>cmd_quit or
            (cmd.parent == NULL and cmd.namelen == 5 and memcmp(cmd.name, b"reset", 5) == 0))

cdef void exec_command_abort(ClientBase c, const char *err, size_t n) noexcept:
    """execCommandAbort: EXEC itself was rejected by processCommand (arity, NOAUTH,
    MISCONF...): the transaction is discarded and the rejection is reported as
    "EXECABORT Transaction discarded because of: <error>".  MONITOR still shows
    the EXEC, as Redis feeds it here."""
    cdef bytes msg
    discard_transaction(c)
    if n > 0 and err[0] == 45:
        err += 1
        n -= 1
    # Redis passes rejectCommandFormat's text, which has no "ERR " (the reply
    # layer adds it), or a shared error object's text with its own code
    # (NOAUTH, MISCONF, ...): so an "ERR " prefix is never repeated here
    if n >= 4 and memcmp(err, b"ERR ", 4) == 0:
        err += 4
        n -= 4
    msg = (<bytes>E_EXECABORT_BECAUSE) + _mc_bytes(err, n)
    add_reply_error_py(c, msg)
    if FC_UNLIKELY(n_monitors > 0):
        feed_monitors(c)

cdef bint exec_pause_applies(ClientBase c, fc_command *cmd) noexcept:
    """CLIENT PAUSE WRITE: an EXEC that will run a write (or may-replicate)
    command is postponed like one (processCommand's is_may_replicate_command)."""
    return (cmd.proc == <cmd_proc>cmd_exec and not c.is_master and
            (c.mcmd_flags & (CMD_WRITE | CMD_MAY_REPLICATE)) != 0)

cdef void multi_client_release(ClientBase c) noexcept:
    """Disconnect / dealloc: free the transaction and every watch."""
    if c.mqueue != NULL or c.mflags != 0 or c.watched != NULL:
        discard_transaction(c)

# ---- commands ------------------------------------------------------------------------

cdef void cmd_multi(ClientBase c) noexcept:
    # a nested MULTI is an error of the command itself: it does not flag the
    # transaction (EXEC still runs)
    if c.mflags & MF_MULTI:
        add_reply_error(c, E_MULTI_NESTED)
        return
    c.mflags |= MF_MULTI
    add_reply_ok(c)

cdef void cmd_discard(ClientBase c) noexcept:
    if not (c.mflags & MF_MULTI):
        add_reply_error(c, E_DISCARD_NO_MULTI)
        return
    discard_transaction(c)
    add_reply_ok(c)

cdef void cmd_exec(ClientBase c) noexcept:
    """EXEC: run the queued commands as one unit; a null array if a watched key
    was touched (or expired), EXECABORT if a command was rejected while queueing."""
    cdef const char **orig_argv
    cdef size_t *orig_argvlen
    cdef int orig_argc
    cdef bint orig_deny
    cdef int j
    cdef mc_cmd *m
    if not (c.mflags & MF_MULTI):
        add_reply_error(c, E_EXEC_NO_MULTI)
        return
    # EXEC itself is never propagated, only what its commands stage
    prop_begin_override(c)
    if c.watched != NULL and watched_key_expired(c):
        c.mflags |= MF_DIRTY_CAS
    if c.mflags & (MF_DIRTY_CAS | MF_DIRTY_EXEC):
        if c.mflags & MF_DIRTY_EXEC:
            add_reply_error(c, E_EXECABORT)
        else:
            add_reply_null_array(c)
        discard_transaction(c)
        return
    unwatch_all_keys(c)       # unwatch first: our own writes must not dirty us
    orig_argv = c.argv
    orig_argvlen = c.argvlen
    orig_argc = c.argc
    orig_deny = c.deny_blocking
    c.deny_blocking = True
    add_reply_array_len(c, c.mcount)
    for j in range(c.mcount):
        m = &c.mqueue[j]
        c.argv = m.argv
        c.argvlen = m.argvlen
        c.argc = m.argc
        call_command(c, m.cmd)
    c.argv = orig_argv
    c.argvlen = orig_argvlen
    c.argc = orig_argc
    c.deny_blocking = orig_deny
    # EXEC's own failed_calls: Redis counts EXEC as failed only when EXEC itself
    # replied an error (its commands' errors are counted on them)
    c.cmd_failed = False
    discard_transaction(c)

cdef void cmd_watch(ClientBase c) noexcept:
    cdef int j
    if c.mflags & MF_MULTI:
        add_reply_error(c, E_WATCH_IN_MULTI)
        return
    # no point in watching once a watched key was touched (Redis 7.0)
    if not (c.mflags & MF_DIRTY_CAS):
        for j in range(1, c.argc):
            watch_key(c, c.db, c.argv[j], c.argvlen[j])
    add_reply_ok(c)

cdef void cmd_unwatch(ClientBase c) noexcept:
    unwatch_all_keys(c)
    c.mflags &= ~MF_DIRTY_CAS
    add_reply_ok(c)

# ---- Python API (CLIENT LIST, RESET, INFO) ---------------------------------------------

def client_multi_info(ClientBase c):
    """(multi, multi_mem, dirty_cas) for CLIENT LIST: multi is the number of
    queued commands inside MULTI, -1 outside."""
    return (c.mcount if c.mflags & MF_MULTI else -1, c.mmem, bool(c.mflags & MF_DIRTY_CAS))

def client_multi_reset(ClientBase c):
    """RESET (clearClientConnectionState): discard the transaction, unwatch."""
    discard_transaction(c)

def watched_keys_count():
    """Distinct watched keys over all databases (a debugging aid)."""
    return wk_nkeys
