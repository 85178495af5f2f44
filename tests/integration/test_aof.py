"""The append-only file end to end: Redis 7.0's multi-part layout, round trips of AOF
directories with the reference redis-server in both directions (DEBUG DIGEST
equal), restarts, kill -9 under `appendfsync always` with no acknowledged write
lost, torn tails with aof-load-truncated yes/no, BGREWRITEAOF while writing, and
CONFIG SET appendonly at runtime.

Each test starts private servers on private directories.
"""
import os
import threading
import time

import pytest

from support.resp import RawClient, parse

DEBUG = ["--enable-debug-command", "yes"]
AOF = ["--appendonly", "yes"]
# kill -9 runs (acceptance: 20; about 1 s each)
CRASH_RUNS = int(os.environ.get("AOF_CRASH_RUNS", "20"))


def _c(h):
    return RawClient(h.host, h.port, timeout=20)


def _call(h, *args):
    return parse(_c(h).call(*args))


def _info(h, section="persistence"):
    raw = _call(h, "INFO", section)
    return dict(ln.split(":", 1) for ln in raw.decode().splitlines() if ":" in ln)


def _wait_rewrite(h, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        i = _info(h)
        if i["aof_rewrite_in_progress"] == "0" and i.get("aof_rewrite_scheduled") == "0":
            return i
        time.sleep(0.05)
    raise AssertionError("rewrite still running")


def _aofdir(h):
    return os.path.join(h.dir, "appendonlydir")


def _manifest(h):
    with open(os.path.join(_aofdir(h), "appendonly.aof.manifest")) as f:
        return f.read()


def _kill9(h):
    h._kill()


def _fill(h):
    """Every type, both encodings where cheap, TTLs, several dbs, a transaction."""
    c = _c(h)
    for cmd in (
        ("SET", "s", "hello"), ("SET", "i", "12345"), ("SET", "big", "x" * 100),
        ("SET", "bin\x00key", "v\x00"), ("SET", "", "empty-key"),
        ("RPUSH", "l", "a", "b", "c"), ("LPUSH", "l", "z"), ("LPOP", "l"),
        ("HSET", "h", "f1", "v1", "f2", "v2"), ("HDEL", "h", "f2"),
        ("SADD", "si", "1", "2", "3"), ("SADD", "ss", "x", "y"), ("SREM", "ss", "y"),
        ("ZADD", "z", "1", "a", "2.5", "b"), ("ZINCRBY", "z", "3", "a"),
        ("SET", "ttl", "v", "EX", "1000"), ("PEXPIRE", "l", "500000"),
        ("INCRBY", "i", "5"), ("APPEND", "s", " world"), ("DEL", "big"),
        ("SELECT", "5"), ("SET", "in5", "five"), ("HSET", "h5", "a", "1"),
        ("SELECT", "0"),
    ):
        reply = c.call(*cmd)
        assert not reply.startswith(b"-"), (cmd, reply)
    # a bigger hash and zset (hashtable / skiplist encodings)
    c.call("HSET", "hbig", *[x for i in range(300) for x in ("f%d" % i, "v%d" % i)])
    c.call("ZADD", "zbig", *[x for i in range(200) for x in (str(i), "m%d" % i)])
    c.call("RPUSH", "lbig", *["e%d" % i for i in range(1000)])


def _digest(h):
    return _call(h, "DEBUG", "DIGEST")


# ------------------------------------------------------------------ layout

def test_appendonly_yes_creates_redis_7_layout(launch):
    h = launch("fc", AOF + DEBUG)
    assert sorted(os.listdir(_aofdir(h))) == ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof",
                                              "appendonly.aof.manifest"]
    assert _manifest(h) == ("file appendonly.aof.1.base.rdb seq 1 type b\n"
                            "file appendonly.aof.1.incr.aof seq 1 type i\n")
    _call(h, "SET", "a", "1")
    with open(os.path.join(_aofdir(h), "appendonly.aof.1.incr.aof"), "rb") as f:
        assert f.read() == (b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
                            b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n")
    info = _info(h)
    assert info["aof_enabled"] == "1"
    assert info["aof_current_size"] == "50"      # as the reference reports for the same write


def test_info_persistence_aof_fields_match_reference(launch):
    hf = launch("fc", AOF)
    hr = launch("ref", AOF)
    kf = [ln.split(":")[0] for ln in _call(hf, "INFO", "persistence").decode().splitlines()]
    kr = [ln.split(":")[0] for ln in _call(hr, "INFO", "persistence").decode().splitlines()]
    assert kf == kr


def test_bgrewriteaof_replies_like_reference(launch):
    for kind in ("fc", "ref"):
        h = launch(kind, AOF + ["--rdb-key-save-delay", "100000"])
        c = _c(h)
        c.call("SET", "k", "v")
        assert c.call("BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
        assert c.call("BGREWRITEAOF") == b"-ERR Background append only file rewriting already in progress\r\n"


# ------------------------------------------------------------------ round trips

def test_reference_aof_directory_loads_in_fastcache(launch):
    r = launch("ref", AOF + DEBUG)
    _fill(r)
    c = _c(r)
    assert c.call("BGREWRITEAOF").startswith(b"+")
    _wait_rewrite(r)
    # after the rewrite: an incr file on top of the RDB base, with a transaction
    c.call("MULTI")
    c.call("SET", "tx1", "a")
    c.call("INCR", "tx2")
    c.call("EXEC")
    c.call("SET", "after", "rewrite")
    c.call("SELECT", "3")
    c.call("SADD", "s3", "q")
    want = _digest(r)
    d = r.dir
    r.stop()
    f = launch("fc", AOF + DEBUG, dir=d)
    assert _digest(f) == want
    assert _call(f, "GET", "tx1") == b"a"


def test_fastcache_aof_directory_loads_in_reference(launch):
    f = launch("fc", AOF + DEBUG)
    _fill(f)
    c = _c(f)
    assert c.call("BGREWRITEAOF").startswith(b"+")
    _wait_rewrite(f)
    c.call("SET", "after", "rewrite")
    c.call("SELECT", "7")
    c.call("RPUSH", "l7", "1", "2")
    c.call("EXPIRE", "l7", "1000")
    c.call("SELECT", "0")
    c.call("SPOP", "si")
    want = _digest(f)
    d = f.dir
    f.stop()
    r = launch("ref", AOF + DEBUG, dir=d)
    assert _digest(r) == want


def test_restart_keeps_data_everysec_and_preamble_off(launch):
    for extra in (["--appendfsync", "everysec"], ["--aof-use-rdb-preamble", "no"]):
        f = launch("fc", AOF + DEBUG + extra)
        _fill(f)
        want = _digest(f)
        f.stop()
        g = launch("fc", AOF + DEBUG + extra, dir=f.dir)
        assert _digest(g) == want
        g.stop()


# ------------------------------------------------------------------ crash

def _crash_run(launch, d=None):
    """Write from 4 clients under appendfsync always, kill -9, restart: every
    acknowledged write must be there."""
    h = launch("fc", AOF + ["--appendfsync", "always"], dir=d)
    acked = [[] for _ in range(4)]
    stop = threading.Event()

    def writer(n):
        c = _c(h)
        i = 0
        try:
            while not stop.is_set() and i < 20000:
                key = "w%d:%d" % (n, i)
                if c.call("SET", key, str(i)) == b"+OK\r\n":
                    acked[n].append(key)
                i += 1
        except Exception:
            pass            # the server died under us

    ts = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in ts:
        t.start()
    time.sleep(0.4)
    _kill9(h)
    stop.set()
    for t in ts:
        t.join(10)
    h.start()
    c = _c(h)
    total = 0
    for n in range(4):
        for key in acked[n]:
            assert c.call("EXISTS", key) == b":1\r\n", "acknowledged write lost: %s" % key
        total += len(acked[n])
    return h, total


def test_kill9_under_appendfsync_always_loses_no_acknowledged_write(launch):
    totals = []
    for _ in range(CRASH_RUNS):
        h, total = _crash_run(launch)
        totals.append(total)
        h.stop()
    assert all(t > 0 for t in totals), totals


# ------------------------------------------------------------------ torn tail

def _torn_dir(launch):
    f = launch("fc", AOF + DEBUG)
    _call(f, "SET", "a", "1")
    _call(f, "SET", "b", "2")
    f.stop()
    incr = os.path.join(_aofdir(f), "appendonly.aof.1.incr.aof")
    with open(incr, "ab") as fp:
        fp.write(b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nhal")     # torn mid-argument
    return f.dir, incr


def test_torn_tail_is_cut_with_aof_load_truncated_yes(launch):
    d, incr = _torn_dir(launch)
    size = os.path.getsize(incr)
    g = launch("fc", AOF + DEBUG + ["--aof-load-truncated", "yes"], dir=d)
    assert _call(g, "GET", "b") == b"2"
    assert _call(g, "EXISTS", "c") == 0       # the torn SET is dropped
    assert "loaded anyway because aof-load-truncated is enabled" in g.log_text()
    assert os.path.getsize(incr) < size - 20
    # the file is appendable again and loads in the reference too
    _call(g, "SET", "c", "3")
    want = _digest(g)
    g.stop()
    r = launch("ref", AOF + DEBUG, dir=d)
    assert _digest(r) == want


def test_torn_tail_refuses_to_start_with_aof_load_truncated_no(launch):
    d, incr = _torn_dir(launch)
    g = launch("fc", AOF + ["--aof-load-truncated", "no"], dir=d, expect_fail=True)
    assert "Unrecoverable error reading the append only file" in g.log_text()


def test_bad_format_and_unknown_command_refuse_to_start(launch):
    d, incr = _torn_dir(launch)
    with open(incr, "wb") as fp:
        fp.write(b"*1\r\n$7\r\nNOSUCHC\r\n")
    g = launch("fc", AOF, dir=d, expect_fail=True)
    assert "Unknown command 'NOSUCHC' reading the append only file" in g.log_text()
    with open(incr, "wb") as fp:
        fp.write(b"garbage\r\n")
    g = launch("fc", AOF, dir=d, expect_fail=True)
    assert "Bad file format reading the append only file" in g.log_text()


# ------------------------------------------------------------------ rewrite while writing

def test_bgrewriteaof_while_writing_keeps_everything(launch):
    h = launch("fc", AOF + DEBUG + ["--rdb-key-save-delay", "200"])
    c = _c(h)
    for i in range(0, 2000, 100):
        c.call("MSET", *[x for j in range(i, i + 100) for x in ("pre%d" % j, str(j))])
    assert c.call("BGREWRITEAOF").startswith(b"+Background append only file rewriting started")
    n = 0
    while _info(h)["aof_rewrite_in_progress"] == "1" or n < 200:
        c.call("SET", "during%d" % n, str(n))
        c.call("INCR", "counter")
        n += 1
    info = _wait_rewrite(h)
    assert info["aof_last_bgrewrite_status"] == "ok" and info["aof_rewrites"] == "1"
    assert _manifest(h) == ("file appendonly.aof.2.base.rdb seq 2 type b\n"
                            "file appendonly.aof.2.incr.aof seq 2 type i\n")
    assert sorted(os.listdir(_aofdir(h))) == ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof",
                                              "appendonly.aof.manifest"]
    want = _digest(h)
    _kill9(h)
    h.start()
    assert _digest(h) == want
    assert _call(h, "GET", "counter") == str(n).encode()


def test_config_set_appendonly_at_runtime(launch):
    h = launch("fc", DEBUG)
    _fill(h)
    assert _call(h, "CONFIG", "SET", "appendonly", "yes") == "OK"
    _call(h, "SET", "later", "1")
    _wait_rewrite(h)
    assert _info(h)["aof_enabled"] == "1"
    _call(h, "SET", "later2", "2")
    want = _digest(h)
    _kill9(h)
    h.extra_args += AOF
    h.start()
    assert _digest(h) == want
    assert _call(h, "CONFIG", "SET", "appendonly", "no") == "OK"
    assert _info(h)["aof_enabled"] == "0"


def test_bgsave_during_aof_rewrite_is_refused_or_scheduled_like_redis(server_factory):
    """One child at a time (Redis's hasActiveChildProcess): BGSAVE while an AOF
    rewrite runs is refused with Redis's text, BGSAVE SCHEDULE runs it afterwards."""
    import time as _t
    from support.resp import RawClient as _RC
    replies = {}
    for kind in ("ref", "fc"):
        h = server_factory(kind, args=["--appendonly", "yes", "--rdb-key-save-delay", "2000",
                                       "--enable-debug-command", "yes"])
        c = _RC(h.host, h.port, timeout=30)
        for i in range(500):
            c.call("SET", "k%d" % i, "v")
        got = [c.call("BGREWRITEAOF"), c.call("BGSAVE"), c.call("BGSAVE", "SCHEDULE")]
        deadline = _t.monotonic() + 20
        while _t.monotonic() < deadline:
            info = c.call("INFO", "persistence")
            if b"aof_rewrite_in_progress:0" in info and b"rdb_bgsave_in_progress:0" in info \
                    and b"rdb_last_bgsave_status:ok" in info and b"rdb_saves:1" in info:
                break
            _t.sleep(0.1)
        else:
            raise AssertionError("scheduled BGSAVE did not run on %s: %r" % (kind, info))
        replies[kind] = got
    assert replies["fc"] == replies["ref"]


# ------------------------------------------------------------------ command-form base, preamble tails, upgrade

NOPRE = ["--aof-use-rdb-preamble", "no"]


def _base_name(h):
    return [n for n in os.listdir(_aofdir(h)) if ".base." in n][0]


def _read(h, name):
    with open(os.path.join(_aofdir(h), name), "rb") as f:
        return f.read()


def test_preamble_off_rewrite_writes_a_command_base_like_reference(launch):
    """aof-use-rdb-preamble no: the base is commands; for one key of each type the
    bytes equal the reference's (single-member sets/hashes: no order question)."""
    outs = {}
    for kind in ("fc", "ref"):
        h = launch(kind, AOF + DEBUG + NOPRE)
        c = _c(h)
        c.call("SET", "s", "v")
        c.call("SET", "n", "42")
        c.call("RPUSH", "l", "a", "7", "c")
        c.call("SADD", "st", "m")
        c.call("ZADD", "z", "1.5", "a", "inf", "b", "-3", "c")
        c.call("HSET", "h", "f", "1")
        c.call("SET", "t", "x")
        c.call("PEXPIREAT", "t", "99999999999999")
        c.call("SELECT", "2")
        c.call("SET", "k2", "")
        assert c.call("BGREWRITEAOF").startswith(b"+")
        _wait_rewrite(h)
        name = _base_name(h)
        assert name == "appendonly.aof.2.base.aof"
        data = _read(h, name)
        # keys come in hash-table order: compare the set of per-key commands
        cmds = [b"*" + x for x in data.split(b"\r\n*") if x]
        cmds[0] = cmds[0][1:]
        outs[kind] = sorted(cmds)
    assert outs["fc"] == outs["ref"]


def test_preamble_off_base_round_trips_both_ways(launch):
    f = launch("fc", AOF + DEBUG + NOPRE)
    _fill(f)
    c = _c(f)
    # more than 64 items: batched commands
    c.call("SADD", "sbig", *["m%d" % i for i in range(150)])
    c.call("SADD", "sint", *[str(i) for i in range(130)])
    c.call("ZADD", "zsmall", "1", "a", "2", "b")
    assert c.call("BGREWRITEAOF").startswith(b"+")
    _wait_rewrite(f)
    base = _read(f, _base_name(f))
    assert base.startswith(b"*2\r\n$6\r\nSELECT\r\n")
    assert b"$9\r\nPEXPIREAT\r\n" in base and b"$5\r\nHMSET\r\n" in base
    # lbig: 1000 items -> 15 RPUSH of 64 + one of 40
    assert base.count(b"*66\r\n$5\r\nRPUSH\r\n$4\r\nlbig\r\n") == 15
    assert base.count(b"*42\r\n$5\r\nRPUSH\r\n$4\r\nlbig\r\n") == 1
    assert base.count(b"*130\r\n$5\r\nHMSET\r\n$4\r\nhbig\r\n") == 4   # 300 fields: 4 x 64 + 44
    c.call("SET", "after", "rewrite")
    want = _digest(f)
    d = f.dir
    f.stop()
    g = launch("fc", AOF + DEBUG + NOPRE, dir=d)
    assert _digest(g) == want
    g.stop()
    r = launch("ref", AOF + DEBUG + NOPRE, dir=d)
    assert _digest(r) == want


def test_reference_command_base_loads_in_fastcache(launch):
    r = launch("ref", AOF + DEBUG + NOPRE + ["--aof-timestamp-enabled", "yes"])
    _fill(r)
    assert _c(r).call("BGREWRITEAOF").startswith(b"+")
    _wait_rewrite(r)
    _call(r, "SET", "x", "y")
    want = _digest(r)
    assert _read(r, _base_name(r)).startswith(b"#TS:")
    d = r.dir
    r.stop()
    f = launch("fc", AOF + DEBUG, dir=d)
    assert _digest(f) == want


def _old_style(launch, preamble):
    """A pre-7.0 style single-file appendonly.aof, made by the reference: its base
    (RDB or commands) followed by the commands of its incr file."""
    args = AOF + DEBUG + ([] if preamble else NOPRE)
    r = launch("ref", args)
    _fill(r)
    assert _c(r).call("BGREWRITEAOF").startswith(b"+")
    _wait_rewrite(r)
    c = _c(r)
    c.call("SET", "tail", "1")
    c.call("SELECT", "4")
    c.call("LPUSH", "l4", "x")
    want = _digest(r)
    d = r.dir
    r.stop()
    base = _read(r, _base_name(r))
    incr = [n for n in os.listdir(_aofdir(r)) if n.endswith(".incr.aof")][0]
    data = base + _read(r, incr)
    import shutil
    shutil.rmtree(_aofdir(r))
    with open(os.path.join(d, "appendonly.aof"), "wb") as fh:
        fh.write(data)
    return d, want, base.startswith(b"REDIS")


@pytest.mark.parametrize("preamble", [True, False])
def test_old_style_single_file_aof_is_migrated_like_reference(launch, preamble):
    import shutil
    d, want, is_rdb = _old_style(launch, preamble)
    assert is_rdb == preamble
    d2 = d + "-copy"
    shutil.copytree(d, d2)
    layouts = {}
    for kind, dd in (("ref", d2), ("fc", d)):
        h = launch(kind, AOF + DEBUG, dir=dd)
        assert _digest(h) == want
        assert not os.path.exists(os.path.join(dd, "appendonly.aof"))
        layouts[kind] = (sorted(os.listdir(_aofdir(h))), _manifest(h))
        assert "Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory " \
               "(appendonlydir)." in h.log_text()
        h.stop()
    assert layouts["fc"] == layouts["ref"]
    assert layouts["fc"][1] == ("file appendonly.aof seq 1 type b\n"
                                "file appendonly.aof.1.incr.aof seq 1 type i\n")
    # and it restarts from the migrated directory; a rewrite replaces the old base
    f = launch("fc", AOF + DEBUG, dir=d)
    assert _digest(f) == want
    assert _c(f).call("BGREWRITEAOF").startswith(b"+")
    _wait_rewrite(f)
    assert "appendonly.aof" not in os.listdir(_aofdir(f))
    assert _manifest(f).startswith("file appendonly.aof.2.base.rdb seq 2 type b\n")


def test_old_style_file_is_ignored_with_appendonly_no(launch):
    d, want, _ = _old_style(launch, True)
    f = launch("fc", DEBUG, dir=d)
    assert _call(f, "DBSIZE") == 0
    assert os.path.exists(os.path.join(d, "appendonly.aof"))


# ------------------------------------------------------------------ timestamps, fsync on rewrite

def test_timestamp_annotations_written_and_skipped_on_load(launch):
    f = launch("fc", AOF + DEBUG + ["--aof-timestamp-enabled", "yes"])
    c = _c(f)
    c.call("SET", "a", "1")
    time.sleep(1.1)
    c.call("SET", "b", "2")
    incr = _read(f, "appendonly.aof.1.incr.aof")
    ts = [ln for ln in incr.split(b"\r\n") if ln.startswith(b"#TS:")]
    assert len(ts) == 2 and all(abs(int(t[4:]) - time.time()) < 10 for t in ts)
    assert incr.startswith(b"#TS:")
    assert _c(f).call("BGREWRITEAOF").startswith(b"+")
    _wait_rewrite(f)
    want = _digest(f)
    d = f.dir
    f.stop()
    # both servers load a file with annotations (the reference skips "#" lines too)
    g = launch("fc", AOF + DEBUG, dir=d)
    assert _digest(g) == want
    g.stop()
    r = launch("ref", AOF + DEBUG, dir=d)
    assert _digest(r) == want


def test_timestamp_annotation_in_command_base(launch):
    f = launch("fc", AOF + DEBUG + NOPRE + ["--aof-timestamp-enabled", "yes"])
    _call(f, "SET", "a", "1")
    assert _c(f).call("BGREWRITEAOF").startswith(b"+")
    _wait_rewrite(f)
    base = _read(f, _base_name(f))
    assert base.startswith(b"#TS:") and b"\r\n*2\r\n$6\r\nSELECT\r\n" in base


def test_preamble_file_with_command_tail_and_torn_annotation_loads(launch):
    """A base that is an RDB image followed by commands and annotations."""
    f = launch("fc", AOF + DEBUG)
    _fill(f)
    assert _c(f).call("BGREWRITEAOF").startswith(b"+")
    _wait_rewrite(f)
    d = f.dir
    f.stop()
    name = _base_name(f)
    path = os.path.join(_aofdir(f), name)
    with open(path, "ab") as fh:
        fh.write(b"#TS:1700000000\r\n*3\r\n$3\r\nSET\r\n$4\r\ntail\r\n$1\r\nT\r\n"
                 b"*2\r\n$6\r\nSELECT\r\n$1\r\n9\r\n*3\r\n$4\r\nSADD\r\n$1\r\nq\r\n$1\r\nw\r\n")
    g = launch("fc", AOF + DEBUG, dir=d)
    want = _digest(g)
    assert _call(g, "GET", "tail") == b"T"
    g.stop()
    r = launch("ref", AOF + DEBUG, dir=d)
    assert _digest(r) == want


def test_no_appendfsync_on_rewrite_skips_fsync_while_a_child_runs(launch):
    """Observable through the AOF object's decision: with the option on and a
    rewrite child running, writes still reach the file (so a restart keeps them)."""
    f = launch("fc", AOF + DEBUG + ["--no-appendfsync-on-rewrite", "yes", "--appendfsync", "always",
                                    "--rdb-key-save-delay", "200000"])
    c = _c(f)
    for i in range(5):
        c.call("SET", "k%d" % i, "v")
    assert c.call("BGREWRITEAOF").startswith(b"+")
    for i in range(5, 50):
        assert c.call("SET", "k%d" % i, "v") == b"+OK\r\n"
    assert _info(f)["aof_rewrite_in_progress"] == "1"
    assert _call(f, "CONFIG", "GET", "no-appendfsync-on-rewrite") == [b"no-appendfsync-on-rewrite", b"yes"]
    _wait_rewrite(f, timeout=30)
    want = _digest(f)
    d = f.dir
    f.stop()
    g = launch("fc", AOF + DEBUG, dir=d)
    assert _digest(g) == want and _call(g, "DBSIZE") == 50


def test_debug_reload_and_flushall_leave_the_aof_like_reference(launch):
    """Redis 7.0: DEBUG RELOAD writes nothing to the AOF (the dataset is the same),
    FLUSHALL is appended as a command; no rewrite is triggered by either."""
    files = {}
    for kind in ("fc", "ref"):
        h = launch(kind, AOF + DEBUG)
        c = _c(h)
        for cmd in (("set", "a", "1"), ("DEBUG", "RELOAD"), ("set", "b", "2"), ("flushall",),
                    ("set", "c", "3")):
            assert c.call(*cmd).startswith(b"+"), cmd
        assert _call(h, "KEYS", "*") == [b"c"]
        files[kind] = (sorted(os.listdir(_aofdir(h))), _read(h, "appendonly.aof.1.incr.aof"))
    assert files["fc"] == files["ref"]
