"""fastcache's Cython data plane (see core.pyx)."""
