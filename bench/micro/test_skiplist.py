"""Sorted-set skiplist: insert, rank and delete at growing sizes (expect O(log N))."""
import pytest

pytest.importorskip("fastcache._core.core", reason="fastcache core extension not built")


@pytest.mark.parametrize("size", [1_000, 100_000, 1_000_000])
@pytest.mark.parametrize("op", ["insert", "rank", "delete"])
def test_zsl(benchmark, hook, op, size):
    fn = hook("bench_zsl")
    benchmark.group = f"skiplist-{op}"
    assert benchmark.pedantic(fn, args=(op, size, 10_000), rounds=5, iterations=1) >= 0
