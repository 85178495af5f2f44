# aof.pxi — the core's share of the append-only file: group commit of replies
# under `appendfsync always`, and replay of an AOF command stream at load time.
#
# Design note (group commit).  Redis writes and fsyncs the AOF in beforeSleep,
# once per event-loop iteration, *before* it writes any client's pending replies;
# so under `appendfsync always` no client learns of a write that isn't on disk.
# We reproduce that without a per-command cost:
#   - flush_output() (client.pxi) asks aof_before_flush() first, behind one
#     unlikely branch (aof_mode != 0).
#   - aof_before_flush() notices changes since the last AOF write by comparing
#     srv.dirty with the value it had then (every write command bumps dirty), and
#     schedules ONE loop.call_soon(before_sleep) per iteration.  uvloop runs that
#     callback after every read callback of the current poll, i.e. once per
#     iteration for all clients.
#   - While unwritten changes exist, a client's replies stay in its obuf and the
#     client joins `_aof_held` (flag c.aof_held: at most once).  Clients that only
#     read before the first write of an iteration flush at once.  This holds in
#     every fsync mode, as in Redis, whose beforeSleep write()s the AOF before any
#     reply: a killed *process* never loses an acknowledged write, even under
#     everysec/no (only an OS crash can lose what wasn't fsynced yet).
#   - before_sleep (fastcache/persistence/aof.py) writes + fsyncs what the
#     propagation stream produced, then calls aof_flush_held(): every held
#     client's output goes out, in the order the clients were held.
#   - A client closing with held output (QUIT, kill, shutdown) runs the step
#     synchronously first (close_now -> aof_sync_now), so its reply is not lost
#     and still follows the fsync.
# Memory: `_aof_held` holds references to clients until flushed.
#
# Design note (replay).  replay(data) parses RESP multibulk commands from a
# bytes buffer and runs each through the command table on a connection-less
# client (Redis's fake client): no reply is sent (the obuf is dropped after each
# command) and no command statistics are counted, as Redis's AOF loader calls
# cmd->proc directly.  MULTI/EXEC are not executed: loading is single-threaded,
# so the commands between them run as they come; an unterminated MULTI at the
# end is treated as a torn tail (Redis reverts an incomplete transaction).

cdef int aof_mode = 0                 # 0 off, 1 on (everysec / no), 2 on + always
cdef bint aof_scheduled = False       # a before_sleep step is queued this iteration
cdef bint aof_flushing = False        # aof_flush_held() is running: don't hold
cdef long long aof_dirty_seen = 0     # srv.dirty when the AOF was last written
cdef list _aof_held = []
cdef object _aof_call_soon = None     # loop.call_soon, bound by aof_set_hooks
cdef object _aof_before_sleep = None  # the Python step: write (+fsync), then flush

cdef inline void aof_schedule() noexcept:
    global aof_scheduled
    if aof_scheduled or _aof_call_soon is None:
        return
    aof_scheduled = True
    try:
        _aof_call_soon(_aof_before_sleep)
    except BaseException:
        aof_scheduled = False

cdef bint aof_before_flush(ClientBase c) noexcept:
    """Called by flush_output() when the AOF is on.  Schedules the before-sleep
    step when there are changes not yet written; returns True when c's output
    must wait for the AOF write (+ fsync in always mode), having queued c in
    _aof_held."""
    if aof_flushing:
        return False
    if c.aof_held:
        return True
    if srv.dirty == aof_dirty_seen and not aof_scheduled:
        return False
    aof_schedule()
    if c.olen > 0 and not c.closed:
        c.aof_held = True
        _aof_held.append(c)
        return True
    return False

cdef void aof_sync_now() noexcept:
    """Run the before-sleep step synchronously (a client with held output is
    closing).  Errors are the step's to log."""
    if aof_flushing or not (aof_scheduled or _aof_held):
        return
    try:
        _aof_before_sleep()
    except BaseException as exc:
        if _log_exception is not None:
            _log_exception("AOF flush error: %r" % (exc,), True)

def aof_set_hooks(call_soon, before_sleep):
    """Bind loop.call_soon and the Python before-sleep step (once per server)."""
    global _aof_call_soon, _aof_before_sleep
    _aof_call_soon = call_soon
    _aof_before_sleep = before_sleep

def aof_set_mode(int mode):
    """0: AOF off; 1: on (everysec/no); 2: on, always (the Python step fsyncs)."""
    global aof_mode, aof_dirty_seen
    if mode == 0 or aof_mode == 0:
        aof_dirty_seen = srv.dirty
    aof_mode = mode
    if mode == 0 and _aof_held:
        aof_flush_held()

def aof_begin_step():
    """Start of the before-sleep step: what has changed so far is about to be
    written (the step takes the propagation buffer right after this)."""
    global aof_scheduled, aof_dirty_seen
    aof_scheduled = False
    aof_dirty_seen = srv.dirty

def aof_flush_held():
    """Send every held client's output (after the AOF write + fsync).  Returns
    how many clients were flushed."""
    global aof_flushing, _aof_held
    cdef list lst = _aof_held
    cdef ClientBase c
    cdef int n = 0
    if not lst:
        return 0
    _aof_held = []
    aof_flushing = True
    try:
        for o in lst:
            c = <ClientBase>o
            c.aof_held = False
            if c.closed:
                continue
            flush_output(c)
            n += 1
            if c.close_after_reply:
                c.close_now()
    finally:
        aof_flushing = False
    return n

def aof_held_count():
    return len(_aof_held)

# ---- replay ------------------------------------------------------------------------

cdef enum:
    REPLAY_OK = 0
    REPLAY_TRUNCATED = 1      # the buffer ends inside a command (torn tail)
    REPLAY_BAD_FORMAT = 2     # a byte that can't start/continue a command
    REPLAY_UNKNOWN_CMD = 3    # a command the table doesn't know

cdef inline bint replay_line(const char *p, const char *end, long long *out, const char **nextp) noexcept:
    """Parse '<prefix><integer>\\r\\n' at p (the prefix byte is skipped).  False when
    the line is incomplete or not an integer; *nextp is set past the CRLF."""
    cdef const char *nl = <const char *>memchr(p, 13, end - p)
    if nl == NULL or nl + 1 >= end:
        nextp[0] = NULL
        return False
    if nl[1] != 10 or not fc_string2ll(p + 1, nl - (p + 1), out):
        nextp[0] = p
        return False
    nextp[0] = nl + 2
    return True

cdef void replay_exec(ClientBase c) noexcept:
    """Run argv like Redis's AOF loader: look up, check arity, call the proc."""
    cdef fc_command *cmd = lookup_command(c.argv[0], c.argvlen[0])
    cdef fc_command *sub
    if cmd.nsubs > 0 and c.argc >= 2:
        sub = lookup_subcommand(cmd, c.argv[1], c.argvlen[1])
        if sub == NULL:
            return
        cmd = sub
    if (cmd.arity > 0 and c.argc != cmd.arity) or (cmd.arity < 0 and c.argc < -cmd.arity):
        return
    c.cur_cmd = cmd
    c.cmd_failed = False
    if cmd.proc != NULL:
        cmd.proc(c)
    elif cmd.pyhandler != NULL:
        call_python(c, cmd)
    c.olen = 0

def replay(bytes data, Py_ssize_t start=0, object progress=None):
    """Execute the RESP commands in data[start:] on a connection-less client.
    Returns (commands, end, status, detail): `end` is the offset just past the
    last complete command outside an unfinished MULTI (where a torn file is cut),
    status 0 ok, 1 truncated, 2 bad format, 3 unknown command (detail: its name).
    Commands start in db 0 (SELECT in the stream switches, as in Redis's AOF).
    progress(commands, offset, total) is called every few MB / 100 ms (as the RDB
    loader does: loading progress and -LOADING replies to clients)."""
    cdef const char *base = PyBytes_AS_STRING(data)
    cdef const char *end = base + PyBytes_GET_SIZE(data)
    cdef const char *p = base + start
    cdef const char *q
    cdef const char *cmd_start
    cdef const char *good = p          # end of the last command outside a MULTI
    cdef long long n, blen
    cdef long long count = 0
    cdef int i
    cdef int multi_state = 0           # 0 none, 1 validating a MULTI body, 2 running it
    cdef const char *multi_body = NULL
    cdef ClientBase c = ClientBase.__new__(ClientBase)
    c.authenticated = True
    c.db = &dbs[0]
    update_cached_time()
    load_progress_reset()
    while p < end:
        cmd_start = p
        if p[0] == 35:     # '#': an annotation line (#TS:...), skipped like Redis's loader
            q = <const char *>memchr(p, 10, end - p)
            p = end if q == NULL else q + 1
            if multi_state == 0:
                good = p
            continue
        if p[0] != 42:     # '*'
            return (count, good - base, REPLAY_BAD_FORMAT, None)
        if not replay_line(p, end, &n, &q):
            if q == NULL:
                return (count, good - base, REPLAY_TRUNCATED, None)
            return (count, good - base, REPLAY_BAD_FORMAT, None)
        p = q
        if n < 1:
            return (count, good - base, REPLAY_BAD_FORMAT, None)
        if n > c.argv_cap:
            argv_reserve(c, <int>n)
        c.argc = 0
        for i in range(n):
            if p >= end:
                return (count, good - base, REPLAY_TRUNCATED, None)
            if p[0] != 36:  # '$'
                return (count, good - base, REPLAY_BAD_FORMAT, None)
            if not replay_line(p, end, &blen, &q):
                if q == NULL:
                    return (count, good - base, REPLAY_TRUNCATED, None)
                return (count, good - base, REPLAY_BAD_FORMAT, None)
            if blen < 0:
                return (count, good - base, REPLAY_BAD_FORMAT, None)
            p = q
            if end - p < blen + 2:
                return (count, good - base, REPLAY_TRUNCATED, None)
            if p[blen] != 13 or p[blen + 1] != 10:
                return (count, good - base, REPLAY_BAD_FORMAT, None)
            c.argv[i] = p
            c.argvlen[i] = <size_t>blen
            c.argc += 1
            p += blen + 2
        # MULTI / EXEC (see the design note): the body is only validated on the
        # first pass; at EXEC we rewind and run it, so a torn transaction at the
        # end of the file changes nothing.
        if c.argvlen[0] == 5 and eq_nocase(c.argv[0], 5, b"multi"):
            if multi_state == 0:
                multi_state = 1
                multi_body = p
            continue
        if c.argvlen[0] == 4 and eq_nocase(c.argv[0], 4, b"exec"):
            if multi_state == 1:
                multi_state = 2
                p = multi_body
            else:
                multi_state = 0
                good = p
            continue
        if lookup_command(c.argv[0], c.argvlen[0]) == NULL:
            return (count, cmd_start - base, REPLAY_UNKNOWN_CMD,
                    PyBytes_FromStringAndSize(c.argv[0], c.argvlen[0]))
        if multi_state == 1:
            continue
        replay_exec(c)
        count += 1
        if FC_UNLIKELY(key_load_delay != 0):
            debug_delay(key_load_delay)      # as loadSingleAppendOnlyFile (tests)
        if multi_state == 0:
            good = p
        if progress is not None and load_progress_due(count, p - base):
            progress(count, p - base, PyBytes_GET_SIZE(data))
    if multi_state != 0:
        return (count, good - base, REPLAY_TRUNCATED, None)
    return (count, good - base, REPLAY_OK, None)

# ---- command-form rewrite (aof-use-rdb-preamble no) --------------------------------------
#
# Design note.  rewrite_commands(path) is Redis 7.0's rewriteAppendOnlyFileRio: for
# every non-empty db a SELECT, then per key the commands that rebuild it, in C
# straight from the encodings (no Python object per key):
#   string -> SET k v;  list -> RPUSH k e1..e64 (batches of AOF_REWRITE_ITEMS_PER_CMD);
#   set -> SADD (batched);  zset -> ZADD k score member .. (batched, scores as
#   "%.17g" like rioWriteBulkDouble);  hash -> HMSET k f v .. (batched; Redis 7.0
#   writes HMSET, not HSET);  then PEXPIREAT k <ms> when the key has a TTL.
# Keys already expired are skipped (they would be deleted on load anyway).  With
# aof-timestamp-enabled the file starts with a "#TS:<unix>" annotation, as Redis's
# rewrite forces one.  The file is written to a temp name next to `path`, fsynced,
# and renamed over it, so a crash never leaves a half base under the final name.

cdef enum:
    AOF_REWRITE_ITEMS_PER_CMD = 64

cdef inline void aw_count(rdb_out *o, char prefix, long long n) noexcept nogil:
    """'*<n>\\r\\n' or '$<n>\\r\\n'."""
    cdef char buf[32]
    cdef int l
    buf[0] = prefix
    l = fc_ll2string(buf + 1, 30, n)
    buf[l + 1] = 13
    buf[l + 2] = 10
    out_write(o, buf, l + 3)

cdef inline void aw_bulk(rdb_out *o, const char *s, size_t n) noexcept nogil:
    aw_count(o, 36, <long long>n)
    out_write(o, s, n)
    out_write(o, b"\r\n", 2)

cdef inline void aw_bulk_ll(rdb_out *o, long long v) noexcept nogil:
    cdef char buf[LONG_STR_SIZE]
    cdef int l = fc_ll2string(buf, LONG_STR_SIZE, v)
    aw_bulk(o, buf, l)

cdef inline void aw_bulk_double(rdb_out *o, double d) noexcept nogil:
    cdef char buf[128]
    cdef int l = fc_d2string(buf, sizeof(buf), d)
    aw_bulk(o, buf, l)

cdef inline void aw_bulk_lp(rdb_out *o, unsigned char *p) noexcept nogil:
    """A listpack entry as a bulk string (integers in decimal)."""
    cdef unsigned char buf[FC_LP_INTBUF_SIZE]
    cdef uint32_t n = 0
    cdef unsigned char *s = fc_lp_get_str(p, &n, buf)
    aw_bulk(o, <const char *>s, n)

cdef inline void aw_cmd_head(rdb_out *o, const char *name, size_t nlen, long long words,
                             fc_entry *e) noexcept nogil:
    """'*<words>' then the command name and the key."""
    aw_count(o, 42, words)
    aw_bulk(o, name, nlen)
    aw_bulk(o, entry_key(e), e.klen)

cdef void aw_key(rdb_out *o, fc_db *db, fc_entry *e, long long expire) noexcept nogil:
    """The commands that rebuild one key (rewriteAppendOnlyFileRio's per-key part)."""
    cdef char tmp[LONG_STR_SIZE]
    cdef char fbuf[FC_LP_INTBUF_SIZE]
    cdef char vbuf[FC_LP_INTBUF_SIZE]
    cdef size_t n, vn
    cdef const char *s
    cdef const char *v
    cdef long long items, batch, left
    cdef quicklist *ql
    cdef ql_node *node
    cdef unsigned char *lp
    cdef unsigned char *p
    cdef setv sv
    cdef setiter si
    cdef setelem el
    cdef fc_zset *zs
    cdef zsl_node *x
    cdef hash_iter hi
    if e.type == OBJ_STRING:
        aw_cmd_head(o, "SET", 3, 3, e)
        s = entry_str(e, tmp, &n)
        aw_bulk(o, s, n)
    elif e.type == OBJ_LIST:
        ql = <quicklist *>entry_ptr(e)
        left = <long long>ql.count
        batch = 0
        node = ql.head
        while node != NULL:
            ql_node_use(node)
            p = fc_lp_first(node.lp)
            while p != NULL:
                if batch == 0:
                    batch = left if left < AOF_REWRITE_ITEMS_PER_CMD else AOF_REWRITE_ITEMS_PER_CMD
                    aw_cmd_head(o, "RPUSH", 5, 2 + batch, e)
                    left -= batch
                aw_bulk_lp(o, p)
                batch -= 1
                p = fc_lp_next(node.lp, p)
            ql_node_done(node)
            node = node.next
    elif e.type == OBJ_SET:
        sv = setv_load(e)
        left = <long long>setv_size(&sv)
        batch = 0
        setiter_init(&si, &sv)
        while setiter_next(&si, &el):
            if batch == 0:
                batch = left if left < AOF_REWRITE_ITEMS_PER_CMD else AOF_REWRITE_ITEMS_PER_CMD
                aw_cmd_head(o, "SADD", 4, 2 + batch, e)
                left -= batch
            s = elem_str(&el, tmp, &n)
            aw_bulk(o, s, n)
            batch -= 1
    elif e.type == OBJ_ZSET:
        batch = 0
        if e.enc == ENC_LISTPACK:
            lp = <unsigned char *>entry_ptr(e)
            left = <long long>zzl_len(lp)
            p = fc_lp_first(lp)
            while p != NULL:
                if batch == 0:
                    batch = left if left < AOF_REWRITE_ITEMS_PER_CMD else AOF_REWRITE_ITEMS_PER_CMD
                    aw_cmd_head(o, "ZADD", 4, 2 + batch * 2, e)
                    left -= batch
                aw_bulk_double(o, zzl_score(fc_lp_next(lp, p)))
                aw_bulk_lp(o, p)
                batch -= 1
                p = fc_lp_next(lp, fc_lp_next(lp, p))
        else:
            zs = <fc_zset *>entry_ptr(e)
            left = <long long>zs.length
            x = zn_next(zs.header)
            while x != NULL:
                if batch == 0:
                    batch = left if left < AOF_REWRITE_ITEMS_PER_CMD else AOF_REWRITE_ITEMS_PER_CMD
                    aw_cmd_head(o, "ZADD", 4, 2 + batch * 2, e)
                    left -= batch
                aw_bulk_double(o, x.score)
                aw_bulk(o, zn_ele(x), x.klen)
                batch -= 1
                x = zn_next(x)
    elif e.type == OBJ_HASH:
        left = <long long>hash_len(e)
        batch = 0
        hash_iter_init(&hi, e)
        while hash_iter_next(&hi):
            if batch == 0:
                batch = left if left < AOF_REWRITE_ITEMS_PER_CMD else AOF_REWRITE_ITEMS_PER_CMD
                aw_cmd_head(o, "HMSET", 5, 2 + batch * 2, e)
                left -= batch
            s = hash_iter_field(&hi, &n, fbuf)
            v = hash_iter_value(&hi, &vn, vbuf)
            aw_bulk(o, s, n)
            aw_bulk(o, v, vn)
            batch -= 1
    if expire != -1:
        aw_cmd_head(o, "PEXPIREAT", 9, 3, e)
        aw_bulk_ll(o, expire)

def rewrite_commands(str path, long long timestamp=0, object progress=None):
    """Write the whole dataset to `path` as Redis commands (an AOF base for
    aof-use-rdb-preamble no): temp file in the same directory, fsync, rename.
    timestamp > 0 starts the file with a '#TS:<timestamp>' annotation.
    Returns {"keys": n, "bytes": size}; raises OSError on a write error."""
    global save_next_ms
    cdef bytes bpath = _os.fsencode(path)
    cdef bytes btmp = _os.fsencode(_os.path.join(_os.path.dirname(path) or ".",
                                                 "temp-rewriteaof-%d.aof" % _os.getpid()))
    cdef int fd = c_open(btmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    cdef rdb_out o
    cdef int j, t, err
    cdef uint64_t i
    cdef fc_db *db
    cdef fc_dict *d
    cdef fc_node *n
    cdef fc_entry *e
    cdef long long keys = 0, expire, now
    cdef char num[32]
    cdef int nl
    if fd < 0:
        raise OSError(errno, "Failed opening the temp AOF file %s: %s" % (btmp.decode(errors="replace"),
                                                                        _os.strerror(errno)))
    save_next_ms = fc_mstime() + SAVE_PROGRESS_MS
    update_cached_time()
    now = srv.mstime
    out_init(&o, fd)
    if timestamp > 0:
        nl = fc_ll2string(num, 32, timestamp)
        out_write(&o, b"#TS:", 4)
        out_write(&o, num, nl)
        out_write(&o, b"\r\n", 2)
    # rewriteFunctions: every function library as FUNCTION LOAD <code>, before
    # the databases (functions.py binds the library store, see rdb.pxi)
    if _rdb_functions_get is not None:
        for code in _rdb_functions_get():
            out_write(&o, b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n", 28)
            aw_bulk(&o, PyBytes_AS_STRING(code), PyBytes_GET_SIZE(code))
    for j in range(ndbs):
        db = &dbs[j]
        d = &db.keys
        if dict_size(d) == 0:
            continue
        out_write(&o, b"*2\r\n$6\r\nSELECT\r\n", 16)
        aw_bulk_ll(&o, j)
        for t in range(2):
            for i in range(d.size[t]):
                n = d.table[t][i]
                while n != NULL:
                    e = <fc_entry *>n
                    expire = db_get_expire(db, e)
                    if expire == -1 or expire >= now:
                        aw_key(&o, db, e, expire)
                        keys += 1
                        if FC_UNLIKELY(key_save_delay != 0):
                            debug_delay(key_save_delay)
                        if progress is not None and save_progress_due(keys):
                            progress(keys)
                    n = n.next
        if o.failed:
            break
    out_flush(&o)
    err = o.failed
    size = o.flushed
    out_release(&o)
    if err == 0 and c_fsync(fd) != 0:
        err = errno
    if c_close(fd) != 0 and err == 0:
        err = errno
    if err == 0 and c_rename(btmp, bpath) != 0:
        err = errno
    if err != 0:
        c_unlink(btmp)
        raise OSError(err, "Write error writing the AOF base: %s" % _os.strerror(err))
    return {"keys": keys, "bytes": size}
