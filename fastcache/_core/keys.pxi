# keys.pxi — generic keyspace commands (Redis db.c / expire.c / object.c): DEL,
# UNLINK, EXISTS, TOUCH, TYPE, RANDOMKEY, KEYS, SCAN, RENAME(NX), MOVE, COPY, SWAPDB,
# the EXPIRE family, TTL/PTTL/EXPIRETIME/PEXPIRETIME, PERSIST and OBJECT.
#
# Design note.  Every command validates all of its arguments before it looks a key
# up, in the order Redis 7.0 does (so with two bad arguments the same error wins).
# Lookups mirror Redis's flavours:
#   lookup_read          lookupKeyRead: lazy expiry, hit/miss stats, touches LRU
#   lookup_read_notouch  LOOKUP_NOTOUCH: stats but no LRU update (TYPE, TTL, EXISTS,
#                        OBJECT) so introspection doesn't make a key look hot
#   lookup_write         lookupKeyWrite: lazy expiry, touches LRU, no stats
# Values never get copied when they only change name or database: RENAME builds a
# new header around the same payload (entry_rekey) and MOVE relinks the very same
# entry into the other database's dict.  COPY deep-copies (entry_dup keeps string
# encodings, like dupStringObject).
#
# Replies whose length is known only at the end (KEYS, SCAN) reserve room for the
# array header and patch it afterwards (defer_begin / defer_array_end), instead of
# walking the keyspace twice.

from libc.limits cimport INT_MIN

# Redis's maxmemory policy flag bits (server.h MAXMEMORY_FLAG_*): the config layer
# stores the policy in srv.maxmemory_policy with these bits set.
cdef enum:
    MAXMEMORY_FLAG_LRU = 1 << 0
    MAXMEMORY_FLAG_LFU = 1 << 1
    MAXMEMORY_FLAG_NO_SHARED_INTEGERS = MAXMEMORY_FLAG_LRU | MAXMEMORY_FLAG_LFU

# Shared integer objects report this refcount (OBJ_SHARED_REFCOUNT = INT_MAX).
cdef enum:
    OBJ_SHARED_REFCOUNT = 2147483647

# ---- helpers ----------------------------------------------------------------------

cdef inline fc_entry *lookup_read_notouch(ClientBase c, const char *key, size_t klen,
                                          bint keymiss=True) noexcept:
    """lookupKeyReadWithFlags(LOOKUP_NOTOUCH): stats, lazy expiry, no LRU touch.
    keymiss=False is LOOKUP_NONOTIFY as well (OBJECT: no "keymiss" event)."""
    cdef fc_entry **slot = db_lookup_slot(c.db, key, klen)
    if slot == NULL:
        srv.stat_keyspace_misses += 1
        # notify.pxi: NOTOUCH lookups still emit "keymiss" (only NONOTIFY doesn't)
        if keymiss:
            notify_keyspace_event(NOTIFY_KEY_MISS, b"keymiss", key, klen, c.db.id)
        return NULL
    srv.stat_keyspace_hits += 1
    return slot[0]

cdef inline bint entry_is_expired(fc_db *db, fc_entry *e) noexcept nogil:
    """keyIsExpired without deleting (KEYS only hides expired keys)."""
    cdef long long when
    if not (e.flags & EF_HAS_EXPIRE) or not expire_enabled_for_lookups:
        return False
    when = db_get_expire(db, e)
    return when >= 0 and when < srv.mstime

cdef bint arg_int_or_reply(ClientBase c, int i, int *out, const char *msg) noexcept:
    """getIntFromObjectOrReply: a C int from argv[i].  With msg NULL the errors are
    Redis's generic ones (not an integer / out of int range); otherwise msg for both."""
    cdef long long v
    if not fc_string2ll(c.argv[i], c.argvlen[i], &v):
        add_reply_error(c, msg if msg != NULL else E_NOTINT)
        return False
    if v < INT_MIN or v > INT_MAX:
        add_reply_error(c, msg if msg != NULL else E_INT_RANGE)
        return False
    out[0] = <int>v
    return True

cdef inline size_t cstr_len(const char *s, size_t n) noexcept nogil:
    """Length up to the first NUL: where Redis hands an sds to a C-string function
    (strcasecmp, %s) it stops there."""
    cdef const char *z = <const char *>memchr(s, 0, n)
    return <size_t>(z - s) if z != NULL else n

cdef enum:
    DEFER_ROOM = 24     # '*' + 20 digits + CRLF, room for any array header

cdef inline size_t defer_begin(ClientBase c) noexcept:
    """Reserve room for an array header; returns its offset in the output buffer."""
    reply_reserve(c, DEFER_ROOM)
    cdef size_t pos = c.olen
    c.olen += DEFER_ROOM
    return pos

cdef void defer_array_end(ClientBase c, size_t pos, long long n) noexcept:
    """Write the array header at pos and close the gap left by the reservation."""
    cdef char hdr[DEFER_ROOM]
    cdef int k
    hdr[0] = 42  # '*'
    k = fc_ll2string(hdr + 1, DEFER_ROOM - 3, n)
    hdr[k + 1] = 13
    hdr[k + 2] = 10
    k += 3
    memmove(c.obuf + pos + k, c.obuf + pos + DEFER_ROOM, c.olen - pos - DEFER_ROOM)
    memcpy(c.obuf + pos, hdr, k)
    c.olen -= DEFER_ROOM - k

cdef inline void add_reply_status(ClientBase c, const char *s) noexcept:
    add_reply_raw(c, b"+", 1)
    add_reply_cstr(c, s)
    add_reply_raw(c, b"\r\n", 2)

# ---- DEL / UNLINK / EXISTS / TOUCH / TYPE ---------------------------------------

cdef void del_generic(ClientBase c) noexcept:
    # delGenericCommand: expireIfNeeded first (an expired key counts as expired,
    # not as deleted), then delete.  UNLINK's lazy freeing is an implementation
    # detail; values are freed synchronously here.
    cdef long long n = 0
    cdef int i
    cdef fc_entry **slot
    for i in range(1, c.argc):
        # the slot of the live key (from the latest keys-dict find): unlink it
        # there instead of hashing and searching the key a second time
        slot = db_lookup_slot(c.db, c.argv[i], c.argvlen[i])
        if slot != NULL:
            db_unlink_free(c.db, slot)
            arg_modified(c, NOTIFY_GENERIC, b"del", i)     # one "del" per deleted key
            n += 1
    srv.dirty += n
    add_reply_int(c, n)

cdef void cmd_del(ClientBase c) noexcept:
    del_generic(c)

cdef void cmd_unlink(ClientBase c) noexcept:
    del_generic(c)

cdef void cmd_exists(ClientBase c) noexcept:
    # A key named twice counts twice (EXISTS k k -> 2).
    cdef long long n = 0
    cdef int i
    for i in range(1, c.argc):
        if lookup_read_notouch(c, c.argv[i], c.argvlen[i]) != NULL:
            n += 1
    add_reply_int(c, n)

cdef void cmd_touch(ClientBase c) noexcept:
    cdef long long n = 0
    cdef int i
    for i in range(1, c.argc):
        if lookup_read(c, c.argv[i], c.argvlen[i]) != NULL:
            n += 1
    add_reply_int(c, n)

cdef void cmd_type(ClientBase c) noexcept:
    cdef fc_entry *e = lookup_read_notouch(c, c.argv[1], c.argvlen[1])
    if e == NULL:
        add_reply_raw(c, b"+none\r\n", 7)
    else:
        add_reply_status(c, type_name(e.type))

# ---- RANDOMKEY / KEYS / SCAN ----------------------------------------------------

cdef void cmd_randomkey(ClientBase c) noexcept:
    # dbRandomKey: a key found expired is deleted and another one drawn; each draw
    # of an expired key removes it, so the loop ends.
    cdef fc_entry *e
    while True:
        e = <fc_entry *>dict_random_node(&c.db.keys, &rnd_state)
        if e == NULL:
            add_reply_null(c)
            return
        if entry_is_expired(c.db, e):
            if prop_on:   # expired: propagated as DEL (propagate.pxi)
                prop_expired_key(c.db, entry_key(e), e.klen)
            notify_expired_key(c.db, entry_key(e), e.klen)
            db_delete(c.db, entry_key(e), e.klen)
            srv.stat_expiredkeys += 1
            continue
        add_reply_bulk(c, entry_key(e), e.klen)
        return

cdef void cmd_keys(ClientBase c) noexcept:
    # keysCommand: a full walk (no rehash can run meanwhile: nothing here writes);
    # expired keys are skipped but not deleted.
    cdef const char *pat = c.argv[1]
    cdef int plen = <int>c.argvlen[1]
    cdef bint allkeys = plen == 1 and pat[0] == 42  # '*'
    cdef fc_dict *d = &c.db.keys
    cdef fc_entry *e
    cdef long long n = 0
    cdef uint64_t i
    cdef int t
    cdef size_t pos = defer_begin(c)
    for t in range(2):
        for i in range(d.size[t]):
            e = <fc_entry *>d.table[t][i]
            while e != NULL:
                if ((allkeys or fc_stringmatchlen(pat, plen, entry_key(e), <int>e.klen, 0))
                        and not entry_is_expired(c.db, e)):
                    add_reply_bulk(c, entry_key(e), e.klen)
                    n += 1
                e = e.next
    defer_array_end(c, pos, n)

ctypedef struct scan_acc:
    fc_entry **items
    size_t n
    size_t cap

cdef void scan_collect(void *priv, fc_node *node) noexcept:
    cdef scan_acc *a = <scan_acc *>priv
    if a.n == a.cap:
        a.cap *= 2
        a.items = <fc_entry **>fc_realloc(a.items, a.cap * sizeof(fc_entry *))
    a.items[a.n] = <fc_entry *>node
    a.n += 1

cdef bint parse_scan_cursor(const char *s, size_t n, uint64_t *out) noexcept nogil:
    """parseScanCursorOrReply's test, reproduced: strtoul(s, &eptr, 10) accepted when
    the first byte is not a space and eptr ends at the string's NUL.  So the empty
    string is cursor 0, a sign is allowed ('-1' wraps to 2**64-1), digits may be
    followed by a NUL byte and anything after it, and overflow is rejected."""
    cdef size_t i = 0
    cdef bint neg = False
    cdef uint64_t v = 0
    cdef uint64_t d
    cdef size_t start
    if n == 0 or s[0] == 0:
        out[0] = 0
        return True
    if s[0] == 32 or (s[0] >= 9 and s[0] <= 13):
        return False
    if s[0] == 43 or s[0] == 45:     # '+' '-'
        neg = s[0] == 45
        i = 1
    start = i
    while i < n and s[i] >= 48 and s[i] <= 57:
        d = <uint64_t>(s[i] - 48)
        if v > (0xFFFFFFFFFFFFFFFFULL - d) // 10:
            return False            # ERANGE
        v = v * 10 + d
        i += 1
    if i == start:
        return False                # no digits: eptr stays at the start
    if i < n and s[i] != 0:
        return False
    out[0] = (0 - v) if neg else v
    return True

cdef void cmd_scan(ClientBase c) noexcept:
    cdef uint64_t cursor
    cdef long long count = 10
    cdef long long maxiterations, it
    cdef const char *pat = NULL
    cdef int patlen = 0
    cdef bint use_pattern = False
    cdef const char *typename = NULL
    cdef size_t typelen = 0
    cdef int i = 2
    cdef int j
    cdef scan_acc acc
    cdef fc_entry *e
    cdef const char *tname
    cdef bint filtered, expired
    cdef long long nout = 0
    cdef size_t pos, k
    cdef char cbuf[24]
    if not parse_scan_cursor(c.argv[1], c.argvlen[1], &cursor):
        add_reply_error(c, E_INVALID_CURSOR)
        return
    while i < c.argc:
        j = c.argc - i
        if arg_is(c, i, "count") and j >= 2:
            if not arg_ll(c, i + 1, &count):
                return
            if count < 1:
                add_reply_error(c, E_SYNTAX)
                return
            i += 2
        elif arg_is(c, i, "match") and j >= 2:
            pat = c.argv[i + 1]
            patlen = <int>c.argvlen[i + 1]
            use_pattern = not (patlen == 1 and pat[0] == 42)
            i += 2
        elif arg_is(c, i, "type") and j >= 2:
            typename = c.argv[i + 1]
            typelen = cstr_len(typename, c.argvlen[i + 1])   # strcasecmp stops at NUL
            i += 2
        else:
            add_reply_error(c, E_SYNTAX)
            return
    # Step 1: collect keys for `count` elements or count*10 buckets (Redis's bound
    # on empty-bucket walks), filtering only afterwards, exactly like Redis.
    acc.cap = 16
    acc.n = 0
    acc.items = <fc_entry **>fc_malloc(acc.cap * sizeof(fc_entry *))
    maxiterations = count * 10 if count <= LLONG_MAX // 10 else LLONG_MAX
    while True:
        cursor = dict_scan(&c.db.keys, cursor, scan_collect, &acc)
        if cursor == 0:
            break
        it = maxiterations
        maxiterations -= 1
        if it == 0 or acc.n >= <uint64_t>count:
            break
    # Step 2: reply, filtering by pattern, type and expiry.  An entry may be freed
    # (lazy expiry) only after its own key has been used; other collected entries
    # stay valid because deleting one key frees only that key's entry.
    add_reply_array_len(c, 2)
    k = <size_t>fc_ull2string(cbuf, sizeof(cbuf), cursor)
    add_reply_bulk(c, cbuf, k)
    pos = defer_begin(c)
    for k in range(acc.n):
        e = acc.items[k]
        if use_pattern and not fc_stringmatchlen(pat, patlen, entry_key(e), <int>e.klen, 0):
            continue
        expired = entry_is_expired(c.db, e)
        if typename != NULL:
            # lookupKeyReadWithFlags(NOTOUCH) then getObjectTypeName: an expired key
            # reads as missing, i.e. type "none".
            if expired:
                srv.stat_keyspace_misses += 1
                tname = b"none"
            else:
                srv.stat_keyspace_hits += 1
                tname = type_name(e.type)
            filtered = not eq_nocase(typename, typelen, tname)
            if expired:
                # Quirk kept: after the type lookup deleted it, Redis's expiry check
                # sees no key and lets the name through, so "TYPE none" returns it.
                if not filtered:
                    add_reply_bulk(c, entry_key(e), e.klen)
                    nout += 1
                if prop_on:   # expired: propagated as DEL (propagate.pxi)
                    prop_expired_key(c.db, entry_key(e), e.klen)
                notify_expired_key(c.db, entry_key(e), e.klen)
                # the TYPE filter's read lookup then misses: "keymiss" too
                notify_keyspace_event(NOTIFY_KEY_MISS, b"keymiss", entry_key(e), e.klen, c.db.id)
                db_delete(c.db, entry_key(e), e.klen)
                srv.stat_expiredkeys += 1
                continue
            if filtered:
                continue
        if expired:
            if prop_on:   # expired: propagated as DEL (propagate.pxi)
                prop_expired_key(c.db, entry_key(e), e.klen)
            notify_expired_key(c.db, entry_key(e), e.klen)
            db_delete(c.db, entry_key(e), e.klen)
            srv.stat_expiredkeys += 1
            continue
        add_reply_bulk(c, entry_key(e), e.klen)
        nout += 1
    fc_free(acc.items)
    defer_array_end(c, pos, nout)

# ---- RENAME / RENAMENX / MOVE / COPY / SWAPDB ---------------------------------

cdef void rename_generic(ClientBase c, bint nx) noexcept:
    cdef fc_entry **slot
    cdef fc_entry *e
    cdef long long expire
    cdef bint samekey = (c.argvlen[1] == c.argvlen[2]
                         and memcmp(c.argv[1], c.argv[2], c.argvlen[1]) == 0)
    if lookup_write(c, c.argv[1], c.argvlen[1]) == NULL:
        add_reply_error(c, E_NOSUCHKEY)
        return
    # Same name: nothing to do, but a missing source still errors (checked above).
    if samekey:
        if nx:
            add_reply_int(c, 0)
        else:
            add_reply_ok(c)
        return
    if lookup_write(c, c.argv[2], c.argvlen[2]) != NULL:
        if nx:
            add_reply_int(c, 0)
            return
        db_delete(c.db, c.argv[2], c.argvlen[2])
    # Unlink the source right after finding its slot (the slot is only valid until
    # the next dict operation), drop its TTL node, then re-key the same payload.
    slot = db_find_slot(c.db, c.argv[1], c.argvlen[1])
    e = slot[0]
    dict_unlink_slot(&c.db.keys, <fc_node **>slot)
    expire = db_get_expire(c.db, e)
    if e.flags & EF_HAS_EXPIRE:
        db_remove_expire(c.db, e)
    e = entry_rekey(e, c.argv[2], c.argvlen[2])
    db_add(c.db, e)
    if expire != -1:
        db_set_expire(c.db, e, expire)     # RENAME keeps the TTL
    srv.dirty += 1
    # Redis signals both keys, then "rename_from" and "rename_to" (the replaced
    # destination gets no "del"; its "new" came from db_add above)
    signal_modified_key(c.db, c.argv[1], c.argvlen[1])
    signal_modified_key(c.db, c.argv[2], c.argvlen[2])
    arg_event(c, NOTIFY_GENERIC, b"rename_from", 1)
    arg_event(c, NOTIFY_GENERIC, b"rename_to", 2)
    if nx:
        add_reply_int(c, 1)
    else:
        add_reply_ok(c)

cdef void cmd_rename(ClientBase c) noexcept:
    rename_generic(c, False)

cdef void cmd_renamenx(ClientBase c) noexcept:
    rename_generic(c, True)

cdef void cmd_move(ClientBase c) noexcept:
    cdef int dbid
    cdef fc_db *src = c.db
    cdef fc_db *dst
    cdef fc_entry **slot
    cdef fc_entry *e
    cdef long long expire
    if not arg_int_or_reply(c, 2, &dbid, NULL):
        return
    if dbid < 0 or dbid >= ndbs:
        add_reply_error(c, E_DBINDEX)
        return
    dst = &dbs[dbid]
    if src == dst:
        add_reply_error(c, E_SAMEOBJ)
        return
    if lookup_write(c, c.argv[1], c.argvlen[1]) == NULL:
        add_reply_int(c, 0)
        return
    if db_lookup_slot(dst, c.argv[1], c.argvlen[1]) != NULL:
        add_reply_int(c, 0)
        return
    # Same key, other dict: relink the very entry (no copy), moving its TTL along.
    slot = db_find_slot(src, c.argv[1], c.argvlen[1])
    e = slot[0]
    dict_unlink_slot(&src.keys, <fc_node **>slot)
    expire = db_get_expire(src, e)
    if e.flags & EF_HAS_EXPIRE:
        db_remove_expire(src, e)
    db_add(dst, e)
    if expire != -1:
        db_set_expire(dst, e, expire)
    srv.dirty += 1
    # both dbs are signalled, then "move_from" (source db) and "move_to" (target db)
    signal_modified_key(src, c.argv[1], c.argvlen[1])
    signal_modified_key(dst, c.argv[1], c.argvlen[1])
    notify_keyspace_event(NOTIFY_GENERIC, b"move_from", c.argv[1], c.argvlen[1], src.id)
    notify_keyspace_event(NOTIFY_GENERIC, b"move_to", c.argv[1], c.argvlen[1], dst.id)
    add_reply_int(c, 1)

cdef void cmd_copy(ClientBase c) noexcept:
    cdef fc_db *src = c.db
    cdef fc_db *dst = c.db
    cdef int dbid
    cdef bint replace = False
    cdef int j = 3
    cdef fc_entry *e
    cdef fc_entry *n
    cdef long long expire
    cdef bint delete = False
    while j < c.argc:
        if arg_is(c, j, "replace"):
            replace = True
        elif arg_is(c, j, "db") and c.argc - j - 1 >= 1:
            if not arg_int_or_reply(c, j + 1, &dbid, NULL):
                return
            if dbid < 0 or dbid >= ndbs:
                add_reply_error(c, E_DBINDEX)
                return
            dst = &dbs[dbid]
            j += 1
        else:
            add_reply_error(c, E_SYNTAX)
            return
        j += 1
    if src == dst and c.argvlen[1] == c.argvlen[2] and memcmp(c.argv[1], c.argv[2], c.argvlen[1]) == 0:
        add_reply_error(c, E_SAMEOBJ)
        return
    e = lookup_read(c, c.argv[1], c.argvlen[1])
    if e == NULL:
        add_reply_int(c, 0)
        return
    expire = db_get_expire(src, e)
    if db_lookup_slot(dst, c.argv[2], c.argvlen[2]) != NULL:
        if not replace:
            add_reply_int(c, 0)
            return
        delete = True
    if e.type != OBJ_STRING and type_dup[e.type] == NULL:
        add_reply_error(c, E_UNKNOWN_TYPE)
        return
    # Duplicate before deleting the target: the entries are distinct (same-key,
    # same-db was refused above) so `e` survives the delete.
    n = entry_dup(e, c.argv[2], c.argvlen[2])
    if delete:
        db_delete(dst, c.argv[2], c.argvlen[2])
    db_add(dst, n)
    if expire != -1:
        db_set_expire(dst, n, expire)
    srv.dirty += 1
    key_modified(dst, NOTIFY_GENERIC, b"copy_to", c.argv[2], c.argvlen[2])
    add_reply_int(c, 1)

cdef void cmd_swapdb(ClientBase c) noexcept:
    cdef int id1, id2
    if not arg_int_or_reply(c, 1, &id1, E_SWAPDB_FIRST):
        return
    if not arg_int_or_reply(c, 2, &id2, E_SWAPDB_SECOND):
        return
    if id1 < 0 or id1 >= ndbs or id2 < 0 or id2 >= ndbs:
        add_reply_error(c, E_DBINDEX)
        return
    # Clients hold pointers to dbs[i], so swapping the contents makes every client
    # of db i see db j's data at once, as Redis's swap does.
    if id1 != id2:
        # multi.pxi: WATCHed keys of either db are touched when they exist on
        # either side of the swap; before swapping, as dbSwapDatabases does
        touch_all_watched_keys_in_db(&dbs[id1], &dbs[id2])
        touch_all_watched_keys_in_db(&dbs[id2], &dbs[id1])
        db_swap(&dbs[id1], &dbs[id2])
    srv.dirty += 1
    add_reply_ok(c)

# ---- EXPIRE family ---------------------------------------------------------------

cdef enum:
    EXPIRE_NX = 1 << 0
    EXPIRE_XX = 1 << 1
    EXPIRE_GT = 1 << 2
    EXPIRE_LT = 1 << 3

cdef void expire_generic(ClientBase c, long long basetime, int unit) noexcept:
    """expireGenericCommand: EXPIRE/PEXPIRE (basetime now) and EXPIREAT/PEXPIREAT
    (basetime 0).  Options are parsed before the time argument (Redis's order), a
    negative time is allowed (the key is deleted), only overflow is an error."""
    cdef int flags = 0
    cdef int j
    cdef long long when, cur
    cdef fc_entry **slot
    cdef fc_entry *e
    for j in range(3, c.argc):
        if arg_is(c, j, "nx"):
            flags |= EXPIRE_NX
        elif arg_is(c, j, "xx"):
            flags |= EXPIRE_XX
        elif arg_is(c, j, "gt"):
            flags |= EXPIRE_GT
        elif arg_is(c, j, "lt"):
            flags |= EXPIRE_LT
        else:
            add_reply_error_py(c, b"ERR Unsupported option "
                               + PyBytes_FromStringAndSize(c.argv[j], cstr_len(c.argv[j], c.argvlen[j])))
            return
    if (flags & EXPIRE_NX) and (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)):
        add_reply_error(c, E_EXPIRE_NX_COMPAT)
        return
    if (flags & EXPIRE_GT) and (flags & EXPIRE_LT):
        add_reply_error(c, E_EXPIRE_GT_LT)
        return
    if not arg_ll(c, 2, &when):
        return
    if unit == UNIT_SECONDS:
        if when > LLONG_MAX // 1000 or when < LLONG_MIN // 1000:
            reply_invalid_expire(c)
            return
        when *= 1000
    if when > LLONG_MAX - basetime:
        reply_invalid_expire(c)
        return
    when += basetime
    slot = lookup_write(c, c.argv[1], c.argvlen[1])
    if slot == NULL:
        add_reply_int(c, 0)
        return
    e = slot[0]
    if flags:
        cur = db_get_expire(c.db, e)
        # GT/LT compare against the current TTL with "no TTL" meaning infinite:
        # GT never beats it, LT always does.
        if ((flags & EXPIRE_NX) and cur != -1) or ((flags & EXPIRE_XX) and cur == -1) \
                or ((flags & EXPIRE_GT) and (cur == -1 or when <= cur)) \
                or ((flags & EXPIRE_LT) and cur != -1 and when >= cur):
            add_reply_int(c, 0)
            return
    if when <= srv.mstime:
        # checkAlreadyExpired: a time in the past deletes the key now (propagated
        # as DEL by Redis) and still replies 1.
        if prop_on:
            prop_rewrite_del(c, 1)
        db_delete(c.db, c.argv[1], c.argvlen[1])
        arg_modified(c, NOTIFY_GENERIC, b"del", 1)     # "del", not "expired"
    else:
        db_set_expire(c.db, e, when)
        # propagate.pxi: relative and second-based forms become PEXPIREAT key
        # abs-ms, options kept as typed; PEXPIREAT itself goes verbatim
        if prop_on and (basetime != 0 or unit == UNIT_SECONDS):
            prop_rewrite_key_ll(c, b"PEXPIREAT", 1, when, True, 3)
        srv.dirty += 1
        # Redis replies before the "expire" event here (and after "del" above):
        # the order a RESP3 client subscribed to its own events sees
        add_reply_int(c, 1)
        arg_modified(c, NOTIFY_GENERIC, b"expire", 1)
        return
    srv.dirty += 1
    add_reply_int(c, 1)

cdef void cmd_expire(ClientBase c) noexcept:
    expire_generic(c, srv.mstime, UNIT_SECONDS)

cdef void cmd_pexpire(ClientBase c) noexcept:
    expire_generic(c, srv.mstime, UNIT_MILLISECONDS)

cdef void cmd_expireat(ClientBase c) noexcept:
    expire_generic(c, 0, UNIT_SECONDS)

cdef void cmd_pexpireat(ClientBase c) noexcept:
    expire_generic(c, 0, UNIT_MILLISECONDS)

cdef void ttl_generic(ClientBase c, bint output_ms, bint output_abs) noexcept:
    """ttlGenericCommand: -2 no key, -1 no TTL; seconds are rounded to nearest
    ((ms + 500) / 1000), also for EXPIRETIME, as Redis does."""
    cdef fc_entry *e = lookup_read_notouch(c, c.argv[1], c.argvlen[1])
    cdef long long expire, ttl
    if e == NULL:
        add_reply_int(c, -2)
        return
    expire = db_get_expire(c.db, e)
    if expire == -1:
        add_reply_int(c, -1)
        return
    ttl = expire if output_abs else expire - srv.mstime
    if ttl < 0:
        ttl = 0
    # ttl >= 0 here; unsigned arithmetic keeps (ttl + 500) from overflowing near
    # LLONG_MAX (Redis's reply there is the mathematically rounded value).
    add_reply_int(c, ttl if output_ms else <long long>((<unsigned long long>ttl + 500) // 1000))

cdef void cmd_ttl(ClientBase c) noexcept:
    ttl_generic(c, False, False)

cdef void cmd_pttl(ClientBase c) noexcept:
    ttl_generic(c, True, False)

cdef void cmd_expiretime(ClientBase c) noexcept:
    ttl_generic(c, False, True)

cdef void cmd_pexpiretime(ClientBase c) noexcept:
    ttl_generic(c, True, True)

cdef void cmd_persist(ClientBase c) noexcept:
    cdef fc_entry **slot = lookup_write(c, c.argv[1], c.argvlen[1])
    if slot != NULL and db_remove_expire(c.db, slot[0]):
        srv.dirty += 1
        arg_modified(c, NOTIFY_GENERIC, b"persist", 1)
        add_reply_int(c, 1)
    else:
        add_reply_int(c, 0)

# ---- OBJECT ----------------------------------------------------------------------

cdef void cmd_object_help(ClientBase c) noexcept:
    # addReplyHelp: the header names the command as the client typed it, uppercased.
    add_reply_help(c, argv_bytes(c, 0), [
        b"ENCODING <key>",
        b"    Return the kind of internal representation used in order to store the value",
        b"    associated with a <key>.",
        b"FREQ <key>",
        b"    Return the access frequency index of the <key>. The returned integer is",
        b"    proportional to the logarithm of the recent access frequency of the key.",
        b"IDLETIME <key>",
        b"    Return the idle time of the <key>, that is the approximated number of",
        b"    seconds elapsed since the last access to the key.",
        b"REFCOUNT <key>",
        b"    Return the number of references of the value associated with the specified",
        b"    <key>.",
    ])

cdef inline fc_entry *object_lookup(ClientBase c) noexcept:
    """objectCommandLookupOrReply: NOTOUCH|NONOTIFY lookup; a missing key replies null."""
    cdef fc_entry *e = lookup_read_notouch(c, c.argv[2], c.argvlen[2], False)
    if e == NULL:
        add_reply_null(c)
    return e

cdef void cmd_object_encoding(ClientBase c) noexcept:
    cdef fc_entry *e = object_lookup(c)
    if e != NULL:
        add_reply_bulk_cstr(c, encoding_name(e.enc))

cdef void cmd_object_refcount(ClientBase c) noexcept:
    # Redis shares the integer objects 0..9999 (refcount INT_MAX) unless maxmemory
    # is set with an LRU/LFU policy (which needs per-key access bits).  We store no
    # shared objects; the reply follows the rule that created the value.  (Redis's
    # COPY of a small integer makes an unshared object with refcount 1; we report
    # the shared value for it.)
    cdef fc_entry *e = object_lookup(c)
    cdef long long v
    if e == NULL:
        return
    if (e.type == OBJ_STRING and e.enc == ENC_INT
            and (srv.maxmemory == 0 or not (srv.maxmemory_policy & MAXMEMORY_FLAG_NO_SHARED_INTEGERS))):
        v = entry_int(e)
        if 0 <= v < OBJ_SHARED_INTEGERS:
            add_reply_int(c, OBJ_SHARED_REFCOUNT)
            return
    add_reply_int(c, 1)

cdef void cmd_object_idletime(ClientBase c) noexcept:
    # The key is looked up first: a missing key is a null even under an LFU policy.
    cdef fc_entry *e = object_lookup(c)
    cdef unsigned long long idle
    if e == NULL:
        return
    if srv.maxmemory_policy & MAXMEMORY_FLAG_LFU:
        add_reply_error(c, E_LFU_SELECTED)
        return
    # estimateObjectIdleTime: the 24-bit LRU clock wraps around.
    if srv.lruclock >= e.lru:
        idle = <unsigned long long>(srv.lruclock - e.lru) * LRU_CLOCK_RESOLUTION
    else:
        idle = <unsigned long long>(srv.lruclock + (LRU_CLOCK_MAX - e.lru)) * LRU_CLOCK_RESOLUTION
    add_reply_int(c, <long long>(idle // 1000))

cdef void cmd_object_freq(ClientBase c) noexcept:
    # Under an LFU policy the entry's lru field holds Redis's layout: 16 bits of
    # minutes of the last decrement, 8 bits of logarithmic counter.  Reading the
    # counter applies the pending decay (LFUDecrAndReturn, lfu-decay-time 1).
    cdef fc_entry *e = object_lookup(c)
    cdef unsigned long counter
    if e == NULL:
        return
    if not (srv.maxmemory_policy & MAXMEMORY_FLAG_LFU):
        add_reply_error(c, E_LFU_NOT_SELECTED)
        return
    # evict.pxi: LFUDecrAndReturn with the configured lfu-decay-time
    counter = lfu_decr_and_return(e.lru)
    add_reply_int(c, <long long>counter)
