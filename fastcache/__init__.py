"""fastcache: a Redis-compatible in-memory data store with a Cython core."""
__version__ = "0.1.0"
