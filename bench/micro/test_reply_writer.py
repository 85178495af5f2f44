"""Reply writer: pre-encoded headers and integers, bulk copies, array headers."""
import pytest

pytest.importorskip("fastcache._core.core", reason="fastcache core extension not built")


@pytest.mark.parametrize("kind", ["ok", "int", "bulk64", "array10"])
def test_reply_write(benchmark, hook, kind):
    write = hook("bench_reply_write")
    benchmark.group = "reply-write"
    assert benchmark(write, kind, 100_000) > 0
