"""Micro benchmarks of the core pieces (pytest-benchmark). Not part of the test suite:
pytest's testpaths is tests/, so these run only when asked for:

    pytest bench/micro --benchmark-only

They time the compiled core through coarse bench hooks, one call running a whole loop in C, so
that the Python call overhead does not swamp a 20 ns operation. A hook the core does not export
yet skips its benchmark with a message naming it; the whole directory skips when the extension
is not built. Hook contract (functions of ``fastcache._core.core``):

    bench_resp_parse(data: bytes, loops: int) -> int     commands parsed (data parsed `loops` times)
    bench_reply_write(kind: str, n: int) -> int          bytes written; kind: int|bulk64|array10|ok
    bench_dict(op: str, n: int) -> int                   op: insert|lookup|lookup_miss|delete
    bench_zsl(op: str, size: int, n: int) -> int         op: insert|rank|delete on a `size` list
    bench_listpack(op: str, entries: int, n: int) -> int op: append|index|iterate
"""
import pytest


@pytest.fixture(scope="session")
def core():
    return pytest.importorskip("fastcache._core.core",
                               reason="fastcache core extension not built (pip install -e .)")


@pytest.fixture
def hook(core):
    def get(name):
        fn = getattr(core, name, None)
        if fn is None:
            pytest.skip(f"fastcache._core.core has no bench hook {name}() yet")
        return fn
    return get
