# functions.pxi — C-level glue for Redis 7 functions (fastcache/functions.py).
#
# Design note.  Libraries, their Lua state and FUNCTION * live in Python
# (fastcache/functions.py, an admin path).  This area holds what must be C:
#   - the FCALL / FCALL_RO procs: they switch the command's propagation to
#     "effects only" (prop_begin_override: Redis never propagates FCALL itself,
#     only the writes its function makes, as one MULTI/EXEC unit) and hand the
#     call to the engine with one Python call;
#   - helpers that let the Python side speak RDB: an RDB string (LZF-compressed
#     when rdbcompression is on, like rdbSaveRawString), the DUMP-payload
#     trailer (RDB version + CRC64, as DUMP writes it) and its check, and the
#     dirty counter FUNCTION LOAD/DELETE/FLUSH/RESTORE bump so they are
#     propagated verbatim (AOF, replicas).
# The RDB save/load and AOF rewrite hooks themselves are declared in rdb.pxi
# (`_rdb_functions_get/_rdb_functions_set`), where the file formats live.

cdef object _functions_fcall = None     # fastcache.functions.fcall(c, argv, ro)

def functions_bind(fcall):
    """Bind the engine entry the FCALL procs call (once, when functions.py loads)."""
    global _functions_fcall
    _functions_fcall = fcall

cdef void _fcall_generic(ClientBase c, bint ro) noexcept:
    """FCALL/FCALL_RO function numkeys [key ...] [arg ...]: the engine validates
    (function lookup first, then numkeys, in fcallCommandGeneric's order)."""
    if prop_on:
        prop_begin_override(c)
    if _functions_fcall is None:
        from fastcache import functions     # noqa: F401  (binds _functions_fcall)
    try:
        _functions_fcall(c, argv_list(c), ro)
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
