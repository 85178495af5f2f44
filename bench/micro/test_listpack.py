"""listpack codec (csrc): append, random index, full iteration, at small and threshold sizes."""
import pytest

pytest.importorskip("fastcache._core.core", reason="fastcache core extension not built")


@pytest.mark.parametrize("entries", [16, 128])
@pytest.mark.parametrize("op", ["append", "index", "iterate"])
def test_listpack(benchmark, hook, op, entries):
    fn = hook("bench_listpack")
    benchmark.group = f"listpack-{op}"
    assert benchmark(fn, op, entries, 10_000) >= 0
