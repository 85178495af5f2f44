# propagate.pxi — the propagation stream (AOF and, later, replicas).
#
# Design note.  Every command that changed the dataset is appended, RESP-encoded,
# to ONE C buffer (`prop_out`) exactly as Redis 7.0 writes it to its AOF: a
# `SELECT <db>` first whenever the op's db differs from the last one written (the
# first op always gets one), then `*N\r\n$len\r\narg\r\n...`.  Consumers take the
# bytes once per loop iteration with take_propagated().
#
# Off by default: with no consumer nothing is buffered and the hot path pays one
# predictable branch in execute_command (and one in lazy expiry).
#
# One command = one "execution unit" (Redis's server.also_propagate).  While a
# command runs, ops are staged in `prop_stage` (each with its db):
#   - keys found expired by the command's lookups stage `DEL key` first (Redis's
#     deleteExpiredKeyAndPropagate; an expired key is propagated as DEL);
#   - a command that must be propagated in another form calls
#     prop_begin_override(c) and then stages its replacement op(s) with
#     prop_op_begin/prop_op_arg*/prop_op_end (or prop_add_argv); staging nothing
#     after prop_begin_override suppresses propagation (alsoPropagate /
#     preventCommandPropagation);
#   - otherwise, if srv.dirty grew (or prop_force() was called: FLUSHDB/FLUSHALL
#     are propagated even when they emptied nothing, forceCommandPropagation), the
#     argv is staged verbatim, with the client's spelling.
# At the end of the unit the stage moves to prop_out; more than one op is wrapped
# in MULTI ... EXEC (Redis 7.0's propagatePendingCommands: a lazily-expired DEL
# plus the write, or SPOP's SREMs, replay atomically).  Keys expired outside a
# command (active expiry) go straight to the stream, one DEL each.
#
# Memory: both buffers are fc_malloc'ed, grow by doubling and are kept between
# uses (take_propagated copies out and resets the length); prop_op_db/prop_op_endoff
# describe the staged ops.

cdef bint prop_on = False          # a consumer (AOF, replica, DEBUG PROPAGATED) exists
cdef int prop_selected_db = -1     # db of the last SELECT written to prop_out
cdef char *prop_out = NULL
cdef size_t prop_out_len = 0
cdef size_t prop_out_cap = 0
cdef char *prop_stage = NULL
cdef size_t prop_stage_len = 0
cdef size_t prop_stage_cap = 0
cdef int *prop_op_db = NULL        # per staged op: its db id
cdef size_t *prop_op_endoff = NULL    # per staged op: its end offset in prop_stage
cdef int prop_nops = 0
cdef int prop_ops_cap = 0
cdef bint prop_in_cmd = False      # inside an execution unit (ops are staged)
cdef bint prop_overridden = False  # the running command chose its own ops (or none)
cdef bint prop_forced = False      # propagate verbatim even without dirty changes
cdef int prop_cur_db = 0           # db of the op being built

cdef inline void _prop_reserve(char **buf, size_t *cap, size_t need) noexcept nogil:
    cdef size_t n = cap[0] if cap[0] else 256
    if need <= cap[0]:
        return
    while n < need:
        n *= 2
    buf[0] = <char *>fc_realloc(buf[0], n)
    cap[0] = n

cdef inline void _prop_put(char **buf, size_t *len, size_t *cap, const char *s, size_t n) noexcept nogil:
    _prop_reserve(buf, cap, len[0] + n)
    memcpy(buf[0] + len[0], s, n)
    len[0] += n

cdef void _prop_put_hdr(char **buf, size_t *len, size_t *cap, char prefix, long long n) noexcept nogil:
    """Append '<prefix><n>\\r\\n'."""
    cdef char tmp[32]
    cdef int k
    tmp[0] = prefix
    k = fc_ll2string(tmp + 1, 30, n)
    tmp[k + 1] = 13
    tmp[k + 2] = 10
    _prop_put(buf, len, cap, tmp, k + 3)

cdef void _prop_put_bulk(char **buf, size_t *len, size_t *cap, const char *s, size_t n) noexcept nogil:
    _prop_put_hdr(buf, len, cap, 36, <long long>n)     # '$'
    _prop_put(buf, len, cap, s, n)
    _prop_put(buf, len, cap, b"\r\n", 2)

cdef void _prop_out_select(int dbid) noexcept nogil:
    """SELECT before an op of another db than the last one written (feedAppendOnlyFile)."""
    global prop_selected_db
    cdef char tmp[24]
    cdef int k
    if dbid < 0 or dbid == prop_selected_db:
        return
    k = fc_ll2string(tmp, 24, dbid)
    _prop_put(&prop_out, &prop_out_len, &prop_out_cap, b"*2\r\n$6\r\nSELECT\r\n", 16)
    _prop_put_bulk(&prop_out, &prop_out_len, &prop_out_cap, tmp, k)
    prop_selected_db = dbid

# ---- building ops ------------------------------------------------------------------

cdef void prop_op_begin(int dbid, int argc) noexcept nogil:
    """Start staging one op of argc arguments in db `dbid`; follow with exactly
    argc prop_op_arg* calls and prop_op_end()."""
    global prop_cur_db
    prop_cur_db = dbid
    _prop_put_hdr(&prop_stage, &prop_stage_len, &prop_stage_cap, 42, argc)   # '*'

cdef inline void prop_op_arg(const char *s, size_t n) noexcept nogil:
    _prop_put_bulk(&prop_stage, &prop_stage_len, &prop_stage_cap, s, n)

cdef inline void prop_op_arg_str(const char *s) noexcept nogil:
    _prop_put_bulk(&prop_stage, &prop_stage_len, &prop_stage_cap, s, strlen(s))

cdef void prop_op_arg_ll(long long v) noexcept nogil:
    cdef char tmp[24]
    cdef int k = fc_ll2string(tmp, 24, v)
    _prop_put_bulk(&prop_stage, &prop_stage_len, &prop_stage_cap, tmp, k)

cdef void prop_op_end() noexcept nogil:
    """Close the op being staged; outside a command it is written out at once."""
    global prop_nops, prop_ops_cap, prop_op_db, prop_op_endoff
    if prop_nops == prop_ops_cap:
        prop_ops_cap = prop_ops_cap * 2 if prop_ops_cap else 16
        prop_op_db = <int *>fc_realloc(prop_op_db, prop_ops_cap * sizeof(int))
        prop_op_endoff = <size_t *>fc_realloc(prop_op_endoff, prop_ops_cap * sizeof(size_t))
    prop_op_db[prop_nops] = prop_cur_db
    prop_op_endoff[prop_nops] = prop_stage_len
    prop_nops += 1
    if not prop_in_cmd:
        prop_flush_stage()

cdef void prop_add_argv(int dbid, int argc, const char **argv, const size_t *argvlen) noexcept nogil:
    """Stage a whole op from an argv array."""
    cdef int i
    prop_op_begin(dbid, argc)
    for i in range(argc):
        prop_op_arg(argv[i], argvlen[i])
    prop_op_end()

cdef inline void prop_begin_override(ClientBase c) noexcept:
    """The running command propagates what it stages itself (nothing = suppressed)
    instead of its argv.  Call only when propagation is on (prop_on) or not at all
    -- it is harmless either way."""
    global prop_overridden
    prop_overridden = True

cdef inline void prop_force(ClientBase c) noexcept:
    """Propagate the running command verbatim even if srv.dirty did not move."""
    global prop_forced
    prop_forced = True

cdef void prop_expired_key(fc_db *db, const char *key, size_t klen) noexcept nogil:
    """A key is being deleted because its TTL passed: propagate `DEL key` (call
    before the key bytes are freed).  Caller checks prop_on."""
    prop_op_begin(db.id, 2)
    prop_op_arg(b"DEL", 3)
    prop_op_arg(key, klen)
    prop_op_end()

# ---- execution units ----------------------------------------------------------------

cdef void prop_flush_stage() noexcept nogil:
    """Move the staged ops to prop_out (MULTI/EXEC around more than one)."""
    global prop_nops, prop_stage_len
    cdef int i
    cdef size_t start = 0
    cdef bint wrap = prop_nops > 1
    if prop_nops == 0:
        prop_stage_len = 0
        return
    if wrap:
        # MULTI carries the first op's db; EXEC none (propagatePendingCommands)
        _prop_out_select(prop_op_db[0])
        _prop_put(&prop_out, &prop_out_len, &prop_out_cap, b"*1\r\n$5\r\nMULTI\r\n", 15)
    for i in range(prop_nops):
        _prop_out_select(prop_op_db[i])
        _prop_put(&prop_out, &prop_out_len, &prop_out_cap, prop_stage + start, prop_op_endoff[i] - start)
        start = prop_op_endoff[i]
    if wrap:
        _prop_put(&prop_out, &prop_out_len, &prop_out_cap, b"*1\r\n$4\r\nEXEC\r\n", 14)
    prop_nops = 0
    prop_stage_len = 0

cdef int prop_nesting = 0          # call_command depth inside the current unit

cdef inline int prop_call_begin() noexcept:
    """A command starts (call_command).  The outermost call opens the execution
    unit; a nested one (a command queued in EXEC, redis.call in a script) keeps
    staging into it.  Returns the caller's override/force flags, which
    prop_call_end restores, so EXEC or EVAL overriding its own propagation does
    not suppress the commands it runs (Redis never propagates EXEC/EVAL itself,
    only their effects)."""
    global prop_in_cmd, prop_overridden, prop_forced, prop_nesting
    cdef int saved = (1 if prop_overridden else 0) | (2 if prop_forced else 0)
    prop_in_cmd = True
    prop_nesting += 1
    prop_overridden = False
    prop_forced = False
    return saved

cdef void prop_call_end(ClientBase c, long long dirty_before, int saved) noexcept:
    """After a command ran: stage its argv unless it overrode it; the outermost
    call writes the unit out (MULTI/EXEC around more than one op)."""
    global prop_in_cmd, prop_overridden, prop_forced, prop_nesting
    # dirty may also drop (SAVE, DEBUG RELOAD reset it): only growth counts, as
    # in Redis's call() (a negative difference is taken as 0)
    if not prop_overridden and (srv.dirty > dirty_before or prop_forced) and c.argc > 0:
        prop_add_argv(c.db.id, c.argc, c.argv, c.argvlen)
    prop_nesting -= 1
    prop_overridden = (saved & 1) != 0
    prop_forced = (saved & 2) != 0
    if prop_nesting <= 0:
        prop_nesting = 0
        prop_flush_stage()
        prop_in_cmd = False
        prop_overridden = False
        prop_forced = False

# ---- Python API (AOF layer, replication, DEBUG PROPAGATED) ---------------------------

def take_propagated():
    """Return the propagated bytes accumulated so far and clear the buffer."""
    global prop_out_len
    cdef bytes out = PyBytes_FromStringAndSize(prop_out, prop_out_len) if prop_out_len else b""
    prop_out_len = 0
    if prop_out_cap > 1024 * 1024:
        # don't keep a large buffer after a burst
        _prop_shrink()
    return out

cdef void _prop_shrink() noexcept:
    global prop_out, prop_out_cap
    fc_free(prop_out)
    prop_out = NULL
    prop_out_cap = 0

def propagated_pending():
    """Bytes waiting in the propagation buffer."""
    return prop_out_len

def set_propagation(bint on):
    """Turn propagation on or off.  Turning it off drops anything not taken and
    forgets the selected db (the next op gets a SELECT)."""
    global prop_on, prop_out_len, prop_selected_db, prop_nops, prop_stage_len
    prop_on = on
    if not on:
        prop_out_len = 0
        prop_nops = 0
        prop_stage_len = 0
        prop_selected_db = -1

def propagation_enabled():
    return prop_on

def reset_propagation_db():
    """Force a SELECT before the next propagated op (e.g. a new AOF file starts)."""
    global prop_selected_db
    prop_selected_db = -1

# ---- rewrite helpers for commands (call only under `if prop_on:`) ------------------

cdef void prop_rewrite_del(ClientBase c, int keyidx) noexcept:
    """Propagate the running command as `DEL argv[keyidx]`."""
    prop_begin_override(c)
    prop_op_begin(c.db.id, 2)
    prop_op_arg(b"DEL", 3)
    prop_op_arg(c.argv[keyidx], c.argvlen[keyidx])
    prop_op_end()

cdef void prop_rewrite_key_ll(ClientBase c, const char *name, int keyidx, long long v,
                              bint with_v, int tail_from) noexcept:
    """Propagate as `name argv[keyidx] [v] argv[tail_from:]` (tail_from >= argc:
    no tail).  E.g. PEXPIREAT key ms [NX|XX|GT|LT], LPOP key count."""
    cdef int i
    cdef int tail = c.argc - tail_from if tail_from < c.argc else 0
    prop_begin_override(c)
    prop_op_begin(c.db.id, 2 + (1 if with_v else 0) + tail)
    prop_op_arg_str(name)
    prop_op_arg(c.argv[keyidx], c.argvlen[keyidx])
    if with_v:
        prop_op_arg_ll(v)
    for i in range(tail_from, c.argc):
        prop_op_arg(c.argv[i], c.argvlen[i])
    prop_op_end()

cdef void prop_rewrite_set(ClientBase c, int keyidx, const char *val, size_t vlen,
                           const char *opt, long long ms, bint with_ms) noexcept:
    """Propagate as `SET key val [opt [ms]]` (opt NULL: none): SET/SETEX/PSETEX
    with a TTL -> SET key val PXAT ms; INCRBYFLOAT -> SET key val KEEPTTL;
    GETSET -> SET key val."""
    prop_begin_override(c)
    prop_op_begin(c.db.id, 3 + (1 if opt != NULL else 0) + (1 if with_ms else 0))
    prop_op_arg(b"SET", 3)
    prop_op_arg(c.argv[keyidx], c.argvlen[keyidx])
    prop_op_arg(val, vlen)
    if opt != NULL:
        prop_op_arg_str(opt)
    if with_ms:
        prop_op_arg_ll(ms)
    prop_op_end()

cdef void prop_add_key_member(ClientBase c, const char *name, size_t namelen, int keyidx,
                              const char *m, size_t mlen) noexcept:
    """Stage `name argv[keyidx] m` (e.g. SREM key member for each SPOPped one);
    the caller has called prop_begin_override(c)."""
    prop_op_begin(c.db.id, 3)
    prop_op_arg(name, namelen)
    prop_op_arg(c.argv[keyidx], c.argvlen[keyidx])
    prop_op_arg(m, mlen)
    prop_op_end()

cdef void prop_rewrite_arg_ll(ClientBase c, int idx, long long v, const char *append) noexcept:
    """Propagate argv with argv[idx] replaced by v and, unless NULL, `append`
    added at the end (RESTORE key ttl ... -> RESTORE key abs-ms ... ABSTTL)."""
    cdef int i
    prop_begin_override(c)
    prop_op_begin(c.db.id, c.argc + (1 if append != NULL else 0))
    for i in range(c.argc):
        if i == idx:
            prop_op_arg_ll(v)
        else:
            prop_op_arg(c.argv[i], c.argvlen[i])
    if append != NULL:
        prop_op_arg_str(append)
    prop_op_end()
