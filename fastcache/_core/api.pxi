# api.pxi — the coarse-grained interface the Python orchestration layer uses:
# start-up, cron, configuration fields, statistics.  Called per operation or per
# cron tick, never per command.

import os as _os

def init(int databases):
    """Create the databases and seed the keyspace hash (once, before serving)."""
    cdef bytes seed = _os.urandom(16)
    memcpy(hash_seed, PyBytes_AS_STRING(seed), 16)
    global rnd_state
    rnd_state = int.from_bytes(_os.urandom(8), "little") | 1
    update_cached_time()
    if dbs == NULL:
        dbs_init(databases)
    srv.databases = databases

cdef int resize_db = 0

def cron(bint active_expire=True, bint activerehashing=True):
    """The core part of serverCron: clock, active expiry, table resizes and 1 ms of
    incremental rehashing (Redis's databasesCron).  Returns keys expired."""
    cdef long long expired = 0
    cdef int j
    cdef fc_db *db
    update_cached_time()
    if active_expire and srv.active_expire_enabled:
        expired = active_expire_cycle()
    for j in range(ndbs):
        db = &dbs[j]
        if dict_needs_shrink(&db.keys):
            dict_shrink(&db.keys)
        if dict_needs_shrink(&db.expires):
            dict_shrink(&db.expires)
    if activerehashing:
        for j in range(ndbs):
            db = &dbs[j]
            if dict_is_rehashing(&db.keys):
                dict_rehash_ms(&db.keys, 1)
                break
            if dict_is_rehashing(&db.expires):
                dict_rehash_ms(&db.expires, 1)
                break
    return expired

def set_option(str name, value):
    """Write a configuration value the core consumes (config apply hooks)."""
    global expire_enabled_for_lookups, dict_can_resize, deny_writes_misconf
    if name == "proto-max-bulk-len":
        srv.proto_max_bulk_len = value
    elif name == "client-query-buffer-limit":
        srv.client_query_buffer_limit = value
    elif name == "maxmemory":
        srv.maxmemory = value
        evict_maxmemory_changed()    # evict.pxi: eviction timer (updateMaxmemory)
    elif name == "hz":
        srv.hz = max(1, min(500, value))
    elif name == "requirepass":
        srv.requirepass_set = 1 if value else 0
    elif name == "slowlog-log-slower-than":
        srv.slowlog_log_slower_than = value
    elif name == "hash-max-listpack-entries":
        srv.hash_max_listpack_entries = value
    elif name == "hash-max-listpack-value":
        srv.hash_max_listpack_value = value
    elif name == "set-max-intset-entries":
        srv.set_max_intset_entries = value
    elif name == "zset-max-listpack-entries":
        srv.zset_max_listpack_entries = value
    elif name == "zset-max-listpack-value":
        srv.zset_max_listpack_value = value
    elif name == "list-max-listpack-size":
        srv.list_max_listpack_size = value
    elif name == "list-compress-depth":
        srv.list_compress_depth = value
    elif name == "maxmemory-policy":
        # Redis's MAXMEMORY_FLAG_* bits: the LRU/LFU families (shared integers are
        # not used under either; OBJECT FREQ needs LFU)
        v = value.decode() if isinstance(value, bytes) else value
        srv.maxmemory_policy = (1 if "lru" in v else 0) | (2 if "lfu" in v else 0)
        evict_set_policy(v)          # evict.pxi: the full policy for eviction
    elif name in ("maxmemory-samples", "maxmemory-eviction-tenacity", "lfu-log-factor", "lfu-decay-time"):
        evict_set_param(name, value)
    elif name == "active-expire":
        srv.active_expire_enabled = 1 if value else 0
    elif name == "rdbcompression":
        global rdb_compression
        rdb_compression = bool(value) and value not in (b"no", "no")
    elif name == "rdbchecksum":
        global rdb_checksum
        rdb_checksum = bool(value) and value not in (b"no", "no")
    # ---- persist (snapshot orchestration) ----
    elif name == "resize-allowed":
        # False while a BGSAVE child exists: no dict resize/rehash allocations in
        # the parent, so copy-on-write copies as few pages as possible (Redis's
        # updateDictResizePolicy).
        dict_can_resize = bool(value)
    elif name == "loading":
        global server_loading
        server_loading = bool(value)
    elif name == "key-load-delay":
        global key_load_delay
        key_load_delay = value
    elif name == "rdb-key-save-delay":
        global key_save_delay
        key_save_delay = value
    elif name == "loading-process-events-interval-bytes":
        global load_events_bytes
        load_events_bytes = value
    elif name == "client-output-buffer-limit":
        # {class: (hard, soft, seconds)} from config.py (client.pxi's limits)
        for cname, k in (("normal", 0), ("slave", 1), ("pubsub", 2)):
            if cname in value:
                obuf_hard[k], obuf_soft[k], obuf_soft_secs[k] = value[cname]
    elif name == "misconf-deny-writes":
        deny_writes_misconf = bool(value)
    elif name == "notify-keyspace-events":
        # notify.pxi: the config layer's flags int (its own bit numbering) or a
        # class string -> our NOTIFY_* bits, through the class characters
        if isinstance(value, int):
            from fastcache.config import NOTIFY_FLAGS
            value = "".join(ch for ch, bit in NOTIFY_FLAGS.items() if value & bit)
        v = value.encode() if isinstance(value, str) else bytes(value)
        flags = notify_parse_classes(v, len(v))
        if flags < 0:
            raise ValueError(value)
        notify_set_flags(flags)
    elif name == "dirty":
        # changes since the last save: a finished BGSAVE keeps only the changes
        # made while the child was writing (dirty - dirty_before_bgsave)
        srv.dirty = value
    else:
        raise KeyError(name)

def used_memory():
    """Bytes allocated through the counting allocator (C data of the core)."""
    return fc_used_memory

def keyspace_info():
    """[(db, keys, expires, avg_ttl)] for databases that hold keys."""
    cdef int j
    out = []
    for j in range(ndbs):
        if dict_size(&dbs[j].keys):
            out.append((j, dict_size(&dbs[j].keys), dict_size(&dbs[j].expires), dbs[j].avg_ttl))
    return out

def total_keys():
    cdef long long n = 0
    cdef int j
    for j in range(ndbs):
        n += dict_size(&dbs[j].keys)
    return n

def stats():
    """The server counters INFO reports, by Redis's field names."""
    return {
        "total_commands_processed": srv.stat_numcommands,
        "total_connections_received": srv.stat_numconnections,
        "rejected_connections": srv.stat_rejected_conn,
        "expired_keys": srv.stat_expiredkeys,
        "expired_time_cap_reached_count": srv.stat_expired_time_cap_reached_count,
        "keyspace_hits": srv.stat_keyspace_hits,
        "keyspace_misses": srv.stat_keyspace_misses,
        "total_net_input_bytes": srv.stat_net_input_bytes,
        "total_net_output_bytes": srv.stat_net_output_bytes,
        "total_error_replies": srv.stat_total_error_replies,
        "unexpected_error_replies": srv.stat_unexpected_error_replies,
        "evicted_keys": srv.stat_evictedkeys,
        "total_reads_processed": srv.stat_total_reads_processed,
        "total_writes_processed": srv.stat_total_writes_processed,
        "expire_cycle_cpu_milliseconds": srv.stat_expire_cycle_time_used // 1000,
        "dirty": srv.dirty,
    }

def reset_stats():
    """CONFIG RESETSTAT's share of the core."""
    srv.stat_numcommands = 0
    srv.stat_numconnections = 0
    srv.stat_rejected_conn = 0
    srv.stat_expiredkeys = 0
    srv.stat_expired_time_cap_reached_count = 0
    srv.stat_keyspace_hits = 0
    srv.stat_keyspace_misses = 0
    srv.stat_net_input_bytes = 0
    srv.stat_net_output_bytes = 0
    srv.stat_total_error_replies = 0
    srv.stat_unexpected_error_replies = 0
    srv.stat_evictedkeys = 0
    eviction_reset_stats()
    srv.stat_total_reads_processed = 0
    srv.stat_total_writes_processed = 0
    srv.stat_expire_cycle_time_used = 0
    reset_command_stats()

def count_rejected_connection():
    srv.stat_rejected_conn += 1

def mstime():
    return srv.mstime

def stringmatch(bytes pattern, bytes s, bint nocase=False):
    """Redis glob matching (KEYS, SCAN MATCH, CONFIG GET, COMMAND LIST PATTERN),
    through the C kernel csrc/glob.c, for the admin path."""
    return fc_stringmatchlen(PyBytes_AS_STRING(pattern), <int>len(pattern),
                             PyBytes_AS_STRING(s), <int>len(s), nocase) == 1

# ---- persist (snapshot orchestration) ----
def empty_data():
    """Empty every database (DEBUG RELOAD empties before loading, as Redis's
    emptyData, so a failed load leaves nothing behind)."""
    cdef int j
    for j in range(ndbs):
        # multi.pxi: WATCHes on existing keys fail, as emptyData's signalFlushedDb
        touch_all_watched_keys_in_db(&dbs[j], NULL)
        db_empty(&dbs[j])


def set_flushall_hook(fn):
    """fn() runs after FLUSHALL emptied the databases (the persistence layer's
    kill-child-and-save step)."""
    global _flushall_hook
    _flushall_hook = fn
