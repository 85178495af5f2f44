# common.pxi — C imports, the C kernels from csrc/, and server-wide C state.
#
# Everything here is C-level: the hot path never looks up a Python name.  Global
# state that Python orchestration changes (config values, the clock caches) lives
# in the `fc_srv` struct; Python writes it through the apply hooks in server.py.

from libc.stdint cimport int64_t, uint64_t, uint32_t, uint16_t, uint8_t, int32_t, uint32_t
from libc.string cimport memcpy, memcmp, memmove, memset, memchr, strlen
from libc.stdlib cimport strtol
from libc.limits cimport LLONG_MAX, LLONG_MIN, INT_MAX
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.buffer cimport PyBUF_WRITABLE
from cpython.ref cimport PyObject, Py_INCREF, Py_DECREF

cdef extern from "fcmalloc.h" nogil:
    size_t fc_used_memory
    void *fc_malloc(size_t size)
    void *fc_calloc(size_t size)
    void *fc_realloc(void *ptr, size_t size)
    void fc_free(void *ptr)
    size_t fc_malloc_size(void *p)

cdef extern from "siphash.h" nogil:
    uint64_t fc_siphash(const uint8_t *inp, size_t len, const uint8_t *key)
    uint64_t fc_siphash_nocase(const uint8_t *inp, size_t len, const uint8_t *key)

cdef extern from "util.h" nogil:
    int fc_string2ll(const char *s, size_t slen, long long *value)
    int fc_string2l(const char *s, size_t slen, long *value)
    int fc_ll2string(char *dst, size_t dstlen, long long v)
    int fc_ull2string(char *dst, size_t dstlen, unsigned long long v)
    int fc_string2ld(const char *s, size_t slen, long double *dp)
    int fc_ld2string(char *buf, size_t len, long double value, int mode)
    int fc_string2d(const char *s, size_t slen, double *dp)
    int fc_d2string(char *buf, size_t len, double value)
    long long fc_ustime()
    long long fc_mstime()
    long long fc_monotonic_us()
    enum:
        FC_LD_STR_AUTO
        FC_LD_STR_HUMAN
        FC_LD_STR_HEX

cdef extern from "glob.h" nogil:
    int fc_stringmatchlen(const char *pattern, int patternLen, const char *string, int stringLen, int nocase)

cdef extern from "bitops.h" nogil:
    long long fc_popcount(const void *s, long count)
    long long fc_bitpos(const void *s, unsigned long count, int bit)

cdef extern from "<sys/socket.h>" nogil:
    ssize_t send(int fd, const void *buf, size_t n, int flags)
    int MSG_NOSIGNAL
    int MSG_DONTWAIT

cdef extern from "<errno.h>" nogil:
    int errno
    int EAGAIN
    int EWOULDBLOCK
    int EINTR

cdef extern from *:
    """
    #define FC_LIKELY(x) __builtin_expect(!!(x), 1)
    #define FC_UNLIKELY(x) __builtin_expect(!!(x), 0)
    #ifdef FC_DEBUG
    #include <assert.h>
    #define FC_ASSERT(x) assert(x)
    #else
    #define FC_ASSERT(x) ((void)0)
    #endif
    """
    bint FC_LIKELY(bint x) nogil
    bint FC_UNLIKELY(bint x) nogil
    void FC_ASSERT(bint x) nogil

# Forward declarations: the client type and command struct are used by every
# area before their own files define them.
cdef class ClientBase
cdef struct fc_command

# Redis's LRU clock: 24 bits, 1000 ms resolution (LRU_CLOCK_MAX, LRU_CLOCK_RESOLUTION).
cdef enum:
    LRU_BITS = 24
    LRU_CLOCK_MAX = (1 << 24) - 1
    LRU_CLOCK_RESOLUTION = 1000

# Protocol limits as in Redis 7.0 (server.h): inline/count lines, big-arg threshold.
cdef enum:
    PROTO_INLINE_MAX_SIZE = 1024 * 64
    PROTO_IOBUF_LEN = 1024 * 16
    PROTO_MBULK_BIG_ARG = 1024 * 32
    PROTO_REPLY_CHUNK_BYTES = 16 * 1024

ctypedef struct fc_server_state:
    # clock caches, refreshed once per event-loop batch and by the cron
    long long mstime          # wall clock, ms (expiry decisions, like Redis's cached time)
    long long ustime
    unsigned int lruclock
    # configuration consumed by the core (written by config apply hooks)
    long long proto_max_bulk_len
    long long client_query_buffer_limit
    long long maxmemory
    int maxmemory_policy      # 0 noeviction; LFU policies set the LFU bit
    int databases
    int active_expire_enabled
    int requirepass_set       # clients start unauthenticated when set
    long long slowlog_log_slower_than
    int hz
    # encoding thresholds of the aggregate types (Redis's config knobs)
    long long hash_max_listpack_entries
    long long hash_max_listpack_value
    long long set_max_intset_entries
    long long zset_max_listpack_entries
    long long zset_max_listpack_value
    int list_max_listpack_size
    int list_compress_depth
    # statistics (INFO stats)
    long long stat_numcommands
    long long stat_numconnections
    long long stat_rejected_conn
    long long stat_expiredkeys
    long long stat_expired_stale_perc_x100
    long long stat_expired_time_cap_reached_count
    long long stat_keyspace_hits
    long long stat_keyspace_misses
    long long stat_net_input_bytes
    long long stat_net_output_bytes
    long long stat_total_error_replies
    long long stat_unexpected_error_replies
    long long stat_evictedkeys
    long long stat_total_reads_processed
    long long stat_total_writes_processed
    long long dirty            # changes since last save (rdb_changes_since_last_save)
    long long stat_expire_cycle_time_used

cdef fc_server_state srv
memset(&srv, 0, sizeof(srv))
srv.proto_max_bulk_len = 512 * 1024 * 1024
srv.client_query_buffer_limit = 1024 * 1024 * 1024
srv.databases = 16
srv.active_expire_enabled = 1
srv.hz = 10
srv.slowlog_log_slower_than = 10000
srv.hash_max_listpack_entries = 512
srv.hash_max_listpack_value = 64
srv.set_max_intset_entries = 512
srv.zset_max_listpack_entries = 128
srv.zset_max_listpack_value = 64
srv.list_max_listpack_size = -2
srv.list_compress_depth = 0

# Random seed for the keyspace hash (Redis seeds siphash randomly at startup so
# that clients can't craft colliding keys).
cdef uint8_t hash_seed[16]

cdef inline void update_cached_time() noexcept nogil:
    srv.ustime = fc_ustime()
    srv.mstime = srv.ustime // 1000
    srv.lruclock = <unsigned int>((srv.mstime // LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX)

cdef inline int ll_len(long long v) noexcept nogil:
    cdef char tmp[24]
    return fc_ll2string(tmp, 24, v)

cdef inline char lower_ascii(char ch) noexcept nogil:
    if ch >= 65 and ch <= 90:
        return ch + 32
    return ch

cdef inline bint eq_nocase(const char *a, size_t alen, const char *b) noexcept nogil:
    """True when a[:alen] equals the NUL-terminated lowercase word b, ignoring ASCII case."""
    cdef size_t i = 0
    while i < alen:
        if b[i] == 0 or lower_ascii(a[i]) != b[i]:
            return False
        i += 1
    return b[i] == 0
