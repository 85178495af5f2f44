"""Servers under test: ones the bench starts (fastcache, redis-server) and external targets.

Every server the bench starts gets the same settings (loopback, no persistence, same maxmemory)
and is pinned to the same core, so the only difference between two rows of the table is the
server binary.
"""
from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import time

from .resp import Conn, RespError, parse_info

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    """A loopback port that was free a moment ago (the server binds it right after)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int | None) -> float | None:
    """utime+stime of ``pid`` in seconds from /proc/<pid>/stat, or None if unreadable."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    # the command name (field 2) may contain spaces and parentheses: split after the last ')'
    fields = data[data.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK   # fields 14 and 15 of stat(5)


def rss_bytes(pid: int | None) -> int | None:
    """VmRSS of ``pid`` in bytes, or None if unreadable."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class Server:
    """A Redis-compatible server reachable on host:port, optionally with a local pid."""

    def __init__(self, name: str, host: str, port: int, pid: int | None = None,
                 external: bool = False):
        self.name, self.host, self.port, self.pid = name, host, port, pid
        self.external = external
        self.error: str | None = None      # why this server is out of the run, if it is
        self.info_server: dict[str, str] = {}

    def conn(self) -> Conn:
        return Conn(self.host, self.port)

    def call(self, *args):
        with self.conn() as c:
            return c.call(*args)

    def info(self, section: str | None = None) -> dict[str, str]:
        return parse_info(self.call("INFO", section) if section else self.call("INFO"))

    def cpu(self) -> float | None:
        return cpu_seconds(self.pid)

    def rss(self) -> int | None:
        return rss_bytes(self.pid)

    def flushall(self) -> None:
        self.call("FLUSHALL")

    def describe(self) -> dict:
        """Versions and identity for the JSON report."""
        i = self.info_server
        return {
            "name": self.name, "host": self.host, "port": self.port, "external": self.external,
            "pid": self.pid, "redis_version": i.get("redis_version"),
            "fastcache_version": i.get("fastcache_version"),
            "server_name": i.get("server_name"), "error": self.error,
        }

    def _fetch_identity(self) -> None:
        try:
            self.info_server = self.info("server")
        except (OSError, RespError) as e:
            self.info_server = {"error": str(e)}

    def stop(self) -> None:
        pass


class ExternalServer(Server):
    """``--target host:port``: a server someone else runs. CPU and RSS are read only when it is
    on this machine (loopback host and its INFO process_id is a live local process)."""

    def __init__(self, name: str, host: str, port: int):
        super().__init__(name, host, port, external=True)
        self._fetch_identity()
        pid = self.info_server.get("process_id")
        if host in ("127.0.0.1", "localhost", "::1") and pid and pid.isdigit() \
                and os.path.exists(f"/proc/{pid}/stat"):
            self.pid = int(pid)


class LocalServer(Server):
    """A server process the bench starts and stops: ``argv_base + --port N --bind ... opts``."""

    def __init__(self, name: str, argv_base: list[str], settings: list[str],
                 pin_cpu: str | None, startup_timeout: float = 20.0):
        port = free_port()
        super().__init__(name, "127.0.0.1", port)
        argv = list(argv_base) + ["--port", str(port), "--bind", "127.0.0.1"] + settings
        if pin_cpu is not None:
            argv = ["taskset", "-c", pin_cpu] + argv      # taskset execs: same pid
        self.argv = argv
        self._stderr_path = f"/tmp/bench-{name}-{port}.log"
        self.proc = None
        try:
            with open(self._stderr_path, "wb") as errf:
                self.proc = subprocess.Popen(argv, stdout=errf, stderr=subprocess.STDOUT, env=_server_env(),
                                             stdin=subprocess.DEVNULL)
        except OSError as e:
            self.error = f"cannot start {shlex.join(argv)}: {e}"
            return
        self.pid = self.proc.pid
        deadline = time.monotonic() + startup_timeout
        while True:
            if self.proc.poll() is not None:
                self.error = f"exited with code {self.proc.returncode}: {self._log_tail()}"
                return
            try:
                if self.call("PING") in ("PONG", b"PONG"):
                    break
            except (OSError, RespError):
                pass
            if time.monotonic() > deadline:
                self.error = f"no PONG within {startup_timeout:.0f}s: {self._log_tail()}"
                self.stop()
                return
            time.sleep(0.05)
        self._fetch_identity()
        # a launcher script may fork the real server: trust INFO's process_id when it is live
        pid = self.info_server.get("process_id", "")
        if pid.isdigit() and int(pid) != self.pid and os.path.exists(f"/proc/{pid}/stat"):
            self.pid = int(pid)

    def _log_tail(self, n: int = 400) -> str:
        try:
            with open(self._stderr_path, "rb") as f:
                data = f.read()
            return data[-n:].decode(errors="replace").strip().replace("\n", " | ") or "(no output)"
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            # SHUTDOWN NOSAVE is the polite way; a server that lacks it gets SIGTERM then SIGKILL
            with self.conn() as c:
                c.sock.settimeout(2)
                try:
                    c.call("SHUTDOWN", "NOSAVE")
                except (ConnectionError, RespError, OSError):
                    pass
        except OSError:
            pass
        try:
            self.proc.wait(3)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            os.unlink(self._stderr_path)
        except OSError:
            pass


def default_fastcache_cmd() -> str:
    return f"{shlex.quote(sys.executable)} -m fastcache"


def tool_version(argv: list[str]) -> str | None:
    """First line of ``argv`` output (e.g. ``redis-server --version``), None if not runnable."""
    if not shutil.which(argv[0]):
        return None
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if text else None
    except (OSError, subprocess.TimeoutExpired):
        return None


def _server_env():
    """Servers import fastcache from this checkout, whatever an editable install
    elsewhere points at (the bench measures the tree it lives in)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env
