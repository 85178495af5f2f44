"""The skiplist (skiplist.pxi) through the sorted-set commands, against a Python sorted model.

Thousands of members with random inserts, score updates, removals and range deletions; after
each phase ranks, rank ranges, score counts and the full order are checked against the model.
Runs with the skiplist forced (zset-max-listpack-entries 0) and with the default thresholds.
"""

from __future__ import annotations

import random

import pytest

from support.resp import parse


def _order(model):
    return sorted(model.items(), key=lambda kv: (kv[1], kv[0]))


def _check(fc, model, rng):
    order = _order(model)
    assert parse(fc.call("ZCARD", "z")) == len(order)
    flat = parse(fc.call("ZRANGE", "z", "0", "-1", "WITHSCORES"))
    assert [m for m in flat[::2]] == [m for m, _ in order]
    assert [float(s) for s in flat[1::2]] == [s for _, s in order]
    for _ in range(50):
        if not order:
            break
        i = rng.randrange(len(order))
        m = order[i][0]
        assert parse(fc.call("ZRANK", "z", m)) == i
        assert parse(fc.call("ZREVRANK", "z", m)) == len(order) - 1 - i
        j = rng.randrange(len(order))
        lo, hi = min(i, j), max(i, j)
        assert parse(fc.call("ZRANGE", "z", str(lo), str(hi))) == [x for x, _ in order[lo:hi + 1]]
        a, b = sorted((order[i][1], order[j][1]))
        assert parse(fc.call("ZCOUNT", "z", repr(a), repr(b))) == sum(1 for _, s in order if a <= s <= b)
        got = parse(fc.call("ZRANGEBYSCORE", "z", f"({a!r}", repr(b)))
        assert got == [x for x, s in order if a < s <= b]


@pytest.mark.parametrize("entries", [b"0", b"128"])
def test_skiplist_against_sorted_model(fc, entries):
    fc.call("CONFIG", "SET", "zset-max-listpack-entries", entries)
    try:
        rng = random.Random(1234)
        model: dict[bytes, float] = {}
        # scores from a small set so that ties (ordered by member bytes) are frequent
        for _ in range(4000):
            m = f"m{rng.randrange(3000)}".encode()
            s = float(rng.randrange(-50, 50)) / 4
            fc.call("ZADD", "z", repr(s), m)
            model[m] = s
        _check(fc, model, rng)
        for _ in range(1500):
            m = rng.choice(list(model))
            d = float(rng.randrange(-20, 20)) / 2
            model[m] += d
            fc.call("ZINCRBY", "z", repr(d), m)
        _check(fc, model, rng)
        for _ in range(800):
            m = rng.choice(list(model))
            assert parse(fc.call("ZREM", "z", m)) == 1
            del model[m]
        _check(fc, model, rng)
        order = _order(model)
        assert parse(fc.call("ZREMRANGEBYRANK", "z", "100", "599")) == 500
        for m, _ in order[100:600]:
            del model[m]
        assert parse(fc.call("ZREMRANGEBYSCORE", "z", "(0", "2")) == sum(1 for s in model.values() if 0 < s <= 2)
        model = {m: s for m, s in model.items() if not (0 < s <= 2)}
        _check(fc, model, rng)
        popped = parse(fc.call("ZPOPMIN", "z", "10"))
        order = _order(model)
        assert popped[::2] == [m for m, _ in order[:10]]
        for m, _ in order[:10]:
            del model[m]
        popped = parse(fc.call("ZPOPMAX", "z", "10"))
        order = _order(model)
        assert popped[::2] == [m for m, _ in reversed(order[-10:])]
        for m, _ in order[-10:]:
            del model[m]
        _check(fc, model, rng)
        assert parse(fc.call("ZREMRANGEBYRANK", "z", "0", "-1")) == len(model)
        assert parse(fc.call("EXISTS", "z")) == 0
    finally:
        fc.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
