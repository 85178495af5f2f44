# t_string.pxi — the string type's commands (Redis t_string.c).
#
# Every command parses and validates all of its arguments before it changes
# anything.  Encodings follow Redis's rules (object.pxi): SET-like commands use
# tryObjectEncoding (int / embstr / raw), INCRBYFLOAT creates an embstr-or-raw
# string, APPEND/SETRANGE/SETBIT produce raw strings.

cdef inline fc_entry *lookup_read(ClientBase c, const char *key, size_t klen) noexcept:
    """lookupKeyRead: a live key or NULL; counts keyspace hits/misses, touches LRU."""
    cdef fc_entry **slot = db_lookup_slot(c.db, key, klen)
    cdef fc_entry *e
    if slot == NULL:
        srv.stat_keyspace_misses += 1
        return NULL
    e = slot[0]
    srv.stat_keyspace_hits += 1
    e.lru = srv.lruclock
    return e

cdef inline fc_entry **lookup_write(ClientBase c, const char *key, size_t klen) noexcept:
    """lookupKeyWrite: the slot of a live key or NULL (no hit/miss stats)."""
    cdef fc_entry **slot = db_lookup_slot(c.db, key, klen)
    if slot != NULL:
        slot[0].lru = srv.lruclock
    return slot

cdef inline bint arg_is(ClientBase c, int i, const char *word) noexcept:
    return eq_nocase(c.argv[i], c.argvlen[i], word)

cdef inline bint arg_ll(ClientBase c, int i, long long *v) noexcept:
    """getLongLongFromObjectOrReply: parse argv[i]; on failure reply the error."""
    if fc_string2ll(c.argv[i], c.argvlen[i], v):
        return True
    add_reply_error(c, E_NOTINT)
    return False

# SET / GETEX option flags (Redis's OBJ_SET_* / OBJ_*)
cdef enum:
    OBJ_NO_FLAGS = 0
    OBJ_SET_NX = 1 << 0
    OBJ_SET_XX = 1 << 1
    OBJ_EX = 1 << 2
    OBJ_PX = 1 << 3
    OBJ_KEEPTTL = 1 << 4
    OBJ_SET_GET = 1 << 5
    OBJ_EXAT = 1 << 6
    OBJ_PXAT = 1 << 7
    OBJ_PERSIST = 1 << 8

cdef enum:
    COMMAND_GET = 0
    COMMAND_SET = 1

cdef enum:
    UNIT_SECONDS = 0
    UNIT_MILLISECONDS = 1

cdef void reply_invalid_expire(ClientBase c) noexcept:
    add_reply_error_py(c, b"ERR invalid expire time in '" + <bytes>c.cur_cmd.name + b"' command")

cdef int parse_extended_string_args(ClientBase c, int *flags, int *unit, int *expire_idx,
                                    int command_type) noexcept:
    """parseExtendedStringArgumentsOrReply for SET (from argv[3]) and GETEX
    (from argv[2]).  Returns 0 on success, -1 after replying a syntax error."""
    cdef int j = 3 if command_type == COMMAND_SET else 2
    cdef bint has_next
    expire_idx[0] = -1
    while j < c.argc:
        has_next = j + 1 < c.argc
        if (arg_is(c, j, "nx") and not (flags[0] & OBJ_SET_XX) and command_type == COMMAND_SET):
            flags[0] |= OBJ_SET_NX
        elif (arg_is(c, j, "xx") and not (flags[0] & OBJ_SET_NX) and command_type == COMMAND_SET):
            flags[0] |= OBJ_SET_XX
        elif arg_is(c, j, "get") and command_type == COMMAND_SET:
            flags[0] |= OBJ_SET_GET
        elif (arg_is(c, j, "keepttl") and not (flags[0] & OBJ_PERSIST)
              and not (flags[0] & (OBJ_EX | OBJ_EXAT | OBJ_PX | OBJ_PXAT)) and command_type == COMMAND_SET):
            flags[0] |= OBJ_KEEPTTL
        elif (arg_is(c, j, "persist") and command_type == COMMAND_GET
              and not (flags[0] & (OBJ_EX | OBJ_EXAT | OBJ_PX | OBJ_PXAT | OBJ_KEEPTTL))):
            flags[0] |= OBJ_PERSIST
        elif (arg_is(c, j, "ex") and not (flags[0] & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EXAT | OBJ_PX | OBJ_PXAT))
              and has_next):
            flags[0] |= OBJ_EX
            expire_idx[0] = j + 1
            j += 1
        elif (arg_is(c, j, "px") and not (flags[0] & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_EXAT | OBJ_PXAT))
              and has_next):
            flags[0] |= OBJ_PX
            unit[0] = UNIT_MILLISECONDS
            expire_idx[0] = j + 1
            j += 1
        elif (arg_is(c, j, "exat") and not (flags[0] & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_PX | OBJ_PXAT))
              and has_next):
            flags[0] |= OBJ_EXAT
            expire_idx[0] = j + 1
            j += 1
        elif (arg_is(c, j, "pxat") and not (flags[0] & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_EXAT | OBJ_PX))
              and has_next):
            flags[0] |= OBJ_PXAT
            unit[0] = UNIT_MILLISECONDS
            expire_idx[0] = j + 1
            j += 1
        else:
            add_reply_error(c, E_SYNTAX)
            return -1
        j += 1
    return 0

cdef int get_expire_ms_or_reply(ClientBase c, int idx, int flags, int unit, long long *ms) noexcept:
    """getExpireMillisecondsOrReply: absolute unix time in ms, or -1 after replying."""
    if not arg_ll(c, idx, ms):
        return -1
    if ms[0] <= 0 or (unit == UNIT_SECONDS and ms[0] > LLONG_MAX // 1000):
        reply_invalid_expire(c)
        return -1
    if unit == UNIT_SECONDS:
        ms[0] *= 1000
    if flags & (OBJ_PX | OBJ_EX):
        if ms[0] > LLONG_MAX - srv.mstime:
            reply_invalid_expire(c)
            return -1
        ms[0] += srv.mstime
    if ms[0] <= 0:
        reply_invalid_expire(c)
        return -1
    return 0

cdef int get_generic(ClientBase c) noexcept:
    """getGenericCommand: reply the value of argv[1]; -1 after a WRONGTYPE error."""
    cdef fc_entry *e = lookup_read(c, c.argv[1], c.argvlen[1])
    if e == NULL:
        add_reply_null(c)
        return 0
    if e.type != OBJ_STRING:
        add_reply_error(c, E_WRONGTYPE)
        return -1
    add_reply_entry_str(c, e)
    return 0

cdef void cmd_get(ClientBase c) noexcept:
    get_generic(c)

cdef void set_generic(ClientBase c, int flags, int key, int val, int expire_idx, int unit,
                      const char *ok_reply, bint abort_reply_null) noexcept:
    """setGenericCommand.  ok_reply NULL means +OK; with abort_reply_null a
    failed NX/XX condition replies a null (SET) instead of 0 (SETNX)."""
    cdef long long ms = 0
    cdef fc_entry **slot
    cdef fc_entry *e
    cdef bint found
    if expire_idx >= 0:
        if get_expire_ms_or_reply(c, expire_idx, flags, unit, &ms) < 0:
            return
    if flags & OBJ_SET_GET:
        if get_generic(c) < 0:
            return
    slot = lookup_write(c, c.argv[key], c.argvlen[key])
    found = slot != NULL
    if ((flags & OBJ_SET_NX) and found) or ((flags & OBJ_SET_XX) and not found):
        if not (flags & OBJ_SET_GET):
            if abort_reply_null:
                add_reply_null(c)
            else:
                add_reply_int(c, 0)
        return
    db_set_string(c.db, c.argv[key], c.argvlen[key], c.argv[val], c.argvlen[val], STR_TRY,
                  (flags & OBJ_KEEPTTL) != 0)
    srv.dirty += 1
    if expire_idx >= 0:
        slot = db_find_slot(c.db, c.argv[key], c.argvlen[key])
        db_set_expire(c.db, slot[0], ms)
    if not (flags & OBJ_SET_GET):
        if ok_reply == NULL:
            add_reply_ok(c)
        else:
            add_reply_cstr(c, ok_reply)

cdef void cmd_set(ClientBase c) noexcept:
    cdef int flags = OBJ_NO_FLAGS
    cdef int unit = UNIT_SECONDS
    cdef int expire_idx
    if parse_extended_string_args(c, &flags, &unit, &expire_idx, COMMAND_SET) < 0:
        return
    set_generic(c, flags, 1, 2, expire_idx, unit, NULL, True)
