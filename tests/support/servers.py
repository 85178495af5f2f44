"""Start and stop server processes (fastcache or the reference redis-server) for tests.

Every server runs on a free loopback port with persistence off and its own temporary
``--dir``, so tests never touch a system service or each other's files.  The fastcache
command line is taken from ``FASTCACHE_SERVER_CMD`` (default ``<python> -m fastcache``);
setting it to ``redis-server`` runs the whole suite against real Redis on both sides, which
is how the differential tests themselves are validated.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Iterable, Sequence

__all__ = [
    "ServerHandle",
    "ServerStartError",
    "fastcache_cmd",
    "reference_cmd",
    "free_port",
    "rss_bytes",
]

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


class ServerStartError(RuntimeError):
    """The server did not answer PING in time (message carries its log)."""


def fastcache_cmd() -> list[str]:
    """The argv prefix that starts fastcache (``FASTCACHE_SERVER_CMD`` or ``python -m fastcache``)."""
    env = os.environ.get("FASTCACHE_SERVER_CMD", "").strip()
    if env:
        return shlex.split(env)
    return [sys.executable, "-m", "fastcache"]


# The checkout under test: servers started by the tests import fastcache from here,
# whatever an (editable) install elsewhere on the machine points at.
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def server_env(extra: dict | None = None) -> dict:
    """The environment for server processes: PYTHONPATH leads with the checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if extra:
        env.update(extra)
    return env


def reference_cmd() -> list[str]:
    """The argv prefix of the reference server (``REDIS_SERVER`` or ``redis-server`` on PATH)."""
    env = os.environ.get("REDIS_SERVER", "").strip()
    if env:
        return shlex.split(env)
    return ["redis-server"]


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago.  Racy by nature: callers retry on bind failure."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc (Linux only)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def _encode_command(*args: bytes | str) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class ServerHandle:
    """One server process on 127.0.0.1 and a free port; use as a context manager.

    ``cmd`` is the argv prefix (e.g. ``["redis-server"]``); ``config_file`` goes first, as
    redis-server expects; ``args`` are extra ``--name value`` pairs given as a flat list.
    ``password`` is only used to authenticate the readiness PING and the SHUTDOWN.
    """

    def __init__(
        self,
        cmd: Sequence[str] | None = None,
        args: Iterable[str] = (),
        *,
        name: str = "fastcache",
        config_file: str | None = None,
        password: str | None = None,
        host: str = "127.0.0.1",
        start_timeout: float = START_TIMEOUT,
        env: dict | None = None,
        ready_on_loading: bool = False,
    ):
        self.cmd = list(cmd) if cmd is not None else fastcache_cmd()
        self.extra_args = list(args)
        self.name = name
        self.config_file = config_file
        self.password = password
        self.host = host
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.start_timeout = start_timeout
        self.env = env
        # a -LOADING reply to the readiness PING counts as started (tests of loading)
        self.ready_on_loading = ready_on_loading
        self.dir: str | None = None
        self.log_path: str | None = None
        self._log_file = None

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    def argv(self) -> list[str]:
        """The full command line for the current port and dir."""
        argv = list(self.cmd)
        if self.config_file:
            argv.append(self.config_file)
        argv += [
            "--port", str(self.port),
            "--bind", self.host,
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", self.dir,
        ]
        argv += self.extra_args
        return argv

    def start(self) -> "ServerHandle":
        """Start the process and wait until it answers PING; raises ServerStartError."""
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix=f"{self.name}-")
        last_error = None
        # The free port can be taken between free_port() and the server's bind; retry a few
        # times with a fresh port rather than fail the whole session.
        for _attempt in range(3):
            self.port = free_port(self.host)
            self.log_path = os.path.join(self.dir, f"{self.name}-{self.port}.log")
            self._log_file = open(self.log_path, "wb")
            try:
                self.proc = subprocess.Popen(
                    self.argv(),
                    stdin=subprocess.DEVNULL,
                    stdout=self._log_file,
                    stderr=subprocess.STDOUT,
                    cwd=self.dir,
                    env=server_env(self.env),
                    start_new_session=True,  # our signals only, never the test runner's group
                )
            except OSError as e:
                self._log_file.close()
                raise ServerStartError(f"cannot execute {self.argv()!r}: {e}") from e
            try:
                self._wait_ready()
                return self
            except ServerStartError as e:
                last_error = e
                self._kill()
                if "in use" not in self.log_text().lower():
                    break
        raise last_error

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        last = "no attempt"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"{self.name} exited with status {self.proc.returncode} during startup\n"
                    f"argv: {shlex.join(self.argv())}\n--- log ---\n{self.log_text()}"
                )
            try:
                reply = self._oneshot(b"PING\r\n" if self.password is None else
                                      _encode_command("AUTH", self.password) + b"PING\r\n",
                                      timeout=1.0)
                # Anything but LOADING means the event loop is serving; NOAUTH counts as up.
                if reply.startswith((b"+PONG", b"-NOAUTH", b"+OK")) or (
                        self.ready_on_loading and reply.startswith(b"-LOADING")):
                    return
                last = repr(reply)
            except OSError as e:
                last = repr(e)
            time.sleep(0.05)
        raise ServerStartError(
            f"{self.name} did not answer PING within {self.start_timeout}s (last: {last})\n"
            f"argv: {shlex.join(self.argv())}\n--- log ---\n{self.log_text()}"
        )

    def _oneshot(self, payload: bytes, timeout: float) -> bytes:
        with socket.create_connection((self.host, self.port), timeout=timeout) as s:
            s.sendall(payload)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def incr_aof(self) -> str:
        """Path of the (single) incr file of a server started with appendonly yes."""
        files = glob.glob(os.path.join(self.dir, "appendonlydir", "*.incr.aof"))
        assert len(files) == 1, files
        return files[0]

    def aof_tail(self, offset: int) -> tuple[bytes, int]:
        """The incr file's bytes from `offset`, and the offset after them."""
        with open(self.incr_aof(), "rb") as f:
            f.seek(offset)
            data = f.read()
        return data, offset + len(data)

    def log_text(self, limit: int = 20000) -> str:
        """The tail of the server's stdout/stderr log."""
        if not self.log_path or not os.path.exists(self.log_path):
            return "(no log)"
        with open(self.log_path, "rb") as f:
            data = f.read()
        return data[-limit:].decode("utf-8", "replace")

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SHUTDOWN NOSAVE, then SIGTERM, then SIGKILL; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                payload = b""
                if self.password is not None:
                    payload += _encode_command("AUTH", self.password)
                payload += _encode_command("SHUTDOWN", "NOSAVE")
                with socket.create_connection((self.host, self.port), timeout=2.0) as s:
                    s.sendall(payload)
                    try:
                        while s.recv(4096):  # a successful SHUTDOWN just closes the socket
                            pass
                    except OSError:
                        pass
            except OSError:
                pass
            if not self._wait_exit(timeout / 2):
                self._signal(signal.SIGTERM)
                if not self._wait_exit(timeout / 2):
                    self._kill()
        self._close_log()
        return self.proc.returncode

    def _wait_exit(self, timeout: float) -> bool:
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def _signal(self, sig) -> None:
        try:
            self.proc.send_signal(sig)
        except ProcessLookupError:
            pass

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self._signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def cleanup(self) -> None:
        """Stop if needed and remove the temporary dir."""
        self.stop()
        if self.dir and os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)

    def restart(self) -> "ServerHandle":
        """Kill and start again (new port), keeping the same dir."""
        self.stop()
        return self.start()

    def __enter__(self) -> "ServerHandle":
        try:
            return self.start()
        except BaseException:
            self.cleanup()  # __exit__ will not run: do not leave the temp dir behind
            raise

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"<ServerHandle {self.name} {self.host}:{self.port} pid={self.pid} {state}>"
