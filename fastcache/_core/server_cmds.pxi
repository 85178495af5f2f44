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
    db_empty(c.db)
    add_reply_ok(c)

cdef void cmd_flushall(ClientBase c) noexcept:
    cdef int i
    if parse_flush_flags(c) < 0:
        return
    for i in range(ndbs):
        srv.dirty += <long long>dict_size(&dbs[i].keys)
        db_empty(&dbs[i])
    srv.dirty += 1
    add_reply_ok(c)
