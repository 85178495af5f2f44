"""RDB snapshots end to end: SAVE, BGSAVE by fork, save points, loading at start-up,
SHUTDOWN/SIGTERM saving, MISCONF after a failed BGSAVE, DEBUG RELOAD/DIGEST, and
round trips of .rdb files with the reference redis-server in both directions.

Each test starts private servers (they change server-wide state).  Where the reply
is deterministic the reference server is asked the same thing and the raw replies
must be identical.  A failing save is provoked by removing the server's directory
under it: root ignores permission bits, but nobody can create a file in a directory
that no longer exists.
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

from support.resp import RawClient, parse

DEBUG = ["--enable-debug-command", "yes"]
MISCONF = (b"-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "
           b"to disk. Commands that may modify the data set are disabled, because this instance is "
           b"configured to report errors during writes if RDB snapshotting fails "
           b"(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
           b"RDB error.\r\n")


# ------------------------------------------------------------------ helpers

def _c(h):
    return RawClient(h.host, h.port, timeout=20)


def _info(c, section="persistence"):
    raw = parse(c.call("INFO", section))
    return dict(ln.split(":", 1) for ln in raw.decode().splitlines() if ":" in ln)


def _wait_bgsave_done(c, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _info(c)["rdb_bgsave_in_progress"] == "0":
            return _info(c)
        time.sleep(0.05)
    raise AssertionError("BGSAVE still running after %.0fs" % timeout)


def _wait_log(h, needle, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in h.log_text(200000):
            return
        time.sleep(0.05)
    raise AssertionError("%r not in log:\n%s" % (needle, h.log_text(4000)))


def _wait_exit(h, timeout=15.0):
    try:
        return h.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError("server did not exit:\n" + h.log_text(4000))


def _data_dir(args=()):
    """A separate data dir (`--dir`) so that a test can remove it while the log,
    kept in the handle's own dir, survives.  Returns (dir, args)."""
    d = tempfile.mkdtemp(prefix="persist-data-")
    return d, list(args) + ["--dir", d]


def _copy_dump(src_h, name="dump.rdb"):
    d = tempfile.mkdtemp(prefix="persist-")
    shutil.copy(os.path.join(src_h.dir, name), os.path.join(d, "dump.rdb"))
    return d


# ------------------------------------------------------------------ SAVE / BGSAVE replies

@pytest.mark.parametrize("kind", ["ref", "fc"])
def test_bgsave_replies_while_a_child_runs(launch, kind):
    """BGSAVE, BGSAVE SCHEDULE and SAVE while a BGSAVE child runs; the same raw
    bytes on both servers (rdb-key-save-delay keeps the child busy ~1 s)."""
    h = launch(kind, DEBUG)
    c = _c(h)
    c.call("MSET", "a", "1", "b", "2")
    assert c.call("CONFIG", "SET", "rdb-key-save-delay", "500000") == b"+OK\r\n"
    assert c.call("BGSAVE") == b"+Background saving started\r\n"
    assert _info(c)["rdb_bgsave_in_progress"] == "1"
    assert c.call("BGSAVE") == b"-ERR Background save already in progress\r\n"
    assert c.call("BGSAVE", "SCHEDULE") == b"-ERR Background save already in progress\r\n"
    assert c.call("SAVE") == b"-ERR Background save already in progress\r\n"
    # the parent keeps serving, and counts the changes made while the child writes
    assert c.call("SET", "c", "3") == b"+OK\r\n"
    assert c.call("INCR", "a") == b":2\r\n"
    info = _wait_bgsave_done(c)
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["rdb_changes_since_last_save"] == "2"
    assert info["rdb_saves"] == "1"
    assert int(info["rdb_last_bgsave_time_sec"]) >= 0
    assert info["rdb_current_bgsave_time_sec"] == "-1"
    assert os.path.exists(os.path.join(h.dir, "dump.rdb"))
    _wait_log(h, "Background saving terminated with success")
    assert re.search(r"Background saving started by pid \d+", h.log_text())


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_info_shows_the_running_childs_progress(launch, kind):
    """current_save_keys_* / current_fork_perc / current_cow_* while a BGSAVE
    child writes (the child reports about once a second), back to 0 after."""
    h = launch(kind, DEBUG)
    c = _c(h)
    n = 3000
    for i in range(0, n, 500):
        c.call("MSET", *[x for j in range(i, i + 500) for x in ("k%d" % j, "v")])
    assert c.call("CONFIG", "SET", "rdb-key-save-delay", "1000") == b"+OK\r\n"
    assert c.call("BGSAVE") == b"+Background saving started\r\n"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        info = _info(c)
        if int(info["current_save_keys_processed"]) > 0:
            break
        time.sleep(0.1)
    assert info["rdb_bgsave_in_progress"] == "1"
    assert info["current_save_keys_total"] == str(n)
    assert 0 < int(info["current_save_keys_processed"]) <= n
    assert 0 < float(info["current_fork_perc"]) <= 100
    assert int(info["current_cow_peak"]) >= int(info["current_cow_size"]) >= 0
    info = _wait_bgsave_done(c, timeout=30)
    for f in ("current_cow_peak", "current_cow_size", "current_save_keys_processed",
              "current_save_keys_total"):
        assert info[f] == "0", f
    assert info["current_fork_perc"] == "0.00"


def test_bgsave_and_save_syntax_match_reference(diff):
    diff.check(b"BGSAVE", b"NOW")
    diff.check(b"BGSAVE", b"SCHEDULE", b"x")
    diff.check(b"SAVE", b"x")


def test_save_resets_changes_and_sets_lastsave(launch):
    h = launch("fc")
    c = _c(h)
    c.call("SET", "k", "v")
    c.call("SET", "k2", "v")
    assert _info(c)["rdb_changes_since_last_save"] == "2"
    before = int(time.time())
    assert c.call("SAVE") == b"+OK\r\n"
    info = _info(c)
    assert info["rdb_changes_since_last_save"] == "0"
    assert int(info["rdb_last_save_time"]) >= before
    assert parse(c.call("LASTSAVE")) == int(info["rdb_last_save_time"])
    assert info["rdb_saves"] == "1"
    assert info["rdb_last_bgsave_time_sec"] == "-1"       # SAVE is not a BGSAVE
    assert "DB saved on disk" in h.log_text()


def test_info_persistence_fields_are_redis_fields_in_order(launch):
    hf = launch("fc")
    hr = launch("ref")
    kf = [ln.split(":")[0] for ln in parse(_c(hf).call("INFO", "persistence")).decode().splitlines()]
    kr = [ln.split(":")[0] for ln in parse(_c(hr).call("INFO", "persistence")).decode().splitlines()]
    assert kf == kr


# ------------------------------------------------------------------ MISCONF

@pytest.mark.parametrize("kind", ["ref", "fc"])
def test_failed_bgsave_denies_writes_with_misconf(launch, kind):
    data, args = _data_dir(["--save", "3600 1"])
    h = launch(kind, args)
    c = _c(h)
    assert c.call("SET", "k", "v") == b"+OK\r\n"
    shutil.rmtree(data)                            # the child can't create its file
    assert c.call("BGSAVE") == b"+Background saving started\r\n"
    info = _wait_bgsave_done(c)
    assert info["rdb_last_bgsave_status"] == "err"
    assert c.call("SET", "k", "v2") == MISCONF
    assert c.call("DEL", "k") == MISCONF
    assert c.call("PING") == MISCONF                # Redis treats PING as a write probe
    assert c.call("GET", "k") == b"$1\r\nv\r\n"     # reads still work
    assert b"rejected_calls=1" in c.call("INFO", "commandstats")
    # no save points: nothing to protect
    assert c.call("CONFIG", "SET", "save", "") == b"+OK\r\n"
    assert c.call("SET", "k", "v3") == b"+OK\r\n"
    assert c.call("CONFIG", "SET", "save", "3600 1") == b"+OK\r\n"
    assert c.call("SET", "k", "v4") == MISCONF
    assert c.call("CONFIG", "SET", "stop-writes-on-bgsave-error", "no") == b"+OK\r\n"
    assert c.call("SET", "k", "v5") == b"+OK\r\n"
    assert c.call("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes") == b"+OK\r\n"
    assert c.call("SET", "k", "v6") == MISCONF
    # SAVE fails with a bare -ERR; SHUTDOWN can't save and stays up
    assert c.call("SAVE") == b"-ERR\r\n"
    assert c.call("SHUTDOWN") == b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
    assert c.call("SHUTDOWN", "SAVE") == b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
    assert c.call("GET", "k") == b"$2\r\nv5\r\n"
    if kind == "fc":
        assert "Background saving error" in h.log_text()
        assert "Error trying to save the DB, can't exit." in h.log_text()
    # FORCE exits anyway
    c.send(b"SHUTDOWN FORCE\r\n")
    assert c.read_until_close() == b""
    assert _wait_exit(h) == 0


def test_save_points_retry_a_failed_bgsave_only_after_5_seconds(launch):
    data, args = _data_dir(["--save", "1 1"])
    h = launch("fc", args)
    c = _c(h)
    c.call("SET", "k", "v")
    shutil.rmtree(data)
    _wait_log(h, "Background saving error", timeout=5)
    time.sleep(2.5)
    assert h.log_text().count("1 changes in 1 seconds. Saving...") == 1
    _wait_log(h, "Background saving error", timeout=5)
    deadline = time.monotonic() + 6
    while h.log_text().count("1 changes in 1 seconds. Saving...") < 2:
        assert time.monotonic() < deadline, h.log_text()
        time.sleep(0.1)


# ------------------------------------------------------------------ save points

def test_save_point_starts_a_bgsave(launch):
    h = launch("fc", ["--save", "1 2"])
    c = _c(h)
    c.call("SET", "a", "1")
    time.sleep(1.6)
    assert "Saving..." not in h.log_text()          # 1 change < 2
    c.call("SET", "b", "1")
    _wait_log(h, "2 changes in 1 seconds. Saving...", timeout=5)
    _wait_log(h, "Background saving terminated with success", timeout=10)
    info = _wait_bgsave_done(c)
    assert info["rdb_changes_since_last_save"] == "0"
    assert os.path.exists(os.path.join(h.dir, "dump.rdb"))


def test_empty_save_disables_save_points(launch):
    h = launch("fc", ["--save", ""])
    c = _c(h)
    assert parse(c.call("CONFIG", "GET", "save")) == [b"save", b""]
    c.call("SET", "a", "1")
    time.sleep(1.5)
    assert "Saving" not in h.log_text()


# ------------------------------------------------------------------ shutdown

def _shutdown(h, *args):
    c = _c(h)
    c.send_command("SHUTDOWN", *args)
    assert c.read_until_close() == b""
    assert _wait_exit(h) == 0


def test_shutdown_saves_when_save_points_are_configured(launch):
    h = launch("fc", ["--save", "3600 1"])
    _c(h).call("SET", "k", "v")
    _shutdown(h)
    assert os.path.exists(os.path.join(h.dir, "dump.rdb"))
    log = h.log_text()
    assert log.index("User requested shutdown...") < log.index("Saving the final RDB snapshot before exiting.")
    assert log.index("DB saved on disk") < log.index("ready to exit, bye bye")


def test_shutdown_nosave_does_not_save(launch):
    h = launch("fc", ["--save", "3600 1"])
    _c(h).call("SET", "k", "v")
    _shutdown(h, "NOSAVE")
    assert not os.path.exists(os.path.join(h.dir, "dump.rdb"))


def test_shutdown_without_save_points_does_not_save_unless_asked(launch):
    h = launch("fc")
    _c(h).call("SET", "k", "v")
    _shutdown(h)
    assert not os.path.exists(os.path.join(h.dir, "dump.rdb"))
    h2 = launch("fc")
    _c(h2).call("SET", "k", "v")
    _shutdown(h2, "SAVE")
    assert os.path.exists(os.path.join(h2.dir, "dump.rdb"))


def test_sigterm_saves_like_shutdown(launch):
    h = launch("fc", ["--save", "3600 1"])
    _c(h).call("SET", "k", "v")
    os.kill(h.pid, signal.SIGTERM)
    assert _wait_exit(h) == 0
    assert os.path.exists(os.path.join(h.dir, "dump.rdb"))
    assert "Saving the final RDB snapshot before exiting." in h.log_text()


def test_sigterm_with_a_failing_save_keeps_serving(launch):
    data, args = _data_dir(["--save", "3600 1"])
    h = launch("fc", args)
    c = _c(h)
    c.call("SET", "k", "v")
    shutil.rmtree(data)
    os.kill(h.pid, signal.SIGTERM)
    _wait_log(h, "SIGTERM received but errors trying to shut down the server")
    assert c.call("GET", "k") == b"$1\r\nv\r\n"


def test_shutdown_kills_a_running_bgsave(launch):
    h = launch("fc")
    c = _c(h)
    c.call("SET", "k", "v")
    c.call("CONFIG", "SET", "rdb-key-save-delay", "5000000")
    assert c.call("BGSAVE") == b"+Background saving started\r\n"
    t0 = time.monotonic()
    _shutdown(h, "NOSAVE")
    assert time.monotonic() - t0 < 4
    assert "There is a child saving an .rdb. Killing it!" in h.log_text()


# ------------------------------------------------------------------ loading

def test_restart_loads_the_snapshot_with_redis_log_lines(launch):
    h = launch("fc", ["--save", "3600 1"])
    c = _c(h)
    c.pipeline([("SET", "k%d" % i, "v%d" % i) for i in range(100)])
    c.call("SET", "gone", "x", "PX", "1500")
    _shutdown(h)
    time.sleep(1.6)                 # "gone" is expired when loaded
    d = _copy_dump(h)
    h2 = launch("fc", DEBUG, dir=d)
    c2 = _c(h2)
    assert c2.call("DBSIZE") == b":100\r\n"
    info = _info(c2)
    assert info["loading"] == "0"
    assert info["rdb_last_load_keys_loaded"] == "100"
    assert info["rdb_last_load_keys_expired"] == "1"
    assert info["rdb_changes_since_last_save"] == "0"
    log = h2.log_text()
    assert "Loading RDB produced by version 7.0.15" in log
    assert re.search(r"RDB age \d+ seconds", log)
    assert re.search(r"RDB memory usage when created \d+\.\d\d Mb", log)
    assert "Done loading RDB, keys loaded: 100, keys expired: 1." in log
    assert re.search(r"DB loaded from disk: \d+\.\d{3} seconds", log)
    assert log.index("DB loaded from disk") < log.index("Ready to accept connections")


def _dump_from_reference(launch, *cmds):
    h = launch("ref")
    c = _c(h)
    for cmd in cmds:
        c.call(*cmd)
    assert c.call("SAVE") == b"+OK\r\n"
    with open(os.path.join(h.dir, "dump.rdb"), "rb") as f:
        return f.read()


def _dir_with(data):
    d = tempfile.mkdtemp(prefix="persist-")
    with open(os.path.join(d, "dump.rdb"), "wb") as f:
        f.write(data)
    return d


@pytest.mark.parametrize("damage", ["garbage", "truncated", "bad-checksum"])
def test_corrupt_or_truncated_rdb_refuses_to_start(launch, damage):
    good = _dump_from_reference(launch, *[("SET", "key:%d" % i, "value-%d" % i * 3) for i in range(50)])
    if damage == "garbage":
        data = b"this is not an RDB file at all\n" * 4
    elif damage == "truncated":
        data = good[:len(good) // 2]
    else:
        data = good[:-1] + bytes([good[-1] ^ 0xFF])
    h = launch("fc", dir=_dir_with(data), expect_fail=True)
    assert h.proc.returncode not in (0, None)
    log = h.log_text()
    assert ("Terminating server after rdb file reading failure." in log
            or "Fatal error loading the DB" in log), log
    assert "Ready to accept connections" not in log


# ------------------------------------------------------------------ round trips

def _fill_every_type(c):
    """Every type in every Redis 7.0 encoding, TTLs, binary/empty keys, 3 databases."""
    cmds = [
        ("SET", "s:int", "12345"), ("SET", "s:neg", "-9223372036854775808"),
        ("SET", "s:embstr", "hello"), ("SET", "s:raw", "x" * 100),
        ("SET", b"bin\x00key", b"bin\x00value\xff"), ("SET", "", "empty key"),
        ("SET", "s:ttl", "v", "EX", "1000"), ("SET", "s:pttl", "v", "PX", "500000"),
        ("RPUSH", "l:small", "a", "b", "1", "2"),
        ("HSET", "h:small", "f1", "v1", "f2", "2"),
        ("SADD", "set:int", "1", "2", "3", "-5"),
        ("SADD", "set:str", "a", "b", "c"),
        ("ZADD", "z:small", "1", "a", "2.5", "b", "-inf", "c"),
        ("EXPIRE", "h:small", "2000"),
    ]
    big = [
        ("RPUSH", "l:big") + tuple("item-%d" % i for i in range(1500)),
        ("HSET", "h:big") + tuple(x for i in range(600) for x in ("f%d" % i, "v%d" % i)),
        ("SADD", "set:bigint") + tuple(str(i) for i in range(600)),
        ("ZADD", "z:big") + tuple(x for i in range(200) for x in (str(i / 3), "m%d" % i)),
        ("HSET", "h:longval", "f", "y" * 100),
        ("ZADD", "z:longmember", "1", "m" * 100),
        ("PEXPIRE", "z:big", "900000"),
    ]
    for cmd in cmds + big:
        assert not c.call(*cmd).startswith(b"-"), cmd
    c.call("SELECT", "3")
    c.call("SET", "db3:k", "v")
    c.call("RPUSH", "db3:l", "x", "y")
    c.call("SELECT", "15")
    c.call("HSET", "db15:h", "a", "1")
    c.call("SET", "db15:ttl", "v", "EX", "3000")
    c.call("SELECT", "0")


def _snapshot_of(c):
    """{(db, key): (type, encoding, pttl)} over every database."""
    out = {}
    for db in range(16):
        c.call("SELECT", str(db))
        cursor = b"0"
        while True:
            cursor, keys = parse(c.call("SCAN", cursor, "COUNT", "1000"))
            for k in keys:
                out[(db, k)] = (parse(c.call("TYPE", k)), parse(c.call("OBJECT", "ENCODING", k)),
                                parse(c.call("PTTL", k)))
            if cursor == b"0":
                break
    c.call("SELECT", "0")
    return out


def _assert_same_keys(a, b):
    assert set(a) == set(b)
    for k in a:
        ta, ea, pa = a[k]
        tb, eb, pb = b[k]
        assert ta == tb, k
        assert ea == eb, (k, ea, eb)
        assert (pa < 0 and pa == pb) or abs(pa - pb) <= 1500, (k, pa, pb)


def test_reference_rdb_loads_in_fastcache(launch):
    hr = launch("ref", DEBUG)
    cr = _c(hr)
    _fill_every_type(cr)
    assert cr.call("SAVE") == b"+OK\r\n"
    want_digest = cr.call("DEBUG", "DIGEST")
    want = _snapshot_of(cr)
    hf = launch("fc", DEBUG, dir=_copy_dump(hr))
    cf = _c(hf)
    assert cf.call("DEBUG", "DIGEST") == want_digest
    _assert_same_keys(want, _snapshot_of(cf))
    for key in (b"l:big", b"h:big", b"z:big", b"bin\x00key", b""):
        assert cf.call("DEBUG", "DIGEST-VALUE", key) == cr.call("DEBUG", "DIGEST-VALUE", key)


def test_fastcache_rdb_loads_in_reference(launch):
    hf = launch("fc", DEBUG)
    cf = _c(hf)
    _fill_every_type(cf)
    assert cf.call("SAVE") == b"+OK\r\n"
    want_digest = cf.call("DEBUG", "DIGEST")
    want = _snapshot_of(cf)
    hr = launch("ref", DEBUG, dir=_copy_dump(hf))
    cr = _c(hr)
    assert cr.call("DEBUG", "DIGEST") == want_digest
    _assert_same_keys(want, _snapshot_of(cr))


def test_debug_reload_keeps_the_digest(launch):
    h = launch("fc", DEBUG)
    c = _c(h)
    _fill_every_type(c)
    before = c.call("DEBUG", "DIGEST")
    assert before != b"+" + b"0" * 40 + b"\r\n"
    keys_before = _snapshot_of(c)
    assert c.call("DEBUG", "RELOAD") == b"+OK\r\n"
    assert c.call("DEBUG", "DIGEST") == before
    _assert_same_keys(keys_before, _snapshot_of(c))
    assert "DB reloaded by DEBUG RELOAD" in h.log_text()


def test_debug_digest_replies_match_reference(launch):
    hf, hr = launch("fc", DEBUG), launch("ref", DEBUG)
    cf, cr = _c(hf), _c(hr)
    for c in (cf, cr):
        c.call("SET", "a", "1")
        c.call("RPUSH", "l", "x", "y")
    for cmd in (("DEBUG", "DIGEST"), ("DEBUG", "DIGEST-VALUE", "a", "l", "missing"),
                ("DEBUG", "DIGEST-VALUE"), ("DEBUG", "RELOAD", "BOGUS")):
        assert cf.call(*cmd) == cr.call(*cmd), cmd
    for c in (cf, cr):
        c.call("FLUSHALL")
    assert cf.call("DEBUG", "DIGEST") == cr.call("DEBUG", "DIGEST") == b"+" + b"0" * 40 + b"\r\n"
    # NOSAVE with no file: the load fails and the dataset is left empty
    for c in (cf, cr):
        c.call("SET", "a", "1")
    assert cf.call("DEBUG", "RELOAD", "NOSAVE") == cr.call("DEBUG", "RELOAD", "NOSAVE") \
        == b"-ERR Error trying to load the RDB dump\r\n"
    assert cf.call("DBSIZE") == cr.call("DBSIZE") == b":0\r\n"
    # MERGE alone flushes first: same as a plain reload
    for c in (cf, cr):
        c.call("SET", "a", "1")
        assert c.call("DEBUG", "RELOAD", "MERGE") == b"+OK\r\n"
        assert c.call("GET", "a") == b"$1\r\n1\r\n"


# ------------------------------------------------------------------ BGSAVE under load

def test_bgsave_while_clients_write_keeps_serving_and_file_is_the_fork_instant(launch):
    h = launch("fc", DEBUG)
    c = _c(h)
    n = 50000
    for i in range(0, n, 5000):
        c.pipeline([("SET", "key:%d" % j, "v" * 20) for j in range(i, i + 5000)])
    c.call("CONFIG", "SET", "rdb-key-save-delay", "20")        # 20 us a key: seconds in the child
    digest_at_fork = c.call("DEBUG", "DIGEST")
    assert c.call("BGSAVE") == b"+Background saving started\r\n"
    lat = []
    stop = threading.Event()

    def writer():
        w = _c(h)
        i = 0
        while not stop.is_set() and i < n:
            t = time.monotonic()
            assert w.call("SET", "during:%d" % i, "x") == b"+OK\r\n"
            assert w.call("DEL", "key:%d" % i) == b":1\r\n"
            lat.append(time.monotonic() - t)
            i += 1

    th = threading.Thread(target=writer)
    th.start()
    try:
        _wait_bgsave_done(c, timeout=30)
    finally:
        stop.set()
        th.join()
    assert len(lat) > 100, "the parent stopped serving during BGSAVE"
    assert max(lat) < 0.5
    assert _info(c)["rdb_last_bgsave_status"] == "ok"
    h2 = launch("fc", DEBUG, dir=_copy_dump(h))
    c2 = _c(h2)
    assert c2.call("DBSIZE") == b":%d\r\n" % n
    assert c2.call("DEBUG", "DIGEST") == digest_at_fork


def test_flushall_saves_the_empty_dataset_when_save_points_exist(server_factory):
    """Redis 7.0: FLUSHALL with save points writes the (empty) snapshot at once, so a
    restart doesn't bring the flushed keys back; LASTSAVE moves."""
    h = server_factory("fc", args=["--save", "3600 1"])
    c = _c(h)
    for i in range(50):
        c.call("SET", "k%d" % i, "v")
    assert c.call("SAVE") == b"+OK\r\n"
    path = os.path.join(h.dir, "dump.rdb")
    size_full = os.path.getsize(path)
    time.sleep(1.1)
    before = parse(c.call("LASTSAVE"))
    assert c.call("FLUSHALL") == b"+OK\r\n"
    assert parse(c.call("LASTSAVE")) > before
    assert os.path.getsize(path) < size_full
    h.restart()
    assert _c(h).call("DBSIZE") == b":0\r\n"


def test_rdb_with_streams_loads_everything_else_and_logs_the_skip(launch):
    """Streams aren't supported yet: a Redis file holding them still loads, the
    stream keys are skipped with a log line (issue 5: skip what we don't support
    with a clear log line), every other key is there."""
    ref = launch("ref")
    r = _c(ref)
    for cmd in (("SET", "a", "1"), ("XADD", "s1", "1-1", "f", "v"), ("XADD", "s1", "2-1", "f", "w"),
                ("XGROUP", "CREATE", "s1", "g1", "0"), ("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "1",
                                                         "STREAMS", "s1", ">"),
                ("XGROUP", "CREATECONSUMER", "s1", "g1", "bob"), ("XADD", "s2", "*", "x", "y"),
                ("RPUSH", "l", "x", "y"), ("HSET", "h", "f", "v"), ("SET", "z", "last")):
        r.call(*cmd)
    assert r.call("SAVE") == b"+OK\r\n"
    h = launch("fc", dir=_copy_dump(ref))
    c = _c(h)
    assert c.call("DBSIZE") == b":4\r\n"
    assert c.call("GET", "z") == b"$4\r\nlast\r\n"
    assert c.call("LRANGE", "l", "0", "-1") == b"*2\r\n$1\r\nx\r\n$1\r\ny\r\n"
    assert c.call("EXISTS", "s1", "s2") == b":0\r\n"
    log = h.log_text()
    assert "Skipping stream key 's1'" in log and "Skipping stream key 's2'" in log


def test_rdb_with_a_function_library_loads_the_keys(launch):
    """A Redis RDB holding a function library: keys and the library both load."""
    ref = launch("ref")
    r = _c(ref)
    lib = "#!lua name=mylib\nredis.register_function('f', function(keys, args) return 1 end)"
    assert r.call("FUNCTION", "LOAD", lib) == b"$5\r\nmylib\r\n"
    r.call("SET", "k", "v")
    assert r.call("SAVE") == b"+OK\r\n"
    h = launch("fc", dir=_copy_dump(ref))
    assert _c(h).call("GET", "k") == b"$1\r\nv\r\n"
    assert _c(h).call("FCALL", "f", "0") == b":1\r\n"
