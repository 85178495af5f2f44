# dispatch.pxi — the C command table and processCommand.
#
# Design note.  The table is filled at startup by the Python layer from the
# command metadata (fastcache/commanddefs.py): name, arity, flags and the handler —
# a C function from cmdtable.pxi for every data-path command, or a Python callable
# for administrative ones.  Lookup is an open-addressed array keyed by the
# case-folded name; subcommands hang off their container.  execute_command()
# checks in Redis's order: unknown command, unknown subcommand, arity, auth; then
# calls, times and counts (commandstats, errorstats), and discards the reply under
# CLIENT REPLY OFF/SKIP.

ctypedef void (*cmd_proc)(ClientBase c) noexcept

cdef enum:
    CMD_WRITE = 1 << 0
    CMD_READONLY = 1 << 1
    CMD_DENYOOM = 1 << 2
    CMD_MODULE = 1 << 3
    CMD_ADMIN = 1 << 4
    CMD_PUBSUB = 1 << 5
    CMD_NOSCRIPT = 1 << 6
    CMD_BLOCKING = 1 << 8
    CMD_LOADING = 1 << 9
    CMD_STALE = 1 << 10
    CMD_SKIP_MONITOR = 1 << 11
    CMD_SKIP_SLOWLOG = 1 << 12
    CMD_ASKING = 1 << 13
    CMD_FAST = 1 << 14
    CMD_NO_AUTH = 1 << 15
    CMD_MAY_REPLICATE = 1 << 16
    CMD_SENTINEL = 1 << 17
    CMD_ONLY_SENTINEL = 1 << 18
    CMD_NO_MANDATORY_KEYS = 1 << 19
    CMD_PROTECTED = 1 << 20
    CMD_MODULE_GETKEYS = 1 << 21
    CMD_MODULE_NO_CLUSTER = 1 << 22
    CMD_NO_ASYNC_LOADING = 1 << 23
    CMD_NO_MULTI = 1 << 24
    CMD_MOVABLE_KEYS = 1 << 25
    CMD_ALLOW_BUSY = 1 << 26

FLAG_BITS = {
    "write": CMD_WRITE, "readonly": CMD_READONLY, "denyoom": CMD_DENYOOM, "module": CMD_MODULE,
    "admin": CMD_ADMIN, "pubsub": CMD_PUBSUB, "noscript": CMD_NOSCRIPT, "blocking": CMD_BLOCKING,
    "loading": CMD_LOADING, "stale": CMD_STALE, "skip_monitor": CMD_SKIP_MONITOR,
    "skip_slowlog": CMD_SKIP_SLOWLOG, "asking": CMD_ASKING, "fast": CMD_FAST, "no_auth": CMD_NO_AUTH,
    "may_replicate": CMD_MAY_REPLICATE, "sentinel": CMD_SENTINEL, "only_sentinel": CMD_ONLY_SENTINEL,
    "no_mandatory_keys": CMD_NO_MANDATORY_KEYS, "protected": CMD_PROTECTED,
    "no_async_loading": CMD_NO_ASYNC_LOADING, "no_multi": CMD_NO_MULTI,
    "movablekeys": CMD_MOVABLE_KEYS, "allow_busy": CMD_ALLOW_BUSY,
}

cdef struct fc_command:
    char name[48]             # lowercase full name ("get", "config|get")
    size_t namelen            # length of the last component (what the client types)
    const char *word          # pointer to that component inside name
    int arity
    uint64_t flags
    cmd_proc proc
    PyObject *pyhandler       # owned reference when set
    fc_command **subs
    int nsubs
    fc_command *parent
    long long calls
    long long usec
    long long rejected_calls
    long long failed_calls

cdef enum:
    CMDTAB_SIZE = 1024

cdef fc_command *cmdtab[CMDTAB_SIZE]
memset(cmdtab, 0, sizeof(cmdtab))
cdef list _all_commands = []     # keeps Python-side objects alive; (name, pointer as int)

cdef inline uint32_t name_hash(const char *s, size_t n) noexcept nogil:
    cdef uint32_t h = 2166136261u
    cdef size_t i
    for i in range(n):
        h ^= <uint8_t>lower_ascii(s[i])
        h *= 16777619u
    return h

cdef fc_command *lookup_command(const char *s, size_t n) noexcept nogil:
    cdef uint32_t i = name_hash(s, n) & (CMDTAB_SIZE - 1)
    cdef fc_command *cmd
    while True:
        cmd = cmdtab[i]
        if cmd == NULL:
            return NULL
        if cmd.namelen == n and eq_nocase(s, n, cmd.word):
            return cmd
        i = (i + 1) & (CMDTAB_SIZE - 1)

cdef fc_command *lookup_subcommand(fc_command *parent, const char *s, size_t n) noexcept nogil:
    cdef int i
    for i in range(parent.nsubs):
        if parent.subs[i].namelen == n and eq_nocase(s, n, parent.subs[i].word):
            return parent.subs[i]
    return NULL

cdef fc_command *_new_command(bytes fullname, int arity, uint64_t flags, object handler) except NULL:
    cdef fc_command *cmd = <fc_command *>fc_calloc(sizeof(fc_command))
    cdef bytes low = fullname.lower()
    cdef Py_ssize_t bar
    if len(low) >= 48:
        raise ValueError("command name too long")
    memcpy(cmd.name, PyBytes_AS_STRING(low), len(low))
    cmd.name[len(low)] = 0
    bar = low.rfind(b"|")
    cmd.word = cmd.name + (bar + 1)
    cmd.namelen = len(low) - (bar + 1)
    cmd.arity = arity
    cmd.flags = flags
    if isinstance(handler, str):
        if handler not in _cprocs:
            fc_free(cmd)
            raise KeyError("no C implementation named %r" % handler)
        cmd.proc = (<CProc>_cprocs[handler]).proc
    elif handler is not None:
        cmd.pyhandler = <PyObject *>handler
        Py_INCREF(handler)
    return cmd

def register_command(bytes name, int arity, flags, handler):
    """Add a top-level command.  `flags` is an iterable of Redis flag names,
    `handler` the name of a C proc (see cmdtable.pxi), a Python callable
    handler(client, argv), or None for a container of subcommands."""
    cdef uint64_t bits = 0
    for f in flags:
        bits |= FLAG_BITS.get(f, 0)
    cdef fc_command *cmd = _new_command(name, arity, bits, handler)
    cdef uint32_t i = name_hash(cmd.name, cmd.namelen) & (CMDTAB_SIZE - 1)
    while cmdtab[i] != NULL:
        if strlen(cmdtab[i].name) == cmd.namelen and memcmp(cmdtab[i].name, cmd.name, cmd.namelen) == 0:
            raise ValueError("duplicate command %r" % name)
        i = (i + 1) & (CMDTAB_SIZE - 1)
    cmdtab[i] = cmd
    _all_commands.append(name.lower())

def register_subcommand(bytes parent, bytes sub, int arity, flags, handler):
    cdef fc_command *p = lookup_command(PyBytes_AS_STRING(parent), len(parent))
    cdef uint64_t bits = 0
    if p == NULL:
        raise KeyError(parent)
    for f in flags:
        bits |= FLAG_BITS.get(f, 0)
    cdef fc_command *cmd = _new_command(parent.lower() + b"|" + sub.lower(), arity, bits, handler)
    cmd.parent = p
    p.subs = <fc_command **>fc_realloc(p.subs, (p.nsubs + 1) * sizeof(fc_command *))
    p.subs[p.nsubs] = cmd
    p.nsubs += 1
    _all_commands.append(parent.lower() + b"|" + sub.lower())

def implemented_commands():
    """Lowercase full names of every registered command and subcommand."""
    return set(x.decode() for x in _all_commands)

cdef void _stats_of(fc_command *cmd, list out):
    if cmd.calls or cmd.rejected_calls or cmd.failed_calls:
        out.append((cmd.name.decode(), cmd.calls, cmd.usec, cmd.rejected_calls, cmd.failed_calls))
    for i in range(cmd.nsubs):
        _stats_of(cmd.subs[i], out)

def command_stats():
    """[(fullname, calls, usec, rejected_calls, failed_calls)] for INFO commandstats."""
    cdef list out = []
    cdef int i
    for i in range(CMDTAB_SIZE):
        if cmdtab[i] != NULL:
            _stats_of(cmdtab[i], out)
    out.sort()
    return out

cdef void _reset_stats_of(fc_command *cmd):
    cmd.calls = cmd.usec = cmd.rejected_calls = cmd.failed_calls = 0
    for i in range(cmd.nsubs):
        _reset_stats_of(cmd.subs[i])

def reset_command_stats():
    global n_errstats
    cdef int i
    for i in range(CMDTAB_SIZE):
        if cmdtab[i] != NULL:
            _reset_stats_of(cmdtab[i])
    n_errstats = 0

def error_stats():
    return [(errstats[i].code[:errstats[i].codelen].decode("latin-1"), errstats[i].count)
            for i in range(n_errstats)]

cdef void reply_unknown_command(ClientBase c):
    # "unknown command '%.128s', with args beginning with: 'a' 'b' " — args are
    # appended while the list is shorter than 128 chars; C-string semantics
    # truncate each at a NUL byte, like Redis's %s formatting.
    cdef bytes name = _cstr_trunc(argv_bytes(c, 0), 128)
    cdef bytes args = b""
    cdef int i = 1
    while i < c.argc and len(args) < 128:
        args += b"'" + _cstr_trunc(argv_bytes(c, i), 128 - len(args)) + b"' "
        i += 1
    add_reply_error_py(c, b"ERR unknown command '" + name + b"', with args beginning with: " + args)

cdef bytes _cstr_trunc(bytes s, Py_ssize_t n):
    cdef Py_ssize_t z = s.find(b"\0")
    if z >= 0:
        s = s[:z]
    return s[:n]

# Set by core.set_option("misconf-deny-writes") from the snapshot orchestration.
cdef bint deny_writes_misconf = False
# Set by core.set_option("loading") while the server loads its dataset.
cdef bint server_loading = False

cdef void reject_command(ClientBase c, fc_command *cmd, const char *err) noexcept:
    """rejectCommand: processCommand refuses `cmd` with the pre-built error line
    `err`.  Counts a rejected call, flags an open transaction (EXEC will abort),
    and a rejected EXEC discards the transaction with EXECABORT (multi.pxi)."""
    if cmd != NULL:
        cmd.rejected_calls += 1
        if FC_UNLIKELY(cmd.proc == <cmd_proc>cmd_exec):
            exec_command_abort(c, err, strlen(err) - 2)
            return
    multi_flag_transaction(c)
    add_reply_error(c, err)

cdef void reject_command_py(ClientBase c, fc_command *cmd, bytes msg):
    """reject_command with a formatted message (text without '-' and CRLF)."""
    if cmd != NULL:
        cmd.rejected_calls += 1
        if FC_UNLIKELY(cmd.proc == <cmd_proc>cmd_exec):
            exec_command_abort(c, msg, len(msg))
            return
    multi_flag_transaction(c)
    add_reply_error_py(c, msg)

cdef void execute_command(ClientBase c):
    # Every refusal below goes through reject_command(_py): it counts the
    # rejection, flags an open MULTI (EXEC then replies EXECABORT) and turns a
    # refused EXEC into "EXECABORT Transaction discarded because of: ...".
    cdef fc_command *cmd = lookup_command(c.argv[0], c.argvlen[0])
    cdef fc_command *sub
    cdef size_t olen_before
    c.lastcmd = cmd               # Redis sets c->lastcmd at lookup (CLIENT LIST cmd=)
    if cmd == NULL:
        multi_flag_transaction(c)
        reply_unknown_command(c)
        return
    if cmd.nsubs > 0 and c.argc >= 2:
        sub = lookup_subcommand(cmd, c.argv[1], c.argvlen[1])
        c.lastcmd = sub
        if sub == NULL:
            multi_flag_transaction(c)
            add_reply_error_py(c, b"ERR unknown subcommand '" + _cstr_trunc(argv_bytes(c, 1), 128)
                               + b"'. Try " + argv_bytes(c, 0).upper() + b" HELP.")
            return
        cmd = sub
    if (cmd.arity > 0 and c.argc != cmd.arity) or (cmd.arity < 0 and c.argc < -cmd.arity):
        reject_command_py(c, cmd, b"ERR wrong number of arguments for '" + <bytes>cmd.name + b"' command")
        return
    if not c.authenticated and not (cmd.flags & CMD_NO_AUTH):
        reject_command(c, cmd, E_NOAUTH)
        return
    # multi.pxi: commands flagged no_multi (SAVE, SHUTDOWN, SYNC, PSYNC) are
    # refused inside MULTI, right after the auth check as in processCommand
    if FC_UNLIKELY(c.mflags & MF_MULTI) and (cmd.flags & CMD_NO_MULTI):
        reject_command(c, cmd, E_NO_MULTI_CMD)
        return
    # evict.pxi: maxmemory (processCommand's performEvictions block, after the
    # no_multi check and before MISCONF): evict, then refuse denyoom commands
    # (and anything queued in MULTI) with -OOM when still over the limit.  Not
    # while a script runs (clients served from its BUSY hook: Redis skips
    # eviction inside a yielding command).
    if FC_UNLIKELY(srv.maxmemory != 0) and not script_running and evict_before_command(c, cmd):
        return
    # stop-writes-on-bgsave-error (persist): after a failed BGSAVE, with save points
    # configured, Redis refuses write commands -- and PING, which it treats as a
    # probe of the master's health -- with -MISCONF (processCommand's
    # writeCommandsDeniedByDiskError).  The flag is computed by the Python
    # orchestration (fastcache/persistence/snapshot.py); one unlikely branch here.
    # An EXEC counts as a write when it queued one (multi.pxi: mcmd_flags).
    if FC_UNLIKELY(deny_writes_misconf) and (
            (cmd.flags & CMD_WRITE) or
            (cmd.proc == <cmd_proc>cmd_exec and (c.mcmd_flags & CMD_WRITE)) or
            (cmd.parent == NULL and cmd.namelen == 4 and memcmp(cmd.name, b"ping", 4) == 0)):
        reject_command(c, cmd, E_MISCONF)
        return
    # pubsub.pxi: a RESP2 client with subscriptions may only run (P|S)SUBSCRIBE,
    # (P|S)UNSUBSCRIBE, PING, QUIT and RESET (RESP3 mixes pushes and replies,
    # so it may run anything).  Redis checks this right after MISCONF.
    # (multi.pxi: through reject_command_py, so that inside MULTI the refusal
    # flags the transaction and a refused EXEC reports EXECABORT with this text)
    if FC_UNLIKELY(c.ps_flag) and c.resp == 2 and not ps_allowed_when_subscribed(cmd):
        reject_command_py(c, cmd, b"ERR Can't execute '" + <bytes>cmd.name + b"': only (P|S)SUBSCRIBE / "
                          b"(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
        return
    # Loading a dataset at start-up (fastcache/blocked_io.py serves clients from
    # the loader's progress callback): only commands flagged `loading` run, the
    # rest get -LOADING, as processCommand does while server.loading is set.
    if FC_UNLIKELY(server_loading) and not (cmd.flags & CMD_LOADING):
        reject_command(c, cmd, E_LOADING)
        return
    # scripting (script.pxi): while a script runs past busy-reply-threshold, the
    # clients served from the Lua hook get -BUSY for everything not flagged
    # allow_busy (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE ...), as Redis's
    # processCommand does for a timed-out script.
    if FC_UNLIKELY(script_timedout) and busy_rejects(c, cmd):
        reject_command(c, cmd, E_BUSY)
        return
    # CLIENT PAUSE (server_cmds.pxi): postpone the command, not the client's
    # later input; it re-runs, in arrival order, when the pause ends.  An EXEC
    # whose queue holds a write is paused like a write (multi.pxi).
    if FC_UNLIKELY(pause_type != 0) and (pause_applies(c, cmd) or exec_pause_applies(c, cmd)):
        postpone_client(c)
        return
    # multi.pxi: inside MULTI, every command but EXEC/DISCARD/MULTI/WATCH/QUIT/
    # RESET is copied into the transaction's queue and answered +QUEUED, after
    # every check above passed (processCommand's last step)
    if FC_UNLIKELY(c.mflags & MF_MULTI) and not multi_passthrough(cmd):
        queue_multi_command(c, cmd)
        return
    olen_before = c.olen
    call_command(c, cmd)
    if FC_UNLIKELY(c.reply_mode != 0):
        # (P|S)(UN)SUBSCRIBE confirmations are pushes: Redis sends them even
        # under CLIENT REPLY OFF/SKIP (CLIENT_PUSHING), see pubsub.pxi
        if (c.reply_mode == 1 or c.reply_mode == 3) and not ps_is_subscription_cmd(cmd):
            c.olen = olen_before
        if c.reply_mode == 3:
            c.reply_mode = 0
        elif c.reply_mode == 2:
            c.reply_mode = 3
    # blocked.pxi: serve clients blocked on keys this command made ready, then
    # resume the unblocked ones (handleClientsBlockedOnKeys in processCommand)
    if FC_UNLIKELY(n_ready > 0 or unblocked_head < unblocked_tail):
        blocked_after_command()

cdef void call_command(ClientBase c, fc_command *cmd) noexcept:
    """Redis's call(): run one command that passed every check, with its stats,
    its propagation and the MONITOR/SLOWLOG feeds.  Re-entrant: EXEC runs its
    queued commands and scripts run redis.call() through here, and propagation
    nests (one execution unit for the outermost call; see propagate.pxi)."""
    cdef long long start, dur
    cdef long long dirty_before = srv.dirty
    cdef int prop_saved = 0
    c.cmd_failed = False
    c.cur_cmd = cmd
    # propagate.pxi: one execution unit per outermost command (one branch when off)
    if FC_UNLIKELY(prop_on):
        prop_saved = prop_call_begin()
    start = fc_ustime()
    if cmd.proc != NULL:
        cmd.proc(c)
    else:
        call_python(c, cmd)
    dur = fc_ustime() - start
    if FC_UNLIKELY(prop_in_cmd):
        prop_call_end(c, dirty_before, prop_saved)
    cmd.usec += dur
    # a command that blocked (blocked.pxi) is counted when it is served, times
    # out or is unblocked, as Redis's updateStatsOnUnblock does
    if not c.bparked:
        cmd.calls += 1
        if c.cmd_failed:
            cmd.failed_calls += 1
        srv.stat_numcommands += 1
    # MONITOR: fed after the call (SELECT shows the new db), like Redis 7.0's
    # call(); admin and skip_monitor commands are never shown.
    if FC_UNLIKELY(n_monitors > 0) and not (cmd.flags & (CMD_SKIP_MONITOR | CMD_ADMIN)):
        feed_monitors(c)
    if FC_UNLIKELY(srv.slowlog_log_slower_than >= 0 and dur >= srv.slowlog_log_slower_than
                   and not (cmd.flags & CMD_SKIP_SLOWLOG)):
        if _slowlog_hook is not None:
            _slowlog_hook(c, argv_list(c), dur)

cdef object _slowlog_hook = None

cdef void call_python(ClientBase c, fc_command *cmd):
    cdef list argv = argv_list(c)
    try:
        (<object>cmd.pyhandler)(c, argv)
    except Exception as exc:
        if _log_exception is not None:
            _log_exception("Error in command %r: %r" % (argv[0], exc), True)
        add_reply_error_py(c, b"ERR internal error: " + repr(exc).encode()[:200])

cdef class CProc:
    cdef cmd_proc proc

cdef dict _cprocs = {}

cdef void cproc(str name, cmd_proc p):
    cdef CProc o = CProc()
    o.proc = p
    _cprocs[name] = o

def c_command_names():
    """Names of all commands implemented in C."""
    return set(_cprocs)

def set_hooks(log_exception=None, slowlog=None, respvalue_encode=None):
    """Bind the Python callbacks the core uses (once, at startup)."""
    global _log_exception, _slowlog_hook, _respvalue_encode
    _log_exception = log_exception
    _slowlog_hook = slowlog
    _respvalue_encode = respvalue_encode
