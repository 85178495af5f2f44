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

def replay(bytes data, Py_ssize_t start=0):
    """Execute the RESP commands in data[start:] on a connection-less client.
    Returns (commands, end, status, detail): `end` is the offset just past the
    last complete command outside an unfinished MULTI (where a torn file is cut),
    status 0 ok, 1 truncated, 2 bad format, 3 unknown command (detail: its name).
    Commands start in db 0 (SELECT in the stream switches, as in Redis's AOF)."""
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
    while p < end:
        cmd_start = p
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
        if multi_state == 0:
            good = p
    if multi_state != 0:
        return (count, good - base, REPLAY_TRUNCATED, None)
    return (count, good - base, REPLAY_OK, None)
