# resp.pxi — the request parser: RESP multibulk and inline commands, incremental.
#
# Design note.  The parser works in place on the client's query buffer and yields
# argv as (pointer, length) slices into it; nothing is copied and no Python object
# is made.  State survives across reads (remaining args, pending bulk length), so a
# command split over many reads is never re-scanned, and a big bulk (>= 32 KiB,
# PROTO_MBULK_BIG_ARG) makes get_buffer size the buffer to hold exactly the rest of
# it: a 100 MB argument is read with one buffer growth and no quadratic copying.
# Inline commands are unescaped (Redis's sdssplitargs rules) into a per-client
# scratch buffer; they are always complete when parsed, so they never need rebasing.
#
# Protocol errors reply with Redis's exact text and mark the client to be closed
# once that reply is written (CLIENT_CLOSE_AFTER_REPLY), leaving nothing half
# consumed.

cdef enum:
    PARSE_MORE = 0      # need more bytes
    PARSE_DONE = 1      # a command is in argv (argc may be 0: empty, skip it)
    PARSE_ERROR = 2     # protocol error replied; client closes after reply

cdef enum:
    REQ_NONE = 0
    REQ_MULTIBULK = 1
    REQ_INLINE = 2

cdef int proto_error(ClientBase c, const char *msg) noexcept:
    add_reply_error_py(c, b"ERR Protocol error: " + <bytes>msg)
    c.close_after_reply = True
    return PARSE_ERROR

cdef inline void argv_reserve(ClientBase c, int n) noexcept:
    if n > c.argv_cap:
        c.argv = <const char **>fc_realloc(c.argv, n * sizeof(char *))
        c.argvlen = <size_t *>fc_realloc(c.argvlen, n * sizeof(size_t))
        c.argv_cap = n

cdef int parse_multibulk(ClientBase c) noexcept:
    cdef char *base = c.qbuf
    cdef char *p
    cdef char *nl
    cdef char *end = c.qbuf + c.qlen
    cdef long long ll
    cdef char tmp[64]
    if c.multibulklen == 0:
        p = base + c.qpos
        nl = <char *>memchr(p, 13, end - p)
        if nl == NULL or nl + 1 >= end:
            if end - p > PROTO_INLINE_MAX_SIZE:
                return proto_error(c, b"too big mbulk count string")
            return PARSE_MORE
        if not fc_string2ll(p + 1, nl - (p + 1), &ll) or ll > INT_MAX:
            return proto_error(c, b"invalid multibulk length")
        if ll > 10 and srv.requirepass_set and not c.authenticated:
            return proto_error(c, b"unauthenticated multibulk length")
        c.qpos = (nl - base) + 2
        if ll <= 0:
            c.argc = 0
            return PARSE_DONE
        c.multibulklen = <int>ll
        # Like Redis, don't trust the count for preallocation beyond 1024 slots.
        argv_reserve(c, <int>ll if ll < 1024 else 1024)
        c.argc = 0
        c.bulklen = -1
    while c.multibulklen > 0:
        if c.bulklen == -1:
            p = base + c.qpos
            nl = <char *>memchr(p, 13, end - p)
            if nl == NULL or nl + 1 >= end:
                if end - p > PROTO_INLINE_MAX_SIZE:
                    return proto_error(c, b"too big bulk count string")
                return PARSE_MORE
            if p[0] != 36:  # '$'
                tmp[0] = p[0]
                return proto_error(c, b"expected '$', got '" + PyBytes_FromStringAndSize(tmp, 1) + b"'")
            if (not fc_string2ll(p + 1, nl - (p + 1), &ll) or ll < 0
                    or (not c.is_master and ll > srv.proto_max_bulk_len)):
                return proto_error(c, b"invalid bulk length")
            if ll > 16384 and srv.requirepass_set and not c.authenticated:
                return proto_error(c, b"unauthenticated bulk length")
            c.qpos = (nl - base) + 2
            c.bulklen = ll
        if <long long>(c.qlen - c.qpos) < c.bulklen + 2:
            return PARSE_MORE
        if c.argc >= c.argv_cap:
            argv_reserve(c, c.argv_cap * 2 if c.argv_cap else 8)
        c.argv[c.argc] = base + c.qpos
        c.argvlen[c.argc] = <size_t>c.bulklen
        c.argc += 1
        c.qpos += <size_t>c.bulklen + 2
        c.bulklen = -1
        c.multibulklen -= 1
    return PARSE_DONE

cdef inline bint is_space(char ch) noexcept nogil:
    return ch == 32 or ch == 9 or ch == 10 or ch == 11 or ch == 12 or ch == 13

cdef inline int hex_val(char ch) noexcept nogil:
    if 48 <= ch <= 57: return ch - 48
    if 97 <= ch <= 102: return ch - 87
    if 65 <= ch <= 70: return ch - 55
    return -1

cdef struct split_out:
    char *buf          # the tokens' bytes, back to back (capacity >= n + 1)
    size_t *lens       # token lengths (fc_realloc'ed as tokens come)
    int count
    int cap

cdef int sds_split(const char *line, size_t n, split_out *o) noexcept:
    """Redis's sdssplitargs over line[:n]: tokens go back to back into o.buf,
    their lengths into o.lens.  Returns the token count, or -1 on unbalanced
    quotes (or a closing quote not followed by a space)."""
    cdef const char *p = line
    cdef const char *end = line + n
    cdef char *out = o.buf
    cdef char *start
    cdef int inq, done
    o.count = 0
    while True:
        while p < end and is_space(p[0]):
            p += 1
        if p >= end:
            return o.count
        start = out
        inq = 0
        done = 0
        while not done:
            if inq == 1:  # double quotes
                if p >= end:
                    return -1
                if p[0] == 92 and p + 3 < end and p[1] == 120 and hex_val(p[2]) >= 0 and hex_val(p[3]) >= 0:
                    out[0] = <char>(hex_val(p[2]) * 16 + hex_val(p[3]))
                    out += 1
                    p += 3
                elif p[0] == 92 and p + 1 < end:
                    p += 1
                    if p[0] == 110: out[0] = 10
                    elif p[0] == 114: out[0] = 13
                    elif p[0] == 116: out[0] = 9
                    elif p[0] == 98: out[0] = 8
                    elif p[0] == 97: out[0] = 7
                    else: out[0] = p[0]
                    out += 1
                elif p[0] == 34:
                    # closing quote must be followed by a space or nothing
                    if p + 1 < end and not is_space(p[1]):
                        return -1
                    done = 1
                else:
                    out[0] = p[0]
                    out += 1
            elif inq == 2:  # single quotes
                if p >= end:
                    return -1
                if p[0] == 92 and p + 1 < end and p[1] == 39:
                    p += 1
                    out[0] = 39
                    out += 1
                elif p[0] == 39:
                    if p + 1 < end and not is_space(p[1]):
                        return -1
                    done = 1
                else:
                    out[0] = p[0]
                    out += 1
            else:
                if p >= end:
                    done = 1
                elif p[0] == 32 or p[0] == 10 or p[0] == 13 or p[0] == 9:
                    # an unquoted token ends only at ' ', \n, \r, \t (sdssplitargs),
                    # although leading \v and \f are skipped as whitespace
                    done = 1
                elif p[0] == 34:
                    inq = 1
                elif p[0] == 39:
                    inq = 2
                else:
                    out[0] = p[0]
                    out += 1
            if p < end:
                p += 1
        if o.count >= o.cap:
            o.cap = o.cap * 2 if o.cap else 8
            o.lens = <size_t *>fc_realloc(o.lens, o.cap * sizeof(size_t))
        o.lens[o.count] = <size_t>(out - start)
        o.count += 1

cdef int split_args(ClientBase c, const char *line, size_t n) noexcept:
    """An inline command: sds_split into the client's scratch buffer, then argv
    points into it (argvlen doubles as the lengths array).  -1 as sds_split."""
    cdef split_out o
    cdef int i, r
    cdef size_t off = 0
    if <size_t>c.inline_cap < n + 1:
        c.inline_buf = <char *>fc_realloc(c.inline_buf, n + 1)
        c.inline_cap = n + 1
    o.buf = c.inline_buf
    o.lens = c.argvlen
    o.cap = c.argv_cap
    r = sds_split(line, n, &o)
    c.argvlen = o.lens
    if o.cap > c.argv_cap:
        c.argv = <const char **>fc_realloc(c.argv, o.cap * sizeof(char *))
        c.argv_cap = o.cap
    c.argc = 0
    if r < 0:
        return -1
    for i in range(r):
        c.argv[i] = c.inline_buf + off
        off += c.argvlen[i]
    c.argc = r
    return 0

def sdssplitargs(bytes line):
    """Split like Redis's sdssplitargs (redis.conf lines, inline commands,
    function library shebangs): a list of bytes, or None on unbalanced quotes.
    The line is taken as a C string: it ends at its first NUL, as in Redis."""
    cdef Py_ssize_t n = PyBytes_GET_SIZE(line)
    cdef const char *z = <const char *>memchr(PyBytes_AS_STRING(line), 0, n)
    cdef split_out o
    cdef int i, r
    cdef size_t off = 0
    cdef list out
    if z != NULL:
        n = z - PyBytes_AS_STRING(line)
    o.buf = <char *>fc_malloc(n + 1)
    o.lens = NULL
    o.cap = 0
    r = sds_split(PyBytes_AS_STRING(line), n, &o)
    if r < 0:
        out = None
    else:
        out = []
        for i in range(r):
            out.append(PyBytes_FromStringAndSize(o.buf + off, o.lens[i]))
            off += o.lens[i]
    fc_free(o.buf)
    fc_free(o.lens)
    return out

cdef int parse_inline(ClientBase c) noexcept:
    cdef char *p = c.qbuf + c.qpos
    cdef char *end = c.qbuf + c.qlen
    # Redis finds the newline with strchr() on the NUL-terminated buffer: a NUL
    # byte before the newline hides it, and the server keeps waiting for more.
    cdef char *nl = <char *>memchr(p, 10, end - p)
    cdef size_t linelen
    if nl != NULL and memchr(p, 0, nl - p) != NULL:
        nl = NULL
    if nl == NULL:
        if end - p > PROTO_INLINE_MAX_SIZE:
            return proto_error(c, b"too big inline request")
        return PARSE_MORE
    linelen = nl - p
    if linelen > 0 and p[linelen - 1] == 13:
        linelen -= 1
    if split_args(c, p, linelen) < 0:
        return proto_error(c, b"unbalanced quotes in request")
    c.qpos = (nl - c.qbuf) + 1
    return PARSE_DONE
