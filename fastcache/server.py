"""Server lifecycle: listeners, the client registry, cron, shutdown.

The data plane is the Cython core (fastcache._core.core); this module only wires
it to uvloop: it creates the listening sockets, keeps the registry of connected
clients for CLIENT LIST/KILL, runs serverCron's Python share (client timeouts,
config-driven housekeeping) and calls the core's cron hz times a second.
"""
import asyncio
import errno
import locale
import os
import resource
import signal
import socket
import sys
import time

import uvloop

from fastcache import __version__
from fastcache import log as _log
from fastcache._core import core
from fastcache.log import logger

REDIS_VERSION = "7.0.15"


class LoadingAborted(BaseException):
    """SHUTDOWN arrived while the dataset was loading (a BaseException so the
    loaders' `except Exception` error handling lets it through)."""


class Server:
    """One fastcache server process (Redis's `struct redisServer` Python side)."""

    def __init__(self, config):
        self.config = config
        self.clients = {}            # id -> Client
        self.monitors = set()
        self.tcp_listeners = {}       # (host, port) -> asyncio Server
        self.unix_listener = None
        self.loop = None
        self.start_time = time.time()
        self.start_monotonic = time.monotonic()
        self.run_id = os.urandom(20).hex()
        self.shutdown_requested = None
        self.persistence = None       # fastcache.persistence.Snapshotter, made in start()
        self.aof = None               # fastcache.persistence.aof.Aof, made in start()
        self.implemented = set()
        self.slowlog = None
        self.stat_reset_time = time.time()
        self.unixsocket_path = None
        self._cron_handle = None
        self._cronloops = 0
        self.exit_code = 0
        # loading state (Redis's server.loading*): INFO loading_* fields, the
        # -LOADING gate in the core, clients served while the load blocks the loop
        self.loading = False
        self.loading_start_time = 0
        self.loading_total_bytes = 0
        self.loading_loaded_bytes = 0
        self.loading_what = "RDB"
        self.load_pump = None        # fastcache.blocked_io.EventsWhileBlocked during start-up

    @property
    def lastsave(self):
        """Unix time of the last successful save (LASTSAVE)."""
        return self.persistence.lastsave if self.persistence is not None else int(self.start_time)

    # ---- configuration wiring ----
    def _apply_core(self, name):
        def apply(new, old):
            core.set_option(name, new)
        return apply

    def _bind_config(self):
        cfg = self.config
        for name in ("proto-max-bulk-len", "client-query-buffer-limit", "maxmemory", "hz",
                     "slowlog-log-slower-than", "maxmemory-policy",
                     "hash-max-listpack-entries", "hash-max-listpack-value", "set-max-intset-entries",
                     "zset-max-listpack-entries", "zset-max-listpack-value", "list-max-listpack-size",
                     "list-compress-depth", "key-load-delay",
                     "loading-process-events-interval-bytes", "notify-keyspace-events",
                     # eviction knobs (evict.pxi)
                     "maxmemory-samples", "maxmemory-eviction-tenacity", "lfu-log-factor", "lfu-decay-time"):
            core.set_option(name, cfg.get(name))
            cfg.register_apply(name, self._apply_core(name))
        # pub/sub family: output buffer limits are enforced by the core (client.pxi)
        core.set_option("client-output-buffer-limit", cfg.get("client-output-buffer-limit"))
        cfg.register_apply("client-output-buffer-limit", self._apply_core("client-output-buffer-limit"))
        core.set_option("requirepass", bool(cfg.get("requirepass")))
        cfg.register_apply("requirepass", lambda new, old: core.set_option("requirepass", bool(new)))
        cfg.register_apply("loglevel", lambda new, old: _log.setup(cfg.get("logfile"), new))
        cfg.register_apply("maxclients", lambda new, old: self._adjust_open_files(new))

    def _adjust_open_files(self, maxclients):
        # Redis raises RLIMIT_NOFILE to maxclients + 32 reserved descriptors.
        want = maxclients + 32
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < want:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard) if hard != resource.RLIM_INFINITY
                                                            else want, hard))
            except (ValueError, OSError):
                logger.warning("You requested maxclients of %d requiring at least %d max file descriptors."
                               % (maxclients, want))

    # ---- clients ----
    def make_client(self):
        c = core.Client()
        c.server = self
        return c

    def client_connected(self, c):
        cfg = self.config
        if c.id in self.clients:
            # accepted while loading (fastcache/blocked_io.py), now handed to the loop
            self._set_keepalive(c)
            return
        if len(self.clients) >= cfg.get("maxclients"):
            core.count_rejected_connection()
            c.reply_raw(b"-ERR max number of clients reached\r\n")
            c.close_now()
            return
        if cfg.get("protected-mode") and not cfg.get("requirepass") and self._bind_is_default():
            host = c.addr[0] if isinstance(c.addr, tuple) else None
            if host is not None and host not in ("127.0.0.1", "::1") and not host.startswith("::ffff:127."):
                core.count_rejected_connection()
                c.reply_raw(PROTECTED_MODE_ERROR)
                c.close_now()
                return
        self.clients[c.id] = c
        self._set_keepalive(c)

    def _set_keepalive(self, c):
        ka = self.config.get("tcp-keepalive")
        if ka and isinstance(c.addr, tuple) and c.transport is not None:
            sock = c.transport.get_extra_info("socket")
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, ka)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, max(1, ka // 3))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
            except OSError:
                pass

    def client_disconnected(self, c):
        self.clients.pop(c.id, None)
        self.monitors.discard(c)

    def _bind_is_default(self):
        return self.config.get("bind") in (["*", "-::*"], ["* -::*"], [], "* -::*")

    # ---- lifecycle ----
    async def start(self):
        self.loop = asyncio.get_running_loop()
        cfg = self.config
        core.init(cfg.get("databases"))
        self._bind_config()
        self._adjust_open_files(cfg.get("maxclients"))
        # Listen first, load second, as Redis's initServer/loadDataFromDisk: while
        # the dataset loads, clients that connect are accepted and told -LOADING
        # (fastcache/blocked_io.py serves them from the loader's progress
        # callback); the loop takes them over when the load is done.
        try:
            socks = self._bind_sockets(cfg.get("bind"), cfg.get("port"))
        except OSError as exc:
            logger.warning("Warning: Could not create server TCP listening socket %s:%d: %s"
                           % (exc.filename or "*", cfg.get("port"), exc.strerror))
            raise SystemExit(1)
        unix_sock = self._bind_unix(cfg.get("unixsocket"))
        if not socks and unix_sock is None:
            logger.warning("Failed listening on port %d (tcp), aborting." % cfg.get("port"))
            raise SystemExit(1)
        from fastcache.blocked_io import EventsWhileBlocked
        from fastcache.persistence import RdbLoadFailed, Snapshotter
        self.load_pump = EventsWhileBlocked(
            self, list(socks.values()) + ([unix_sock] if unix_sock is not None else []))
        self.persistence = Snapshotter(self)
        self.persistence.bind_config()
        core.set_flushall_hook(self.persistence.after_flushall)
        logger.info("Server initialized")
        # AOF (fastcache/persistence/aof.py): with appendonly yes the AOF directory
        # is the dataset and the RDB file is not read (Redis's loadDataFromDisk)
        from fastcache.persistence.aof import Aof, AofLoadFailed
        self.aof = Aof(self)
        self.aof.bind_config()
        try:
            self.aof.read_manifest()
            if cfg.get("appendonly"):
                self.aof.load_at_startup()
            else:
                self.persistence.load_at_startup()
            self.aof.open_at_startup()
        except (RdbLoadFailed, AofLoadFailed):
            raise SystemExit(1)
        except LoadingAborted:
            # SHUTDOWN during the load: nothing to save (Redis exits without saving)
            logger.warning("Redis is now ready to exit, bye bye...")
            raise SystemExit(0)
        pump, self.load_pump = self.load_pump, None
        # signal handlers before the first await: once a listener is served a
        # client may see the server up (PING) and signal it right away
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.loop.add_signal_handler(sig, self._on_signal, sig)
        for key, s in socks.items():
            self.tcp_listeners[key] = await self._serve(s)
        if unix_sock is not None:
            self.unix_listener = await self.loop.create_unix_server(
                self.make_client, sock=unix_sock, backlog=cfg.get("tcp-backlog"))
        await pump.hand_over(self.loop)
        cfg.register_apply("port", lambda new, old: self._rebind(cfg.get("bind"), new, "port"))
        cfg.register_apply("bind", lambda new, old: self._rebind(new, cfg.get("port"), "bind"))
        cfg.register_apply("dir", lambda new, old: os.chdir(new))
        cfg.register_apply("logfile", lambda new, old: _log.setup(new, cfg.get("loglevel")))
        self._schedule_cron()
        logger.info("Ready to accept connections tcp")

    def _bind_unix(self, path):
        """Bind and listen the unixsocket (unixsocketperm applied); None if unset."""
        if not path:
            return None
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.bind(path)
            s.listen(self.config.get("tcp-backlog"))
            s.setblocking(False)
        except OSError as exc:
            s.close()
            logger.warning("Failed opening Unix socket: %s" % exc.strerror)
            raise SystemExit(1)
        perm = self.config.get("unixsocketperm")
        if perm:
            os.chmod(path, perm)
        self.unixsocket_path = path
        return s

    # ---- loading (start-up, DEBUG RELOAD, DEBUG LOADAOF) ----
    def loading_begin(self, total_bytes, what):
        """A dataset load starts (Redis's startLoading).  Returns the progress
        callback the core loaders call every few MB / 100 ms."""
        self.loading = True
        self.loading_what = what
        self.loading_start_time = int(time.time())
        self.loading_total_bytes = total_bytes
        self.loading_loaded_bytes = 0
        core.set_option("loading", True)
        last_log = [time.monotonic()]

        def progress(items, pos, size):
            self.loading_loaded_bytes = pos
            now = time.monotonic()
            if now - last_log[0] >= 1.0:
                # at most one line a second: big files show they are moving
                last_log[0] = now
                total = self.loading_total_bytes
                logger.info("Loading %s: %d%% (%d of %d bytes, %d %s)"
                            % (what, pos * 100 // total if total else 0, pos, total, items,
                               "keys" if what == "RDB" else "commands"))
            if self.load_pump is not None:
                try:
                    self.load_pump.pump()
                except Exception as exc:        # a bug there must not fail the load
                    logger.warning("Serving clients while loading: %r" % (exc,))
                if self.shutdown_requested is not None:
                    raise LoadingAborted()
        return progress

    def loading_end(self):
        self.loading = False
        core.set_option("loading", False)

    def loading_info_fields(self):
        """INFO persistence's loading_* lines (only while loading, as Redis)."""
        if not self.loading:
            return []
        total, done = self.loading_total_bytes, self.loading_loaded_bytes
        elapsed = max(0, int(time.time()) - self.loading_start_time)
        perc = done * 100.0 / total if total else 0.0
        eta = 1 if elapsed == 0 or not done else int((total - done) / (done / elapsed))
        return [("loading_start_time", self.loading_start_time), ("loading_total_bytes", total),
                ("loading_rdb_used_mem", 0), ("loading_loaded_bytes", done),
                ("loading_loaded_perc", "%.2f" % perc), ("loading_eta_seconds", eta)]

    @staticmethod
    def _addresses(binds, port):
        """[(host, family, optional)] for the bind list (Redis's rules: a leading '-'
        marks an optional address; '*' / '::*' are the IPv4 / IPv6 wildcards)."""
        if isinstance(binds, str):
            binds = binds.split()
        out = []
        for addr in binds if port else []:
            optional = addr.startswith("-")
            host = addr.lstrip("-")
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            out.append(({"*": "0.0.0.0", "::*": "::"}.get(host, host), family, optional))
        return out

    def _bind_socket(self, host, family, port):
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((host, port))
            s.listen(self.config.get("tcp-backlog"))
            s.setblocking(False)
        except OSError:
            s.close()
            raise
        return s

    def _bind_sockets(self, binds, port, keep=()):
        """Bind and listen every address not already served (`keep` holds the
        (host, port) keys of listeners to reuse).  Binding is synchronous so that
        CONFIG SET port/bind fails before anything changes.  Returns
        {(host, port): socket}; raises OSError with .filename = the address."""
        socks = {}
        try:
            for host, family, optional in self._addresses(binds, port):
                if (host, port) in keep or (host, port) in socks:
                    continue
                try:
                    socks[(host, port)] = self._bind_socket(host, family, port)
                except OSError as exc:
                    if optional and exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT,
                                                  errno.EPROTONOSUPPORT, errno.ENOPROTOOPT):
                        continue
                    exc.filename = host
                    raise
        except OSError:
            for s in socks.values():
                s.close()
            raise
        return socks

    async def _serve(self, sock):
        return await self.loop.create_server(self.make_client, sock=sock,
                                             backlog=self.config.get("tcp-backlog"))

    def _rebind(self, binds, port, what):
        """CONFIG SET port/bind: listen on the new addresses (reusing listeners whose
        address stays), then close the ones no longer wanted; on failure nothing
        changes."""
        from fastcache.config import ConfigError
        wanted = {(h, port) for h, _, _ in self._addresses(binds, port)}
        try:
            socks = self._bind_sockets(binds, port, keep=set(self.tcp_listeners))
        except OSError:
            raise ConfigError("Unable to listen on this port" if what == "port"
                              else "Failed to bind to specified addresses.")
        for key in list(self.tcp_listeners):
            if key not in wanted:
                self.tcp_listeners.pop(key).close()

        async def serve_all():
            for key, s in socks.items():
                self.tcp_listeners[key] = await self._serve(s)
        self.loop.create_task(serve_all())

    def _schedule_cron(self):
        hz = max(1, min(500, self.config.get("hz")))
        self._cron_handle = self.loop.call_later(1.0 / hz, self._cron)

    def _cron(self):
        try:
            core.cron(True, bool(self.config.get("activerehashing")))
            # reap a finished BGSAVE child; save points; BGSAVE SCHEDULE
            self.persistence.cron()
            # AOF: write what the cron propagated, everysec fsync, rewrite child
            self.aof.cron()
            self._cronloops += 1
            hz = max(1, self.config.get("hz"))
            if self._cronloops % hz == 0:
                self._clients_cron()
        except Exception as exc:  # the cron must survive anything
            logger.warning("cron error: %r" % (exc,))
        if self.shutdown_requested is None:
            self._schedule_cron()

    def _clients_cron(self):
        """Once a second: close idle clients (timeout) and shrink grown buffers."""
        timeout = self.config.get("timeout")
        now = core.mstime()
        for c in list(self.clients.values()):
            c.shrink_buffers()
            if timeout and c not in self.monitors and now - c.last_interaction_ms > timeout * 1000:
                c.close_now()

    def _on_signal(self, sig):
        name = "SIGINT" if sig == signal.SIGINT else "SIGTERM"
        logger.warning("Received %s scheduling shutdown..." % name)
        self.loop.call_soon(self._signal_shutdown, name)

    def _signal_shutdown(self, name):
        # Like SHUTDOWN without arguments: save when save points are configured;
        # a failed save keeps the server running (Redis 7.0's serverCron).
        if self.shutdown_requested is None and not self.shutdown():
            logger.warning("%s received but errors trying to shut down the server, check the logs "
                           "for more information" % name)

    def shutdown(self, save=False, nosave=False, force=False):
        """SHUTDOWN / SIGTERM: final snapshot (see Snapshotter.prepare_shutdown), then
        stop.  False (server keeps running) when the save failed without FORCE."""
        logger.warning("User requested shutdown...")
        if self.loading:
            # Redis never saves a half-loaded dataset (prepareForShutdown)
            save, nosave = False, True
        if self.aof is not None:
            self.aof.prepare_shutdown()
        if self.persistence is not None and not self.persistence.prepare_shutdown(save, nosave, force):
            logger.warning("Errors trying to shut down the server. Check the logs for more information.")
            return False
        self.request_shutdown()
        return True

    def request_shutdown(self, code=0):
        if self.shutdown_requested is None:
            self.shutdown_requested = code
            self.loop.call_soon(self._finish_shutdown)

    def _finish_shutdown(self):
        for srv in self.tcp_listeners.values():
            srv.close()
        if self.unix_listener is not None:
            self.unix_listener.close()
        if self.unixsocket_path:
            try:
                os.unlink(self.unixsocket_path)
            except OSError:
                pass
        for c in list(self.clients.values()):
            c.close_now()
        pidfile = self.config.get("pidfile")
        if pidfile:
            try:
                os.unlink(pidfile)
            except OSError:
                pass
        logger.warning("%s is now ready to exit, bye bye..." % "Redis")
        self.loop.stop()

    def slowlog_add(self, c, argv, usec):
        """The core's slowlog hook (registry binds it): see introspection.slowlog_add."""
        from fastcache import introspection
        introspection.slowlog_add(self, c, argv, usec)

    def has_active_child(self):
        """Redis's hasActiveChildProcess: an RDB save or AOF rewrite child runs
        (dict resizing stays off while any does, for copy-on-write)."""
        return ((self.persistence is not None and self.persistence.child_pid is not None)
                or (self.aof is not None and self.aof.child_pid is not None))

    def reset_stats(self):
        core.reset_stats()
        if self.slowlog is not None:
            pass
        self.stat_reset_time = time.time()


PROTECTED_MODE_ERROR = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is "
    b"set for the default user. In this mode connections are only accepted from the loopback interface. "
    b"If you want to connect from external computers to Redis you may adopt one of the following "
    b"solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from "
    b"the loopback interface by connecting to Redis from the same host the server is running, however "
    b"MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make "
    b"this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis "
    b"configuration file, and setting the protected mode option to 'no', and then restarting the server. "
    b"3) If you started the server manually just for testing, restart it with the '--protected-mode no' "
    b"option. 4) Set up an authentication password for the default user. NOTE: You only need to do one "
    b"of the above things in order for the server to start accepting connections from the outside.\r\n")


def daemonize():
    """Detach like Redis's daemonize(): fork, setsid, stdio to /dev/null."""
    if os.fork() != 0:
        os._exit(0)
    os.setsid()
    fd = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(fd, std)
    if fd > 2:
        os.close(fd)


def run(config):
    """Start a server with `config` and run until shutdown. Returns the exit code."""
    from fastcache import registry
    if config.get("daemonize"):
        daemonize()
    _log.setup(config.get("logfile"), config.get("loglevel"))
    d = config.get("dir")
    if d:
        os.chdir(d)
    logger.info("oO0OoO0OoO0Oo fastcache is starting oO0OoO0OoO0Oo")
    logger.info("fastcache version=%s, redis_version=%s, bits=64, pid=%d, just started"
                % (__version__, REDIS_VERSION, os.getpid()))
    pidfile = config.get("pidfile")
    if pidfile:
        with open(pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    # Redis calls setlocale(LC_COLLATE, "") at start-up: SORT ALPHA uses strcoll.
    try:
        locale.setlocale(locale.LC_COLLATE, "")
    except locale.Error:
        logger.warning("Failed to configure LOCALE for invalid locale name.")
    server = Server(config)
    registry.register_all(server)
    uvloop.install() if sys.version_info < (3, 12) else None
    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(server.start())
        loop.run_forever()
    finally:
        loop.close()
    return server.exit_code
