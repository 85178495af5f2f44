"""Persistence orchestration (Python side): when to snapshot, the BGSAVE child,
loading at start-up.  The RDB codec itself is C in the core (`core.rdb_save`,
`core.rdb_load`, fastcache/_core/rdb.pxi)."""
from fastcache.persistence.snapshot import RdbLoadFailed, Snapshotter

__all__ = ["Snapshotter", "RdbLoadFailed"]
