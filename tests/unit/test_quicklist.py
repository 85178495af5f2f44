"""The quicklist (fastcache/_core/quicklist.pxi) exercised through the list commands against a
Python list model, with tiny nodes and LZF compression of inner nodes, so that every path
(node splits on LINSERT, merges after LREM, range deletes across nodes, compressed inner
nodes read by LINDEX/LRANGE/LPOS and written by LSET/LINSERT) is crossed many times.

Only fastcache is involved (the model is the oracle); the differential tests live in
tests/commands/test_lists.py.
"""

from __future__ import annotations

import random

import pytest

from support.resp import parse

CONFIGS = [(-2, 0), (1, 0), (2, 1), (3, 2), (5, 1), (-1, 1), (-1, 3), (8, 0), (4, 5)]


@pytest.fixture
def fcl(fc):
    yield fc
    fc.call("CONFIG", "SET", "list-max-listpack-size", "-2")
    fc.call("CONFIG", "SET", "list-compress-depth", "0")


def _value(rng: random.Random) -> bytes:
    kind = rng.random()
    if kind < 0.25:
        return str(rng.choice([0, 1, -1, 127, 128, 4095, -4097, 70000, 2**40, -2**63])).encode()
    if kind < 0.35:
        return b"v" * rng.choice([0, 1, 63, 64, 300, 5000])
    # compressible, from a small pool so LREM/LPOS/LINSERT find matches
    return b"item-%d-" % rng.randrange(12) + b"abcdefgh" * rng.randrange(1, 8)


def _norm(i: int, n: int) -> int:
    return i + n if i < 0 else i


@pytest.mark.parametrize("fill,depth", CONFIGS, ids=[f"fill{f}-depth{d}" for f, d in CONFIGS])
def test_random_operations_match_a_python_list(fcl, fill, depth):
    fc = fcl
    fc.call("CONFIG", "SET", "list-max-listpack-size", str(fill))
    fc.call("CONFIG", "SET", "list-compress-depth", str(depth))
    rng = random.Random(fill * 1000 + depth)
    model: list[bytes] = []
    for step in range(700):
        op = rng.random()
        n = len(model)
        if op < 0.22 or n < 5:
            vals = [_value(rng) for _ in range(rng.randrange(1, 12))]
            if rng.random() < 0.5:
                got = fc.pcall("RPUSH", "l", *vals)
                model.extend(vals)
            else:
                got = fc.pcall("LPUSH", "l", *vals)
                model[:0] = vals[::-1]
            assert got == len(model)
        elif op < 0.32:
            k = rng.randrange(0, 6)
            if rng.random() < 0.5:
                got = fc.pcall("LPOP", "l", str(k))
                exp, model = model[:k], model[k:]
            else:
                got = fc.pcall("RPOP", "l", str(k))
                exp = model[::-1][:k]
                model = model[:len(model) - len(exp)]
            assert got == (exp if (exp or k == 0) else None) or (got is None and not exp)
        elif op < 0.42:
            i = rng.randrange(-n - 2, n + 2)
            got = fc.pcall("LINDEX", "l", str(i))
            j = _norm(i, n)
            assert got == (model[j] if 0 <= j < n else None)
        elif op < 0.50:
            i = rng.randrange(-n, n)
            v = _value(rng)
            assert fc.call("LSET", "l", str(i), v) == b"+OK\r\n"
            model[_norm(i, n)] = v
        elif op < 0.60:
            pivot = rng.choice(model) if rng.random() < 0.9 else b"absent"
            v = _value(rng)
            after = rng.random() < 0.5
            got = fc.pcall("LINSERT", "l", "AFTER" if after else "BEFORE", pivot, v)
            if pivot in model:
                j = model.index(pivot)
                model.insert(j + 1 if after else j, v)
                assert got == len(model)
            else:
                assert got == -1
        elif op < 0.68:
            v = rng.choice(model)
            count = rng.choice([0, 1, 2, -1, -2, 5])
            got = fc.pcall("LREM", "l", str(count), v)
            removed = 0
            if count >= 0:
                out = []
                for x in model:
                    if x == v and (count == 0 or removed < count):
                        removed += 1
                    else:
                        out.append(x)
            else:
                out = []
                for x in reversed(model):
                    if x == v and removed < -count:
                        removed += 1
                    else:
                        out.append(x)
                out.reverse()
            model = out
            assert got == removed
        elif op < 0.74:
            s, e = rng.randrange(-n - 3, n + 3), rng.randrange(-n - 3, n + 3)
            assert fc.call("LTRIM", "l", str(s), str(e)) == b"+OK\r\n"
            s2, e2 = _norm(s, n), _norm(e, n)
            s2 = max(s2, 0)
            model = model[s2:e2 + 1] if s2 <= e2 else []
        elif op < 0.82:
            s, e = rng.randrange(-n - 3, n + 3), rng.randrange(-n - 3, n + 3)
            s2, e2 = max(_norm(s, n), 0), _norm(e, n)
            got = fc.pcall("LRANGE", "l", str(s), str(e))
            assert got == (model[s2:e2 + 1] if s2 <= e2 else [])
        elif op < 0.88:
            v = rng.choice(model)
            rank = rng.choice([1, 2, -1, -2])
            got = fc.pcall("LPOS", "l", v, "RANK", str(rank), "COUNT", "0")
            idx = [i for i, x in enumerate(model) if x == v]
            if rank < 0:
                idx = idx[::-1]
            assert got == idx[abs(rank) - 1:]
        elif op < 0.94:
            wf, wt = rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"])
            got = fc.pcall("LMOVE", "l", "l", wf, wt)
            x = model.pop(0 if wf == "LEFT" else -1)
            model.insert(0 if wt == "LEFT" else len(model), x)
            assert got == x
        else:
            assert fc.pcall("LLEN", "l") == len(model)
        if not model:
            assert fc.pcall("EXISTS", "l") == 0
        if step % 50 == 0:
            assert fc.pcall("LRANGE", "l", "0", "-1") == model, f"step {step}"
    assert fc.pcall("LRANGE", "l", "0", "-1") == model
    # a copy is independent and equal
    fc.call("DEL", "c")
    if model:
        assert fc.pcall("COPY", "l", "c") == 1
        assert fc.pcall("LRANGE", "c", "0", "-1") == model
        fc.call("RPUSH", "c", "extra")
        assert fc.pcall("LRANGE", "l", "0", "-1") == model


@pytest.mark.parametrize("fill,depth", [(-2, 0), (2, 1), (-1, 2)])
def test_big_list_push_pop_both_ends(fcl, fill, depth):
    fc = fcl
    fc.call("CONFIG", "SET", "list-max-listpack-size", str(fill))
    fc.call("CONFIG", "SET", "list-compress-depth", str(depth))
    items = [b"element-%06d-" % i + b"pad" * 10 for i in range(20000)]
    for i in range(0, len(items), 1000):
        fc.call("RPUSH", "big", *items[i:i + 1000])
    assert parse(fc.call("LLEN", "big")) == len(items)
    for i in (0, 1, 4999, 10000, 19998, 19999, -1, -20000):
        assert parse(fc.call("LINDEX", "big", str(i))) == items[i]
    assert parse(fc.call("LRANGE", "big", "9990", "10010")) == items[9990:10011]
    assert parse(fc.call("LPOP", "big", "5000")) == items[:5000]
    assert parse(fc.call("RPOP", "big", "5000")) == items[-5000:][::-1]
    assert parse(fc.call("LRANGE", "big", "0", "-1")) == items[5000:15000]
    assert parse(fc.call("LPOS", "big", items[12345])) == 12345 - 5000
    fc.call("LTRIM", "big", "100", "-101")
    assert parse(fc.call("LRANGE", "big", "0", "-1")) == items[5100:14900]
