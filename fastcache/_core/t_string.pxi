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
        # notify.pxi: a read miss is a "keymiss" event (class m), as in
        # lookupKeyReadWithFlags; write lookups never emit it
        notify_keyspace_event(NOTIFY_KEY_MISS, b"keymiss", key, klen, c.db.id)
        return NULL
    e = slot[0]
    srv.stat_keyspace_hits += 1
    entry_touch(e)                 # evict.pxi: LRU clock, or the LFU counter
    return e

cdef inline fc_entry **lookup_write(ClientBase c, const char *key, size_t klen) noexcept:
    """lookupKeyWrite: the slot of a live key or NULL (no hit/miss stats)."""
    cdef fc_entry **slot = db_lookup_slot(c.db, key, klen)
    if slot != NULL:
        entry_touch(slot[0])       # evict.pxi: LRU clock, or the LFU counter
    return slot


cdef inline bint arg_is(ClientBase c, int i, const char *word) noexcept:
    """Option match with C-string semantics: Redis compares options with
    strcasecmp / `opt[2] == '\\0'`, so an argument is matched only up to its
    first NUL byte ("ex\\0junk" is EX there, and so it is here)."""
    cdef const char *nul = <const char *>memchr(c.argv[i], 0, c.argvlen[i])
    cdef size_t n = c.argvlen[i] if nul == NULL else <size_t>(nul - c.argv[i])
    return eq_nocase(c.argv[i], n, word)

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
    arg_modified(c, NOTIFY_STRING, b"set", key)
    if expire_idx >= 0:
        slot = db_find_slot(c.db, c.argv[key], c.argvlen[key])
        db_set_expire(c.db, slot[0], ms)
        # a TTL option is a second event, "expire" (setGenericCommand)
        arg_event(c, NOTIFY_GENERIC, b"expire", key)
        # propagate.pxi: any TTL option (SETEX/PSETEX too) is propagated as
        # SET key val PXAT abs-ms, NX/XX/GET dropped (Redis 7.0 setGenericCommand)
        if prop_on:
            prop_rewrite_set(c, key, c.argv[val], c.argvlen[val], b"PXAT", ms, True)
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

cdef void cmd_setnx(ClientBase c) noexcept:
    # SETNX replies :1 / :0 (setGenericCommand with shared.cone / shared.czero)
    set_generic(c, OBJ_SET_NX, 1, 2, -1, UNIT_SECONDS, b":1\r\n", False)

cdef void cmd_setex(ClientBase c) noexcept:
    set_generic(c, OBJ_EX, 1, 3, 2, UNIT_SECONDS, NULL, True)

cdef void cmd_psetex(ClientBase c) noexcept:
    set_generic(c, OBJ_PX, 1, 3, 2, UNIT_MILLISECONDS, NULL, True)

cdef void cmd_getset(ClientBase c) noexcept:
    # getsetCommand: reply the old value, then a plain SET (the TTL is dropped).
    if get_generic(c) < 0:
        return
    evict_lfu_touch_key(c.db, c.argv[1], c.argvlen[1])     # setKey's lookupKeyWrite (LFU)
    db_set_string(c.db, c.argv[1], c.argvlen[1], c.argv[2], c.argvlen[2], STR_TRY, False)
    srv.dirty += 1
    arg_modified(c, NOTIFY_STRING, b"set", 1)
    if prop_on:     # propagated as SET key val (getsetCommand rewrites argv[0])
        prop_rewrite_set(c, 1, c.argv[2], c.argvlen[2], NULL, 0, False)

cdef void cmd_getdel(ClientBase c) noexcept:
    if get_generic(c) < 0:
        return
    if db_delete(c.db, c.argv[1], c.argvlen[1]):
        srv.dirty += 1
        arg_modified(c, NOTIFY_GENERIC, b"del", 1)
        if prop_on:     # propagated as DEL key
            prop_rewrite_del(c, 1)

cdef void cmd_getex(ClientBase c) noexcept:
    """GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]."""
    cdef int flags = OBJ_NO_FLAGS
    cdef int unit = UNIT_SECONDS
    cdef int expire_idx
    cdef long long ms = 0
    cdef fc_entry **slot
    cdef fc_entry *e
    if parse_extended_string_args(c, &flags, &unit, &expire_idx, COMMAND_GET) < 0:
        return
    e = lookup_read(c, c.argv[1], c.argvlen[1])
    if e == NULL:
        # Redis validates the expire value only once the key is known to exist:
        # GETEX missing EX -1 replies null, not an error.
        add_reply_null(c)
        return
    if e.type != OBJ_STRING:
        add_reply_error(c, E_WRONGTYPE)
        return
    if expire_idx >= 0:
        if get_expire_ms_or_reply(c, expire_idx, flags, unit, &ms) < 0:
            return
    add_reply_entry_str(c, e)
    if (flags & (OBJ_PXAT | OBJ_EXAT)) and ms <= srv.mstime:
        # an absolute time already in the past deletes the key (checkAlreadyExpired)
        db_delete(c.db, c.argv[1], c.argvlen[1])
        srv.dirty += 1
        arg_modified(c, NOTIFY_GENERIC, b"del", 1)
        if prop_on:     # propagated as DEL key
            prop_rewrite_del(c, 1)
    elif expire_idx >= 0:
        db_set_expire(c.db, e, ms)
        srv.dirty += 1
        arg_modified(c, NOTIFY_GENERIC, b"expire", 1)
        if prop_on:     # propagated as PEXPIREAT key abs-ms
            prop_rewrite_key_ll(c, b"PEXPIREAT", 1, ms, True, c.argc)
    elif flags & OBJ_PERSIST:
        if db_remove_expire(c.db, e):
            srv.dirty += 1
            arg_modified(c, NOTIFY_GENERIC, b"persist", 1)
            if prop_on:     # propagated as PERSIST key
                prop_rewrite_key_ll(c, b"PERSIST", 1, 0, False, c.argc)

cdef void cmd_mget(ClientBase c) noexcept:
    cdef int i
    cdef fc_entry *e
    add_reply_array_len(c, c.argc - 1)
    for i in range(1, c.argc):
        e = lookup_read(c, c.argv[i], c.argvlen[i])
        # keys of another type read as missing, no error (mgetCommand)
        if e == NULL or e.type != OBJ_STRING:
            add_reply_null(c)
        else:
            add_reply_entry_str(c, e)

cdef void mset_generic(ClientBase c, bint nx) noexcept:
    cdef int j
    if c.argc % 2 == 0:
        # arity is -3, so an even argc passes the table check; Redis rejects it here
        add_reply_error_arity(c, <bytes>c.cur_cmd.name)
        return
    if nx:
        # MSETNX sets nothing when any key exists (expired keys count as absent)
        for j in range(1, c.argc, 2):
            if lookup_write(c, c.argv[j], c.argvlen[j]) != NULL:
                add_reply_int(c, 0)
                return
    # A key given twice takes the last value (setKey per pair, in order).
    for j in range(1, c.argc, 2):
        evict_lfu_touch_key(c.db, c.argv[j], c.argvlen[j])     # setKey's lookupKeyWrite (LFU)
        db_set_string(c.db, c.argv[j], c.argvlen[j], c.argv[j + 1], c.argvlen[j + 1], STR_TRY, False)
        arg_modified(c, NOTIFY_STRING, b"set", j)     # one "set" per pair, in order
    srv.dirty += (c.argc - 1) // 2
    if nx:
        add_reply_int(c, 1)
    else:
        add_reply_ok(c)

cdef void cmd_mset(ClientBase c) noexcept:
    mset_generic(c, False)

cdef void cmd_msetnx(ClientBase c) noexcept:
    mset_generic(c, True)

cdef void cmd_strlen(ClientBase c) noexcept:
    cdef fc_entry *e = lookup_read(c, c.argv[1], c.argvlen[1])
    if e == NULL:
        add_reply_int(c, 0)
        return
    if e.type != OBJ_STRING:
        add_reply_error(c, E_WRONGTYPE)
        return
    add_reply_int(c, <long long>entry_strlen(e))

# ---- INCR / DECR family ---------------------------------------------------------

cdef void incr_decr(ClientBase c, long long incr) noexcept:
    """incrDecrCommand: the value must be a strict integer string (string2ll);
    the result is always int-encoded and keeps the key's TTL (dbReplaceValue)."""
    cdef fc_entry **slot = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef fc_entry *e = NULL
    cdef long long value = 0
    if slot != NULL:
        e = slot[0]
        if e.type != OBJ_STRING:
            add_reply_error(c, E_WRONGTYPE)
            return
        if not entry_to_ll(e, &value):
            add_reply_error(c, E_NOTINT)
            return
    if (incr < 0 and value < 0 and incr < LLONG_MIN - value) or \
            (incr > 0 and value > 0 and incr > LLONG_MAX - value):
        add_reply_error(c, E_OVERFLOW)
        return
    value += incr
    if e != NULL and e.enc == ENC_INT:
        # Redis updates an unshared int object in place; our int entries are
        # never shared, so any int-encoded value is rewritten in place.
        entry_set_int(e, value)
    elif e != NULL:
        db_replace(c.db, slot, entry_new_int(c.argv[1], c.argvlen[1], value), True)
    else:
        db_add(c.db, entry_new_int(c.argv[1], c.argvlen[1], value))
    srv.dirty += 1
    arg_modified(c, NOTIFY_STRING, b"incrby", 1)     # INCR/DECR/INCRBY/DECRBY alike
    add_reply_int(c, value)

cdef void cmd_incr(ClientBase c) noexcept:
    incr_decr(c, 1)

cdef void cmd_decr(ClientBase c) noexcept:
    incr_decr(c, -1)

cdef void cmd_incrby(ClientBase c) noexcept:
    cdef long long incr
    if not arg_ll(c, 2, &incr):
        return
    incr_decr(c, incr)

cdef void cmd_decrby(ClientBase c) noexcept:
    cdef long long incr
    if not arg_ll(c, 2, &incr):
        return
    if incr == LLONG_MIN:
        # -LLONG_MIN does not exist; Redis 7.0 has its own error text for it
        add_reply_error(c, E_DECR_OVERFLOW)
        return
    incr_decr(c, -incr)

cdef void cmd_incrbyfloat(ClientBase c) noexcept:
    """INCRBYFLOAT: long double arithmetic, stored in human form ("%.17Lf" with
    trailing zeros cut) as an embstr/raw string; replied as a bulk string in
    RESP2 and RESP3 alike (addReplyBulk of the new object)."""
    cdef fc_entry **slot = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef fc_entry *e = NULL
    cdef long double value = 0
    cdef long double incr
    cdef char tmp[LONG_STR_SIZE]
    cdef const char *s
    cdef size_t n
    cdef char buf[MAX_LONG_DOUBLE_CHARS]
    cdef int blen
    if slot != NULL:
        e = slot[0]
        if e.type != OBJ_STRING:
            add_reply_error(c, E_WRONGTYPE)
            return
        if e.enc == ENC_INT:
            value = <long double>entry_int(e)
        else:
            s = entry_str(e, tmp, &n)
            if not fc_string2ld(s, n, &value):
                add_reply_error(c, E_NOTFLOAT)
                return
    if not fc_string2ld(c.argv[2], c.argvlen[2], &incr):
        add_reply_error(c, E_NOTFLOAT)
        return
    value += incr
    if value != value or value == value * 2 and value != 0:
        # NaN (x != x) or +-inf (inf * 2 == inf, and only 0 and inf satisfy it)
        add_reply_error(c, E_NAN_INF)
        return
    blen = fc_ld2string(buf, sizeof(buf), value, FC_LD_STR_HUMAN)
    if e != NULL:
        db_replace(c.db, slot, entry_new_string(c.argv[1], c.argvlen[1], buf, blen, STR_CREATE), True)
    else:
        db_add(c.db, entry_new_string(c.argv[1], c.argvlen[1], buf, blen, STR_CREATE))
    srv.dirty += 1
    arg_modified(c, NOTIFY_STRING, b"incrbyfloat", 1)
    # propagate.pxi: the result, not the increment (float formatting may differ
    # between replicas): SET key value KEEPTTL
    if prop_on:
        prop_rewrite_set(c, 1, buf, blen, b"KEEPTTL", 0, False)
    add_reply_bulk(c, buf, blen)

# ---- APPEND / SETRANGE / GETRANGE -------------------------------------------------

cdef bint check_string_length(ClientBase c, long long size, long long append) noexcept:
    """checkStringLength: the resulting size must not pass proto-max-bulk-len
    (nor overflow).  The master link is exempt (mustObeyClient)."""
    cdef long long total
    if c.is_master:
        return True
    total = <long long>(<uint64_t>size + <uint64_t>append)
    if total > srv.proto_max_bulk_len or total < size or total < append:
        add_reply_error(c, E_STRINGSIZE)
        return False
    return True

cdef fc_rawstr *string_unshare(fc_db *db, fc_entry **slot, size_t need) noexcept:
    """dbUnshareStringValue: make the string at slot raw-encoded (a private,
    growable buffer) with room for `need` bytes; the TTL stays.  Returns the
    buffer; the caller grows it with rawstr_grow and stores it back with
    entry_set_ptr."""
    cdef fc_entry *e = slot[0]
    cdef fc_entry *n
    cdef char tmp[LONG_STR_SIZE]
    cdef size_t len
    cdef const char *s
    cdef fc_rawstr *r
    if e.enc == ENC_RAW:
        return <fc_rawstr *>entry_ptr(e)
    s = entry_str(e, tmp, &len)
    r = rawstr_new(s, len, need if need > len else len)
    n = entry_alloc(entry_key(e), e.klen, sizeof(void *))
    n.type = OBJ_STRING
    n.enc = ENC_RAW
    entry_set_ptr(n, r)
    db_replace(db, slot, n, True)
    return r

cdef void cmd_append(ClientBase c) noexcept:
    cdef fc_entry **slot = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef fc_entry *e
    cdef fc_rawstr *r
    cdef size_t olen
    cdef size_t alen = c.argvlen[2]
    if slot == NULL:
        # a new key takes the argument as SET would (tryObjectEncoding)
        db_add(c.db, entry_new_string(c.argv[1], c.argvlen[1], c.argv[2], alen, STR_TRY))
        srv.dirty += 1
        arg_modified(c, NOTIFY_STRING, b"append", 1)
        add_reply_int(c, <long long>alen)
        return
    e = slot[0]
    if e.type != OBJ_STRING:
        add_reply_error(c, E_WRONGTYPE)
        return
    olen = entry_strlen(e)
    if not check_string_length(c, <long long>olen, <long long>alen):
        return
    # Even an empty append turns an int/embstr value raw, as in Redis.
    r = string_unshare(c.db, slot, olen + alen)
    r = rawstr_grow(r, olen + alen)
    entry_set_ptr(slot[0], r)
    memcpy(rawstr_data(r) + olen, c.argv[2], alen)
    srv.dirty += 1
    arg_modified(c, NOTIFY_STRING, b"append", 1)     # even for an empty append
    add_reply_int(c, <long long>r.len)

cdef void cmd_setrange(ClientBase c) noexcept:
    cdef long long offset
    cdef fc_entry **slot
    cdef fc_entry *e
    cdef fc_rawstr *r
    cdef size_t vlen = c.argvlen[3]
    cdef size_t olen
    if not arg_ll(c, 2, &offset):
        return
    if offset < 0:
        add_reply_error(c, E_OFFSETRANGE)
        return
    slot = lookup_write(c, c.argv[1], c.argvlen[1])
    if slot == NULL:
        # nothing to write on a missing key: reply 0, create nothing, whatever the offset
        if vlen == 0:
            add_reply_int(c, 0)
            return
        if not check_string_length(c, offset, <long long>vlen):
            return
        r = rawstr_new(NULL, <size_t>offset + vlen, <size_t>offset + vlen)
        memcpy(rawstr_data(r) + offset, c.argv[3], vlen)
        e = entry_alloc(c.argv[1], c.argvlen[1], sizeof(void *))
        e.type = OBJ_STRING
        e.enc = ENC_RAW
        entry_set_ptr(e, r)
        db_add(c.db, e)
        srv.dirty += 1
        arg_modified(c, NOTIFY_STRING, b"setrange", 1)
        add_reply_int(c, <long long>r.len)
        return
    e = slot[0]
    if e.type != OBJ_STRING:
        add_reply_error(c, E_WRONGTYPE)
        return
    olen = entry_strlen(e)
    if vlen == 0:
        # an empty value changes nothing (not even the encoding) and skips the size check
        add_reply_int(c, <long long>olen)
        return
    if not check_string_length(c, offset, <long long>vlen):
        return
    r = string_unshare(c.db, slot, <size_t>offset + vlen)
    r = rawstr_grow(r, <size_t>offset + vlen)
    entry_set_ptr(slot[0], r)
    memcpy(rawstr_data(r) + offset, c.argv[3], vlen)
    srv.dirty += 1
    arg_modified(c, NOTIFY_STRING, b"setrange", 1)
    add_reply_int(c, <long long>r.len)

cdef void cmd_getrange(ClientBase c) noexcept:
    """GETRANGE / SUBSTR key start end: inclusive, negative indexes count from
    the end; out-of-range indexes are clamped (getrangeCommand)."""
    cdef long long start, end
    cdef fc_entry *e
    cdef char tmp[LONG_STR_SIZE]
    cdef const char *s
    cdef size_t n
    if not arg_ll(c, 2, &start) or not arg_ll(c, 3, &end):
        return
    e = lookup_read(c, c.argv[1], c.argvlen[1])
    if e == NULL:
        add_reply_raw(c, b"$0\r\n\r\n", 6)
        return
    if e.type != OBJ_STRING:
        add_reply_error(c, E_WRONGTYPE)
        return
    s = entry_str(e, tmp, &n)
    if start < 0 and end < 0 and start > end:
        add_reply_raw(c, b"$0\r\n\r\n", 6)
        return
    if start < 0:
        start = <long long>n + start
    if end < 0:
        end = <long long>n + end
    if start < 0:
        start = 0
    if end < 0:
        end = 0
    if <unsigned long long>end >= n:
        end = <long long>n - 1
    if start > end or n == 0:
        add_reply_raw(c, b"$0\r\n\r\n", 6)
    else:
        add_reply_bulk(c, s + start, <size_t>(end - start + 1))

# ---- LCS ----------------------------------------------------------------------------

cdef uint32_t lcs_walk(ClientBase c, const char *a, uint32_t alen, const char *b, uint32_t blen,
                       uint32_t *lcs, char *result, long long minmatchlen, bint withmatchlen,
                       bint emit) noexcept:
    """Walk the LCS table back from (alen, blen) as Redis's lcsCommand does:
    fill `result` (if not NULL) with the LCS and, with `emit`, reply one
    [[a_start, a_end], [b_start, b_end](, len)] entry per matching range that
    is at least minmatchlen long.  Returns the number of ranges that qualify
    (so a first pass with emit=0 sizes the array header)."""
    cdef uint32_t stride = blen + 1
    cdef uint32_t i = alen
    cdef uint32_t j = blen
    cdef uint32_t idx = lcs[alen * stride + blen]
    cdef uint32_t arange_start = alen   # alen means "no range open"
    cdef uint32_t arange_end = 0
    cdef uint32_t brange_start = 0
    cdef uint32_t brange_end = 0
    cdef uint32_t match_len
    cdef uint32_t count = 0
    cdef bint emit_range
    while i > 0 and j > 0:
        emit_range = False
        if a[i - 1] == b[j - 1]:
            if result != NULL:
                result[idx - 1] = a[i - 1]
            if arange_start == alen:
                arange_start = i - 1
                arange_end = i - 1
                brange_start = j - 1
                brange_end = j - 1
            elif arange_start == i and brange_start == j:
                # contiguous with the open range: extend it backwards
                arange_start -= 1
                brange_start -= 1
            else:
                emit_range = True
            # a range that reached the start of either string is complete
            if arange_start == 0 or brange_start == 0:
                emit_range = True
            idx -= 1
            i -= 1
            j -= 1
        else:
            if lcs[(i - 1) * stride + j] > lcs[i * stride + j - 1]:
                i -= 1
            else:
                j -= 1
            if arange_start != alen:
                emit_range = True
        if emit_range:
            match_len = arange_end - arange_start + 1
            if minmatchlen == 0 or match_len >= minmatchlen:
                if emit:
                    add_reply_array_len(c, 3 if withmatchlen else 2)
                    add_reply_array_len(c, 2)
                    add_reply_int(c, arange_start)
                    add_reply_int(c, arange_end)
                    add_reply_array_len(c, 2)
                    add_reply_int(c, brange_start)
                    add_reply_int(c, brange_end)
                    if withmatchlen:
                        add_reply_int(c, match_len)
                count += 1
            arange_start = alen
    return count

cdef void cmd_lcs(ClientBase c) noexcept:
    """LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN] (Redis 7.0).
    Like Redis, the keys are looked up (and type-checked) before the options
    are parsed; missing keys count as empty strings."""
    cdef fc_entry *ea = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef fc_entry *eb = lookup_read(c, c.argv[2], c.argvlen[2])
    cdef char tmpa[LONG_STR_SIZE]
    cdef char tmpb[LONG_STR_SIZE]
    cdef const char *a = b""
    cdef const char *b = b""
    cdef size_t alen_z = 0
    cdef size_t blen_z = 0
    cdef uint32_t alen, blen, i, j, lcs1, lcs2, stride, total
    cdef long long minmatchlen = 0
    cdef bint getlen = False
    cdef bint getidx = False
    cdef bint withmatchlen = False
    cdef int k
    cdef unsigned long long lcssize, lcsalloc
    cdef uint32_t *lcs
    cdef char *result
    cdef uint32_t nranges
    if (ea != NULL and ea.type != OBJ_STRING) or (eb != NULL and eb.type != OBJ_STRING):
        add_reply_error(c, E_LCS_TYPE)
        return
    if ea != NULL:
        a = entry_str(ea, tmpa, &alen_z)
    if eb != NULL:
        b = entry_str(eb, tmpb, &blen_z)
    k = 3
    while k < c.argc:
        if arg_is(c, k, "idx"):
            getidx = True
        elif arg_is(c, k, "len"):
            getlen = True
        elif arg_is(c, k, "withmatchlen"):
            withmatchlen = True
        elif arg_is(c, k, "minmatchlen") and k + 1 < c.argc:
            if not arg_ll(c, k + 1, &minmatchlen):
                return
            if minmatchlen < 0:
                minmatchlen = 0
            k += 1
        else:
            add_reply_error(c, E_SYNTAX)
            return
        k += 1
    if getidx and getlen:
        add_reply_error(c, E_LCS_IDX_LEN)
        return
    if alen_z >= 0xFFFFFFFE or blen_z >= 0xFFFFFFFE:
        add_reply_error(c, E_LCS_TOO_LONG)
        return
    alen = <uint32_t>alen_z
    blen = <uint32_t>blen_z
    # The (alen+1) x (blen+1) table is transient memory; Redis refuses tables
    # larger than proto-max-bulk-len rather than risk an out-of-memory abort.
    lcssize = <unsigned long long>(alen + 1) * (blen + 1)
    lcsalloc = lcssize * sizeof(uint32_t)
    if lcsalloc > <unsigned long long>srv.proto_max_bulk_len:
        add_reply_error(c, E_LCS_MEM_LIMIT)
        return
    lcs = <uint32_t *>fc_malloc(<size_t>lcsalloc)
    if lcs == NULL:
        add_reply_error(c, E_LCS_MEM_FAIL)
        return
    stride = blen + 1
    for j in range(blen + 1):
        lcs[j] = 0
    for i in range(1, alen + 1):
        lcs[i * stride] = 0
        for j in range(1, blen + 1):
            if a[i - 1] == b[j - 1]:
                lcs[i * stride + j] = lcs[(i - 1) * stride + j - 1] + 1
            else:
                lcs1 = lcs[(i - 1) * stride + j]
                lcs2 = lcs[i * stride + j - 1]
                lcs[i * stride + j] = lcs1 if lcs1 > lcs2 else lcs2
    total = lcs[alen * stride + blen]
    if getidx:
        # reply shape: {"matches": [ranges, last first], "len": total}
        nranges = lcs_walk(c, a, alen, b, blen, lcs, NULL, minmatchlen, withmatchlen, False)
        add_reply_map_len(c, 2)
        add_reply_bulk(c, b"matches", 7)
        add_reply_array_len(c, nranges)
        lcs_walk(c, a, alen, b, blen, lcs, NULL, minmatchlen, withmatchlen, True)
        add_reply_bulk(c, b"len", 3)
        add_reply_int(c, total)
    elif getlen:
        add_reply_int(c, total)
    else:
        result = <char *>fc_malloc(total + 1)
        lcs_walk(c, a, alen, b, blen, lcs, result, 0, False, False)
        add_reply_bulk(c, result, total)
        fc_free(result)
    fc_free(lcs)
