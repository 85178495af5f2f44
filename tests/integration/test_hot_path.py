"""The hot path creates no Python object per command (ARCHITECTURE.md §3).

The server reports the interpreter's allocated block count (DEBUG PYALLOCS);
100,000 pipelined GET/SET between two readings must leave it where it was
(a few blocks of slack for the DEBUG call itself and lazily created caches).
A Python object per command would show up as growth or, if freed, as churn that
this test can't see — so the test also runs the load twice and requires the
second run to add nothing at all beyond the slack.
"""
from support.resp import RawClient, encode_command, parse

N = 100_000
BATCH = 10_000
SLACK = 64


def _pyallocs(c):
    return parse(c.call(b"DEBUG", b"PYALLOCS"))


def _load(c, rounds):
    val = b"v" * 64
    for r in range(rounds // BATCH):
        payload = b"".join(encode_command(b"SET", b"key:%d" % (i % 1000), val) + encode_command(b"GET", b"key:%d" % i)
                           for i in range(r * BATCH // 2, (r + 1) * BATCH // 2))
        c.send(payload)
        replies = c.read_replies(BATCH)
        assert replies[0] == b"+OK\r\n"


def test_get_set_create_no_python_objects(server_factory):
    h = server_factory("fc", args=["--enable-debug-command", "yes"])
    c = RawClient(h.host, h.port, timeout=60)
    _load(c, 20_000)                      # warm up: buffers, dict growth, caches
    before = _pyallocs(c)
    _load(c, N)
    middle = _pyallocs(c)
    _load(c, N)
    after = _pyallocs(c)
    print("allocated blocks: before=%d after 100k=%d after 200k=%d" % (before, middle, after))
    assert abs(middle - before) <= SLACK, (before, middle, after)
    assert abs(after - middle) <= SLACK, (before, middle, after)
