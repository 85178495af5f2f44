"""Shared fixtures: a reference redis-server and a fastcache server per session, raw clients
on both, and the ``diff`` harness that requires byte-identical replies.

The fastcache command line comes from ``FASTCACHE_SERVER_CMD`` (default ``python -m
fastcache``); ``FASTCACHE_SERVER_CMD=redis-server pytest`` validates the tests themselves
against real Redis on both sides.

Session servers are shared: a test that changes server-wide state beyond the keyspace
(CONFIG SET, ACL, requirepass, CLIENT PAUSE, ...) must restore it or use ``server_factory``
to get a private server.
"""

from __future__ import annotations

import os
import shlex
import sys
import warnings

import pytest

# Make `import support` work whatever the rootdir/import mode (tests/ is not a package).
_TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from support.diff import Diff  # noqa: E402
from support.resp import RawClient  # noqa: E402
from support.servers import ServerHandle, ServerStartError, fastcache_cmd, reference_cmd  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than ~5 seconds")
    config.addinivalue_line("markers", "reference_only: meaningful only against the reference server")


def pytest_report_header(config):
    return [
        f"fastcache server: {shlex.join(fastcache_cmd())}",
        f"reference server: {shlex.join(reference_cmd())}",
    ]


def _ensure_running(server: ServerHandle) -> None:
    # A test that crashed the shared server must not take every later test down with it:
    # restart it (new port) and say so loudly; the crashing test has already failed.
    if not server.is_running():
        warnings.warn(f"{server.name} server was not running (exit status "
                      f"{server.proc.returncode if server.proc else None}); restarting.\n"
                      f"--- log tail ---\n{server.log_text(4000)}")
        server.start()


@pytest.fixture(scope="session")
def ref_server():
    """The reference redis-server for the whole session."""
    with ServerHandle(reference_cmd(), name="reference") as s:
        yield s


@pytest.fixture(scope="session")
def fc_server():
    """The fastcache server (or FASTCACHE_SERVER_CMD) for the whole session."""
    with ServerHandle(fastcache_cmd(), name="fastcache") as s:
        yield s


def _client(server: ServerHandle) -> RawClient:
    _ensure_running(server)
    c = RawClient(server.host, server.port)
    reply = c.call("FLUSHALL")
    assert reply == b"+OK\r\n", f"FLUSHALL on {server.name} failed: {reply!r}"
    return c


@pytest.fixture
def ref(ref_server):
    """A RawClient on the reference server; the keyspace starts empty."""
    c = _client(ref_server)
    yield c
    c.close()


@pytest.fixture
def fc(fc_server):
    """A RawClient on fastcache; the keyspace starts empty."""
    c = _client(fc_server)
    yield c
    c.close()


@pytest.fixture
def diff(ref, fc):
    """The differential harness (see support.diff.Diff)."""
    return Diff(ref, fc)


@pytest.fixture
def server_factory():
    """Start private servers: ``server_factory("fc"|"ref", args=[...], **kw)``; all are stopped
    at the end of the test."""
    started: list[ServerHandle] = []

    def start(kind: str = "fc", args=(), **kw) -> ServerHandle:
        cmd = fastcache_cmd() if kind == "fc" else reference_cmd()
        name = "fastcache" if kind == "fc" else "reference"
        s = ServerHandle(cmd, args, name=kw.pop("name", name), **kw)
        started.append(s)
        return s.start()

    yield start
    for s in started:
        s.cleanup()


@pytest.fixture
def launch():
    """launch(kind, args, dir=None, expect_fail=False) -> ServerHandle: a private
    server, optionally on an existing directory (to start on a prepared dump.rdb or
    AOF directory); with expect_fail the start must fail.  All are stopped, then
    their directories removed (a directory two servers shared goes last)."""
    handles: list[ServerHandle] = []

    def start(kind="fc", args=(), dir=None, expect_fail=False):
        h = ServerHandle(fastcache_cmd() if kind == "fc" else reference_cmd(), list(args),
                         name="fastcache" if kind == "fc" else "reference")
        if dir is not None:
            h.dir = dir
        handles.append(h)
        if expect_fail:
            with pytest.raises(ServerStartError):
                h.start()
            return h
        return h.start()

    yield start
    for h in handles:
        h.stop()
    for h in handles:
        h.cleanup()
