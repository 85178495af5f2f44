# reply.pxi — the reply writer: RESP2/RESP3 encoding into the client's C output
# buffer.  No Python object is created here.
#
# Design note.  Replies are appended to `c.obuf` (grown geometrically, shrunk
# back when idle by the client); the client flushes once per read batch.  Helpers
# pick the RESP2 or RESP3 form from `c.resp` exactly as Redis 7.0's addReply*
# functions do (e.g. a null is `$-1` in RESP2 and `_` in RESP3; a map header is
# `%n` in RESP3 and `*2n` in RESP2).  CLIENT REPLY OFF/SKIP is handled by the
# dispatcher truncating the buffer back, so writers need no check.

cdef void obuf_grow(ClientBase c, size_t need) noexcept:
    cdef size_t cap = c.ocap * 2
    if cap < c.olen + need:
        cap = c.olen + need
    c.obuf = <char *>fc_realloc(c.obuf, cap)
    c.ocap = cap

cdef inline char *reply_reserve(ClientBase c, size_t n) noexcept:
    if FC_UNLIKELY(c.ocap - c.olen < n):
        obuf_grow(c, n)
    return c.obuf + c.olen

cdef inline void add_reply_raw(ClientBase c, const char *s, size_t n) noexcept:
    cdef char *p = reply_reserve(c, n)
    memcpy(p, s, n)
    c.olen += n

cdef inline void add_reply_cstr(ClientBase c, const char *s) noexcept:
    add_reply_raw(c, s, strlen(s))

cdef inline void add_reply_ok(ClientBase c) noexcept:
    add_reply_raw(c, b"+OK\r\n", 5)

cdef inline void add_reply_header(ClientBase c, char prefix, long long n) noexcept:
    """`<prefix><n>\\r\\n`: array/bulk/map/set headers and integers."""
    cdef char *p = reply_reserve(c, 24)
    p[0] = prefix
    cdef int k = fc_ll2string(p + 1, 22, n)
    p[k + 1] = 13
    p[k + 2] = 10
    c.olen += k + 3

cdef inline void add_reply_int(ClientBase c, long long v) noexcept:
    add_reply_header(c, 58, v)  # ':'

cdef inline void add_reply_bulk(ClientBase c, const char *s, size_t n) noexcept:
    cdef char *p = reply_reserve(c, n + 24)
    p[0] = 36  # '$'
    cdef int k = fc_ll2string(p + 1, 22, <long long>n)
    p[k + 1] = 13
    p[k + 2] = 10
    memcpy(p + k + 3, s, n)
    p[k + 3 + n] = 13
    p[k + 4 + n] = 10
    c.olen += n + k + 5

cdef inline void add_reply_bulk_cstr(ClientBase c, const char *s) noexcept:
    add_reply_bulk(c, s, strlen(s))

cdef inline void add_reply_bulk_ll(ClientBase c, long long v) noexcept:
    cdef char tmp[LONG_STR_SIZE]
    cdef int k = fc_ll2string(tmp, LONG_STR_SIZE, v)
    add_reply_bulk(c, tmp, k)

cdef inline void add_reply_entry_str(ClientBase c, fc_entry *e) noexcept:
    """Bulk reply of a string entry's value."""
    cdef char tmp[LONG_STR_SIZE]
    cdef size_t n
    cdef const char *s = entry_str(e, tmp, &n)
    add_reply_bulk(c, s, n)

cdef inline void add_reply_null(ClientBase c) noexcept:
    if c.resp >= 3:
        add_reply_raw(c, b"_\r\n", 3)
    else:
        add_reply_raw(c, b"$-1\r\n", 5)

cdef inline void add_reply_null_array(ClientBase c) noexcept:
    if c.resp >= 3:
        add_reply_raw(c, b"_\r\n", 3)
    else:
        add_reply_raw(c, b"*-1\r\n", 5)

cdef inline void add_reply_array_len(ClientBase c, long long n) noexcept:
    add_reply_header(c, 42, n)  # '*'

cdef inline void add_reply_map_len(ClientBase c, long long n) noexcept:
    if c.resp >= 3:
        add_reply_header(c, 37, n)  # '%'
    else:
        add_reply_header(c, 42, n * 2)

cdef inline void add_reply_set_len(ClientBase c, long long n) noexcept:
    if c.resp >= 3:
        add_reply_header(c, 126, n)  # '~'
    else:
        add_reply_header(c, 42, n)

cdef inline void add_reply_push_len(ClientBase c, long long n) noexcept:
    if c.resp >= 3:
        add_reply_header(c, 62, n)  # '>'
    else:
        add_reply_header(c, 42, n)

cdef inline void add_reply_bool(ClientBase c, bint b) noexcept:
    if c.resp >= 3:
        add_reply_raw(c, b"#t\r\n" if b else b"#f\r\n", 4)
    else:
        add_reply_raw(c, b":1\r\n" if b else b":0\r\n", 4)

cdef void add_reply_double(ClientBase c, double d) noexcept:
    """addReplyDouble: RESP3 `,<d>`; RESP2 a bulk string with the same digits."""
    cdef char buf[128]
    cdef int n = fc_d2string(buf, sizeof(buf), d)
    if c.resp >= 3:
        add_reply_raw(c, b",", 1)
        add_reply_raw(c, buf, n)
        add_reply_raw(c, b"\r\n", 2)
    else:
        add_reply_bulk(c, buf, n)

cdef void add_reply_long_double(ClientBase c, long double d) noexcept:
    """addReplyHumanLongDouble: INCRBYFLOAT style; a bulk in RESP2, double in RESP3."""
    cdef char buf[MAX_LONG_DOUBLE_CHARS]
    cdef int n = fc_ld2string(buf, sizeof(buf), d, FC_LD_STR_HUMAN)
    if c.resp >= 3:
        add_reply_raw(c, b",", 1)
        add_reply_raw(c, buf, n)
        add_reply_raw(c, b"\r\n", 2)
    else:
        add_reply_bulk(c, buf, n)

cdef void add_reply_verbatim(ClientBase c, const char *s, size_t n, const char *ext) noexcept:
    """RESP3 verbatim string (`=len\\r\\next:...`); a bulk string in RESP2."""
    if c.resp >= 3:
        add_reply_header(c, 61, <long long>(n + 4))  # '='
        add_reply_raw(c, ext, 3)
        add_reply_raw(c, b":", 1)
        add_reply_raw(c, s, n)
        add_reply_raw(c, b"\r\n", 2)
    else:
        add_reply_bulk(c, s, n)

cdef inline void add_reply_error(ClientBase c, const char *full) noexcept:
    """A pre-built error line from the catalogue ("-CODE text\\r\\n")."""
    cdef size_t n = strlen(full)
    add_reply_raw(c, full, n)
    srv.stat_total_error_replies += 1
    errstat_count(full + 1, n - 1)
    c.cmd_failed = True

cdef void add_reply_error_len(ClientBase c, const char *msg, size_t n) noexcept:
    """An error from text without the '-' and CRLF.  A message without a code gets
    'ERR '; CR/LF inside are replaced by spaces (a newline would break RESP),
    as addReplyErrorLength does."""
    cdef char *p
    cdef size_t i
    cdef size_t extra = 0
    if n > 0 and msg[0] == 45:  # a leading '-' is the RESP marker, not text
        msg += 1
        n -= 1
    cdef bint need_code = not _has_error_code(msg, n)
    if need_code:
        extra = 4
    p = reply_reserve(c, n + extra + 3)
    p[0] = 45
    if need_code:
        memcpy(p + 1, b"ERR ", 4)
    memcpy(p + 1 + extra, msg, n)
    for i in range(1 + extra, 1 + extra + n):
        if p[i] == 13 or p[i] == 10:
            p[i] = 32
    p[1 + extra + n] = 13
    p[2 + extra + n] = 10
    srv.stat_total_error_replies += 1
    errstat_count(p + 1, n + extra)
    c.olen += n + extra + 3
    c.cmd_failed = True

cdef bint _has_error_code(const char *msg, size_t n) noexcept:
    # Redis treats a leading all-uppercase word as the code ("WRONGTYPE ...",
    # "NOAUTH ...", "ERR ..."); everything else gets "ERR " prepended.
    cdef size_t i = 0
    while i < n and msg[i] != 32:
        if not (65 <= msg[i] <= 90):
            return False
        i += 1
    return i > 0 and i < n

cdef void add_reply_error_py(ClientBase c, object msg):
    cdef bytes b = msg.encode() if isinstance(msg, str) else msg
    add_reply_error_len(c, PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))

cdef void add_reply_error_arity(ClientBase c, object fullname):
    add_reply_error_py(c, b"ERR wrong number of arguments for '" + fullname + b"' command")

cdef void add_reply_help(ClientBase c, object cmdname, list lines):
    """addReplyHelp: '<CMD> <subcommand> [<arg> ...]. Subcommands are:' then lines,
    then 'HELP' / '    Prints this help.' (7.0.15's wording), as simple strings."""
    cdef bytes up = cmdname.upper()
    cdef list out = [up + b" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"]
    out.extend(lines)
    out.append(b"HELP")
    out.append(b"    Prints this help.")
    add_reply_array_len(c, len(out))
    for line in out:
        add_reply_raw(c, b"+", 1)
        add_reply_raw(c, <bytes>line, len(<bytes>line))
        add_reply_raw(c, b"\r\n", 2)
