"""Clients during a dataset load: -LOADING replies, INFO loading_* fields, SHUTDOWN.

Redis binds its listeners before it loads and serves clients from the loader
(processEventsWhileBlocked): commands without the `loading` flag get -LOADING,
INFO shows the load's progress, a connection opened during the load carries on
afterwards.  Both servers run the same slowed-down load (`key-load-delay`, and
`loading-process-events-interval-bytes` low so the reference serves events often
on a small file), and the same bytes are expected from both.
"""

import os
import shutil
import subprocess
import tempfile
import time

import pytest

from support.resp import RawClient, parse
from support.servers import ServerHandle, fastcache_cmd, reference_cmd

N_KEYS = 20000
SLOW = ["--key-load-delay", "150", "--loading-process-events-interval-bytes", "1024"]


def _info(c, section="persistence"):
    raw = parse(c.call("INFO", section))
    return dict(ln.split(":", 1) for ln in raw.decode().splitlines() if ":" in ln)


@pytest.fixture(scope="module")
def populated_dir():
    """A directory holding a dump.rdb of N_KEYS keys written by the reference."""
    h = ServerHandle(reference_cmd(), ["--enable-debug-command", "yes"], name="reference").start()
    try:
        c = RawClient(h.host, h.port, timeout=20)
        assert c.call("DEBUG", "POPULATE", str(N_KEYS)) == b"+OK\r\n"
        assert c.call("SAVE") == b"+OK\r\n"
        d = tempfile.mkdtemp(prefix="loading-")
        shutil.copy(os.path.join(h.dir, "dump.rdb"), os.path.join(d, "dump.rdb"))
    finally:
        h.stop()
        h.cleanup()
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _start_loading(kind, src_dir, extra=()):
    d = tempfile.mkdtemp(prefix="loading-%s-" % kind)
    shutil.copy(os.path.join(src_dir, "dump.rdb"), os.path.join(d, "dump.rdb"))
    h = ServerHandle(fastcache_cmd() if kind == "fc" else reference_cmd(), SLOW + list(extra),
                     name="fastcache" if kind == "fc" else "reference", ready_on_loading=True)
    h.dir = d
    return h.start()


def _wait_loaded(c, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = c.call("PING")
        if r == b"+PONG\r\n":
            return
        assert r == b"-LOADING Redis is loading the dataset in memory\r\n"
        time.sleep(0.05)
    raise AssertionError("still loading after %.0fs" % timeout)


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_commands_get_loading_while_the_dataset_loads(populated_dir, kind):
    h = _start_loading(kind, populated_dir)
    try:
        c = RawClient(h.host, h.port, timeout=20)
        loading = b"-LOADING Redis is loading the dataset in memory\r\n"
        assert c.call("PING") == loading
        assert c.call("GET", "key:1") == loading
        assert c.call("SET", "k", "v") == loading
        assert c.call("DBSIZE") == loading
        # INFO has the `loading` flag: it runs and reports the load in progress
        info = _info(c)
        assert info["loading"] == "1"
        for f in ("loading_start_time", "loading_total_bytes", "loading_rdb_used_mem",
                  "loading_loaded_bytes", "loading_loaded_perc", "loading_eta_seconds"):
            assert f in info, f
        assert int(info["loading_total_bytes"]) == os.path.getsize(os.path.join(h.dir, "dump.rdb"))
        assert 0 <= float(info["loading_loaded_perc"]) <= 100
        # errorstats count the rejections like any error reply
        assert "errorstat_LOADING:count=" in parse(c.call("INFO", "errorstats")).decode()
        # the connection opened during the load keeps working after it
        _wait_loaded(c)
        assert c.call("DBSIZE") == b":%d\r\n" % N_KEYS
        assert c.call("GET", "key:1") == b"$7\r\nvalue:1\r\n"
        info = _info(c)
        assert info["loading"] == "0"
        assert "loading_loaded_bytes" not in info
        assert info["rdb_last_load_keys_loaded"] == str(N_KEYS)
    finally:
        h.stop()
        h.cleanup()


def test_clients_connecting_during_the_load_are_listed_and_survive(populated_dir):
    h = _start_loading("fc", populated_dir)
    try:
        clients = [RawClient(h.host, h.port, timeout=20) for _ in range(5)]
        for c in clients:
            assert c.call("PING").startswith(b"-LOADING")
        listing = parse(clients[0].call("CLIENT", "LIST")).decode()
        assert len(listing.strip().splitlines()) == 5
        _wait_loaded(clients[0])
        for i, c in enumerate(clients):
            assert c.call("GET", "key:%d" % i) == b"$%d\r\nvalue:%d\r\n" % (len("value:%d" % i), i)
        # a client that quit during the load is gone, the others are all there
        assert len(parse(clients[0].call("CLIENT", "LIST")).decode().strip().splitlines()) == 5
    finally:
        h.stop()
        h.cleanup()


@pytest.mark.parametrize("kind", ["fc", "ref"])
def test_shutdown_during_the_load_exits_without_saving(populated_dir, kind):
    h = _start_loading(kind, populated_dir)
    try:
        path = os.path.join(h.dir, "dump.rdb")
        before = open(path, "rb").read()
        c = RawClient(h.host, h.port, timeout=20)
        assert c.call("PING").startswith(b"-LOADING")
        c.send(b"SHUTDOWN SAVE\r\n")
        assert h.proc.wait(30) == 0
        # the half-loaded dataset was not written over the good snapshot
        assert open(path, "rb").read() == before
    except subprocess.TimeoutExpired:
        raise AssertionError("server did not exit:\n" + h.log_text(4000))
    finally:
        h.stop()
        h.cleanup()


def test_aof_loading_replies_loading(tmp_path):
    """The same while an AOF directory is replayed (appendonly yes)."""
    h = ServerHandle(fastcache_cmd(), ["--appendonly", "yes", "--appendfsync", "no"]).start()
    try:
        c = RawClient(h.host, h.port, timeout=20)
        payload = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nk%d\r\n$1\r\nv\r\n" % (len(b"k%d" % i), i)
                           for i in range(5000))
        c.send(payload)
        for _ in range(5000):
            c.read_reply()
        h.stop()
        h2 = ServerHandle(fastcache_cmd(), SLOW + ["--appendonly", "yes"], ready_on_loading=True)
        h2.dir = h.dir
        h2.start()
        try:
            c = RawClient(h2.host, h2.port, timeout=20)
            assert c.call("GET", "k1") == b"-LOADING Redis is loading the dataset in memory\r\n"
            assert _info(c)["loading"] == "1"
            _wait_loaded(c)
            assert c.call("DBSIZE") == b":5000\r\n"
        finally:
            h2.stop()
    finally:
        h.cleanup()
