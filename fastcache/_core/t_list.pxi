# t_list.pxi — the list type's commands (Redis t_list.c), non-blocking ones.
#
# Design note.  A list key is an fc_entry with type OBJ_LIST, encoding
# ENC_QUICKLIST (the only list encoding Redis 7.0 reports) and a pointer payload
# to a `quicklist` (quicklist.pxi).  The entry owns the quicklist: type_free,
# type_dup and type_mem below make DEL/UNLINK/COPY/MEMORY USAGE work through
# object.pxi.  A list is never empty: a command that removes the last element
# deletes the key (as Redis does).  Every command parses all of its arguments
# before the lookup where Redis does so, and in Redis's order otherwise (LINDEX
# and LSET look the key up before parsing the index, so a missing key wins over
# a bad index); the success paths create no Python object.

cdef inline quicklist *list_ql(fc_entry *e) noexcept nogil:
    return <quicklist *>entry_ptr(e)

cdef void list_free_value(fc_entry *e) noexcept nogil:
    ql_free(list_ql(e))

cdef fc_entry *list_dup_value(fc_entry *e, const char *key, size_t klen) noexcept nogil:
    cdef fc_entry *n = entry_alloc(key, klen, sizeof(void *))
    n.type = OBJ_LIST
    n.enc = ENC_QUICKLIST
    entry_set_ptr(n, ql_dup(list_ql(e)))
    return n

cdef size_t list_mem_value(fc_entry *e, long long samples) noexcept nogil:
    return ql_mem(list_ql(e), samples)

type_free[OBJ_LIST] = list_free_value
type_dup[OBJ_LIST] = list_dup_value
type_mem[OBJ_LIST] = list_mem_value

cdef fc_entry *list_create(ClientBase c, const char *key, size_t klen) noexcept:
    """A new empty list under key (known to be absent), added to the db; the
    caller pushes at least one element before replying."""
    cdef fc_entry *e = entry_alloc(key, klen, sizeof(void *))
    e.type = OBJ_LIST
    e.enc = ENC_QUICKLIST
    entry_set_ptr(e, ql_new(srv.list_max_listpack_size, srv.list_compress_depth))
    db_add(c.db, e)
    return e

cdef inline void list_reply_elem(ClientBase c, unsigned char *p) noexcept:
    """Bulk reply of the listpack element at p (integers are sent as text)."""
    cdef uint32_t n
    cdef long long v
    cdef unsigned char *s = fc_lp_get_value(p, &n, &v)
    if s != NULL:
        add_reply_bulk(c, <const char *>s, n)
    else:
        add_reply_bulk_ll(c, v)

cdef inline bint arg_where(ClientBase c, int i, bint *tail) noexcept:
    """LEFT/RIGHT (getListPositionFromObjectOrReply, strcasecmp semantics);
    replies a syntax error when neither."""
    if arg_is(c, i, "left"):
        tail[0] = False
        return True
    if arg_is(c, i, "right"):
        tail[0] = True
        return True
    add_reply_error(c, E_SYNTAX)
    return False

# ---- push ---------------------------------------------------------------------------------

cdef void push_generic(ClientBase c, bint tail, bint xx) noexcept:
    """LPUSH/RPUSH (xx=False) and LPUSHX/RPUSHX (xx=True): reply the new length."""
    cdef fc_entry **slot = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef fc_entry *e
    cdef quicklist *ql
    cdef int j
    if slot != NULL:
        e = slot[0]
        if e.type != OBJ_LIST:
            add_reply_error(c, E_WRONGTYPE)
            return
    elif xx:
        add_reply_int(c, 0)
        return
    else:
        e = list_create(c, c.argv[1], c.argvlen[1])
    ql = list_ql(e)
    if tail:
        for j in range(2, c.argc):
            ql_push_tail(ql, c.argv[j], c.argvlen[j])
    else:
        for j in range(2, c.argc):
            ql_push_head(ql, c.argv[j], c.argvlen[j])
    add_reply_int(c, <long long>ql.count)
    srv.dirty += c.argc - 2
    arg_modified(c, NOTIFY_LIST, b"rpush" if tail else b"lpush", 1)     # the X forms too

cdef void cmd_lpush(ClientBase c) noexcept:
    push_generic(c, False, False)

cdef void cmd_rpush(ClientBase c) noexcept:
    push_generic(c, True, False)

cdef void cmd_lpushx(ClientBase c) noexcept:
    push_generic(c, False, True)

cdef void cmd_rpushx(ClientBase c) noexcept:
    push_generic(c, True, True)

# ---- pop ----------------------------------------------------------------------------------

cdef inline void list_pop_reply(ClientBase c, quicklist *ql, bint tail) noexcept:
    """Reply the first/last element as a bulk and remove it (the list is not empty)."""
    cdef ql_node *n
    cdef unsigned char *p = ql_end_entry(ql, tail, &n)
    list_reply_elem(c, p)
    ql_del_entry(ql, n, p)

cdef void list_pop_range_reply(ClientBase c, quicklist *ql, bint tail, long long count) noexcept:
    """Reply an array of up to count elements popped from one end."""
    cdef long long k = count if count < <long long>ql.count else <long long>ql.count
    cdef long long i
    add_reply_array_len(c, k)
    for i in range(k):
        list_pop_reply(c, ql, tail)

cdef void list_popped(ClientBase c, int keyidx, bint tail, quicklist *ql) noexcept:
    """After a pop from the list at argv[keyidx]: "lpop"/"rpop", then delete
    the key and "del" if it went empty (popGenericCommand, LMPOP, served
    blocking pops)."""
    arg_modified(c, NOTIFY_LIST, b"rpop" if tail else b"lpop", keyidx)
    if ql.count == 0:
        db_delete(c.db, c.argv[keyidx], c.argvlen[keyidx])
        arg_event(c, NOTIFY_GENERIC, b"del", keyidx)

cdef void pop_generic(ClientBase c, bint tail) noexcept:
    """LPOP/RPOP key [count] (popGenericCommand)."""
    cdef bint hascount = c.argc == 3
    cdef long long count = 0
    cdef fc_entry **slot
    cdef fc_entry *e
    cdef quicklist *ql
    cdef long long before
    if c.argc > 3:
        add_reply_error_arity(c, <bytes>c.cur_cmd.name)
        return
    if hascount:
        # getPositiveLongFromObjectOrReply with a message: the same text whether
        # the count is not a number or negative
        if not fc_string2ll(c.argv[2], c.argvlen[2], &count) or count < 0:
            add_reply_error(c, E_NOTINT_POSITIVE)
            return
    slot = lookup_write(c, c.argv[1], c.argvlen[1])
    if slot == NULL:
        if hascount:
            add_reply_null_array(c)
        else:
            add_reply_null(c)
        return
    e = slot[0]
    if e.type != OBJ_LIST:
        add_reply_error(c, E_WRONGTYPE)
        return
    if hascount and count == 0:
        # Redis's fast exit: an empty array (not a null) in both protocols
        add_reply_raw(c, b"*0\r\n", 4)
        return
    ql = list_ql(e)
    before = <long long>ql.count
    if hascount:
        list_pop_range_reply(c, ql, tail, count)
    else:
        list_pop_reply(c, ql, tail)
    srv.dirty += before - <long long>ql.count
    list_popped(c, 1, tail, ql)

cdef void cmd_lpop(ClientBase c) noexcept:
    pop_generic(c, False)

cdef void cmd_rpop(ClientBase c) noexcept:
    pop_generic(c, True)

# ---- LLEN / LINDEX / LSET -----------------------------------------------------------------

cdef fc_entry *list_lookup_read(ClientBase c, int i, bint *wrongtype) noexcept:
    """lookupKeyRead + checkType: the list entry, or NULL (wrongtype set after
    replying WRONGTYPE)."""
    cdef fc_entry *e = lookup_read(c, c.argv[i], c.argvlen[i])
    wrongtype[0] = False
    if e != NULL and e.type != OBJ_LIST:
        add_reply_error(c, E_WRONGTYPE)
        wrongtype[0] = True
        return NULL
    return e

cdef fc_entry *list_lookup_write(ClientBase c, int i, bint *wrongtype) noexcept:
    cdef fc_entry **slot = lookup_write(c, c.argv[i], c.argvlen[i])
    wrongtype[0] = False
    if slot == NULL:
        return NULL
    if slot[0].type != OBJ_LIST:
        add_reply_error(c, E_WRONGTYPE)
        wrongtype[0] = True
        return NULL
    return slot[0]

cdef void cmd_llen(ClientBase c) noexcept:
    cdef bint wt
    cdef fc_entry *e = list_lookup_read(c, 1, &wt)
    if wt:
        return
    add_reply_int(c, 0 if e == NULL else <long long>list_ql(e).count)

cdef void cmd_lindex(ClientBase c) noexcept:
    cdef bint wt
    cdef long long index
    cdef ql_node *n
    cdef unsigned char *p
    cdef fc_entry *e = list_lookup_read(c, 1, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_null(c)
        return
    if not arg_ll(c, 2, &index):
        return
    p = ql_index(list_ql(e), index, &n)
    if p == NULL:
        add_reply_null(c)
        return
    list_reply_elem(c, p)
    ql_node_done(n)

cdef void cmd_lset(ClientBase c) noexcept:
    cdef bint wt
    cdef long long index
    cdef ql_node *n
    cdef unsigned char *p
    cdef quicklist *ql
    cdef fc_entry *e = list_lookup_write(c, 1, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_error(c, E_NOSUCHKEY)
        return
    if not arg_ll(c, 2, &index):
        return
    ql = list_ql(e)
    p = ql_index(ql, index, &n)
    if p == NULL:
        add_reply_error(c, E_LIST_INDEX_RANGE)
        return
    # replaced in place, as Redis 7.0 does for non-plain nodes (the node may
    # outgrow its fill limit; later pushes open new nodes)
    n.lp = fc_lp_replace(n.lp, &p, <const unsigned char *>c.argv[3], <uint32_t>c.argvlen[3])
    ql_node_update_sz(n)
    ql_compress(ql, n)
    add_reply_ok(c)
    srv.dirty += 1
    arg_modified(c, NOTIFY_LIST, b"lset", 1)

# ---- LINSERT ------------------------------------------------------------------------------

cdef void cmd_linsert(ClientBase c) noexcept:
    """LINSERT key BEFORE|AFTER pivot element: new length, -1 without the pivot,
    0 without the key."""
    cdef bint after
    cdef bint wt
    cdef fc_entry *e
    cdef quicklist *ql
    cdef ql_node *n
    cdef unsigned char *p
    if arg_is(c, 2, "after"):
        after = True
    elif arg_is(c, 2, "before"):
        after = False
    else:
        add_reply_error(c, E_SYNTAX)
        return
    e = list_lookup_write(c, 1, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_int(c, 0)
        return
    ql = list_ql(e)
    n = ql.head
    while n != NULL:
        ql_node_use(n)
        p = fc_lp_first(n.lp)
        while p != NULL:
            if fc_lp_compare(p, <const unsigned char *>c.argv[3], <uint32_t>c.argvlen[3]):
                ql_insert(ql, n, p, after, c.argv[4], c.argvlen[4])
                arg_modified(c, NOTIFY_LIST, b"linsert", 1)     # before the reply, as Redis
                add_reply_int(c, <long long>ql.count)
                srv.dirty += 1
                return
            p = fc_lp_next(n.lp, p)
        ql_node_done(n)
        n = n.next
    add_reply_int(c, -1)

# ---- LRANGE / LTRIM -----------------------------------------------------------------------

cdef void list_range_reply(ClientBase c, quicklist *ql, long long start, long long end) noexcept:
    """addListRangeReply: Redis's index normalisation, then the elements."""
    cdef long long llen = <long long>ql.count
    cdef long long rangelen
    cdef ql_node *n
    cdef unsigned char *p
    if start < 0:
        start = llen + start
    if end < 0:
        end = llen + end
    if start < 0:
        start = 0
    if start > end or start >= llen:
        add_reply_raw(c, b"*0\r\n", 4)
        return
    if end >= llen:
        end = llen - 1
    rangelen = end - start + 1
    add_reply_array_len(c, rangelen)
    p = ql_index(ql, start, &n)
    while True:
        list_reply_elem(c, p)
        rangelen -= 1
        if rangelen == 0:
            break
        p = fc_lp_next(n.lp, p)
        if p == NULL:
            ql_node_done(n)
            n = n.next
            ql_node_use(n)
            p = fc_lp_first(n.lp)
    ql_node_done(n)

cdef void cmd_lrange(ClientBase c) noexcept:
    cdef long long start
    cdef long long end
    cdef bint wt
    cdef fc_entry *e
    if not arg_ll(c, 2, &start) or not arg_ll(c, 3, &end):
        return
    e = list_lookup_read(c, 1, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_raw(c, b"*0\r\n", 4)
        return
    list_range_reply(c, list_ql(e), start, end)

cdef void cmd_ltrim(ClientBase c) noexcept:
    cdef long long start
    cdef long long end
    cdef long long llen
    cdef long long ltrim
    cdef long long rtrim
    cdef bint wt
    cdef fc_entry *e
    cdef quicklist *ql
    if not arg_ll(c, 2, &start) or not arg_ll(c, 3, &end):
        return
    e = list_lookup_write(c, 1, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_ok(c)
        return
    ql = list_ql(e)
    llen = <long long>ql.count
    if start < 0:
        start = llen + start
    if end < 0:
        end = llen + end
    if start < 0:
        start = 0
    if start > end or start >= llen:
        ltrim = llen          # everything goes
        rtrim = 0
    else:
        if end >= llen:
            end = llen - 1
        ltrim = start
        rtrim = llen - end - 1
    ql_del_range(ql, 0, <unsigned long long>ltrim)
    ql_del_range(ql, -rtrim, <unsigned long long>rtrim)
    srv.dirty += ltrim + rtrim
    # "ltrim" even when nothing was trimmed (ltrimCommand), then "del" if empty
    arg_event(c, NOTIFY_LIST, b"ltrim", 1)
    if ql.count == 0:
        db_delete(c.db, c.argv[1], c.argvlen[1])
        arg_event(c, NOTIFY_GENERIC, b"del", 1)
    signal_modified_key(c.db, c.argv[1], c.argvlen[1])
    add_reply_ok(c)

# ---- LREM ---------------------------------------------------------------------------------

cdef void cmd_lrem(ClientBase c) noexcept:
    """LREM key count element: count > 0 from the head, < 0 from the tail, 0 all."""
    cdef long long count
    cdef long long removed = 0
    cdef bint wt
    cdef bint fromtail
    cdef unsigned long long limit
    cdef fc_entry *e
    cdef quicklist *ql
    cdef ql_node *n
    cdef ql_node *nx
    cdef unsigned char *p
    cdef unsigned char *q
    cdef long long off
    cdef const unsigned char *s = <const unsigned char *>c.argv[3]
    cdef uint32_t slen = <uint32_t>c.argvlen[3]
    if not arg_ll(c, 2, &count):
        return
    e = list_lookup_write(c, 1, &wt)
    if wt:
        return
    if e == NULL:
        add_reply_int(c, 0)
        return
    ql = list_ql(e)
    fromtail = count < 0
    # |LLONG_MIN| does not fit: any count beyond the length means "all" anyway
    limit = 0 if count == 0 else (<unsigned long long>(-(count + 1)) + 1 if fromtail else <unsigned long long>count)
    n = ql.tail if fromtail else ql.head
    while n != NULL and (limit == 0 or <unsigned long long>removed < limit):
        nx = n.prev if fromtail else n.next
        ql_node_use(n)
        if not fromtail:
            p = fc_lp_first(n.lp)
            while p != NULL and (limit == 0 or <unsigned long long>removed < limit):
                if fc_lp_compare(p, s, slen):
                    n.lp = fc_lp_delete(n.lp, p, &p)
                    n.count -= 1
                    ql.count -= 1
                    removed += 1
                else:
                    p = fc_lp_next(n.lp, p)
        else:
            p = fc_lp_last(n.lp)
            while p != NULL and (limit == 0 or <unsigned long long>removed < limit):
                q = fc_lp_prev(n.lp, p)
                off = (q - n.lp) if q != NULL else -1
                if fc_lp_compare(p, s, slen):
                    # bytes before p do not move when p is deleted
                    n.lp = fc_lp_delete(n.lp, p, NULL)
                    n.count -= 1
                    ql.count -= 1
                    removed += 1
                p = n.lp + off if off >= 0 else NULL
        if n.count == 0:
            ql_unlink_free(ql, n)
        else:
            ql_node_update_sz(n)
        n = nx
    if removed:
        srv.dirty += removed
        arg_modified(c, NOTIFY_LIST, b"lrem", 1)
        if ql.count == 0:
            db_delete(c.db, c.argv[1], c.argvlen[1])
            arg_event(c, NOTIFY_GENERIC, b"del", 1)
    # Redis 7.0 deletes entry by entry (quicklistDelEntry) and never merges the
    # thinned nodes: node boundaries -- DUMP/RDB bytes -- stay as they were
    if ql.count:
        ql_recompress_inner(ql)
    add_reply_int(c, removed)

# ---- LPOS ---------------------------------------------------------------------------------

cdef void cmd_lpos(ClientBase c) noexcept:
    """LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]."""
    cdef long long rank = 1
    cdef long long count = -1
    cdef long long maxlen = 0
    cdef bint fromtail = False
    cdef bint unbounded_rank = False
    cdef bint wt
    cdef int j
    cdef fc_entry *e
    cdef quicklist *ql
    cdef ql_node *n
    cdef unsigned char *p
    cdef long long llen
    cdef long long index = 0
    cdef long long matches = 0
    cdef long long pos
    cdef long long *found = NULL
    cdef long long nfound = 0
    cdef long long cap = 0
    cdef bint done = False
    cdef const unsigned char *s = <const unsigned char *>c.argv[2]
    cdef uint32_t slen = <uint32_t>c.argvlen[2]
    j = 3
    while j < c.argc:
        if arg_is(c, j, "rank") and j + 1 < c.argc:
            j += 1
            if not arg_ll(c, j, &rank):
                return
            if rank == 0:
                add_reply_error(c, E_LPOS_RANK_ZERO)
                return
        elif arg_is(c, j, "count") and j + 1 < c.argc:
            j += 1
            if not fc_string2ll(c.argv[j], c.argvlen[j], &count) or count < 0:
                add_reply_error(c, E_LPOS_COUNT_NEG)
                return
        elif arg_is(c, j, "maxlen") and j + 1 < c.argc:
            j += 1
            if not fc_string2ll(c.argv[j], c.argvlen[j], &maxlen) or maxlen < 0:
                add_reply_error(c, E_LPOS_MAXLEN_NEG)
                return
        else:
            add_reply_error(c, E_SYNTAX)
            return
        j += 1
    if rank < 0:
        fromtail = True
        if rank == LLONG_MIN:
            # the reference negates LONG_MIN (still negative): every match then
            # satisfies the rank and a COUNT never stops the scan
            unbounded_rank = True
        else:
            rank = -rank
    e = list_lookup_read(c, 1, &wt)
    if wt:
        return
    if e == NULL:
        if count != -1:
            add_reply_raw(c, b"*0\r\n", 4)
        else:
            add_reply_null(c)
        return
    ql = list_ql(e)
    llen = <long long>ql.count
    n = ql.tail if fromtail else ql.head
    while n != NULL and not done:
        ql_node_use(n)
        p = fc_lp_last(n.lp) if fromtail else fc_lp_first(n.lp)
        while p != NULL:
            if maxlen != 0 and index >= maxlen:
                done = True
                break
            if fc_lp_compare(p, s, slen):
                matches += 1
                if unbounded_rank or matches >= rank:
                    pos = llen - index - 1 if fromtail else index
                    if nfound == cap:
                        cap = cap * 2 if cap else 16
                        found = <long long *>fc_realloc(found, cap * sizeof(long long))
                    found[nfound] = pos
                    nfound += 1
                    if count == -1 or (count != 0 and not unbounded_rank and matches - rank + 1 >= count):
                        done = True
                        break
            index += 1
            p = fc_lp_prev(n.lp, p) if fromtail else fc_lp_next(n.lp, p)
        ql_node_done(n)
        n = n.prev if fromtail else n.next
    if count != -1:
        add_reply_array_len(c, nfound)
        for j in range(nfound):
            add_reply_int(c, found[j])
    elif nfound:
        add_reply_int(c, found[0])
    else:
        add_reply_null(c)
    if found != NULL:
        fc_free(found)

# ---- LMOVE / RPOPLPUSH --------------------------------------------------------------------

cdef void lmove_generic(ClientBase c, bint src_tail, bint dst_tail) noexcept:
    """lmoveGenericCommand: pop from argv[1], push to argv[2], reply the element."""
    cdef bint wt
    cdef fc_entry *src
    cdef fc_entry *dst
    cdef ql_node *n
    cdef unsigned char *p
    cdef unsigned char ibuf[QL_INTBUF_SIZE]
    cdef char small[128]
    cdef char *val
    cdef uint32_t vlen
    cdef unsigned char *v
    src = list_lookup_write(c, 1, &wt)
    if wt:
        return
    if src == NULL:
        add_reply_null(c)
        return
    dst = list_lookup_write(c, 2, &wt)
    if wt:
        return
    # copy the element out before it is deleted (it may live in the node's blob)
    p = ql_end_entry(list_ql(src), src_tail, &n)
    v = fc_lp_get_str(p, &vlen, ibuf)
    if vlen <= sizeof(small):
        val = &small[0]
    else:
        val = <char *>fc_malloc(vlen)
    memcpy(val, v, vlen)
    ql_del_entry(list_ql(src), n, p)
    if dst == NULL:
        dst = list_create(c, c.argv[2], c.argvlen[2])
    ql_push(list_ql(dst), val, vlen, dst_tail)
    # lmoveGenericCommand's order: the push event on the destination, then the
    # pop event on the source (and "del" if it went empty)
    arg_modified(c, NOTIFY_LIST, b"rpush" if dst_tail else b"lpush", 2)
    add_reply_bulk(c, val, vlen)
    if val != &small[0]:
        fc_free(val)
    # src == dst keeps its length, so only a different source can be emptied
    list_popped(c, 1, src_tail, list_ql(src))
    srv.dirty += 1

cdef void cmd_lmove(ClientBase c) noexcept:
    cdef bint src_tail
    cdef bint dst_tail
    if not arg_where(c, 3, &src_tail) or not arg_where(c, 4, &dst_tail):
        return
    lmove_generic(c, src_tail, dst_tail)

cdef void cmd_rpoplpush(ClientBase c) noexcept:
    lmove_generic(c, True, False)

# ---- LMPOP --------------------------------------------------------------------------------

cdef void cmd_lmpop(ClientBase c) noexcept:
    """LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: [key, [elements]] from
    the first non-empty list, or a null array."""
    cdef long long numkeys
    cdef long long count = -1
    cdef long long where_idx
    cdef bint tail
    cdef bint wt
    cdef int j
    cdef fc_entry *e
    cdef quicklist *ql
    cdef long long before
    if not fc_string2ll(c.argv[1], c.argvlen[1], &numkeys) or numkeys < 1:
        add_reply_error(c, E_NUMKEYS_POSITIVE)
        return
    if numkeys > c.argc:
        add_reply_error(c, E_SYNTAX)
        return
    where_idx = numkeys + 2
    if where_idx >= c.argc:
        add_reply_error(c, E_SYNTAX)
        return
    if not arg_where(c, <int>where_idx, &tail):
        return
    j = <int>where_idx + 1
    while j < c.argc:
        if count == -1 and arg_is(c, j, "count") and j + 1 < c.argc:
            j += 1
            if not fc_string2ll(c.argv[j], c.argvlen[j], &count) or count < 1:
                add_reply_error(c, E_COUNT_POSITIVE)
                return
        else:
            add_reply_error(c, E_SYNTAX)
            return
        j += 1
    if count == -1:
        count = 1
    for j in range(2, <int>where_idx):
        e = list_lookup_write(c, j, &wt)
        if wt:
            return
        if e == NULL:
            continue
        ql = list_ql(e)
        before = <long long>ql.count
        add_reply_array_len(c, 2)
        add_reply_bulk(c, c.argv[j], c.argvlen[j])
        list_pop_range_reply(c, ql, tail, count)
        srv.dirty += before - <long long>ql.count
        # propagate.pxi: as LPOP|RPOP key <elements popped>
        if prop_on:
            prop_rewrite_key_ll(c, b"RPOP" if tail else b"LPOP", j, before - <long long>ql.count,
                                True, c.argc)
        list_popped(c, j, tail, ql)
        return
    add_reply_null_array(c)
