"""Keyspace hash table: insert (with incremental rehash), hit and miss lookups, delete."""
import pytest

pytest.importorskip("fastcache._core.core", reason="fastcache core extension not built")


@pytest.mark.parametrize("op", ["insert", "lookup", "lookup_miss", "delete"])
def test_dict(benchmark, hook, op):
    fn = hook("bench_dict")
    benchmark.group = "dict"
    assert benchmark(fn, op, 100_000) >= 0


def test_python_dict_yardstick(benchmark):
    """The same inserts into a Python dict of bytes keys, for scale."""
    keys = [b"key:%012d" % i for i in range(100_000)]
    benchmark.group = "dict"

    def run():
        d = {}
        for k in keys:
            d[k] = k
        return len(d)
    assert benchmark(run) == 100_000
