"""fastcache benchmarks: ``python -m bench compare`` (side by side with redis-server) and
pytest-benchmark micro benchmarks in ``bench/micro/``."""
