# keys.pxi — generic keyspace commands (Redis db.c / expire.c): DEL, EXISTS, TYPE,
# RENAME, COPY, MOVE, SCAN, KEYS, the EXPIRE family, OBJECT ...

cdef void del_generic(ClientBase c) noexcept:
    cdef long long n = 0
    cdef int i
    for i in range(1, c.argc):
        if db_lookup_slot(c.db, c.argv[i], c.argvlen[i]) != NULL:
            if db_delete(c.db, c.argv[i], c.argvlen[i]):
                n += 1
    srv.dirty += n
    add_reply_int(c, n)

cdef void cmd_del(ClientBase c) noexcept:
    del_generic(c)

cdef void cmd_unlink(ClientBase c) noexcept:
    del_generic(c)

cdef void cmd_exists(ClientBase c) noexcept:
    cdef long long n = 0
    cdef int i
    for i in range(1, c.argc):
        if lookup_read(c, c.argv[i], c.argvlen[i]) != NULL:
            n += 1
    add_reply_int(c, n)
