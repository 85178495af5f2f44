# errors.pxi — the error catalogue: every error reply the core sends, with Redis 7.0's
# exact text.  Frequent ones are pre-built full RESP lines (no formatting at run
# time); parametrised ones are formatted by the reply layer from the templates here.
# errorstats counts replies by their code (the first word), as Redis does.

cdef const char *E_WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
cdef const char *E_SYNTAX = b"-ERR syntax error\r\n"
cdef const char *E_NOTINT = b"-ERR value is not an integer or out of range\r\n"
cdef const char *E_NOTFLOAT = b"-ERR value is not a valid float\r\n"
cdef const char *E_OVERFLOW = b"-ERR increment or decrement would overflow\r\n"
cdef const char *E_NOSUCHKEY = b"-ERR no such key\r\n"
cdef const char *E_DBINDEX = b"-ERR DB index is out of range\r\n"
cdef const char *E_SAMEOBJ = b"-ERR source and destination objects are the same\r\n"
cdef const char *E_BITOFFSET = b"-ERR bit offset is not an integer or out of range\r\n"
cdef const char *E_BITVALUE = b"-ERR bit is not an integer or out of range\r\n"
cdef const char *E_STRINGSIZE = b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
cdef const char *E_OFFSETRANGE = b"-ERR offset is out of range\r\n"
cdef const char *E_NAN_INF = b"-ERR increment would produce NaN or Infinity\r\n"
cdef const char *E_NOAUTH = b"-NOAUTH Authentication required.\r\n"
cdef const char *E_TIMEOUT_NEG = b"-ERR timeout is negative\r\n"
cdef const char *E_NOTINT_POSITIVE = b"-ERR value is out of range, must be positive\r\n"

# --- bitmaps (bitops.pxi) ---
cdef const char *E_BITPOS_BIT = b"-ERR The bit argument must be 1 or 0.\r\n"
cdef const char *E_BITOP_NOT = b"-ERR BITOP NOT must be called with a single source key.\r\n"
cdef const char *E_BITFIELD_TYPE = (b"-ERR Invalid bitfield type. Use something like i16 u8. "
                                    b"Note that u64 is not supported but i64 is.\r\n")
cdef const char *E_BITFIELD_OVERFLOW = b"-ERR Invalid OVERFLOW type specified\r\n"
cdef const char *E_BITFIELD_RO = b"-ERR BITFIELD_RO only supports the GET subcommand\r\n"

# errorstats: counts per error code.  Redis caps the number of distinct codes at 128
# (ERROR_STATS_NUMBER) and then stops tracking new ones; so do we.
cdef enum:
    ERRSTAT_MAX = 128
    ERRSTAT_CODE_MAX = 32

ctypedef struct fc_errstat:
    char code[ERRSTAT_CODE_MAX]
    int codelen
    long long count

cdef fc_errstat errstats[ERRSTAT_MAX]
cdef int n_errstats = 0

cdef void errstat_count(const char *msg, size_t len) noexcept nogil:
    """Count one error reply; msg points at the text after '-' (e.g. 'ERR syntax')."""
    global n_errstats
    cdef size_t n = 0
    cdef int i
    while n < len and msg[n] != 32 and msg[n] != 13 and n < ERRSTAT_CODE_MAX - 1:
        n += 1
    for i in range(n_errstats):
        if <size_t>errstats[i].codelen == n and memcmp(errstats[i].code, msg, n) == 0:
            errstats[i].count += 1
            return
    if n_errstats < ERRSTAT_MAX:
        memcpy(errstats[n_errstats].code, msg, n)
        errstats[n_errstats].code[n] = 0
        errstats[n_errstats].codelen = <int>n
        errstats[n_errstats].count = 1
        n_errstats += 1

# ---- strings family (t_string.pxi) ----
cdef const char *E_DECR_OVERFLOW = b"-ERR decrement would overflow\r\n"
cdef const char *E_LCS_TYPE = b"-ERR The specified keys must contain string values\r\n"
cdef const char *E_LCS_IDX_LEN = b"-ERR If you want both the length and indexes, please just use IDX.\r\n"
cdef const char *E_LCS_TOO_LONG = b"-ERR String too long for LCS\r\n"
cdef const char *E_LCS_MEM_LIMIT = b"-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n"
cdef const char *E_LCS_MEM_FAIL = b"-ERR Insufficient memory, failed allocating transient memory for LCS\r\n"
# ---- keys family (keys.pxi) ----
cdef const char *E_INVALID_CURSOR = b"-ERR invalid cursor\r\n"
cdef const char *E_INT_RANGE = b"-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
cdef const char *E_SWAPDB_FIRST = b"-ERR invalid first DB index\r\n"
cdef const char *E_SWAPDB_SECOND = b"-ERR invalid second DB index\r\n"
cdef const char *E_EXPIRE_NX_COMPAT = b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
cdef const char *E_EXPIRE_GT_LT = b"-ERR GT and LT options at the same time are not compatible\r\n"
cdef const char *E_UNKNOWN_TYPE = b"-ERR unknown type object\r\n"
cdef const char *E_LFU_NOT_SELECTED = (b"-ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
    b"Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n")
cdef const char *E_LFU_SELECTED = (b"-ERR An LFU maxmemory policy is selected, idle time not tracked. "
    b"Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n")
# ---- sorted sets (t_zset.pxi) ----
cdef const char *E_ZADD_NX_XX = b"-ERR XX and NX options at the same time are not compatible\r\n"
cdef const char *E_ZADD_GT_LT_NX = b"-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"
cdef const char *E_ZADD_INCR_PAIR = b"-ERR INCR option supports a single increment-element pair\r\n"
cdef const char *E_ZSET_NAN = b"-ERR resulting score is not a number (NaN)\r\n"
cdef const char *E_ZSET_MINMAX_FLOAT = b"-ERR min or max is not a float\r\n"
cdef const char *E_ZSET_MINMAX_LEX = b"-ERR min or max not valid string range item\r\n"
cdef const char *E_ZRANGE_LIMIT = (b"-ERR syntax error, LIMIT is only supported in combination with either "
                                   b"BYSCORE or BYLEX\r\n")
cdef const char *E_ZRANGE_LEX_SCORES = b"-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"
cdef const char *E_ZSET_NUMKEYS = b"-ERR numkeys should be greater than 0\r\n"
cdef const char *E_ZSET_COUNT = b"-ERR count should be greater than 0\r\n"
cdef const char *E_ZSET_OUT_OF_RANGE = b"-ERR value is out of range\r\n"
cdef const char *E_ZSET_WEIGHT = b"-ERR weight value is not a float\r\n"
cdef const char *E_ZSET_LIMIT_NEG = b"-ERR LIMIT can't be negative\r\n"
# ---- hashes (t_hash.pxi) ----
cdef const char *E_HASH_NOTINT = b"-ERR hash value is not an integer\r\n"
cdef const char *E_HASH_NOTFLOAT = b"-ERR hash value is not a float\r\n"
cdef const char *E_HASH_NAN_INF_ARG = b"-ERR value is NaN or Infinity\r\n"
cdef const char *E_OUT_OF_RANGE = b"-ERR value is out of range\r\n"
cdef const char *E_HRANDFIELD_RANGE = (b"-ERR value is out of range, value must between "
                                       b"-9223372036854775807 and 9223372036854775807\r\n")
# ---- sets (t_set.pxi) ----
cdef const char *E_SET_NUMKEYS = b"-ERR numkeys should be greater than 0\r\n"
cdef const char *E_SET_NUMKEYS_ARGS = b"-ERR Number of keys can't be greater than number of args\r\n"
cdef const char *E_SET_LIMIT_NEG = b"-ERR LIMIT can't be negative\r\n"
# ---- lists family (t_list.pxi) ----
cdef const char *E_LIST_INDEX_RANGE = b"-ERR index out of range\r\n"
cdef const char *E_LPOS_RANK_ZERO = (b"-ERR RANK can't be zero: use 1 to start from the first match, 2 from the "
                                     b"second ... or use negative to start from the end of the list\r\n")
cdef const char *E_LPOS_COUNT_NEG = b"-ERR COUNT can't be negative\r\n"
cdef const char *E_LPOS_MAXLEN_NEG = b"-ERR MAXLEN can't be negative\r\n"
cdef const char *E_NUMKEYS_POSITIVE = b"-ERR numkeys should be greater than 0\r\n"
cdef const char *E_COUNT_POSITIVE = b"-ERR count should be greater than 0\r\n"
# ---- sort (sort.pxi) ----
cdef const char *E_SORT_SCORES = b"-ERR One or more scores can't be converted into double\r\n"

# --- blocking (blocked.pxi) ---
cdef const char *E_TIMEOUT_NOTFLOAT = b"-ERR timeout is not a float or out of range\r\n"
# ---- rdb (rdb.pxi: DUMP / RESTORE) ----
cdef const char *E_BUSYKEY = b"-BUSYKEY Target key name already exists.\r\n"
cdef const char *E_RESTORE_TTL = b"-ERR Invalid TTL value, must be >= 0\r\n"
cdef const char *E_RESTORE_IDLETIME = b"-ERR Invalid IDLETIME value, must be >= 0\r\n"
cdef const char *E_RESTORE_FREQ = b"-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"
cdef const char *E_DUMP_PAYLOAD = b"-ERR DUMP payload version or checksum are wrong\r\n"
cdef const char *E_BAD_DATA_FORMAT = b"-ERR Bad data format\r\n"
# ---- persist (snapshot orchestration: the MISCONF gate in dispatch.pxi) ----
cdef const char *E_MISCONF = (b"-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
                              b"persist to disk. Commands that may modify the data set are disabled, because this "
                              b"instance is configured to report errors during writes if RDB snapshotting fails "
                              b"(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
                              b"the RDB error.\r\n")
# ---- transactions (multi.pxi) ----
cdef const char *E_MULTI_NESTED = b"-ERR MULTI calls can not be nested\r\n"
cdef const char *E_EXEC_NO_MULTI = b"-ERR EXEC without MULTI\r\n"
cdef const char *E_DISCARD_NO_MULTI = b"-ERR DISCARD without MULTI\r\n"
cdef const char *E_WATCH_IN_MULTI = b"-ERR WATCH inside MULTI is not allowed\r\n"
cdef const char *E_NO_MULTI_CMD = b"-ERR Command not allowed inside a transaction\r\n"
cdef const char *E_EXECABORT = b"-EXECABORT Transaction discarded because of previous errors.\r\n"
# prefix of execCommandAbort's reply; the rejection's text (without '-') follows
cdef const char *E_EXECABORT_BECAUSE = b"EXECABORT Transaction discarded because of: "
# ---- loading (a dataset is being loaded at start-up: processCommand's gate) ----
cdef const char *E_LOADING = b"-LOADING Redis is loading the dataset in memory\r\n"
# ---- scripting (script.pxi, fastcache/scripting.py) ----
cdef const char *E_SCRIPT_NUMKEYS_ARGS = b"-ERR Number of keys can't be greater than number of args\r\n"
cdef const char *E_SCRIPT_NUMKEYS_NEG = b"-ERR Number of keys can't be negative\r\n"
# ---- functions (functions.pxi, fastcache/functions.py) ----
cdef const char *E_FCALL_NOT_FOUND = b"-ERR Function not found\r\n"
cdef const char *E_FCALL_BAD_NUMKEYS = b"-ERR Bad number of keys provided\r\n"
cdef const char *E_FCALL_RO_WRITE = b"-ERR Can not execute a script with write flag using *_ro command.\r\n"
# ---- eviction (evict.pxi) ----
cdef const char *E_OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
