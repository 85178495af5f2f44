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
from libc.math cimport signbit

cdef extern from "<sys/socket.h>" nogil:
    ssize_t recv(int fd, void *buf, size_t n, int flags)

cdef ClientBase script_client = None     # the "lua" client redis.call() runs on
cdef ClientBase script_caller = None     # the client whose EVAL is running
cdef bint script_running = False
cdef bint script_ro = False              # EVAL_RO/EVALSHA_RO or a no-writes script
cdef bint script_wrote = False           # a write command ran (SCRIPT KILL -> UNKILLABLE)
cdef bint script_timedout = False        # past busy-reply-threshold: others get -BUSY
cdef bint script_kill_requested = False
cdef bint script_repl_none = False       # redis.set_repl(redis.REPL_NONE) in effect
cdef long long script_start_ms = 0
cdef object _script_argv_refs = None
cdef object _script_engine = None        # fastcache.scripting engine (bound at start-up)

# Redis's shared.slowevalerr / shared.slowscripterr: a busy EVAL and a busy FCALL
# name their own KILL command.  E_BUSY is the one of the script kind running now
# (set when a run starts), read by execute_command's BUSY gate and by SHUTDOWN.
cdef const char *E_BUSY_EVAL = (b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL "
                                b"or SHUTDOWN NOSAVE.\r\n")
cdef const char *E_BUSY_FUNCTION = (b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL "
                                    b"or SHUTDOWN NOSAVE.\r\n")
cdef const char *E_BUSY = E_BUSY_EVAL

def busy_error_text(bint is_eval):
    """The BUSY error of a running EVAL (or function) without '-' and CRLF, for
    the Python handlers (SCRIPT/FUNCTION KILL, FUNCTION STATS): one catalogue."""
    cdef bytes line = <bytes>(E_BUSY_EVAL if is_eval else E_BUSY_FUNCTION)
    return line[1:-2]

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
    global _exec_val, _exec_err_from_reply
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
        _exec_err_from_reply = True
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
# the kind-2 value of the last _script_exec() is a command's error reply (already
# counted in errorstats when the command replied): Redis marks such error tables
# ignore_err_stats_update so the script's own error reply isn't counted again
cdef bint _exec_err_from_reply = False

cdef int _script_exec(tuple args) except -1:
    """Run one redis.call()/redis.pcall() command; returns the kind (see
    _script_reply) and leaves the value in _exec_val; kind 2 carries the error text
    (without '-' and CRLF)."""
    global _script_argv_refs, script_wrote, _exec_val, _exec_err_from_reply
    cdef int argc = len(args)
    cdef int i
    cdef object a
    cdef bytes b
    cdef list refs = None
    cdef fc_command *cmd
    cdef fc_command *sub
    cdef ClientBase sc = script_client
    _exec_err_from_reply = False
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
        # evict.pxi: scriptVerifyOOM (a script without flags, OOM at its start,
        # no write done yet)
        if FC_UNLIKELY(evict_oom_state) and not script_wrote and script_call_oom(cmd):
            sc.argc = 0
            _exec_val = PyBytes_FromStringAndSize(E_OOM + 1, strlen(E_OOM) - 3)
            return 2
        script_wrote = True
    _script_argv_refs = refs
    sc.olen = 0
    if FC_UNLIKELY(script_repl_none and prop_on):
        _call_unpropagated(sc, cmd)
    else:
        call_command(sc, cmd)
    sc.argc = 0
    _script_argv_refs = None
    if sc.olen == 0:
        _exec_val = None
        return 0
    i = _script_reply(sc)
    sc.olen = 0
    return i

cdef void _call_unpropagated(ClientBase sc, fc_command *cmd) noexcept:
    """redis.set_repl(redis.REPL_NONE): the command runs but what it staged for
    propagation is dropped (one stream serves the AOF and replicas here, so
    REPL_AOF / REPL_REPLICA alone both keep propagating)."""
    global prop_nops, prop_stage_len
    cdef int nops = prop_nops
    cdef size_t slen = prop_stage_len
    call_command(sc, cmd)
    prop_nops = nops
    prop_stage_len = slen

def script_set_repl(int flags):
    global script_repl_none
    script_repl_none = flags == 0

# Lua helpers bound by the engine: (kind, value) -> Lua value for the tagged
# replies, and msg -> {err=msg}.
cdef object _lua_convert = None
cdef object _lua_mkerr = None
cdef object script_pending_err = None
cdef bint script_pending_from_reply = False

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
    global script_pending_err, script_pending_from_reply
    script_pending_err = msg
    script_pending_from_reply = False
    raise ScriptRaise()

def script_take_error():
    """(message, from a command reply) of the error last raised through Python
    (for the Lua error handler and pcall, which see lupa's userdata)."""
    if script_pending_err is None:
        return (b"ERR internal scripting error", False)
    return (script_pending_err, script_pending_from_reply)

# redis.call / redis.pcall are THESE functions, installed in the Lua `redis` table
# as Python callables: Lua sees a C function, so `return redis.call(...)` is not a
# Lua tail call and error messages keep the caller's line (as with Redis's C
# implementation); and one call costs one boundary crossing.
def script_call(*args):
    """redis.call(): the command's reply as a Lua value; raises Redis errors."""
    global script_pending_err, script_pending_from_reply
    cdef int kind = _script_exec(args)
    if kind == 0:
        return _exec_val
    if kind == 2:
        script_pending_err = _exec_val
        script_pending_from_reply = _exec_err_from_reply
        raise ScriptRaise()
    return _lua_convert(kind, _exec_val)

def script_pcall(*args):
    """redis.pcall(): like redis.call() but errors come back as {err=...}."""
    cdef int kind = _script_exec(args)
    if kind == 0:
        return _exec_val
    if kind == 2:
        return _lua_mkerr(_exec_val, _exec_err_from_reply)
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

def script_reply_error(ClientBase c, bytes msg, bint count=True):
    """An error reply with its own code; count=False for an error already counted
    when a command replied it (the command still counts as failed)."""
    cdef size_t olen
    cdef long long total
    if count:
        add_reply_error_raw(c, PyBytes_AS_STRING(msg), PyBytes_GET_SIZE(msg))
    else:
        total = srv.stat_total_error_replies
        olen = c.olen
        add_reply_error_raw(c, PyBytes_AS_STRING(msg), PyBytes_GET_SIZE(msg))
        srv.stat_total_error_replies = total
        errstat_uncount(c.obuf + olen + 1, PyBytes_GET_SIZE(msg))

def script_count_error(ClientBase c, bytes msg, bint count=True):
    """An error inside a table result (already written): errorstats and the
    command's failure, as Redis's nested error replies do."""
    if count:
        srv.stat_total_error_replies += 1
        errstat_count(PyBytes_AS_STRING(msg), PyBytes_GET_SIZE(msg))
    c.cmd_failed = True

cdef void errstat_uncount(const char *msg, size_t len) noexcept:
    """Undo one errstat_count of the same text."""
    cdef size_t n = 0
    cdef int i
    while n < len and msg[n] != 32 and msg[n] != 13 and n < ERRSTAT_CODE_MAX - 1:
        n += 1
    for i in range(n_errstats):
        if <size_t>errstats[i].codelen == n and memcmp(errstats[i].code, msg, n) == 0:
            errstats[i].count -= 1
            return

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
    # EVAL* are skip_monitor: like Redis (evalGenericCommand), they are fed to
    # MONITOR here, first, so the EVAL line precedes the "[0 lua]" lines of the
    # commands its script runs -- and shows even when the call fails (bad numkeys,
    # NOSCRIPT)
    if FC_UNLIKELY(n_monitors > 0):
        feed_monitors(c)
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

cdef dict _script_cache = None     # the EVAL engine's sha -> script dict (script_bind_eval_state)
cdef object _script_run = None     # the engine's Lua runner (rebound with a new Lua state)

cdef tuple _evalsha_args(ClientBase c, object fn, long long numkeys):
    """(fn, resp, numkeys, key/arg ...) for the lupa runner."""
    cdef tuple args = PyTuple_New(c.argc)
    cdef int i
    Py_INCREF(fn)
    PyTuple_SET_ITEM(args, 0, fn)
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
    return args

cdef bint _evalsha_fast(ClientBase c, bint ro, long long numkeys) noexcept:
    """EVALSHA of a cached script without the Python layer in between: the cache
    lookup, the Lua call and a scalar reply from here (the common, hot case).
    False when the script is not cached (the engine replies NOSCRIPT)."""
    global script_running, script_caller, script_ro, script_wrote, script_timedout
    global script_kill_requested, script_start_ms, script_repl_none, E_BUSY
    cdef object s
    cdef object r = None
    cdef bytes key
    cdef int i
    cdef int direct = -1
    cdef bint killed, timedout
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
        script_client.db = c.db
        script_client.resp = 2
        script_client.olen = 0
        script_caller = c
        script_running = True
        script_ro = ro or s.ro
        script_wrote = False
        script_timedout = False
        script_kill_requested = False
        script_repl_none = False
        script_start_ms = srv.mstime
        E_BUSY = E_BUSY_EVAL
        try:
            direct = _evalsha_lua_direct(c, key, numkeys) if _lua_L != NULL else -1
            if direct < 0:
                r = _script_run(*_evalsha_args(c, s.fn, numkeys))
        finally:
            killed = script_kill_requested
            timedout = script_timedout
            script_running = False
            script_caller = None
            script_timedout = False
            script_kill_requested = False
            # clear the run state BEFORE re-arming: the kill switched the hook to
            # every line, and re-arming runs Lua lines; with the flags still set the
            # hook would answer "kill" again and leave the state killed, so the next
            # slow script would die at its first hook (see functions.pxi)
            if killed:
                _script_engine._arm_hook(True)
            if timedout:
                _script_engine.after_busy()
        if direct == 1:
            return True
        if direct == 0:
            _script_engine.finish_last(c, s.sha)
            return True
        if type(r) is not tuple:
            # the runner returns a string or number result alone (no tuple)
            script_reply_value(c, r, 2)
        elif r[0] == 0:
            script_reply_value(c, r[1], r[2])
        else:
            _script_engine.finish(c, r, s.sha)
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
    global script_kill_requested, script_start_ms, script_repl_none, E_BUSY
    script_repl_none = False
    E_BUSY = E_BUSY_EVAL
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
    command that is not allow_busy.  Connections accepted during the script (no
    transport yet) are skipped: the engine's blocked_io.EventsWhileBlocked pump
    serves them."""
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

# ---- redis.call / redis.pcall as Lua C functions -------------------------------------
#
# lupa's Lua->Python call (argument tuple, conversions, the GIL dance) costs about a
# microsecond; redis.call() is the hot path of every script.  When the Lua C API of
# lupa's bundled Lua 5.1 is reachable (its extension exports the lua_* symbols, and
# the LuaRuntime keeps its lua_State* as its first C field -- both checked at
# start-up, else the Python entries above stay in use), redis.call/redis.pcall are
# C closures: arguments are read straight off the Lua stack into the script
# client's argv, and int/bulk/nil/bool replies are pushed without any Python object.
# Other replies go through the Lua `convert` helper (upvalue 1), errors through
# `mkerr` (upvalue 2); redis.call raises with lua_error from a frame that holds no
# Python references (the longjmp must not skip a DECREF).

cdef extern from "<dlfcn.h>" nogil:
    void *dlopen(const char *filename, int flag)
    void *dlsym(void *handle, const char *symbol)
    int RTLD_NOW
    int RTLD_NOLOAD

cdef extern from *:
    """
    typedef struct fc_lua_State fc_lua_State;
    typedef int (*fc_lua_CFunction)(fc_lua_State *L);
    typedef struct {
        int (*gettop)(fc_lua_State *);
        void (*settop)(fc_lua_State *, int);
        int (*type)(fc_lua_State *, int);
        const char *(*tolstring)(fc_lua_State *, int, size_t *);
        double (*tonumber)(fc_lua_State *, int);
        void (*pushnil)(fc_lua_State *);
        void (*pushnumber)(fc_lua_State *, double);
        void (*pushinteger)(fc_lua_State *, ptrdiff_t);
        void (*pushlstring)(fc_lua_State *, const char *, size_t);
        void (*pushboolean)(fc_lua_State *, int);
        void (*pushvalue)(fc_lua_State *, int);
        void (*pushcclosure)(fc_lua_State *, fc_lua_CFunction, int);
        void (*getfield)(fc_lua_State *, int, const char *);
        void (*setfield)(fc_lua_State *, int, const char *);
        void (*call)(fc_lua_State *, int, int);
        int (*error)(fc_lua_State *);
        int (*pcall)(fc_lua_State *, int, int, int);
        int (*checkstack)(fc_lua_State *, int);
        int (*toboolean)(fc_lua_State *, int);
    } fc_lua_api;
    static fc_lua_api fc_lapi;
    """
    ctypedef struct fc_lua_State:
        pass
    ctypedef int (*fc_lua_CFunction)(fc_lua_State *L) noexcept nogil
    ctypedef struct fc_lua_api:
        int (*gettop)(fc_lua_State *) noexcept
        void (*settop)(fc_lua_State *, int) noexcept
        int (*type)(fc_lua_State *, int) noexcept
        const char *(*tolstring)(fc_lua_State *, int, size_t *) noexcept
        double (*tonumber)(fc_lua_State *, int) noexcept
        void (*pushnil)(fc_lua_State *) noexcept
        void (*pushnumber)(fc_lua_State *, double) noexcept
        void (*pushinteger)(fc_lua_State *, Py_ssize_t) noexcept
        void (*pushlstring)(fc_lua_State *, const char *, size_t) noexcept
        void (*pushboolean)(fc_lua_State *, int) noexcept
        void (*pushvalue)(fc_lua_State *, int) noexcept
        void (*pushcclosure)(fc_lua_State *, fc_lua_CFunction, int) noexcept
        void (*getfield)(fc_lua_State *, int, const char *) noexcept
        void (*setfield)(fc_lua_State *, int, const char *) noexcept
        void (*call)(fc_lua_State *, int, int) noexcept
        int (*error)(fc_lua_State *) noexcept nogil
        int (*pcall)(fc_lua_State *, int, int, int) noexcept
        int (*checkstack)(fc_lua_State *, int) noexcept
        int (*toboolean)(fc_lua_State *, int) noexcept
    fc_lua_api fc_lapi

cdef enum:
    FC_LUA_GLOBALSINDEX = -10002
    FC_LUA_TNIL = 0
    FC_LUA_TNUMBER = 3
    FC_LUA_TSTRING = 4

cdef inline int lua_upvalueindex(int i) noexcept:
    return FC_LUA_GLOBALSINDEX - i

cdef bint fc_lapi_ok = False
cdef fc_lua_State *_lua_L = NULL     # the engine's Lua state (lupa's), once verified
# per-call scratch: the text of numeric arguments (each slot 40 bytes)
cdef char *_cnum_buf = NULL
cdef int _cnum_cap = 0
# the error of the last _c_exec (kind 2): C text (a catalogue string or sc.obuf)
cdef const char *_cerr = NULL
cdef size_t _cerr_len = 0

cdef bint _bind_lua_api(str path):
    global fc_lapi_ok
    cdef bytes p = path.encode()
    cdef void *h = dlopen(p, RTLD_NOW | RTLD_NOLOAD)
    if h == NULL:
        return False
    fc_lapi.gettop = <int (*)(fc_lua_State *) noexcept>dlsym(h, b"lua_gettop")
    fc_lapi.settop = <void (*)(fc_lua_State *, int) noexcept>dlsym(h, b"lua_settop")
    fc_lapi.type = <int (*)(fc_lua_State *, int) noexcept>dlsym(h, b"lua_type")
    fc_lapi.tolstring = <const char *(*)(fc_lua_State *, int, size_t *) noexcept>dlsym(h, b"lua_tolstring")
    fc_lapi.tonumber = <double (*)(fc_lua_State *, int) noexcept>dlsym(h, b"lua_tonumber")
    fc_lapi.pushnil = <void (*)(fc_lua_State *) noexcept>dlsym(h, b"lua_pushnil")
    fc_lapi.pushnumber = <void (*)(fc_lua_State *, double) noexcept>dlsym(h, b"lua_pushnumber")
    fc_lapi.pushinteger = <void (*)(fc_lua_State *, Py_ssize_t) noexcept>dlsym(h, b"lua_pushinteger")
    fc_lapi.pushlstring = <void (*)(fc_lua_State *, const char *, size_t) noexcept>dlsym(h, b"lua_pushlstring")
    fc_lapi.pushboolean = <void (*)(fc_lua_State *, int) noexcept>dlsym(h, b"lua_pushboolean")
    fc_lapi.pushvalue = <void (*)(fc_lua_State *, int) noexcept>dlsym(h, b"lua_pushvalue")
    fc_lapi.pushcclosure = <void (*)(fc_lua_State *, fc_lua_CFunction, int) noexcept>dlsym(h, b"lua_pushcclosure")
    fc_lapi.getfield = <void (*)(fc_lua_State *, int, const char *) noexcept>dlsym(h, b"lua_getfield")
    fc_lapi.setfield = <void (*)(fc_lua_State *, int, const char *) noexcept>dlsym(h, b"lua_setfield")
    fc_lapi.call = <void (*)(fc_lua_State *, int, int) noexcept>dlsym(h, b"lua_call")
    fc_lapi.error = <int (*)(fc_lua_State *) noexcept nogil>dlsym(h, b"lua_error")
    fc_lapi.pcall = <int (*)(fc_lua_State *, int, int, int) noexcept>dlsym(h, b"lua_pcall")
    fc_lapi.checkstack = <int (*)(fc_lua_State *, int) noexcept>dlsym(h, b"lua_checkstack")
    fc_lapi.toboolean = <int (*)(fc_lua_State *, int) noexcept>dlsym(h, b"lua_toboolean")
    if (fc_lapi.gettop == NULL or fc_lapi.settop == NULL or fc_lapi.type == NULL or fc_lapi.tolstring == NULL
            or fc_lapi.tonumber == NULL or fc_lapi.pushnil == NULL or fc_lapi.pushnumber == NULL
            or fc_lapi.pushinteger == NULL or fc_lapi.pushlstring == NULL or fc_lapi.pushboolean == NULL
            or fc_lapi.pushvalue == NULL or fc_lapi.pushcclosure == NULL or fc_lapi.getfield == NULL
            or fc_lapi.setfield == NULL or fc_lapi.call == NULL or fc_lapi.error == NULL
            or fc_lapi.pcall == NULL or fc_lapi.checkstack == NULL or fc_lapi.toboolean == NULL):
        return False
    return True

cdef int _c_exec(fc_lua_State *L) noexcept:
    """Run the command whose arguments are on L's stack; returns the kind (see
    _script_reply; for kind 2 the message is _cerr/_cerr_len and
    _exec_err_from_reply tells whether a command replied it).  The reply stays in
    the script client's obuf until the caller pushed it."""
    global script_wrote, _cnum_buf, _cnum_cap, _cerr, _cerr_len, _exec_err_from_reply
    cdef int argc = fc_lapi.gettop(L)
    cdef int i, t, k
    cdef size_t n
    cdef double d
    cdef const char *s
    cdef fc_command *cmd
    cdef ClientBase sc = script_client
    _exec_err_from_reply = False
    if argc == 0:
        _cerr = b"ERR Please specify at least one argument for this redis lib call"
        _cerr_len = strlen(_cerr)
        return 2
    _script_argv_grow(sc, argc)
    if _cnum_cap < argc:
        _cnum_buf = <char *>fc_realloc(_cnum_buf, argc * 40)
        _cnum_cap = argc
    for i in range(argc):
        t = fc_lapi.type(L, i + 1)
        if t == FC_LUA_TSTRING:
            s = fc_lapi.tolstring(L, i + 1, &n)
            sc.argv[i] = s
            sc.argvlen[i] = n
        elif t == FC_LUA_TNUMBER:
            # "%.17g" text of the number (integers up to 1e17 as plain digits)
            d = fc_lapi.tonumber(L, i + 1)
            if -1e17 < d < 1e17 and d == <double>(<long long>d) and not signbit(d):
                k = fc_ll2string(_cnum_buf + i * 40, 40, <long long>d)
            else:
                k = snprintf(_cnum_buf + i * 40, 40, "%.17g", d)
            sc.argv[i] = _cnum_buf + i * 40
            sc.argvlen[i] = k
        else:
            _cerr = b"ERR Lua redis lib command arguments must be strings or integers"
            _cerr_len = strlen(_cerr)
            return 2
    sc.argc = argc
    cmd = lookup_command(sc.argv[0], sc.argvlen[0])
    if cmd != NULL and cmd.nsubs > 0 and argc >= 2:
        cmd = lookup_subcommand(cmd, sc.argv[1], sc.argvlen[1])
    _cerr = NULL
    if cmd == NULL:
        _cerr = b"ERR Unknown Redis command called from script"
    elif (cmd.arity > 0 and argc != cmd.arity) or (cmd.arity < 0 and argc < -cmd.arity):
        _cerr = b"ERR Wrong number of args calling Redis command from script"
    elif cmd.flags & CMD_NOSCRIPT:
        _cerr = b"ERR This Redis command is not allowed from script"
    elif cmd.flags & CMD_WRITE:
        if script_ro:
            _cerr = b"ERR Write commands are not allowed from read-only scripts."
        elif deny_writes_misconf:
            _cerr = E_MISCONF + 1
            _cerr_len = strlen(_cerr) - 2
            sc.argc = 0
            return 2
        elif FC_UNLIKELY(evict_oom_state) and not script_wrote and script_call_oom(cmd):
            # evict.pxi: scriptVerifyOOM, as in _script_exec
            _cerr = E_OOM + 1
            _cerr_len = strlen(_cerr) - 2
            sc.argc = 0
            return 2
        else:
            script_wrote = True
    if _cerr != NULL:
        _cerr_len = strlen(_cerr)
        sc.argc = 0
        return 2
    sc.lastcmd = cmd
    sc.olen = 0
    if FC_UNLIKELY(script_repl_none and prop_on):
        _call_unpropagated(sc, cmd)
    else:
        call_command(sc, cmd)
    sc.argc = 0
    if sc.olen == 0:
        return 0
    s = sc.obuf
    if s[0] == 45:       # '-': a command's error reply (already in errorstats)
        _cerr = s + 1
        _cerr_len = sc.olen - 3
        _exec_err_from_reply = True
        return 2
    return 5             # a reply to push (_c_push_reply)

cdef int _c_push_reply(fc_lua_State *L) noexcept:
    """Push the reply in the script client's obuf as a Lua value."""
    cdef ClientBase sc = script_client
    cdef const char *p = sc.obuf
    cdef const char *end
    cdef long long n
    cdef char t = p[0]
    if t == 58:      # ':'
        fc_lapi.pushnumber(L, <double>_parse_ll_line(p + 1, &end))
    elif t == 36:    # '$'
        if p[1] == 45:
            fc_lapi.pushboolean(L, 0)
        else:
            n = _parse_ll_line(p + 1, &end)
            fc_lapi.pushlstring(L, end, <size_t>n)
    elif t == 95:    # '_'
        fc_lapi.pushnil(L)
    elif t == 35:    # '#'
        fc_lapi.pushboolean(L, p[1] == 116)
    elif t == 42 and p[1] == 45:   # '*-1'
        fc_lapi.pushboolean(L, 0)
    else:
        # status, double and aggregates: convert(kind, text) in Lua
        fc_lapi.pushvalue(L, lua_upvalueindex(1))
        if t == 43:
            fc_lapi.pushinteger(L, 1)
            fc_lapi.pushlstring(L, p + 1, sc.olen - 3)
        elif t == 44:
            fc_lapi.pushinteger(L, 3)
            fc_lapi.pushnumber(L, strtod(p + 1, NULL))
        else:
            fc_lapi.pushinteger(L, 4)
            fc_lapi.pushlstring(L, p, sc.olen)
        sc.olen = 0
        fc_lapi.call(L, 2, 1)
        return 1
    sc.olen = 0
    return 1

cdef void _c_push_error(fc_lua_State *L) noexcept:
    """Push mkerr(message, from_reply): the {err=...} table."""
    fc_lapi.pushvalue(L, lua_upvalueindex(2))
    fc_lapi.pushlstring(L, _cerr, _cerr_len)
    fc_lapi.pushboolean(L, 1 if _exec_err_from_reply else 0)
    script_client.olen = 0
    fc_lapi.call(L, 2, 1)

cdef int _c_call_gil(fc_lua_State *L, bint raise_err) noexcept:
    """Run the command and push its reply, or the {err=...} table; returns the
    kind (2: an error table is on the stack)."""
    cdef int kind = _c_exec(L)
    if kind == 0:
        fc_lapi.pushnil(L)
    elif kind == 2:
        _c_push_error(L)
    else:
        _c_push_reply(L)
    return kind

# lupa releases the GIL while Lua runs (and takes it back to call Python): these
# take it for the command, and raise the Lua error only after releasing it.
cdef int _c_redis_call(fc_lua_State *L) noexcept nogil:
    cdef int kind
    with gil:
        kind = _c_call_gil(L, True)
    if kind == 2:
        return fc_lapi.error(L)
    return 1

cdef int _c_redis_pcall(fc_lua_State *L) noexcept nogil:
    with gil:
        _c_call_gil(L, False)
    return 1

cdef bint _lua_state_ok(fc_lua_State *L) noexcept:
    cdef size_t n = 0
    cdef const char *v
    cdef int top = fc_lapi.gettop(L)
    if top < 0 or top > 1000:
        return False
    fc_lapi.getfield(L, FC_LUA_GLOBALSINDEX, b"_VERSION")
    v = fc_lapi.tolstring(L, -1, &n)
    cdef bint ok = v != NULL and n == 7 and memcmp(v, b"Lua 5.1", 7) == 0
    fc_lapi.settop(L, top)
    return ok

cdef int _evalsha_lua_direct(ClientBase c, bytes sha, long long numkeys) noexcept:
    """Run a cached script for EVALSHA straight through the Lua C API (no Python
    objects for the arguments or a string/number result).  1: replied; 0: the
    result waits in Lua for ScriptEngine.finish_last; -1: not run (the caller
    takes the lupa path)."""
    cdef fc_lua_State *L = _lua_L
    cdef int top, i, t, nres
    cdef size_t n
    cdef const char *v
    cdef double d
    if L == NULL or not fc_lapi.checkstack(L, c.argc + 8):
        return -1
    top = fc_lapi.gettop(L)
    fc_lapi.getfield(L, FC_LUA_GLOBALSINDEX, b"__fc_run_c")
    fc_lapi.pushlstring(L, PyBytes_AS_STRING(sha), 40)
    fc_lapi.pushinteger(L, c.resp)
    fc_lapi.pushinteger(L, <Py_ssize_t>numkeys)
    for i in range(3, c.argc):
        fc_lapi.pushlstring(L, c.argv[i], c.argvlen[i])
    if fc_lapi.pcall(L, c.argc, -1, 0) != 0:
        fc_lapi.settop(L, top)
        add_reply_error_py(c, b"ERR Error running script (internal Lua error)")
        return 1
    nres = fc_lapi.gettop(L) - top
    if nres != 1:
        fc_lapi.settop(L, top)
        return -1
    t = fc_lapi.type(L, -1)
    if t == FC_LUA_TSTRING:
        v = fc_lapi.tolstring(L, -1, &n)
        add_reply_bulk(c, v, n)
    elif t == FC_LUA_TNUMBER:
        # (long long)lua_Number: out of range or NaN -> LLONG_MIN (the x86 result)
        d = fc_lapi.tonumber(L, -1)
        if d == d and -9.2233720368547758e18 <= d < 9.2233720368547758e18:
            add_reply_int(c, <long long>d)
        else:
            add_reply_int(c, LLONG_MIN)
    elif fc_lapi.toboolean(L, -1):
        fc_lapi.settop(L, top)
        return 0
    else:
        fc_lapi.settop(L, top)
        return -1            # not cached on the Lua side (after a SCRIPT FLUSH race)
    fc_lapi.settop(L, top)
    return 1

cdef fc_lua_State *_runtime_state(object runtime) noexcept:
    """The lua_State* of a lupa LuaRuntime, verified; NULL when it can't be found.
    lupa's LuaRuntime: `cdef lua_State *_state` is its first C field, after the
    object header and Cython's vtable pointer; the candidate is verified (stack top
    sane, _VERSION readable) before it is used."""
    cdef fc_lua_State *L
    if not fc_lapi_ok:
        return NULL
    for off in (sizeof(PyObject) + sizeof(void *), sizeof(PyObject)):
        L = (<fc_lua_State **>(<char *><PyObject *>runtime + <size_t>off))[0]
        if L != NULL and _lua_state_ok(L):
            return L
    return NULL

def script_bind_eval_state(runtime, dict cache, run, convert, mkerr):
    """Make one engine's Lua state the EVAL one: its script cache and runner (the
    EVALSHA fast path), its redis.call reply converters, and -- when its redis.call
    are C closures (runtime not None) -- the lua_State* the EVALSHA fast path calls
    into.  Only the EVAL engine binds here (ScriptEngine.rebind); the functions'
    engine keeps its own state, so creating or using it never disturbs EVALSHA."""
    global _script_cache, _script_run, _lua_convert, _lua_mkerr, _lua_L
    _script_cache = cache
    _script_run = run
    _lua_convert = convert
    _lua_mkerr = mkerr
    _lua_L = _runtime_state(runtime) if runtime is not None else NULL

def script_install_c_calls(runtime, str lupa_path, bint for_eval=True):
    """Replace redis.call/redis.pcall with the C closures (see above); the Lua side
    left `__fc_redis`, `__fc_convert`, `__fc_mkerr` in the real globals.  False
    (nothing changed) when the Lua C API or lupa's layout can't be verified.
    for_eval: the state is the EVAL engine's (the EVALSHA fast path's _lua_L is
    reset here and set by script_bind_eval_state); a functions state leaves it be."""
    global fc_lapi_ok, _lua_L
    cdef fc_lua_State *L
    cdef size_t n
    cdef const char *v
    cdef int top
    # a new EVAL Lua state (SCRIPT FLUSH) replaces the old one: never keep a
    # pointer to a state that is about to be closed
    if for_eval:
        _lua_L = NULL
    if not fc_lapi_ok:
        if not _bind_lua_api(lupa_path):
            return False
        fc_lapi_ok = True
    L = _runtime_state(runtime)
    if L == NULL:
        return False
    top = fc_lapi.gettop(L)
    fc_lapi.getfield(L, FC_LUA_GLOBALSINDEX, b"__fc_redis")
    fc_lapi.getfield(L, FC_LUA_GLOBALSINDEX, b"__fc_convert")
    fc_lapi.getfield(L, FC_LUA_GLOBALSINDEX, b"__fc_mkerr")
    fc_lapi.pushcclosure(L, <fc_lua_CFunction>_c_redis_call, 2)
    fc_lapi.setfield(L, -2, b"call")
    fc_lapi.getfield(L, FC_LUA_GLOBALSINDEX, b"__fc_convert")
    fc_lapi.getfield(L, FC_LUA_GLOBALSINDEX, b"__fc_mkerr")
    fc_lapi.pushcclosure(L, <fc_lua_CFunction>_c_redis_pcall, 2)
    fc_lapi.setfield(L, -2, b"pcall")
    fc_lapi.settop(L, top)
    return True
