"""RESP request parser: multibulk and inline, against hiredis's reader as a yardstick."""
import pytest

pytest.importorskip("fastcache._core.core", reason="fastcache core extension not built")


def _multibulk(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


STREAMS = {
    "get": b"".join(_multibulk(b"GET", b"key:%012d" % i) for i in range(1000)),
    "set64": b"".join(_multibulk(b"SET", b"key:%012d" % i, b"v" * 64) for i in range(1000)),
    "mset10": b"".join(_multibulk(b"MSET", *[b"k%d" % j for j in range(20)]) for _ in range(1000)),
    "inline": b"".join(b"GET key:%012d\r\n" % i for i in range(1000)),
}


@pytest.mark.parametrize("stream", sorted(STREAMS))
def test_resp_parse(benchmark, hook, stream):
    parse = hook("bench_resp_parse")
    benchmark.group = "resp-parse"
    n = benchmark(parse, STREAMS[stream], 100)
    assert n == 100 * 1000


@pytest.mark.parametrize("stream", ["get", "set64", "mset10"])
def test_hiredis_reader_yardstick(benchmark, stream):
    """hiredis parses the same bytes as replies (arrays of bulks): a reference point, not a
    competitor (it builds Python objects, the core must not)."""
    hiredis = pytest.importorskip("hiredis")
    data = STREAMS[stream]
    benchmark.group = "resp-parse"

    def run():
        r = hiredis.Reader()
        count = 0
        for _ in range(100):
            r.feed(data)
            while r.gets() is not False:
                count += 1
        return count
    assert benchmark(run) == 100 * 1000
