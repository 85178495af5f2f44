# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False, auto_pickle=False
# distutils: language = c
"""fastcache's data plane: one extension assembled from area files (uvloop style).

The spine only includes the areas, in dependency order, so that `cdef inline`
helpers of one area inline into every other.  Each area file opens with its own
design note.  Layer order follows ARCHITECTURE.md §2: allocation and C kernels,
structures (dict), objects and keyspace, protocol (reply writer, RESP parser),
client connection, dispatch, then the command families.
"""

include "common.pxi"
include "errors.pxi"
include "dict.pxi"
include "object.pxi"
include "db.pxi"
include "reply.pxi"
include "resp.pxi"
include "client.pxi"
include "dispatch.pxi"
include "propagate.pxi"
# interfaces every command family calls: WATCH signalling, pub/sub delivery
include "multi.pxi"
include "pubsub.pxi"
# keyspace notifications: publish through pubsub.pxi
include "notify.pxi"
include "t_string.pxi"
include "bitops.pxi"
include "keys.pxi"
include "evict.pxi"
include "t_hash.pxi"
include "t_set.pxi"
include "skiplist.pxi"
include "zset_listpack.pxi"
include "t_zset.pxi"
include "quicklist.pxi"
include "t_list.pxi"
include "sort.pxi"
# blocked.pxi: after the list and zset families (it reuses their pop/move code)
include "blocked.pxi"
include "rdb.pxi"
include "conn.pxi"
include "server_cmds.pxi"
# script.pxi: scripting support (redis.call entry, EVAL procs, BUSY serving)
include "script.pxi"
# functions.pxi: FCALL procs and RDB helpers for Redis 7 functions (fastcache/functions.py)
include "functions.pxi"
include "cmdtable.pxi"
# aof.pxi: group commit of replies (appendfsync always) and AOF replay
include "aof.pxi"
include "api.pxi"
