# script.pxi — C-level support for the Lua scripting engine (fastcache/scripting.py).
#
# Design note.  The engine (Python + real Lua 5.1 through lupa) owns the Lua state,
# the script cache and the sandbox.  This area does the per-call work that must be
# cheap, so that one redis.call() costs one Lua->Python crossing and no
# intermediate objects for simple replies:
#   - script_call(raise, *args): the Python entry behind redis.call/redis.pcall.
#     It turns the Lua arguments into the script client's argv, runs the checks of
#     Redis's scriptCall() (unknown command, arity, noscript, read-only scripts), runs
#     the command through call_command() on ONE connection-less client
#     (`script_client`), and hands the reply back as (kind, value): simple replies
#     (int, bulk, nil, bool) as plain values, the rest tagged for the Lua side.
#   - the EVAL* procs: numkeys validation in C, then one call into the engine.
#   - the BUSY machinery: while a script runs past busy-reply-threshold, a Lua count
#     hook calls script_serve_busy(), which reads the other clients' sockets
#     directly (the event loop is blocked) and runs their commands; execute_command
#     answers -BUSY to everything not flagged allow_busy (processEventsWhileBlocked).
#
# Ownership: the script client's argv points into a Python list of bytes kept alive
# in `_script_argv_refs` for the duration of one command.

from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM

cdef extern from "<sys/socket.h>" nogil:
    ssize_t recv(int fd, void *buf, size_t n, int flags)

cdef ClientBase script_client = None     # the "lua" client redis.call() runs on
cdef ClientBase script_caller = None     # the client whose EVAL is running
cdef bint script_running = False
cdef bint script_ro = False              # EVAL_RO/EVALSHA_RO or a no-writes script
cdef bint script_wrote = False           # a write command ran (SCRIPT KILL -> UNKILLABLE)
cdef bint script_timedout = False        # past busy-reply-threshold: others get -BUSY
cdef bint script_kill_requested = False
cdef long long script_start_ms = 0
cdef object _script_argv_refs = None
cdef object _script_engine = None        # fastcache.scripting engine (bound at start-up)

cdef const char *E_BUSY = (b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL "
                           b"or SHUTDOWN NOSAVE.\r\n")

cdef bint busy_rejects(ClientBase c, fc_command *cmd) noexcept:
    """During a timed-out script: commands not flagged allow_busy get -BUSY, and so
    does SHUTDOWN without NOSAVE (Redis's shutdownCommand answers it with the
    slow-script error: only NOSAVE may stop a server with a busy script)."""
    cdef int i
    if not (cmd.flags & CMD_ALLOW_BUSY):
        return True
    if cmd.parent == NULL and cmd.namelen == 8 and memcmp(cmd.name, b"shutdown", 8) == 0:
        for i in range(1, c.argc):
            if arg_is(c, i, "nosave"):
                return False
        return True
    return False

cdef ClientBase _new_script_client():
    cdef ClientBase c = ClientBase.__new__(ClientBase)
    c.authenticated = True
    memcpy(c.addr_c, b"lua", 3)          # MONITOR shows "[0 lua]"
    c.addr_clen = 3
    return c

def script_set_engine(engine):
    """Bind the scripting engine the EVAL* procs call (once, at start-up)."""
    global _script_engine, script_client
    _script_engine = engine
    if script_client is None:
        script_client = _new_script_client()

cdef bytes _lua_arg_bytes(object a):
    # Lua numbers reach redis.call() as their "%.17g" text (Redis formats them with
    # fpconv_dtoa in 7.0, which gives the same digits): 1.5 -> "1.5", 1e20 -> "1e+20".
    cdef object t = type(a)
    if t is bytes:
        return <bytes>a
    if t is int:
        if -100000000000000000 < a < 100000000000000000:
            return str(a).encode()
        return b"%.17g" % float(a)
    if t is float:
        return b"%.17g" % a
    return None

cdef void _script_argv_grow(ClientBase c, int n) noexcept:
    if c.argv_cap < n:
        c.argv = <const char **>fc_realloc(c.argv, n * sizeof(char *))
        c.argvlen = <size_t *>fc_realloc(c.argvlen, n * sizeof(size_t))
        c.argv_cap = n

cdef inline long long _parse_ll_line(const char *p, const char **end) noexcept:
    cdef long long v = 0
    cdef bint neg = False
    if p[0] == 45:
        neg = True
        p += 1
    while p[0] != 13:
        v = v * 10 + (p[0] - 48)
        p += 1
    end[0] = p + 2
    return -v if neg else v

cdef int _script_reply(ClientBase sc) except -1:
    """The one reply in sc.obuf: returns its kind and leaves the value in _exec_val.
    Kinds: 0 plain value (int, bytes, False for a RESP2 null, None for a RESP3
    null, bool), 1 status, 2 error text, 3 double, 4 raw RESP of an aggregate
    (parsed on the Lua side)."""
    global _exec_val
    cdef const char *p = sc.obuf
    cdef const char *end
    cdef long long n
    cdef char t = p[0]
    if t == 58:      # ':'
        _exec_val = _parse_ll_line(p + 1, &end)
        return 0
    if t == 36:      # '$'
        if p[1] == 45:
            _exec_val = False
            return 0
        n = _parse_ll_line(p + 1, &end)
        _exec_val = PyBytes_FromStringAndSize(end, n)
        return 0
    if t == 43:      # '+'
        _exec_val = PyBytes_FromStringAndSize(p + 1, sc.olen - 3)
        return 1
    if t == 45:      # '-'
        _exec_val = PyBytes_FromStringAndSize(p + 1, sc.olen - 3)
        return 2
    if t == 95:      # '_'
        _exec_val = None
        return 0
    if t == 35:      # '#'
        _exec_val = p[1] == 116
        return 0
    if t == 44:      # ','
        _exec_val = float(PyBytes_FromStringAndSize(p + 1, sc.olen - 3))
        return 3
    if t == 42 and p[1] == 45:   # '*-1': a RESP2 null array is false too
        _exec_val = False
        return 0
    _exec_val = PyBytes_FromStringAndSize(p, sc.olen)
    return 4

cdef object _exec_val = None       # the value of the last _script_exec()

cdef int _script_exec(tuple args) except -1:
    """Run one redis.call()/redis.pcall() command; returns the kind (see
    _script_reply) and leaves the value in _exec_val; kind 2 carries the error text
    (without '-' and CRLF)."""
    global _script_argv_refs, script_wrote, _exec_val
    cdef int argc = len(args)
    cdef int i
    cdef object a
    cdef bytes b
    cdef list refs = None
    cdef fc_command *cmd
    cdef fc_command *sub
    cdef ClientBase sc = script_client
    if argc == 0:
        _exec_val = b"ERR Please specify at least one argument for this redis lib call"
        return 2
    _script_argv_grow(sc, argc)
    for i in range(argc):
        a = args[i]
        if type(a) is bytes:
            # Lua strings arrive as bytes: the args tuple keeps them alive
            b = <bytes>a
        else:
            b = _lua_arg_bytes(a)
            if b is None:
                _exec_val = b"ERR Lua redis lib command arguments must be strings or integers"
                return 2
            if refs is None:
                refs = []
            refs.append(b)
        sc.argv[i] = PyBytes_AS_STRING(b)
        sc.argvlen[i] = PyBytes_GET_SIZE(b)
    sc.argc = argc
    # Redis's scriptCall() checks, in its order
    cmd = lookup_command(sc.argv[0], sc.argvlen[0])
    if cmd != NULL and cmd.nsubs > 0 and argc >= 2:
        sub = lookup_subcommand(cmd, sc.argv[1], sc.argvlen[1])
        cmd = sub
    if cmd == NULL:
        sc.argc = 0
        _exec_val = b"ERR Unknown Redis command called from script"
        return 2
    sc.lastcmd = cmd
    if (cmd.arity > 0 and argc != cmd.arity) or (cmd.arity < 0 and argc < -cmd.arity):
        sc.argc = 0
        _exec_val = b"ERR Wrong number of args calling Redis command from script"
        return 2
    if cmd.flags & CMD_NOSCRIPT:
        sc.argc = 0
        _exec_val = b"ERR This Redis command is not allowed from script"
        return 2
    if cmd.flags & CMD_WRITE:
        if script_ro:
            sc.argc = 0
            _exec_val = b"ERR Write commands are not allowed from read-only scripts."
            return 2
        if deny_writes_misconf:
            sc.argc = 0
            _exec_val = PyBytes_FromStringAndSize(E_MISCONF + 1, strlen(E_MISCONF) - 3)
            return 2
        script_wrote = True
    _script_argv_refs = refs
    sc.olen = 0
    call_command(sc, cmd)
    sc.argc = 0
    _script_argv_refs = None
    if sc.olen == 0:
        _exec_val = None
        return 0
    i = _script_reply(sc)
    sc.olen = 0
    return i

# Lua helpers bound by the engine: (kind, value) -> Lua value for the tagged
# replies, and msg -> {err=msg}.
cdef object _lua_convert = None
cdef object _lua_mkerr = None
cdef object script_pending_err = None

class ScriptRaise(Exception):
    """Raised through Lua by redis.call() and the other library functions that
    fail with a Redis error; the Lua side reads the message with
    script_take_error() (lupa turns a Python exception into a userdata error)."""

def script_bind_lua(convert, mkerr):
    global _lua_convert, _lua_mkerr
    _lua_convert = convert
    _lua_mkerr = mkerr

def script_raise(bytes msg):
    """Fail the running library call with Redis error `msg` ("ERR ..." form)."""
    global script_pending_err
    script_pending_err = msg
    raise ScriptRaise()

def script_take_error():
    """The message of the error last raised through script_raise (for the Lua
    error handler and pcall, which see lupa's userdata)."""
    return script_pending_err if script_pending_err is not None else b"ERR internal scripting error"

# redis.call / redis.pcall are THESE functions, installed in the Lua `redis` table
# as Python callables: Lua sees a C function, so `return redis.call(...)` is not a
# Lua tail call and error messages keep the caller's line (as with Redis's C
# implementation); and one call costs one boundary crossing.
def script_call(*args):
    """redis.call(): the command's reply as a Lua value; raises Redis errors."""
    global script_pending_err
    cdef int kind = _script_exec(args)
    if kind == 0:
        return _exec_val
    if kind == 2:
        script_pending_err = _exec_val
        raise ScriptRaise()
    return _lua_convert(kind, _exec_val)

def script_pcall(*args):
    """redis.pcall(): like redis.call() but errors come back as {err=...}."""
    cdef int kind = _script_exec(args)
    if kind == 0:
        return _exec_val
    if kind == 2:
        return _lua_mkerr(_exec_val)
    return _lua_convert(kind, _exec_val)

def command_exists(bytes name):
    """True when `name` (or "container|sub") is a registered command."""
    cdef bytes low = name.lower()
    cdef Py_ssize_t bar = low.find(b"|")
    cdef fc_command *cmd
    if bar < 0:
        return lookup_command(PyBytes_AS_STRING(low), len(low)) != NULL
    cmd = lookup_command(PyBytes_AS_STRING(low), bar)
    return cmd != NULL and lookup_subcommand(cmd, PyBytes_AS_STRING(low) + bar + 1, len(low) - bar - 1) != NULL

def script_set_resp(int resp):
    """redis.setresp(): the protocol the script client's commands reply in."""
    script_client.resp = resp

# ---- the EVAL family ---------------------------------------------------------------

cdef void add_reply_error_raw(ClientBase c, const char *s, size_t n) noexcept:
    """An error line from text that carries its own code (Lua's {err=...} and the
    script error messages: Redis writes them with "-%s", no "ERR " added); CR/LF
    inside become spaces.  Counted in errorstats like every error reply."""
    cdef char *p = reply_reserve(c, n + 3)
    cdef size_t i
    p[0] = 45
    memcpy(p + 1, s, n)
    for i in range(1, n + 1):
        if p[i] == 13 or p[i] == 10:
            p[i] = 32
    p[n + 1] = 13
    p[n + 2] = 10
    srv.stat_total_error_replies += 1
    errstat_count(p + 1, n)
    c.olen += n + 3
    c.cmd_failed = True

def script_reply_error(ClientBase c, bytes msg):
    add_reply_error_raw(c, PyBytes_AS_STRING(msg), PyBytes_GET_SIZE(msg))

cdef void script_reply_value(ClientBase c, object v, int sresp) noexcept:
    """A plain Lua return value as a reply (luaReplyToRedisReply's scalar cases)."""
    cdef object t = type(v)
    cdef double d
    if t is bytes:
        add_reply_bulk(c, PyBytes_AS_STRING(<bytes>v), PyBytes_GET_SIZE(<bytes>v))
    elif t is int:
        # (long long)lua_Number: out of range -> LLONG_MIN, as the x86 conversion gives
        if LLONG_MIN <= v <= LLONG_MAX:
            add_reply_int(c, <long long>v)
        else:
            add_reply_int(c, LLONG_MIN)
    elif t is float:
        d = <double>v
        if d == d and -9.2233720368547758e18 <= d < 9.2233720368547758e18:
            add_reply_int(c, <long long>d)
        else:
            add_reply_int(c, LLONG_MIN)
    elif t is bool:
        if sresp == 2:
            # RESP2 scripts: true is 1, false is a null
            if v:
                add_reply_raw(c, b":1\r\n", 4)
            else:
                add_reply_null(c)
        else:
            add_reply_bool(c, <bint>v)
    else:
        add_reply_null(c)

cdef void _eval_generic(ClientBase c, bint is_sha, bint ro) noexcept:
    """EVAL/EVALSHA[_RO] script numkeys [key ...] [arg ...]."""
    cdef long long numkeys
    if not fc_string2ll(c.argv[2], c.argvlen[2], &numkeys):
        add_reply_error(c, E_NOTINT)
        return
    if numkeys > c.argc - 3:
        add_reply_error(c, E_SCRIPT_NUMKEYS_ARGS)
        return
    if numkeys < 0:
        add_reply_error(c, E_SCRIPT_NUMKEYS_NEG)
        return
    if _script_engine is None:
        from fastcache.scripting import engine
        engine(c.server)
    # EVAL itself is never propagated: only the commands the script runs are
    # (effects replication), as one execution unit (MULTI/EXEC when more than one)
    prop_begin_override(c)
    if is_sha and c.argvlen[2 - 1] == 40 and _evalsha_fast(c, ro, numkeys):
        return
    try:
        _script_engine.eval_command(c, argv_list(c), is_sha, ro, numkeys)
    except Exception as exc:
        if _log_exception is not None:
            _log_exception("Error in script: %r" % (exc,), True)
        add_reply_error_py(c, b"ERR internal error: " + repr(exc).encode()[:200])

cdef dict _script_cache = None     # the engine's sha -> script dict (bound by the engine)
cdef object _script_run = None     # the engine's Lua runner (rebound with a new Lua state)

def script_bind_cache(dict cache, run):
    global _script_cache, _script_run
    _script_cache = cache
    _script_run = run

cdef bint _evalsha_fast(ClientBase c, bint ro, long long numkeys) noexcept:
    """EVALSHA of a cached script without the Python layer in between: the cache
    lookup, the Lua call and a scalar reply from here (the common, hot case).
    False when the script is not cached (the engine replies NOSCRIPT)."""
    global script_running, script_caller, script_ro, script_wrote, script_timedout
    global script_kill_requested, script_start_ms
    cdef object s
    cdef object r
    cdef bytes key
    cdef tuple args
    cdef int i
    cdef const char *p = c.argv[1]
    try:
        key = PyBytes_FromStringAndSize(p, 40)
        for i in range(40):
            if 65 <= p[i] <= 90:
                key = key.lower()
                break
        s = _script_cache.get(key)
        if s is None:
            return False
        args = PyTuple_New(c.argc)       # (fn, resp, numkeys, key/arg ...)
        Py_INCREF(s.fn)
        PyTuple_SET_ITEM(args, 0, s.fn)
        b = c.resp
        Py_INCREF(b)
        PyTuple_SET_ITEM(args, 1, b)
        b = numkeys
        Py_INCREF(b)
        PyTuple_SET_ITEM(args, 2, b)
        for i in range(3, c.argc):
            b = PyBytes_FromStringAndSize(c.argv[i], c.argvlen[i])
            Py_INCREF(b)
            PyTuple_SET_ITEM(args, i, b)
        script_client.db = c.db
        script_client.resp = 2
        script_client.olen = 0
        script_caller = c
        script_running = True
        script_ro = ro or s.ro
        script_wrote = False
        script_timedout = False
        script_kill_requested = False
        script_start_ms = srv.mstime
        try:
            r = _script_run(*args)
        finally:
            if script_kill_requested:
                _script_engine._arm_hook(True)
            script_running = False
            script_caller = None
            script_timedout = False
            script_kill_requested = False
        if type(r) is not tuple:
            # the runner returns a string or number result alone (no tuple)
            script_reply_value(c, r, 2)
        elif r[0] == 0:
            script_reply_value(c, r[1], r[2])
        else:
            _script_engine.finish(c, r[0], r[1], s.sha)
    except Exception as exc:
        if _log_exception is not None:
            _log_exception("Error in script: %r" % (exc,), True)
        add_reply_error_py(c, b"ERR internal error: " + repr(exc).encode()[:200])
    return True

cdef void cmd_eval(ClientBase c) noexcept:
    _eval_generic(c, False, False)

cdef void cmd_evalsha(ClientBase c) noexcept:
    _eval_generic(c, True, False)

cdef void cmd_eval_ro(ClientBase c) noexcept:
    _eval_generic(c, False, True)

cdef void cmd_evalsha_ro(ClientBase c) noexcept:
    _eval_generic(c, True, True)

def script_begin(ClientBase caller, bint ro):
    """A script starts: the script client takes the caller's db and RESP2."""
    global script_running, script_caller, script_ro, script_wrote, script_timedout
    global script_kill_requested, script_start_ms
    script_client.db = caller.db
    script_client.resp = 2
    script_client.olen = 0
    script_caller = caller
    script_running = True
    script_ro = ro
    script_wrote = False
    script_timedout = False
    script_kill_requested = False
    script_start_ms = fc_mstime()

def script_end():
    global script_running, script_caller, script_timedout, script_kill_requested
    script_running = False
    script_caller = None
    script_timedout = False
    script_kill_requested = False

def script_reply_result(ClientBase c, object v, int sresp):
    script_reply_value(c, v, sresp)

def script_state():
    """(running, wrote, timedout, elapsed ms) for SCRIPT KILL and the busy hook."""
    return (script_running, script_wrote, script_timedout,
            (fc_mstime() - script_start_ms) if script_running else 0)

def script_request_kill():
    global script_kill_requested
    script_kill_requested = True

def script_kill_requested_p():
    return script_kill_requested

def script_mark_timedout():
    global script_timedout
    script_timedout = True

def script_serve_busy(clients):
    """processEventsWhileBlocked: read what the other clients sent and run it (the
    event loop is blocked while Lua runs).  execute_command answers -BUSY to every
    command that is not allow_busy.  New connections wait in the accept backlog."""
    cdef ClientBase c
    cdef ssize_t n
    for obj in clients:
        c = <ClientBase>obj
        if c is script_caller or c.closed or c.fd < 0 or c.transport is None:
            continue
        client_make_room(c)
        n = recv(c.fd, c.qbuf + c.qlen, c.qcap - c.qlen, MSG_DONTWAIT)
        if n <= 0:
            continue
        c.qlen += <size_t>n
        srv.stat_net_input_bytes += n
        process_input(c)
        flush_output(c)
