# notify.pxi — keyspace notifications (Redis's notify.c).
#
# Design note.  Every command that changes a key calls
# notify_keyspace_event(class, event, key, klen, dbid) next to its
# signal_modified_key() call, with Redis 7.0's event name, in Redis's order.
# Notifications are off by default (notify-keyspace-events ""), so the inline
# entry point is a single test of one C global against the event's class bit:
# with notifications off that is one predictable, never-taken branch per call
# site and nothing else on the hot path.  The slow path builds the two channel
# names Redis uses and publishes through pubsub.pxi:
#   __keyspace@<db>__:<key>    message = event name   (class K)
#   __keyevent@<db>__:<event>  message = key          (class E)
# `notify_flags` holds the class bits (NOTIFY_* below, Redis's values); it is
# written by api.pxi set_option("notify-keyspace-events", ...).  When neither K
# nor E is set, no class bit is kept, so the fast path stays a single test (Redis
# tests the type bit first and then K/E; with only classes set nothing is sent).

cdef enum:
    NOTIFY_KEYSPACE = 1 << 0     # K
    NOTIFY_KEYEVENT = 1 << 1     # E
    NOTIFY_GENERIC = 1 << 2      # g
    NOTIFY_STRING = 1 << 3       # $
    NOTIFY_LIST = 1 << 4         # l
    NOTIFY_SET = 1 << 5          # s
    NOTIFY_HASH = 1 << 6         # h
    NOTIFY_ZSET = 1 << 7         # z
    NOTIFY_EXPIRED = 1 << 8      # x
    NOTIFY_EVICTED = 1 << 9      # e
    NOTIFY_STREAM = 1 << 10      # t
    NOTIFY_KEY_MISS = 1 << 11    # m (not part of A, as in Redis)
    NOTIFY_LOADED = 1 << 12      # module-only in Redis
    NOTIFY_MODULE = 1 << 13      # d
    NOTIFY_NEW = 1 << 14         # n (not part of A, as in Redis)
    NOTIFY_ALL = (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH
                  | NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

# The effective class mask: 0 unless K or E is configured (see the note above).
cdef int notify_flags = 0
# The configured flags as set (K/E included), for notify_flags_get().
cdef int notify_config_flags = 0

# Stack room for channel names; longer keys take a heap buffer.
cdef enum:
    NOTIFY_STACK_BUF = 256

cdef void notify_set_flags(int flags) noexcept nogil:
    global notify_flags, notify_config_flags
    notify_config_flags = flags
    notify_flags = flags if (flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)) else 0

cdef int notify_parse_classes(const char *s, size_t n) noexcept nogil:
    """keyspaceEventsStringToFlags: the class bits of a config string, -1 on a
    character that is not a class."""
    cdef int flags = 0
    cdef size_t i
    cdef char ch
    for i in range(n):
        ch = s[i]
        if ch == b'A':
            flags |= NOTIFY_ALL
        elif ch == b'g':
            flags |= NOTIFY_GENERIC
        elif ch == b'$':
            flags |= NOTIFY_STRING
        elif ch == b'l':
            flags |= NOTIFY_LIST
        elif ch == b's':
            flags |= NOTIFY_SET
        elif ch == b'h':
            flags |= NOTIFY_HASH
        elif ch == b'z':
            flags |= NOTIFY_ZSET
        elif ch == b'x':
            flags |= NOTIFY_EXPIRED
        elif ch == b'e':
            flags |= NOTIFY_EVICTED
        elif ch == b'K':
            flags |= NOTIFY_KEYSPACE
        elif ch == b'E':
            flags |= NOTIFY_KEYEVENT
        elif ch == b't':
            flags |= NOTIFY_STREAM
        elif ch == b'm':
            flags |= NOTIFY_KEY_MISS
        elif ch == b'd':
            flags |= NOTIFY_MODULE
        elif ch == b'n':
            flags |= NOTIFY_NEW
        else:
            return -1
    return flags

cdef void notify_publish_two(const char *prefix, size_t plen, int dbid,
                             const char *name, size_t nlen,
                             const char *msg, size_t mlen) noexcept:
    """Publish msg on "<prefix><dbid>__:<name>"."""
    cdef char stackbuf[NOTIFY_STACK_BUF]
    cdef char *buf = stackbuf
    cdef char num[24]
    cdef int numlen = fc_ll2string(num, 24, dbid)
    cdef size_t total = plen + <size_t>numlen + 3 + nlen
    cdef size_t pos
    if total > NOTIFY_STACK_BUF:
        buf = <char *>fc_malloc(total)
    memcpy(buf, prefix, plen)
    pos = plen
    memcpy(buf + pos, num, numlen)
    pos += numlen
    memcpy(buf + pos, b"__:", 3)
    pos += 3
    memcpy(buf + pos, name, nlen)
    pubsub_publish(buf, total, msg, mlen)
    if buf != stackbuf:
        fc_free(buf)

cdef void notify_keyspace_event_slow(int type, const char *event, const char *key,
                                     size_t klen, int dbid) noexcept:
    """notifyKeyspaceEvent's body: keyspace channel first, then keyevent."""
    cdef size_t elen = strlen(event)
    if notify_flags & NOTIFY_KEYSPACE:
        notify_publish_two(b"__keyspace@", 11, dbid, key, klen, event, elen)
    if notify_flags & NOTIFY_KEYEVENT:
        notify_publish_two(b"__keyevent@", 11, dbid, event, elen, key, klen)

cdef inline void notify_keyspace_event(int type, const char *event, const char *key,
                                       size_t klen, int dbid) noexcept:
    """Publish keyspace event `event` of class `type` about key in db dbid, if
    that class is enabled (Redis's notifyKeyspaceEvent)."""
    if FC_UNLIKELY(notify_flags & type):
        notify_keyspace_event_slow(type, event, key, klen, dbid)

cdef inline void key_modified(fc_db *db, int type, const char *event,
                              const char *key, size_t klen) noexcept:
    """The usual pair after a write: signalModifiedKey (WATCH) then the
    keyspace event, as most Redis commands do."""
    signal_modified_key(db, key, klen)
    notify_keyspace_event(type, event, key, klen, db.id)

cdef inline void arg_modified(ClientBase c, int type, const char *event, int i) noexcept:
    """key_modified for the key in argv[i] of the current db."""
    key_modified(c.db, type, event, c.argv[i], c.argvlen[i])

cdef inline void arg_event(ClientBase c, int type, const char *event, int i) noexcept:
    """A further event for argv[i] (no second WATCH signal)."""
    notify_keyspace_event(type, event, c.argv[i], c.argvlen[i], c.db.id)

cdef inline void notify_expired_key(fc_db *db, const char *key, size_t klen) noexcept:
    """An expired key found by a walk (RANDOMKEY, SCAN): the "expired" event and
    WATCH signal of deleteExpiredKeyAndPropagate.  Call before freeing the key."""
    notify_keyspace_event(NOTIFY_EXPIRED, b"expired", key, klen, db.id)
    signal_modified_key(db, key, klen)
