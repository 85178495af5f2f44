# client.pxi — the client connection: an asyncio BufferedProtocol in Cython.
#
# Design note.  uvloop reads straight into `qbuf` (get_buffer returns the client
# itself, which exports the buffer's free tail through __getbuffer__: no
# memoryview object per read).  buffer_updated() parses and executes every
# complete command in the batch, appending replies to `obuf`, then flushes once.
#
# The flush writes directly to the socket with send(2) when the transport has
# nothing queued — one syscall per batch, no bytes object.  If the kernel takes
# only part (or EAGAIN), the rest goes to transport.write(), and from then on all
# output goes through the transport until its buffer drains, so order is kept.
# When the transport buffer passes its high-water mark, reading pauses (a client
# that doesn't read its replies can't make us buffer without bound).
# Output a client gets without asking (pub/sub messages) is bounded by
# client-output-buffer-limit instead: whenever output is handed to the
# transport, the bytes it still holds are checked against the client's class
# (normal / pubsub) and a client over the hard limit, or over the soft limit
# for longer than its seconds, is aborted with its queued output dropped.
#
# Memory ownership: qbuf, obuf, argv arrays and the inline scratch buffer are
# fc_malloc'ed by the client and freed in __dealloc__.  argv slices point into
# qbuf (or the inline buffer) and are valid only while a command executes.

import asyncio as _asyncio
import socket as _socket

cdef object _log_exception = None   # bound by the server: fn(msg)

cdef long long next_client_id = 1

# A pointer set (pub/sub's per-client channel sets; the code is in pubsub.pxi).
ctypedef struct ps_pset:
    void **slots
    size_t cap
    size_t n

cdef class ClientBase:
    # --- input ---
    cdef char *qbuf
    cdef size_t qcap, qlen, qpos, cmd_start
    cdef int reqtype
    cdef int multibulklen
    cdef long long bulklen
    cdef int argc, argv_cap
    cdef const char **argv
    cdef size_t *argvlen
    cdef char *inline_buf
    cdef size_t inline_cap
    cdef Py_ssize_t view_shape[1]
    cdef Py_ssize_t view_strides[1]
    # --- output ---
    cdef char *obuf
    cdef size_t olen, ocap
    cdef readonly object transport
    cdef int fd
    cdef bint transport_pending
    # --- state ---
    cdef readonly long long id
    cdef fc_db *db
    cdef public int resp
    cdef public bint authenticated
    cdef public bint close_after_reply
    cdef bint closed
    cdef bint is_master
    cdef bint cmd_failed
    cdef fc_command *cur_cmd          # the command executing (for error texts)
    cdef public int reply_mode        # 0 on, 1 off, 2 skip next, 3 skip this one
    cdef public object name
    cdef public object server
    cdef public object lib_name
    cdef public object lib_ver
    cdef public long long ctime_ms
    cdef public long long last_interaction_ms
    cdef public object addr
    cdef public object laddr
    cdef public bint no_evict
    cdef public int flags_py          # Python-side client flags (monitor, ...)
    cdef public object last_cmd
    # admin family (server_cmds.pxi): the last command looked up (CLIENT LIST
    # cmd=), MONITOR membership, CLIENT PAUSE postponement, and "ip:port" as C
    # bytes so the monitor feed formats lines without Python objects.
    cdef fc_command *lastcmd
    cdef public bint is_monitor
    cdef public bint pause_blocked
    cdef char addr_c[64]
    cdef int addr_clen
    # blocking (blocked.pxi): btype != 0 while the client waits on keys (1 list,
    # 2 zset); bparked while its command's bytes wait in qbuf (qpos at the
    # command) and process_input runs nothing; bwaiters is its fc_malloc'ed
    # bk_waiter array (one per distinct key), bheap_idx its timeout-heap slot.
    cdef readonly int btype
    cdef bint bparked
    cdef long long bdeadline
    cdef int bheap_idx
    cdef void *bwaiters
    cdef int bnwaiters
    # aof (aof.pxi): the client's replies wait for the AOF fsync (appendfsync
    # always) and it sits in the held list until the before-sleep step
    cdef bint aof_held
    # transactions (multi.pxi): MF_* flags, the queue of copied commands (its
    # union of command flags and CLIENT LIST multi-mem), the chain of watched
    # keys; deny_blocking while EXEC runs its commands (blocking commands then
    # reply as if timed out: CLIENT_DENY_BLOCKING)
    cdef int mflags
    cdef mc_cmd *mqueue
    cdef int mcount
    cdef int mcap
    cdef uint64_t mcmd_flags
    cdef size_t mmem
    cdef wk_watch *watched
    cdef public bint deny_blocking
    # pub/sub (pubsub.pxi): channel / shard channel node sets, pattern nodes in
    # subscription order, CLIENT_PUBSUB (any subscription: RESP2 subscribed
    # mode, the pubsub output buffer class), and membership of the pending
    # write list.  obuf_soft_since: ms when the output buffer soft limit was
    # first seen exceeded (0 when under it).
    cdef ps_pset ps_chans
    cdef ps_pset ps_shards
    cdef void **ps_pats
    cdef int ps_npats
    cdef int ps_patcap
    cdef readonly bint ps_flag
    cdef bint ps_flush_pending
    cdef long long obuf_soft_since

    def __cinit__(self):
        global next_client_id
        self.qcap = PROTO_IOBUF_LEN
        self.qbuf = <char *>fc_malloc(self.qcap)
        self.ocap = PROTO_REPLY_CHUNK_BYTES
        self.obuf = <char *>fc_malloc(self.ocap)
        self.bulklen = -1
        self.argv_cap = 8
        self.argv = <const char **>fc_malloc(8 * sizeof(char *))
        self.argvlen = <size_t *>fc_malloc(8 * sizeof(size_t))
        self.fd = -1
        self.resp = 2
        self.authenticated = not srv.requirepass_set
        self.db = &dbs[0]
        self.id = next_client_id
        next_client_id += 1
        self.ctime_ms = srv.mstime
        self.last_interaction_ms = srv.mstime
        self.last_cmd = b"NULL"

    def __dealloc__(self):
        multi_client_release(self)      # a connection-less client never saw connection_lost
        fc_free(self.qbuf)
        fc_free(self.obuf)
        fc_free(self.argv)
        fc_free(self.argvlen)
        fc_free(self.inline_buf)
        pset_free(&self.ps_chans)
        pset_free(&self.ps_shards)
        fc_free(self.ps_pats)

    # ---- buffer protocol: expose the free tail of qbuf to uvloop ----
    def __getbuffer__(self, Py_buffer *buffer, int flags):
        self.view_shape[0] = <Py_ssize_t>(self.qcap - self.qlen)
        self.view_strides[0] = 1
        buffer.buf = self.qbuf + self.qlen
        buffer.len = self.view_shape[0]
        buffer.obj = self
        buffer.readonly = 0
        buffer.itemsize = 1
        buffer.format = NULL
        buffer.ndim = 1
        buffer.shape = self.view_shape
        buffer.strides = self.view_strides
        buffer.suboffsets = NULL
        buffer.internal = NULL

    def __releasebuffer__(self, Py_buffer *buffer):
        pass

    # ---- asyncio protocol ----
    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            self.fd = sock.fileno()
            try:
                self.addr = transport.get_extra_info("peername")
                self.laddr = transport.get_extra_info("sockname")
            except Exception:
                pass
        client_set_addr_c(self)
        transport.set_write_buffer_limits(high=64 * 1024 * 1024)
        srv.stat_numconnections += 1
        if self.server is not None:
            self.server.client_connected(self)
        if self.olen and not self.closed:
            flush_output(self)      # replies left from the loading phase (adopt_socket)

    def connection_lost(self, exc):
        self.closed = True
        if self.btype != 0:
            blocked_client_disconnected(self)   # leave key queues and the timeout heap
        if self.is_monitor or self.pause_blocked:
            client_unlink_admin(self)   # leave the monitor / postponed lists
        multi_client_release(self)      # multi.pxi: drop the queue and every WATCH
        if self.ps_flag:
            pubsub_unsubscribe_everything(self)   # pubsub.pxi
        if self.server is not None:
            self.server.client_disconnected(self)
        self.transport = None

    def eof_received(self):
        return False

    def pause_writing(self):
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self):
        if self.transport is not None and not self.closed:
            self.transport.resume_reading()

    def get_buffer(self, Py_ssize_t sizehint):
        client_make_room(self)
        return self

    def buffer_updated(self, Py_ssize_t nbytes):
        self.qlen += <size_t>nbytes
        srv.stat_net_input_bytes += nbytes
        srv.stat_total_reads_processed += 1
        update_cached_time()
        self.last_interaction_ms = srv.mstime
        # pubsub.pxi: messages published during the batch are flushed to their
        # receivers once, after it (ps_batch_depth tells publish not to schedule)
        global ps_batch_depth
        ps_batch_depth += 1
        try:
            process_input(self)
        finally:
            ps_batch_depth -= 1
        if self.qlen - self.cmd_start > <size_t>srv.client_query_buffer_limit and not self.closed:
            if _log_exception is not None:
                _log_exception("Closing client that reached max query buffer length (qbuf initial bytes: %r)"
                               % PyBytes_FromStringAndSize(self.qbuf + self.cmd_start,
                                                           min(64, self.qlen - self.cmd_start)), False)
            self.olen = 0
            self.close_now()
            if ps_npending > 0:
                ps_flush_pending()
            return
        flush_output(self)
        # the batch's own replies go first (a publisher learns it may send more
        # sooner, as Redis writes the last client with pending output first),
        # then the subscribers that received messages during the batch
        if ps_npending > 0:
            ps_flush_pending()
        if self.close_after_reply:
            self.close_now()

    def adopt_socket(self, int fd, addr, laddr):
        """Serve a socket accepted while the event loop is blocked (loading at
        start-up, fastcache/blocked_io.py): replies go out with send() on `fd`;
        the transport comes later, through connection_made."""
        self.fd = fd
        self.addr = addr
        self.laddr = laddr
        client_set_addr_c(self)

    # ---- Python-side API (admin commands) ----
    def reply(self, obj):
        """Append a Python value encoded as RESP (see fastcache.respvalue)."""
        cdef bytes b = _respvalue_encode(obj, self.resp)
        if PyBytes_GET_SIZE(b) > 0 and PyBytes_AS_STRING(b)[0] == 45:
            # a top-level error reply: counted like the C path's (errorstats,
            # total_error_replies, the command's failed_calls)
            srv.stat_total_error_replies += 1
            errstat_count(PyBytes_AS_STRING(b) + 1, PyBytes_GET_SIZE(b) - 3)
            self.cmd_failed = True
        add_reply_raw(self, PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))

    def reply_raw(self, bytes b):
        add_reply_raw(self, PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))

    def reply_error(self, msg):
        add_reply_error_py(self, msg)

    def flush(self):
        flush_output(self)

    def shrink_buffers(self):
        """Give back buffers that grew for a big request or reply (clients cron,
        like Redis's clientsCronResizeQueryBuffer/OutputBuffer)."""
        if self.olen == 0 and self.ocap > 4 * PROTO_REPLY_CHUNK_BYTES:
            self.obuf = <char *>fc_realloc(self.obuf, PROTO_REPLY_CHUNK_BYTES)
            self.ocap = PROTO_REPLY_CHUNK_BYTES

    def close_now(self):
        """Close the connection after writing what is queued."""
        if self.closed:
            return
        if FC_UNLIKELY(aof_mode != 0):
            aof_sync_now()      # held replies go out after the fsync, not never
        flush_output(self)
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    property is_closed:
        def __get__(self):
            return self.closed
    property pubsub_count:
        """Channels + patterns + shard channels (0: not a pubsub client)."""
        def __get__(self):
            return self.ps_chans.n + self.ps_npats + self.ps_shards.n

    property pubsub_counts:
        """(sub, psub, ssub) for CLIENT LIST."""
        def __get__(self):
            return self.ps_chans.n, self.ps_npats, self.ps_shards.n

    property transport_buffer_size:
        """Reply bytes queued in the transport (not yet taken by the socket)."""
        def __get__(self):
            if self.transport is None or not self.transport_pending:
                return 0
            return self.transport.get_write_buffer_size()

    property dbid:
        def __get__(self):
            return self.db.id if self.db != NULL else 0

    property qbuf_len:
        def __get__(self):
            return self.qlen - self.qpos

    property qbuf_cap:
        def __get__(self):
            return self.qcap

    property obuf_len:
        def __get__(self):
            return self.olen

    property argv_mem:
        def __get__(self):
            return self.argv_cap * (sizeof(char *) + sizeof(size_t))

    def select(self, int dbid):
        if dbid < 0 or dbid >= ndbs:
            return False
        self.db = &dbs[dbid]
        return True

cdef object _respvalue_encode = None

cdef void client_make_room(ClientBase c) noexcept:
    """Ensure free space for the next read.  Normally 16 KiB; while a big bulk is
    pending, exactly what the rest of that bulk needs, so it lands contiguously
    with a single growth."""
    cdef size_t need = PROTO_IOBUF_LEN
    cdef size_t want, cap
    cdef size_t shift
    cdef char *old
    cdef int i
    if c.reqtype == REQ_MULTIBULK and c.bulklen >= PROTO_MBULK_BIG_ARG:
        want = c.qpos + <size_t>c.bulklen + 2
        if want > c.qlen:
            need = want - c.qlen
    if c.qcap - c.qlen >= need:
        return
    old = c.qbuf
    shift = c.cmd_start
    if shift > 0:
        memmove(c.qbuf, c.qbuf + shift, c.qlen - shift)
        c.qlen -= shift
        c.qpos -= shift
        c.cmd_start = 0
    if c.qcap - c.qlen < need:
        cap = c.qlen + need
        if c.bulklen < PROTO_MBULK_BIG_ARG and cap < c.qcap * 2:
            cap = c.qcap * 2
        c.qbuf = <char *>fc_realloc(c.qbuf, cap)
        c.qcap = cap
    # argv slices of the partial command move with the buffer
    if c.reqtype == REQ_MULTIBULK:
        for i in range(c.argc):
            c.argv[i] = c.qbuf + (c.argv[i] - old - <Py_ssize_t>shift)

cdef inline void reset_parse(ClientBase c) noexcept:
    c.reqtype = REQ_NONE
    c.argc = 0
    c.multibulklen = 0
    c.bulklen = -1

cdef void process_input(ClientBase c):
    cdef int r
    # pause_blocked: CLIENT PAUSE postponed this client's current command; its
    # bytes stay in qbuf (qpos rewound to it) until the pause ends.
    # bparked: a blocking command waits for its keys (blocked.pxi); its bytes
    # stay in qbuf until it is served, times out or is unblocked.
    while (c.qpos < c.qlen and not c.close_after_reply and not c.closed and not c.pause_blocked
           and not c.bparked):
        if c.reqtype == REQ_NONE:
            c.cmd_start = c.qpos
            c.reqtype = REQ_MULTIBULK if c.qbuf[c.qpos] == 42 else REQ_INLINE
        if c.reqtype == REQ_MULTIBULK:
            r = parse_multibulk(c)
        else:
            r = parse_inline(c)
        if r != PARSE_DONE:
            break
        if c.argc > 0:
            execute_command(c)
        reset_parse(c)
    if c.reqtype != REQ_NONE:
        # a partial command: its parsed args still live in qbuf[cmd_start:qpos]
        return
    c.cmd_start = c.qpos
    if c.qpos == c.qlen:
        c.qpos = 0
        c.qlen = 0
        c.cmd_start = 0
        if c.qcap > 4 * PROTO_IOBUF_LEN:
            # give back a buffer that grew for one big request
            c.qbuf = <char *>fc_realloc(c.qbuf, PROTO_IOBUF_LEN)
            c.qcap = PROTO_IOBUF_LEN

cdef class OutChunk:
    """Unsent reply bytes handed to the transport without copying: owns a C
    buffer from the client's output (freed when uvloop has written it)."""
    cdef char *buf
    cdef size_t off, n
    cdef Py_ssize_t shape[1]

    def __dealloc__(self):
        fc_free(self.buf)

    def __len__(self):
        return self.n

    def __getbuffer__(self, Py_buffer *b, int flags):
        self.shape[0] = <Py_ssize_t>self.n
        b.buf = self.buf + self.off
        b.len = self.shape[0]
        b.obj = self
        b.readonly = 1
        b.itemsize = 1
        b.format = NULL
        b.ndim = 1
        b.shape = self.shape
        b.strides = NULL
        b.suboffsets = NULL
        b.internal = NULL

    def __releasebuffer__(self, Py_buffer *b):
        pass

cdef void flush_output(ClientBase c):
    """Write the batch's replies: send(2) directly while the transport has nothing
    queued; whatever the kernel doesn't take goes to the transport — big
    remainders by handing over the buffer itself (no copy), small ones copied.
    Output handed to the transport counts against the client's output buffer
    limits (client-output-buffer-limit), checked here, on the slow path only."""
    cdef ssize_t n
    cdef size_t off = 0
    cdef size_t queued = 0
    cdef OutChunk chunk
    # aof.pxi: schedule the AOF write for this iteration; under appendfsync
    # always, hold the replies until it is fsynced (group commit)
    if FC_UNLIKELY(aof_mode != 0) and aof_before_flush(c):
        return
    if c.olen == 0 or c.closed:
        return
    srv.stat_net_output_bytes += c.olen
    srv.stat_total_writes_processed += 1
    if c.transport_pending:
        # bytes the transport still holds: the one Python call, made only for
        # a client whose earlier output the socket has not taken yet
        queued = c.transport.get_write_buffer_size()
        if queued == 0:
            c.transport_pending = False
    if not c.transport_pending and c.fd >= 0:
        while off < c.olen:
            n = send(c.fd, c.obuf + off, c.olen - off, MSG_NOSIGNAL | MSG_DONTWAIT)
            if n < 0:
                if errno == EINTR:
                    continue
                break
            off += <size_t>n
    if off < c.olen and c.transport is None:
        # a client accepted while the dataset loads (fastcache/blocked_io.py) has
        # no transport yet: keep the rest until connection_made hands one over
        if off:
            memmove(c.obuf, c.obuf + off, c.olen - off)
            c.olen -= off
        return
    if off < c.olen:
        # kernel buffer full (or an error the transport will report): queue the rest
        queued += c.olen - off
        if c.olen - off > PROTO_REPLY_CHUNK_BYTES:
            chunk = OutChunk.__new__(OutChunk)
            chunk.buf = c.obuf
            chunk.off = off
            chunk.n = c.olen - off
            c.obuf = <char *>fc_malloc(PROTO_REPLY_CHUNK_BYTES)
            c.ocap = PROTO_REPLY_CHUNK_BYTES
            c.transport.write(chunk)
        else:
            c.transport.write(PyBytes_FromStringAndSize(c.obuf + off, c.olen - off))
        c.transport_pending = True
        c.olen = 0
        if obuf_limit_reached(c, queued):
            client_close_for_obuf_limit(c)
        return
    c.olen = 0
    c.obuf_soft_since = 0

# ---- client-output-buffer-limit (Redis's checkClientOutputBufferLimits) ----
# Per class (0 normal, 1 replica, 2 pubsub): hard bytes, soft bytes, soft seconds;
# 0 disables.  Written by set_option("client-output-buffer-limit", {...}).
cdef long long obuf_hard[3]
cdef long long obuf_soft[3]
cdef long long obuf_soft_secs[3]
obuf_hard[0] = 0
obuf_soft[0] = 0
obuf_soft_secs[0] = 0
obuf_hard[1] = 256 << 20
obuf_soft[1] = 64 << 20
obuf_soft_secs[1] = 60
obuf_hard[2] = 32 << 20
obuf_soft[2] = 8 << 20
obuf_soft_secs[2] = 60
cdef long long stat_obuf_limit_disconnections = 0

cdef bint obuf_limit_reached(ClientBase c, size_t used) noexcept:
    """True when `used` pending bytes pass the hard limit of c's class, or have
    stayed over the soft limit for more than its seconds (measured from the
    first time it was seen over, as Redis does).  Monitors and masters count as
    normal clients; a client with subscriptions is in the pubsub class."""
    cdef int cls = 2 if c.ps_flag else 0
    cdef bint hard, soft
    if obuf_hard[cls] == 0 and obuf_soft[cls] == 0:
        return False
    hard = obuf_hard[cls] != 0 and <long long>used >= obuf_hard[cls]
    soft = obuf_soft[cls] != 0 and <long long>used >= obuf_soft[cls]
    if soft:
        if c.obuf_soft_since == 0:
            c.obuf_soft_since = srv.mstime if srv.mstime else 1
            soft = False   # first time seen over: the clock starts now
        elif (srv.mstime - c.obuf_soft_since) // 1000 <= obuf_soft_secs[cls]:
            soft = False
    else:
        c.obuf_soft_since = 0
    return soft or hard

cdef void client_close_for_obuf_limit(ClientBase c) noexcept:
    """Close at once, dropping the queued output (freeClientAsync): a client
    that doesn't read must not make the server hold its replies."""
    global stat_obuf_limit_disconnections
    cdef object info = None
    stat_obuf_limit_disconnections += 1
    try:
        from fastcache.connection import client_info_line
        info = client_info_line(c)
    except BaseException:
        info = "id=%d" % c.id
    if _log_exception is not None:
        try:
            _log_exception("Client %s scheduled to be closed ASAP for overcoming of output buffer limits."
                           % info, True)
        except BaseException:
            pass
    c.olen = 0
    c.closed = True
    if c.ps_flag:
        pubsub_unsubscribe_everything(c)   # no more messages are queued for it
    if c.transport is not None:
        try:
            c.transport.abort()            # frees the transport's buffer now
        except BaseException:
            pass

cdef inline bytes argv_bytes(ClientBase c, int i):
    return PyBytes_FromStringAndSize(c.argv[i], c.argvlen[i])

cdef list argv_list(ClientBase c):
    return [PyBytes_FromStringAndSize(c.argv[i], c.argvlen[i]) for i in range(c.argc)]

class Client(ClientBase, _asyncio.BufferedProtocol):
    """The connection protocol uvloop drives (ClientBase with asyncio's ABC)."""
    pass
