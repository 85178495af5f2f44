# server_cmds.pxi — server commands served by the core: DBSIZE, FLUSHDB, FLUSHALL.

cdef int parse_flush_flags(ClientBase c) noexcept:
    """FLUSHDB/FLUSHALL [ASYNC|SYNC]: 0 ok, -1 after a syntax error."""
    if c.argc == 1:
        return 0
    if c.argc == 2 and (arg_is(c, 1, "async") or arg_is(c, 1, "sync")):
        return 0
    add_reply_error(c, E_SYNTAX)
    return -1

cdef void cmd_dbsize(ClientBase c) noexcept:
    add_reply_int(c, <long long>dict_size(&c.db.keys))

cdef void cmd_flushdb(ClientBase c) noexcept:
    if parse_flush_flags(c) < 0:
        return
    srv.dirty += <long long>dict_size(&c.db.keys)
    # multi.pxi: WATCHed keys that exist are touched while they are still there
    # (emptyData's signalFlushedDb); flushes emit no keyspace events
    touch_all_watched_keys_in_db(c.db, NULL)
    db_empty(c.db)
    # propagate.pxi: propagated even when the db was empty (forceCommandPropagation)
    if prop_on:
        prop_force(c)
    add_reply_ok(c)

cdef object _flushall_hook = None

cdef void cmd_flushall(ClientBase c) noexcept:
    cdef int i
    if parse_flush_flags(c) < 0:
        return
    for i in range(ndbs):
        srv.dirty += <long long>dict_size(&dbs[i].keys)
        touch_all_watched_keys_in_db(&dbs[i], NULL)     # before emptying, as above
        db_empty(&dbs[i])
    srv.dirty += 1
    if prop_on:     # propagate.pxi: always propagated, even if a save reset dirty
        prop_force(c)
    # Redis 7.0's flushallCommand also kills a running RDB child and, when save
    # points are configured, saves the now empty dataset synchronously (keeping
    # the dirty count, so the FLUSHALL still propagates).
    if _flushall_hook is not None:
        _flushall_hook()
    add_reply_ok(c)

# ---- admin family: MEMORY USAGE, the MONITOR feed, CLIENT PAUSE ----
from libc.string cimport strcmp
from libc.stdio cimport snprintf

# ---------------------------------------------------------------- MEMORY USAGE
cdef void cmd_memory_usage(ClientBase c) noexcept:
    """MEMORY USAGE key [SAMPLES count] (default 5, 0 = every element; passed to
    the per-type sizers of object.pxi).  Like Redis's objectCommandLookup the
    lookup counts hits/misses but does not touch the LRU."""
    cdef long long samples = 5
    cdef int j = 3
    cdef fc_entry **slot
    while j < c.argc:
        if arg_is(c, j, "samples") and j + 1 < c.argc:
            if not arg_ll(c, j + 1, &samples):
                return
            if samples < 0:
                add_reply_error(c, E_SYNTAX)
                return
            j += 2
        else:
            add_reply_error(c, E_SYNTAX)
            return
    slot = db_lookup_slot(c.db, c.argv[2], c.argvlen[2])
    if slot == NULL:
        srv.stat_keyspace_misses += 1
        add_reply_null(c)
        return
    srv.stat_keyspace_hits += 1
    add_reply_int(c, <long long>entry_mem_usage(slot[0], samples))

# ---------------------------------------------------------------- MONITOR
# Monitors are few and rare: `n_monitors` is the one C int the dispatcher tests
# per command.  A feed line is built once in a scratch buffer and appended to
# every monitor's output buffer; the monitors are flushed once per loop
# iteration (call_soon), not once per command.

cdef list _monitors = []
cdef int n_monitors = 0
cdef bint _monitors_flush_scheduled = False
cdef object _mon_call_soon = None

cdef void client_set_addr_c(ClientBase c):
    """Cache "ip:port" (or "unix:path") as C bytes for the monitor feed."""
    cdef bytes s
    addr = c.addr
    if isinstance(addr, tuple) and len(addr) >= 2:
        host = addr[0]
        s = (("[%s]:%d" if ":" in host else "%s:%d") % (host, addr[1])).encode()
    else:
        path = getattr(c.server, "unixsocket_path", None) if c.server is not None else None
        s = b"unix:" + (path.encode() if isinstance(path, str) else b"")
    if len(s) > 63:
        s = s[:63]
    memcpy(c.addr_c, PyBytes_AS_STRING(s), len(s))
    c.addr_clen = <int>len(s)

cdef inline char *_mon_repr(char *p, const char *s, size_t n) noexcept nogil:
    """Append '"' + sdscatrepr-style escaping of s + '"' at p; returns the new end."""
    cdef size_t i
    cdef unsigned char ch
    cdef const char *hexd = "0123456789abcdef"
    p[0] = 34
    p += 1
    for i in range(n):
        ch = <unsigned char>s[i]
        if ch == 92 or ch == 34:          # \\ and \"
            p[0] = 92; p[1] = ch; p += 2
        elif ch == 10:
            p[0] = 92; p[1] = 110; p += 2
        elif ch == 13:
            p[0] = 92; p[1] = 114; p += 2
        elif ch == 9:
            p[0] = 92; p[1] = 116; p += 2
        elif ch == 7:
            p[0] = 92; p[1] = 97; p += 2
        elif ch == 8:
            p[0] = 92; p[1] = 98; p += 2
        elif 32 <= ch <= 126:
            p[0] = ch; p += 1
        else:
            p[0] = 92; p[1] = 120; p[2] = hexd[ch >> 4]; p[3] = hexd[ch & 15]; p += 4
    p[0] = 34
    return p + 1

cdef void feed_monitors(ClientBase c) noexcept:
    """replicationFeedMonitors: '+<sec>.<usec> [<db> <addr>] "arg" ...' to every
    monitor.  AUTH arguments and HELLO's AUTH user/password are shown as
    "(redacted)", as Redis 7.0 redacts them."""
    global _monitors_flush_scheduled
    cdef size_t need = 96 + <size_t>c.addr_clen
    cdef int i, j
    cdef char *buf
    cdef char *p
    cdef long long us = fc_ustime()
    cdef int redact_from = c.argc     # args >= redact_from are redacted (AUTH)
    cdef int hello_auth = -1          # HELLO: index of the AUTH option
    cdef ClientBase m
    for i in range(c.argc):
        need += 4 * c.argvlen[i] + 3 + 12
    if c.lastcmd != NULL:
        if strcmp(c.lastcmd.name, "auth") == 0:
            redact_from = 1
        elif strcmp(c.lastcmd.name, "hello") == 0:
            j = 2
            while j < c.argc:
                if arg_is(c, j, "auth") and j + 2 < c.argc:
                    hello_auth = j
                    j += 3
                elif arg_is(c, j, "setname") and j + 1 < c.argc:
                    j += 2
                else:
                    break
    buf = <char *>fc_malloc(need)
    p = buf
    p[0] = 43
    p += 1
    p += fc_ll2string(p, 24, us // 1000000)
    p[0] = 46
    p += 1
    p += snprintf(p, 8, "%06lld", us % 1000000)
    p[0] = 32; p[1] = 91; p += 2
    p += fc_ll2string(p, 24, c.db.id)
    p[0] = 32
    p += 1
    memcpy(p, c.addr_c, c.addr_clen)
    p += c.addr_clen
    p[0] = 93
    p += 1
    for i in range(c.argc):
        p[0] = 32
        p += 1
        if i >= redact_from or (hello_auth > 0 and (i == hello_auth + 1 or i == hello_auth + 2)):
            p = _mon_repr(p, "(redacted)", 10)
        else:
            p = _mon_repr(p, c.argv[i], c.argvlen[i])
    p[0] = 13; p[1] = 10; p += 2
    for o in _monitors:
        m = <ClientBase>o
        if not m.closed:
            add_reply_raw(m, buf, <size_t>(p - buf))
    fc_free(buf)
    if not _monitors_flush_scheduled and _mon_call_soon is not None:
        _monitors_flush_scheduled = True
        try:
            _mon_call_soon(_flush_monitors)
        except Exception:
            _monitors_flush_scheduled = False

def _flush_monitors():
    global _monitors_flush_scheduled
    _monitors_flush_scheduled = False
    for o in list(_monitors):
        flush_output(<ClientBase>o)

def monitor_add(ClientBase c):
    """Make c a monitor (MONITOR).  Returns False if it already is one."""
    global n_monitors, _mon_call_soon
    if c.is_monitor:
        return False
    if _mon_call_soon is None:
        _mon_call_soon = _asyncio.get_running_loop().call_soon
    c.is_monitor = True
    _monitors.append(c)
    n_monitors = len(_monitors)
    return True

def monitor_remove(ClientBase c):
    """Stop feeding c (RESET, disconnect)."""
    global n_monitors
    if c.is_monitor:
        c.is_monitor = False
        try:
            _monitors.remove(c)
        except ValueError:
            pass
        n_monitors = len(_monitors)

# ---------------------------------------------------------------- CLIENT PAUSE
# pause_type: 0 none, 1 WRITE (commands flagged write or may_replicate wait),
# 2 ALL (every command waits).  A waiting client keeps its command's bytes in
# qbuf (qpos rewound to cmd_start) and stops reading; when the pause ends the
# postponed clients re-run their input in the order they were postponed.

cdef int pause_type = 0
cdef long long pause_end_ms = 0
cdef list _postponed = []

cdef enum:
    PAUSE_NONE = 0
    PAUSE_WRITE = 1
    PAUSE_ALL = 2

cdef inline bint pause_applies(ClientBase c, fc_command *cmd) noexcept:
    if c.is_master:                   # the master link is never paused
        return False
    if pause_type == PAUSE_ALL:
        return True
    return (cmd.flags & (CMD_WRITE | CMD_MAY_REPLICATE)) != 0

cdef void postpone_client(ClientBase c) noexcept:
    c.qpos = c.cmd_start
    c.pause_blocked = True
    try:
        _postponed.append(c)
        if c.transport is not None:
            c.transport.pause_reading()
    except Exception:
        pass

cdef void client_unlink_admin(ClientBase c) noexcept:
    global n_monitors
    try:
        if c.is_monitor:
            monitor_remove(c)
        if c.pause_blocked:
            c.pause_blocked = False
            if c in _postponed:
                _postponed.remove(c)
    except Exception:
        pass

def set_pause(int ptype, long long end_ms):
    """CLIENT PAUSE: the stronger type and the later end of the current and the
    new pause win."""
    global pause_type, pause_end_ms
    if ptype > pause_type:
        pause_type = ptype
    if end_ms > pause_end_ms:
        pause_end_ms = end_ms
    return pause_type, pause_end_ms

def pause_state():
    """(type, end_ms): type 0 none, 1 write, 2 all."""
    return pause_type, pause_end_ms

def unpause():
    """End the pause; the caller schedules run_postponed() (Redis unblocks the
    postponed clients in beforeSleep, not inside the UNPAUSE call)."""
    global pause_type, pause_end_ms
    pause_type = PAUSE_NONE
    pause_end_ms = 0

def run_postponed():
    """Re-run the input of clients postponed by a pause, in postponement order."""
    global _postponed
    cdef ClientBase c
    cdef list lst = _postponed
    _postponed = []
    for o in lst:
        c = <ClientBase>o
        c.pause_blocked = False
        if c.closed:
            continue
        update_cached_time()
        process_input(c)
        flush_output(c)
        if c.close_after_reply:
            c.close_now()
        elif not c.pause_blocked and c.transport is not None:
            c.transport.resume_reading()

def postponed_count():
    return len(_postponed)

def client_cmd_name(ClientBase c):
    """Full name of the client's last looked-up command ("client|list"), or
    "NULL" (CLIENT LIST cmd=)."""
    if c.lastcmd == NULL:
        return "NULL"
    return c.lastcmd.name.decode()

def client_info_fields(ClientBase c):
    """(fd, argv length sum, reply buffer capacity, transport has queued output)
    for CLIENT LIST."""
    cdef long long argv_sum = 0
    cdef int i
    for i in range(c.argc):
        argv_sum += <long long>c.argvlen[i]
    return c.fd, argv_sum, c.ocap, bool(c.transport_pending)
