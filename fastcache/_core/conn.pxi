# conn.pxi — connection commands served by the core: PING, ECHO, SELECT, QUIT.

cdef void cmd_ping(ClientBase c) noexcept:
    if c.argc > 2:
        add_reply_error_arity(c, b"ping")
        return
    if FC_UNLIKELY(c.ps_flag) and c.resp == 2:
        # RESP2 subscribed mode (pubsub.pxi): a ["pong", arg or ""] array, so
        # clients reading only arrays there can parse it
        add_reply_array_len(c, 2)
        add_reply_bulk(c, b"pong", 4)
        if c.argc == 2:
            add_reply_bulk(c, c.argv[1], c.argvlen[1])
        else:
            add_reply_bulk(c, b"", 0)
        return
    if c.argc == 1:
        add_reply_raw(c, b"+PONG\r\n", 7)
    else:
        add_reply_bulk(c, c.argv[1], c.argvlen[1])

cdef void cmd_echo(ClientBase c) noexcept:
    add_reply_bulk(c, c.argv[1], c.argvlen[1])

cdef void cmd_select(ClientBase c) noexcept:
    cdef long long id
    # getIntFromObjectOrReply: a non-integer and an integer outside C int range
    # get different errors
    if not fc_string2ll(c.argv[1], c.argvlen[1], &id):
        add_reply_error(c, E_NOTINT)
        return
    if id < INT_MIN_ or id > INT_MAX:
        add_reply_error(c, b"-ERR value is out of range, value must between -2147483648 and 2147483647\r\n")
        return
    if id < 0 or id >= ndbs:
        add_reply_error(c, E_DBINDEX)
        return
    c.db = &dbs[id]
    add_reply_ok(c)

cdef enum:
    INT_MIN_ = -2147483648

cdef void cmd_quit(ClientBase c) noexcept:
    add_reply_ok(c)
    c.close_after_reply = True
