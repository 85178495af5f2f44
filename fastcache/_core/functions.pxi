# functions.pxi — C-level glue for Redis 7 functions (fastcache/functions.py).
#
# Design note.  Libraries, their Lua state and FUNCTION * live in Python
# (fastcache/functions.py, an admin path).  This area holds what must be C:
#   - the FCALL / FCALL_RO procs: they feed MONITOR first (FCALL is
#     skip_monitor), switch the command's propagation to "effects only"
#     (prop_begin_override: Redis never propagates FCALL itself, only the writes
#     its function makes, as one MULTI/EXEC unit), then look the function up in
#     the engine's index, check numkeys and the _RO rule, set script.pxi's run
#     state (BUSY, KILL, read-only) and call the functions' Lua runner once;
#     scalar results are replied from here, tables and errors by the engine.
#     Before the functions' Lua state exists (no library loaded yet) the engine's
#     Python path answers instead;
#   - helpers that let the Python side speak RDB: an RDB string (LZF-compressed
#     when rdbcompression is on, like rdbSaveRawString), the DUMP-payload
#     trailer (RDB version + CRC64, as DUMP writes it) and its check, and the
#     dirty counter FUNCTION LOAD/DELETE/FLUSH/RESTORE bump so they are
#     propagated verbatim (AOF, replicas).
# The RDB save/load and AOF rewrite hooks themselves are declared in rdb.pxi
# (`_rdb_functions_get/_rdb_functions_set`), where the file formats live.

cdef object _functions_fcall = None     # fastcache.functions.fcall(c, argv, ro): the slow path
cdef dict _fn_index = None              # lowercased name -> functions.Function (kept in place)
cdef object _fn_engine = None           # the functions' ScriptEngine (own Lua state)
cdef object _fn_run = None              # its Lua runner: (fn, resp, numkeys, keys/args...)
cdef object _fn_convert = None          # its redis.call reply converters
cdef object _fn_mkerr = None
cdef object _fn_running = None          # the Function FCALL is running (FUNCTION STATS)

def functions_bind(fcall):
    """Bind the engine entry the FCALL procs fall back to (once, at import)."""
    global _functions_fcall
    _functions_fcall = fcall

def functions_bind_engine(dict index, engine):
    """Bind the function index and the Lua engine FCALL runs functions in (when
    the functions' Lua state is created)."""
    global _fn_index, _fn_engine, _fn_run, _fn_convert, _fn_mkerr
    _fn_index = index
    _fn_engine = engine
    _fn_run = engine._run
    _fn_convert = engine._convert
    _fn_mkerr = engine._mkerr

def functions_running():
    """(function name, caller argv, ms running) of the FCALL running, or None."""
    if _fn_running is None or script_caller is None:
        return None
    return (_fn_running.name, argv_list(script_caller), fc_mstime() - script_start_ms)

cdef void _fcall_generic(ClientBase c, bint ro) noexcept:
    """FCALL/FCALL_RO function numkeys [key ...] [arg ...], in
    fcallCommandGeneric's order: function lookup, numkeys, the _RO check, run.
    The whole call stays here (one Lua call, scalar replies written from C) like
    the EVALSHA fast path; FCALL itself is never propagated, only its effects."""
    global script_running, script_caller, script_ro, script_wrote, script_timedout
    global script_kill_requested, script_start_ms, script_repl_none, _lua_convert, _lua_mkerr
    global _fn_running, E_BUSY
    cdef const char *p = c.argv[1]
    cdef size_t n = c.argvlen[1]
    cdef size_t i
    cdef long long numkeys
    cdef bytes key
    cdef tuple args
    cdef object f, r, saved_convert, saved_mkerr
    cdef bint killed, timedout
    # FCALL is skip_monitor: Redis feeds it to MONITOR itself, first, so that it
    # shows before the commands its function runs (and even when it fails)
    if FC_UNLIKELY(n_monitors > 0):
        feed_monitors(c)
    if prop_on:
        prop_begin_override(c)
    if _fn_run is None:
        # no Lua state yet (nothing loaded): the engine answers (not found ...)
        if _functions_fcall is None:
            from fastcache import functions     # noqa: F401  (binds _functions_fcall)
        try:
            _functions_fcall(c, argv_list(c), ro)
        except Exception as exc:
            if _log_exception is not None:
                _log_exception("Error in function: %r" % (exc,), True)
            add_reply_error_py(c, b"ERR internal error: " + repr(exc).encode()[:200])
        return
    try:
        key = PyBytes_FromStringAndSize(p, n)
        for i in range(n):
            if 65 <= p[i] <= 90:
                key = key.lower()        # the function index is case-insensitive
                break
        f = _fn_index.get(key)
        if f is None:
            add_reply_error(c, E_FCALL_NOT_FOUND)
            return
        if not fc_string2ll(c.argv[2], c.argvlen[2], &numkeys):
            add_reply_error(c, E_FCALL_BAD_NUMKEYS)
            return
        if numkeys > c.argc - 3:
            add_reply_error(c, E_SCRIPT_NUMKEYS_ARGS)
            return
        if numkeys < 0:
            add_reply_error(c, E_SCRIPT_NUMKEYS_NEG)
            return
        if ro and not f.ro:
            add_reply_error(c, E_FCALL_RO_WRITE)
            return
        args = PyTuple_New(c.argc)       # (fn, resp, numkeys, key/arg ...)
        b = f.fn
        Py_INCREF(b)
        PyTuple_SET_ITEM(args, 0, b)
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
        # script.pxi's run state (script_begin), and redis.call replies converted
        # into the functions' Lua state
        script_client.db = c.db
        script_client.resp = 2
        script_client.olen = 0
        script_caller = c
        script_running = True
        script_ro = ro or f.ro
        script_wrote = False
        script_timedout = False
        script_kill_requested = False
        script_repl_none = False
        script_start_ms = fc_mstime()
        # other clients are told to use FUNCTION KILL (shared.slowscripterr)
        E_BUSY = E_BUSY_FUNCTION
        saved_convert = _lua_convert
        saved_mkerr = _lua_mkerr
        _lua_convert = _fn_convert
        _lua_mkerr = _fn_mkerr
        _fn_running = f
        try:
            r = _fn_run(*args)
        finally:
            _lua_convert = saved_convert
            _lua_mkerr = saved_mkerr
            _fn_running = None
            killed = script_kill_requested
            timedout = script_timedout
            script_running = False
            script_caller = None
            script_timedout = False
            script_kill_requested = False
            if killed:
                # the kill switched the hook to every line: re-arm it only now that
                # nothing runs, or the line hook fires inside arm_hook, asks the
                # engine, is told "kill" again and leaves the state killed
                _fn_engine._arm_hook(True)
            if timedout:
                _fn_engine.after_busy()      # connections accepted while busy
        if type(r) is not tuple:
            script_reply_value(c, r, 2)      # a string or number alone
        elif r[0] == 0:
            script_reply_value(c, r[1], r[2])
        else:
            _fn_engine.finish(c, r, f.name)
    except Exception as exc:
        if _log_exception is not None:
            _log_exception("Error in function: %r" % (exc,), True)
        add_reply_error_py(c, b"ERR internal error: " + repr(exc).encode()[:200])

cdef void cmd_fcall(ClientBase c) noexcept:
    _fcall_generic(c, False)

cdef void cmd_fcall_ro(ClientBase c) noexcept:
    _fcall_generic(c, True)

def functions_dirty(long long n=1):
    """A FUNCTION subcommand changed the libraries: count it in srv.dirty, so the
    command is propagated verbatim (call_command stages argv when dirty grew)."""
    srv.dirty += n

def strict_ll(bytes s):
    """Redis's string2ll (getLongLongFromObject): the value, or None when s is not
    a canonical 64-bit integer ("01", " 1", "+1" are rejected)."""
    cdef long long v
    if not fc_string2ll(PyBytes_AS_STRING(s), PyBytes_GET_SIZE(s), &v):
        return None
    return v

def rdb_encode_string(bytes s):
    """s as an RDB string (rdbSaveRawString: LZF when it pays off and
    rdbcompression is on, integer encoding for short numbers)."""
    cdef rdb_out o
    out_init(&o, -1)
    rdb_save_raw_string(&o, PyBytes_AS_STRING(s), PyBytes_GET_SIZE(s))
    res = PyBytes_FromStringAndSize(<const char *>o.buf, o.len)
    out_release(&o)
    return res

def rdb_decode_string(bytes data, Py_ssize_t pos):
    """(string, next position) for the RDB string at data[pos:]; None when it is
    truncated or corrupt."""
    cdef rdb_in r
    cdef rstr x
    if pos < 0 or pos > PyBytes_GET_SIZE(data):
        return None
    r.p = <const unsigned char *>PyBytes_AS_STRING(data)
    r.len = PyBytes_GET_SIZE(data)
    r.pos = pos
    r.err = NULL
    r.empty = False
    rstr_init(&x)
    if not rdb_load_string(&r, &x):
        return None
    res = PyBytes_FromStringAndSize(x.s, x.n)
    rstr_free(&x)
    return (res, r.pos)

def dump_payload_seal(bytes body):
    """body + RDB version (2 bytes LE) + CRC64 of both: a DUMP-style payload."""
    cdef unsigned char ver[2]
    cdef uint64_t crc
    ver[0] = RDB_VERSION & 0xff
    ver[1] = (RDB_VERSION >> 8) & 0xff
    head = body + PyBytes_FromStringAndSize(<const char *>ver, 2)
    crc = rdb_crc64(0, <const unsigned char *>PyBytes_AS_STRING(head), PyBytes_GET_SIZE(head))
    return head + PyBytes_FromStringAndSize(<const char *>&crc, 8)

def dump_payload_check(bytes payload):
    """True when the payload's RDB version is one we read and its CRC64 matches
    (verifyDumpPayload)."""
    return verify_dump_payload(<const unsigned char *>PyBytes_AS_STRING(payload), PyBytes_GET_SIZE(payload))

def rdb_set_functions_hooks(get, set):
    """Bind the library store used by RDB save/load and the AOF rewrite:
    get() -> [library code, ...]; set([code, ...]) replaces every library and
    raises ValueError(message) when one does not load."""
    global _rdb_functions_get, _rdb_functions_set
    _rdb_functions_get = get
    _rdb_functions_set = set
