# multi.pxi — MULTI/EXEC/DISCARD/WATCH/UNWATCH (Redis's multi.c).
#
# Interface used by every command family (ARCHITECTURE.md §5, "signal the
# modified key"): a command that changed key `key` in `db` calls
# signal_modified_key(db, key, klen) once per key, next to its keyspace
# notification; FLUSHDB/FLUSHALL/SWAPDB call touch_all_watched_keys_in_db.
# The WATCH machinery that gives these calls their effect is built here.

cdef inline void signal_modified_key(fc_db *db, const char *key, size_t klen) noexcept:
    """A key was modified (Redis's signalModifiedKey): invalidates WATCHes on it."""
    pass

cdef void touch_all_watched_keys_in_db(fc_db *emptied, fc_db *replaced_with) noexcept:
    """Every watched key of `emptied` that exists there (or, for SWAPDB, in
    `replaced_with`) is touched (Redis's touchAllWatchedKeysInDb)."""
    pass
