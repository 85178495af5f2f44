"""RDB snapshot orchestration: SAVE, BGSAVE by fork(), save points, loading at
start-up, the final save at shutdown, and the state INFO persistence reports.

Design note.  The codec is C (`core.rdb_save(path)` writes a temp file in the
same directory, fsyncs and renames it over `path`, so a crash mid-save never
damages the last good snapshot; `core.rdb_load(path)` raises `core.RdbError` on
a corrupt file and leaves the databases empty).  This module decides *when*:

- BGSAVE forks.  The child only writes the file and `os._exit`s: it never
  returns into the event loop, never touches the listening sockets and resets
  the signal handlers uvloop installed (their wakeup fd is shared with the
  parent).  The parent keeps serving and reaps the child from the cron
  (waitpid WNOHANG), as Redis's checkChildrenDone does.
- While a child exists the core must not resize its hash tables
  (`resize-allowed` = False): a rehash would touch every bucket page and defeat
  copy-on-write.
- Redis's bookkeeping is reproduced: `dirty` keeps only the changes made while
  the child wrote (dirty - dirty_before_bgsave); after a failed BGSAVE, save
  points retry only after CONFIG_BGSAVE_RETRY_DELAY (5 s); with
  stop-writes-on-bgsave-error and at least one save point, a failed BGSAVE makes
  the core refuse writes with -MISCONF until a save succeeds.
- Loading happens before the listeners open, so -LOADING is never needed; a
  corrupt or truncated file makes the server exit non-zero rather than serve
  half of the data.
"""
import errno
import gc
import os
import signal
import time

from fastcache import log as _log
from fastcache._core import core
from fastcache.log import logger

# Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed BGSAVE, automatic saves wait
# this many seconds before trying again.
BGSAVE_RETRY_DELAY = 5


class RdbLoadFailed(Exception):
    """The snapshot exists but cannot be loaded: the server must not start."""


def _aux_get(aux, name):
    """An AUX field by name whatever the codec's key type (str or bytes)."""
    if not aux:
        return None
    for k in (name, name.encode()):
        if k in aux:
            v = aux[k]
            return v.decode("latin-1") if isinstance(v, bytes) else v
    return None


def _private_dirty_bytes():
    """Pages this process has written since the fork (Private_Dirty in
    /proc/self/smaps_rollup): the copy-on-write cost Redis reports as
    rdb_last_cow_size.  0 when the kernel doesn't tell."""
    try:
        with open("/proc/self/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Private_Dirty:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def kill_child_process(pid):
    """Stop a persistence child on purpose (SIGUSR1, which its exit status shows
    as intended rather than an error) and reap it."""
    try:
        os.kill(pid, signal.SIGUSR1)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def prepare_child(close_fds=(), delay_us=0):
    """Set up a forked persistence child (BGSAVE, BGREWRITEAOF) before it writes.

    uvloop's signal handlers write to a wakeup fd shared with the parent, so a
    signal for the child must simply end it (SIGUSR1: killed on purpose).  A
    garbage collection would write to every tracked object's header: pages the
    parent then has to copy, so it is off (the child lives for one write).  The
    listening sockets belong to the parent.  `delay_us` is rdb-key-save-delay,
    which the codec applies per key written (a test hook to watch a save run)."""
    try:
        signal.set_wakeup_fd(-1)
    except (ValueError, OSError):
        pass
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
        signal.signal(sig, signal.SIG_DFL)
    gc.disable()
    _log.role = "C"
    for fd in close_fds:
        try:
            os.close(fd)
        except OSError:
            pass
    core.set_option("rdb-key-save-delay", delay_us)


class Snapshotter:
    """The RDB side of Redis's `struct redisServer` (lastsave, child, statuses)."""

    def __init__(self, server):
        self.server = server
        self.config = server.config
        now = int(time.time())
        self.lastsave = now                 # LASTSAVE, rdb_last_save_time
        self.lastbgsave_ok = True           # rdb_last_bgsave_status
        self.lastbgsave_try = 0             # for the retry delay after a failure
        self.child_pid = None
        self.child_pipe = None              # read end: the child's info lines
        self.child_info = {}                # current_* fields while a child runs
        self._child_buf = b""
        self.save_time_start = -1
        self.save_time_last = -1            # rdb_last_bgsave_time_sec
        self.dirty_before_bgsave = 0
        self.bgsave_scheduled = False       # BGSAVE SCHEDULE
        self.stat_rdb_saves = 0
        self.last_cow_size = 0
        self.load_keys_loaded = 0
        self.load_keys_expired = 0
        self._misconf = None

    # ---- configuration ----------------------------------------------------
    def bind_config(self):
        """Hook the config parameters this module consumes (called once)."""
        cfg = self.config
        cfg.register_apply("save", lambda new, old: self.update_misconf(save=new))
        cfg.register_apply("stop-writes-on-bgsave-error",
                           lambda new, old: self.update_misconf(stop=new))
        for name in ("rdbcompression", "rdbchecksum"):
            self._set_codec_option(name, cfg.get(name))
        cfg.register_apply("rdbcompression", lambda new, old: self._set_codec_option("rdbcompression", new))
        self.update_misconf()

    @staticmethod
    def _set_codec_option(name, value):
        try:
            core.set_option(name, bool(value))
        except KeyError:        # a core without the codec options
            pass

    def path(self):
        """The snapshot file, relative to `dir` (the process chdirs there)."""
        name = self.config.get("dbfilename")
        return name.decode() if isinstance(name, bytes) else name

    def save_params(self):
        return self.config.get("save") or []

    def update_misconf(self, save=None, stop=None):
        """Recompute the core's write gate: Redis's writeCommandsDeniedByDiskError
        is true only with stop-writes-on-bgsave-error, at least one save point and
        a failed last BGSAVE."""
        if save is None:
            save = self.save_params()
        if stop is None:
            stop = self.config.get("stop-writes-on-bgsave-error")
        deny = bool(stop) and bool(save) and not self.lastbgsave_ok
        if deny != self._misconf:
            core.set_option("misconf-deny-writes", deny)
            self._misconf = deny

    def after_flushall(self):
        """FLUSHALL's persistence step (Redis 7.0): kill a running BGSAVE child, and
        with save points configured save the empty dataset right away — keeping
        the dirty count, which the FLUSHALL itself raised."""
        if self.bgsave_in_progress():
            self.kill_child()
        if self.save_params():
            dirty = core.stats()["dirty"]
            self.save()
            core.set_option("dirty", dirty)

    # ---- SAVE -------------------------------------------------------------
    def save(self):
        """Synchronous save (SAVE, DEBUG RELOAD, SHUTDOWN).  True on success."""
        self.stat_rdb_saves += 1
        path = self.path()
        try:
            core.rdb_save(path)
        except Exception as exc:
            self._log_save_error(exc, path)
            return False
        logger.info("DB saved on disk")
        # Nothing ran while we saved: every change is on disk.
        core.set_option("dirty", 0)
        self.lastsave = int(time.time())
        self.lastbgsave_ok = True
        self.update_misconf()
        return True

    @staticmethod
    def _log_save_error(exc, path):
        if isinstance(exc, OSError):
            try:
                cwd = os.getcwd()
            except OSError:         # the directory itself was removed
                cwd = "unknown"
            logger.warning("Failed saving the RDB file %s (in server root dir %s): %s"
                           % (path, cwd, exc.strerror or exc))
        else:
            logger.warning("Write error saving DB on disk: %s" % (exc,))

    # ---- BGSAVE -----------------------------------------------------------
    def bgsave_in_progress(self):
        return self.child_pid is not None

    def bgsave(self):
        """Fork a child that writes the snapshot (Redis's rdbSaveBackground).
        False when a child already runs or fork() fails."""
        if self.server.has_active_child():
            return False
        self.dirty_before_bgsave = core.stats()["dirty"]
        self.lastbgsave_try = int(time.time())
        self.stat_rdb_saves += 1
        path = self.path()
        rfd, wfd = os.pipe()
        try:
            pid = os.fork()
        except OSError as exc:
            os.close(rfd)
            os.close(wfd)
            self.lastbgsave_ok = False
            self.update_misconf()
            logger.warning("Can't save in background: fork: %s" % exc.strerror)
            return False
        if pid == 0:
            os.close(rfd)
            self._child_main(path, wfd, self._key_save_delay_us(), self._listener_fds())  # no return
        os.close(wfd)
        self.child_pid = pid
        self.child_pipe = rfd
        os.set_blocking(rfd, False)
        self._child_buf = b""
        self.child_info = {"keys_total": core.total_keys(), "keys": 0, "cow": 0, "peak": 0,
                           "cow_time": time.monotonic()}
        self.save_time_start = int(time.time())
        core.set_option("resize-allowed", False)
        logger.info("Background saving started by pid %d" % pid)
        return True

    def _key_save_delay_us(self):
        """rdb-key-save-delay (hidden, microseconds per key): Redis's test hook that
        slows a save down so that tests can observe a BGSAVE in progress."""
        try:
            return max(0, int(self.config.get("rdb-key-save-delay")))
        except (KeyError, TypeError, ValueError):
            return 0

    def _listener_fds(self):
        """File descriptors of the listening sockets (the child closes its copies,
        as Redis's closeChildUnusedResourceAfterFork: a port must not stay bound
        by a child if the parent dies)."""
        fds = []
        srv = self.server
        servers = list(getattr(srv, "tcp_listeners", {}).values())
        if getattr(srv, "unix_listener", None) is not None:
            servers.append(srv.unix_listener)
        for s in servers:
            for sock in getattr(s, "sockets", ()) or ():
                try:
                    fds.append(sock.fileno())
                except (OSError, ValueError):
                    pass
        return fds

    @staticmethod
    def _child_main(path, wfd, delay_us=0, close_fds=()):
        """The forked child: write the file, report the COW size, exit.  Must not
        return: the event loop and the sockets belong to the parent."""
        code = 1
        stats = {"peak": 0, "sum": 0, "n": 0}

        def report(keys):
            # Redis's sendChildInfoGeneric: "P <cow bytes> <keys written>" about
            # once a second; the parent shows it as INFO's current_* fields
            cow = _private_dirty_bytes()
            stats["peak"] = max(stats["peak"], cow)
            stats["sum"] += cow
            stats["n"] += 1
            try:
                os.write(wfd, b"P %d %d\n" % (cow, keys))
            except OSError:
                pass

        try:
            prepare_child(close_fds, delay_us)
            os.set_blocking(wfd, False)        # never stall the save on a full pipe
            core.rdb_save(path, report)
            logger.info("DB saved on disk")
            cow = _private_dirty_bytes()
            peak = max(stats["peak"], cow)
            avg = (stats["sum"] + cow) // (stats["n"] + 1)
            if cow:
                logger.info("Fork CoW for RDB: current %d MB, peak %d MB, average %d MB"
                            % (cow >> 20, peak >> 20, avg >> 20))
            try:
                os.write(wfd, b"D %d\n" % cow)
            except OSError:
                pass
            code = 0
        except BaseException as exc:       # noqa: BLE001 -- the child must exit
            try:
                Snapshotter._log_save_error(exc, path)
            except BaseException:
                pass
        finally:
            os._exit(code)

    def _read_child_info(self):
        """Take the child's info lines (non-blocking) into child_info; returns the
        final COW size when this read brought it ("D <bytes>"), else None."""
        done = None
        if self.child_pipe is None:
            return None
        try:
            while True:
                chunk = os.read(self.child_pipe, 4096)
                if not chunk:
                    break
                self._child_buf += chunk
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            return None
        *lines, self._child_buf = self._child_buf.split(b"\n")
        info = self.child_info
        for ln in lines:
            parts = ln.split()
            try:
                if parts[0] == b"P" and len(parts) == 3:
                    info["cow"], info["keys"] = int(parts[1]), int(parts[2])
                    info["peak"] = max(info.get("peak", 0), info["cow"])
                    info["cow_time"] = time.monotonic()
                elif parts[0] == b"D" and len(parts) == 2:
                    done = info["done"] = int(parts[1])
            except (IndexError, ValueError):
                continue
        return done

    def check_child(self):
        """Reap a finished BGSAVE child (cron).  True when one was reaped."""
        if self.child_pid is None:
            return False
        self._read_child_info()
        try:
            pid, status = os.waitpid(self.child_pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.child_pid, 1 << 8      # lost: count as an error
        if pid == 0:
            return False
        if os.WIFSIGNALED(status):
            self._bgsave_done(0, os.WTERMSIG(status))
        else:
            self._bgsave_done(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1, 0)
        return True

    def _bgsave_done(self, exitcode, bysignal):
        """Redis's backgroundSaveDoneHandlerDisk."""
        cow = 0
        if self.child_pipe is not None:
            self._read_child_info()
            cow = self.child_info.get("done", 0)
            os.close(self.child_pipe)
            self.child_pipe = None
        self.child_info = {}
        if not bysignal and exitcode == 0:
            logger.info("Background saving terminated with success")
            core.set_option("dirty", max(0, core.stats()["dirty"] - self.dirty_before_bgsave))
            self.lastsave = int(time.time())
            self.lastbgsave_ok = True
            self.last_cow_size = cow
        elif not bysignal:
            logger.warning("Background saving error")
            self.lastbgsave_ok = False
        else:
            logger.warning("Background saving terminated by signal %d" % bysignal)
            self._remove_temp_file(self.child_pid)
            # SIGUSR1 is how we kill a child on purpose: not an error.
            if bysignal != signal.SIGUSR1:
                self.lastbgsave_ok = False
        self.save_time_last = int(time.time()) - self.save_time_start
        self.save_time_start = -1
        self.child_pid = None
        core.set_option("resize-allowed", not self.server.has_active_child())
        self.update_misconf()

    def kill_child(self):
        """Stop a running BGSAVE (shutdown): SIGUSR1, reap, drop its temp file."""
        if self.child_pid is None:
            return
        pid = self.child_pid
        kill_child_process(pid)
        self._remove_temp_file(pid)
        if self.child_pipe is not None:
            os.close(self.child_pipe)
            self.child_pipe = None
        self.child_pid = None
        self.save_time_start = -1
        core.set_option("resize-allowed", not self.server.has_active_child())

    def _remove_temp_file(self, pid):
        """A killed child may leave its temp file (the codec writes temp-<pid>.rdb
        next to the target, Redis's naming)."""
        d = os.path.dirname(self.path()) or "."
        try:
            os.unlink(os.path.join(d, "temp-%d.rdb" % pid))
        except OSError:
            pass

    # ---- cron ---------------------------------------------------------------
    def cron(self):
        """serverCron's persistence share: reap the child, else start a BGSAVE when
        a save point is reached or one was scheduled."""
        if self.child_pid is not None:
            self.check_child()
            return
        if self.server.has_active_child():
            return          # an AOF rewrite child: Redis starts no BGSAVE meanwhile
        now = int(time.time())
        retry_ok = self.lastbgsave_ok or now - self.lastbgsave_try > BGSAVE_RETRY_DELAY
        params = self.save_params()
        if params and retry_ok:
            dirty = core.stats()["dirty"]
            for seconds, changes in params:
                # Redis: dirty >= changes and strictly more than `seconds` elapsed.
                if dirty >= changes and now - self.lastsave > seconds:
                    logger.info("%d changes in %d seconds. Saving..." % (changes, seconds))
                    self.bgsave()
                    return
        if self.bgsave_scheduled and retry_ok:
            if self.bgsave():
                self.bgsave_scheduled = False

    # ---- start-up loading ---------------------------------------------------
    def load_at_startup(self):
        """Load dir/dbfilename when it exists.  Raises RdbLoadFailed (after logging)
        when it can't be loaded; the caller exits non-zero."""
        path = self.path()
        if not os.path.exists(path):
            return None
        start = time.monotonic()
        info = self.load(path, at_startup=True)
        logger.info("DB loaded from disk: %.3f seconds" % (time.monotonic() - start))
        return info

    def load(self, path=None, at_startup=False):
        """Load `path` (default: the snapshot) into the emptied databases, logging
        like Redis's rdbLoad.  Raises RdbLoadFailed."""
        path = path or self.path()
        try:
            total = os.path.getsize(path)
        except OSError:
            total = 0
        progress = self.server.loading_begin(total, "RDB")
        try:
            info = core.rdb_load(path, progress)
        except OSError as exc:
            why = exc.strerror or os.strerror(exc.errno or errno.EIO)
            if at_startup:
                logger.warning("Fatal error loading the DB: %s. Exiting." % why)
            else:
                logger.warning("Failed loading the RDB file %s: %s" % (path, why))
            raise RdbLoadFailed(str(exc)) from exc
        except Exception as exc:           # core.RdbError: corrupt or truncated
            logger.warning("Internal error in RDB reading file %s: %s" % (path, exc))
            if at_startup:
                logger.warning("Terminating server after rdb file reading failure.")
            raise RdbLoadFailed(str(exc)) from exc
        finally:
            self.server.loading_end()
        aux = info.get("aux") or {}
        ver = _aux_get(aux, "redis-ver")
        if ver:
            logger.info("Loading RDB produced by version %s" % ver)
        ctime = _aux_get(aux, "ctime")
        if ctime is not None:
            try:
                age = int(time.time()) - int(ctime)
                logger.info("RDB age %d seconds" % age)
            except ValueError:
                pass
        used = _aux_get(aux, "used-mem")
        if used is not None:
            try:
                logger.info("RDB memory usage when created %.2f Mb" % (int(used) / (1024 * 1024)))
            except ValueError:
                pass
        self.load_keys_loaded = info.get("keys", 0)
        self.load_keys_expired = info.get("expired_skipped", 0)
        logger.info("Done loading RDB, keys loaded: %d, keys expired: %d."
                    % (self.load_keys_loaded, self.load_keys_expired))
        # Loading is not a change to persist.
        core.set_option("dirty", 0)
        return info

    # ---- shutdown -----------------------------------------------------------
    def prepare_shutdown(self, save=False, nosave=False, force=False):
        """The RDB part of Redis's prepareForShutdown: kill a BGSAVE child, then save
        when save points are configured (unless NOSAVE) or SAVE was given.  False
        when the save failed and FORCE wasn't given: the shutdown is aborted."""
        if self.child_pid is not None:
            logger.warning("There is a child saving an .rdb. Killing it!")
            self.kill_child()
        if (self.save_params() and not nosave) or save:
            logger.info("Saving the final RDB snapshot before exiting.")
            if not self.save():
                if force:
                    logger.warning("Error trying to save the DB. Exit anyway.")
                else:
                    logger.warning("Error trying to save the DB, can't exit.")
                    return False
        return True

    # ---- INFO -------------------------------------------------------------
    def info_fields(self):
        """The rdb_* / loading fields of INFO persistence, in Redis's order."""
        now = int(time.time())
        if self.child_pid is not None:
            self._read_child_info()
        ci = self.child_info
        return [
            ("loading", 1 if self.server.loading else 0),
            ("async_loading", 0), ("current_cow_peak", ci.get("peak", 0)),
            ("current_cow_size", ci.get("cow", 0)),
            ("current_cow_size_age", int(time.monotonic() - ci["cow_time"]) if ci else 0),
            ("current_fork_perc", "%.2f" % (ci["keys"] * 100.0 / ci["keys_total"]
                                            if ci and ci["keys_total"] else 0.0)),
            ("current_save_keys_processed", ci.get("keys", 0)),
            ("current_save_keys_total", ci.get("keys_total", 0)),
            ("rdb_changes_since_last_save", core.stats()["dirty"]),
            ("rdb_bgsave_in_progress", 1 if self.child_pid is not None else 0),
            ("rdb_last_save_time", self.lastsave),
            ("rdb_last_bgsave_status", "ok" if self.lastbgsave_ok else "err"),
            ("rdb_last_bgsave_time_sec", self.save_time_last),
            ("rdb_current_bgsave_time_sec",
             now - self.save_time_start if self.child_pid is not None else -1),
            ("rdb_saves", self.stat_rdb_saves),
            ("rdb_last_cow_size", self.last_cow_size),
            ("rdb_last_load_keys_expired", self.load_keys_expired),
            ("rdb_last_load_keys_loaded", self.load_keys_loaded),
        ]
