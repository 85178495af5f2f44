"""The append-only file: Redis 7.0's multi-part AOF (base + incr files + manifest).

Design note.
- Layout (dir/appenddirname): `appendonly.aof.<seq>.base.rdb` (RDB preamble) or
  `.base.aof`, `appendonly.aof.<seq>.incr.aof`, and `appendonly.aof.manifest`
  whose lines are `file <name> seq <n> type b|h|i` (base, history, incr), base
  first.  The manifest is always replaced atomically (temp file, fsync, rename,
  fsync of the directory): a crash leaves the old or the new one, never half.
- What to write comes from the core's propagation stream
  (`core.take_propagated()`: RESP commands with SELECTs, deterministic forms).
  It is taken once per loop iteration by `before_sleep`, which the core
  schedules (aof.pxi) when a batch changed data: one write() per iteration.
- `appendfsync always`: before_sleep write()s and fsync()s, and only then lets
  the core send the replies it held (group commit, one fsync per iteration for
  every client).  A write error there is fatal, as in Redis (the client already
  has no reply; the process can't promise durability any more).
  `everysec`: a background thread fsyncs at most once a second (cron-driven).
  `no`: the OS decides.
- Rewrite (BGREWRITEAOF, auto rewrite, turning appendonly on): first everything
  pending goes to the current incr file, then a NEW incr file is opened and
  recorded in the manifest (when the AOF is on), then a forked child writes the
  whole dataset with core.rdb_save (or core.rewrite_commands) into
  temp-rewriteaof-bg-<pid>.aof.  On
  success the parent renames it to the next base name, writes the manifest
  (new base + the incr files opened since the rewrite started) and deletes the
  old base and incr files.  On failure nothing changes but the extra incr file.
- Loading (start-up, appendonly yes): manifest -> base (RDB via core.rdb_load, or
  commands) -> incr files in order, through `core.replay`.  A torn tail of the
  last file is cut (aof-load-truncated yes) or fatal.  A file that starts with an
  RDB image may continue with commands (Redis 4-6 wrote the preamble and then
  appended): the loader replays what follows the image.  "#..." annotation lines
  (#TS:<unix> of aof-timestamp-enabled) are skipped.
- Upgrade: a pre-7.0 `dir/appendonly.aof` with no AOF directory is moved into
  the directory and becomes the base of a new manifest (Redis 7.0 does the same).
- Command-form base (aof-use-rdb-preamble no): core.rewrite_commands writes
  SELECT/SET/RPUSH/SADD/ZADD/HMSET/PEXPIREAT, batched 64 items per command.
- no-appendfsync-on-rewrite yes: no fsync (any policy) while a child runs.
"""
import os
import signal
import threading
import time

from fastcache._core import core
from fastcache.log import logger
from fastcache.persistence.snapshot import kill_child_process, prepare_child

MANIFEST_SUFFIX = ".manifest"
BASE_RDB = ".base.rdb"
BASE_AOF = ".base.aof"
INCR = ".incr.aof"


class AofLoadFailed(Exception):
    """The AOF exists but can't be loaded: the server must not start."""


def _s(v):
    return v.decode() if isinstance(v, bytes) else v


def _split_manifest_line(line):
    """sdssplitargs-lite for manifest lines: words, with "quoted" names."""
    words, cur, i, n = [], None, 0, len(line)
    while i < n:
        ch = line[i]
        if ch in " \t\r\n":
            if cur is not None:
                words.append(cur)
                cur = None
            i += 1
            continue
        if ch == '"' and cur is None:
            j = i + 1
            buf = []
            while j < n and line[j] != '"':
                if line[j] == "\\" and j + 1 < n:
                    j += 1
                    buf.append({"n": "\n", "r": "\r", "t": "\t"}.get(line[j], line[j]))
                else:
                    buf.append(line[j])
                j += 1
            if j >= n:
                raise ValueError("unbalanced quotes")
            words.append("".join(buf))
            i = j + 1
            continue
        cur = (cur or "") + ch
        i += 1
    if cur is not None:
        words.append(cur)
    return words


class Manifest:
    """The AOF manifest: one base, history files (to delete), incr files."""

    def __init__(self):
        self.base = None            # (name, seq, "b")
        self.history = []           # [name]
        self.incrs = []             # [(name, seq)]
        self.cur_base_seq = 0
        self.cur_incr_seq = 0

    @classmethod
    def parse(cls, text):
        m = cls()
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            words = _split_manifest_line(line)
            if len(words) % 2:
                raise ValueError("Invalid AOF manifest file format")
            kv = dict(zip(words[::2], words[1::2]))
            name, seq, typ = kv.get("file"), kv.get("seq"), kv.get("type")
            if name is None or seq is None or typ is None:
                raise ValueError("Invalid AOF manifest file format")
            seq = int(seq)
            if typ == "b":
                if m.base is not None:
                    raise ValueError("Found duplicate base file information")
                m.base = name
                m.cur_base_seq = seq
            elif typ == "h":
                m.history.append(name)
            elif typ == "i":
                if seq <= m.cur_incr_seq:
                    raise ValueError("Found a non-monotonic sequence number")
                m.incrs.append((name, seq))
                m.cur_incr_seq = seq
            else:
                raise ValueError("Unknown AOF file type")
        return m

    def render(self):
        def fmt(name):
            if any(ch in name for ch in ' "\\\t\r\n') or not name.isprintable():
                return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
            return name
        out = []
        if self.base is not None:
            out.append("file %s seq %d type b\n" % (fmt(self.base), self.cur_base_seq))
        for name in self.history:
            out.append("file %s seq 0 type h\n" % fmt(name))  # seq unused for history
        for name, seq in self.incrs:
            out.append("file %s seq %d type i\n" % (fmt(name), seq))
        return "".join(out)

    def copy(self):
        m = Manifest()
        m.base, m.history, m.incrs = self.base, list(self.history), list(self.incrs)
        m.cur_base_seq, m.cur_incr_seq = self.cur_base_seq, self.cur_incr_seq
        return m


class Aof:
    """Redis's AOF state (aof_state, aof_fd, the manifest, the rewrite child)."""

    def __init__(self, server):
        self.server = server
        self.config = server.config
        self.on = False                 # aof_state != OFF (writing)
        self.wait_rewrite = False       # turned on at runtime; manifest pending
        self.fd = -1
        self.manifest = Manifest()
        self.current_size = 0
        self.base_size = 0
        self.last_write_ok = True
        self.last_fsync = time.monotonic()
        self.fsync_thread = None
        self.fsync_event = threading.Event()
        self.fsync_pending = False
        self.child_pid = None
        self.child_start = -1
        self.child_incr_start = 0       # index in manifest.incrs of the rewrite's new incr
        self.rewrite_time_last = -1
        self.rewrite_ok = True
        self.rewrites = 0
        self.rewrite_failures = 0
        self.rewrite_scheduled = False
        self.rewrite_base_size = 0      # aof_rewrite_base_size: size after the last rewrite
        self.loaded_truncated = False
        self.fresh_incr = False         # start() opened the incr the pending rewrite uses
        self.last_timestamp = 0         # aof_cur_timestamp: second of the last #TS annotation

    # ---- configuration -------------------------------------------------------
    def dirname(self):
        return _s(self.config.get("appenddirname"))

    def filename(self):
        return _s(self.config.get("appendfilename"))

    def _path(self, name):
        return os.path.join(self.dirname(), name)

    def fsync_mode(self):
        return _s(self.config.get("appendfsync"))

    def bind_config(self):
        cfg = self.config
        core.aof_set_hooks(self.server.loop.call_soon, self.before_sleep)
        cfg.register_apply("appendonly", self._apply_appendonly)
        cfg.register_apply("appendfsync", lambda new, old: self._apply_mode())

    def _apply_mode(self):
        core.aof_set_mode(0 if not self.on else (2 if self.fsync_mode() == "always" else 1))

    def _apply_appendonly(self, new, old):
        from fastcache.config import ConfigError
        if new and not self.on:
            if not self.start():
                raise ConfigError("Unable to turn on AOF. Check server logs.")
        elif not new and self.on:
            self.stop()

    # ---- start / stop ----------------------------------------------------------
    def start(self):
        """CONFIG SET appendonly yes (startAppendOnly): start writing a new incr file
        now and build a base by a background rewrite; the manifest is written
        when it succeeds."""
        os.makedirs(self.dirname(), exist_ok=True)
        self._set_propagation(True)
        self.on = True
        self.wait_rewrite = True
        self._apply_mode()
        # the incr file that will follow the new base, unrecorded until then
        self._open_new_incr(persist=False)
        self.fresh_incr = True
        if self.server.persistence.bgsave_in_progress():
            self.rewrite_scheduled = True
            logger.info("AOF was enabled but there is already another background operation. "
                        "An AOF background was scheduled to start when possible.")
            return True
        if not self.rewrite_background():
            self.stop()
            logger.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite "
                           "operation. Check the above logs for more info about the error.")
            return False
        return True

    def stop(self):
        """CONFIG SET appendonly no (stopAppendOnly): flush, fsync, close; kill a
        rewrite child."""
        self.flush(force_fsync=True)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.child_pid is not None:
            self._kill_child()
        self.on = False
        self.wait_rewrite = False
        self.rewrite_scheduled = False
        self.fresh_incr = False
        self._apply_mode()
        self._set_propagation(False)

    @staticmethod
    def _set_propagation(on):
        core.set_propagation(on)
        if on:
            core.reset_propagation_db()

    def open_at_startup(self):
        """After loading (aofOpenIfNeededOnServerStart): make sure a base exists
        (an empty dataset written now), then append to the last incr file or
        create the first one."""
        if not self.config.get("appendonly"):
            return
        created_base = False
        os.makedirs(self.dirname(), exist_ok=True)
        self._set_propagation(True)
        self.on = True
        self._apply_mode()
        if self.manifest.base is None and not self.manifest.incrs:
            seq = self.manifest.cur_base_seq + 1
            name = "%s.%d%s" % (self.filename(), seq, BASE_RDB if self._preamble() else BASE_AOF)
            if self._preamble():
                core.rdb_save(self._path(name))
            else:
                self._write_aof_base(self._path(name))
            self.manifest.base = name
            self.manifest.cur_base_seq = seq
            # like Redis, a base made at start-up is not counted in the sizes
            created_base = True
            logger.info("Creating AOF base file %s on server start" % name)
        if self.manifest.incrs:
            name = self.manifest.incrs[-1][0]
            self.fd = os.open(self._path(name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        else:
            self._open_new_incr(persist=True, why="on server start")
        self._persist_manifest(self.manifest)
        if created_base:
            self.current_size = self.base_size = 0
            self.rewrite_base_size = 0

    def _preamble(self):
        return bool(self.config.get("aof-use-rdb-preamble"))

    def _open_new_incr(self, persist, why=None):
        """openNewIncrAofForAppend: flush pending, switch the fd to a new incr file."""
        self.flush(force_fsync=self.fsync_mode() != "no")
        seq = self.manifest.cur_incr_seq + 1
        name = "%s.%d%s" % (self.filename(), seq, INCR)
        fd = os.open(self._path(name), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC, 0o644)
        m = self.manifest.copy()
        m.incrs.append((name, seq))
        m.cur_incr_seq = seq
        if persist:
            try:
                self._persist_manifest(m)
            except OSError:
                os.close(fd)
                raise
        if why:
            logger.info("Creating AOF incr file %s %s" % (name, why))
        if self.fd >= 0:
            os.close(self.fd)
        self.fd = fd
        self.manifest = m
        core.reset_propagation_db()     # the new file starts with a SELECT
        self.last_timestamp = 0         # ... and its own first #TS annotation
        return name

    def _persist_manifest(self, m):
        path = self._path(self.filename() + MANIFEST_SUFFIX)
        tmp = self._path("temp-" + self.filename() + MANIFEST_SUFFIX)
        with open(tmp, "w") as f:
            f.write(m.render())
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)
        dfd = os.open(self.dirname(), os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def _total_size(self):
        total = 0
        names = ([self.manifest.base] if self.manifest.base else []) + [n for n, _ in self.manifest.incrs]
        for name in names:
            try:
                total += os.path.getsize(self._path(name))
            except OSError:
                pass
        return total

    # ---- writing -------------------------------------------------------------------
    def before_sleep(self):
        """The per-iteration step the core schedules: write what was propagated
        (+ fsync under always), then release the replies the core held."""
        core.aof_begin_step()
        try:
            self.flush()
        finally:
            core.aof_flush_held()

    def flush(self, force_fsync=False):
        """flushAppendOnlyFile: write the propagation buffer to the incr file."""
        if not self.on:
            return
        data = core.take_propagated()
        mode = self.fsync_mode()
        if data and self.config.get("aof-timestamp-enabled"):
            # genAofTimestampAnnotationIfNeeded: a "#TS:<unix>" line before the
            # commands whenever the second changed since the last annotation.
            # Added here, not in the propagation stream, which replicas share.
            now = int(time.time())
            if now > self.last_timestamp:
                self.last_timestamp = now
                data = b"#TS:%d\r\n" % now + data
        if data and self.fd >= 0:
            view = memoryview(data)
            try:
                while view:
                    n = os.write(self.fd, view)
                    view = view[n:]
            except OSError as exc:
                self.last_write_ok = False
                logger.warning("Error writing to the AOF file: %s" % exc.strerror)
                if mode == "always":
                    logger.warning("Can't recover from AOF write error when the AOF fsync policy is "
                                   "'always'. Exiting...")
                    os._exit(1)
                return
            self.last_write_ok = True
            self.current_size += len(data)
            if self._no_fsync_now():
                self.fsync_pending = True
                return
            if mode == "always":
                os.fsync(self.fd)
                self.last_fsync = time.monotonic()
                return
        if self.fd < 0:
            return
        if not force_fsync and self._no_fsync_now():
            return
        if force_fsync:
            os.fsync(self.fd)
            self.last_fsync = time.monotonic()
        elif mode == "everysec" and time.monotonic() - self.last_fsync >= 1.0 and (data or self.fsync_pending):
            self._background_fsync()

    def _no_fsync_now(self):
        """no-appendfsync-on-rewrite yes: no fsync while any child (BGSAVE or AOF
        rewrite) does disk I/O; Redis skips the fsync of every policy, even
        always, accepting the loss window the option documents."""
        return bool(self.config.get("no-appendfsync-on-rewrite")) and self.server.has_active_child()

    def _background_fsync(self):
        """everysec: fsync in a thread (Redis's bio), never two at once."""
        self.last_fsync = time.monotonic()
        self.fsync_pending = False
        if self.fsync_thread is None:
            self.fsync_thread = threading.Thread(target=self._fsync_loop, name="aof-fsync", daemon=True)
            self.fsync_thread.start()
        self.fsync_event.set()

    def _fsync_loop(self):
        while True:
            self.fsync_event.wait()
            self.fsync_event.clear()
            fd = self.fd
            if fd >= 0:
                try:
                    os.fsync(fd)
                except OSError:
                    pass

    # ---- cron -----------------------------------------------------------------------
    def cron(self):
        """serverCron's AOF share: write what the cron propagated (active expiry),
        everysec fsync, reap the rewrite child, scheduled and automatic rewrites."""
        if self.on:
            pending = core.propagated_pending()
            if pending:
                self.fsync_pending = True
            self.flush()
        if self.child_pid is not None:
            self._check_child()
            return
        if self.server.persistence.bgsave_in_progress():
            return
        if self.rewrite_scheduled or self.wait_rewrite:
            self.rewrite_background()
            return
        if not self.on:
            return
        pct = self.config.get("auto-aof-rewrite-percentage")
        minsize = self.config.get("auto-aof-rewrite-min-size")
        if pct and self.current_size > minsize:
            base = self.rewrite_base_size or 1
            growth = (self.current_size * 100 // base) - 100
            if growth >= pct:
                logger.info("Starting automatic rewriting of AOF on %d%% growth" % growth)
                self.rewrite_background()

    # ---- rewrite ----------------------------------------------------------------------
    def rewrite_in_progress(self):
        return self.child_pid is not None

    def rewrite_background(self):
        """rewriteAppendOnlyFileBackground.  True when the child started."""
        if self.server.has_active_child():
            return False
        os.makedirs(self.dirname(), exist_ok=True)
        self.rewrite_scheduled = False
        try:
            if self.fresh_incr:
                self.fresh_incr = False
            elif self.on:        # AOF off: the rewrite only makes a base (Redis 7.0)
                self._open_new_incr(persist=self.on and not self.wait_rewrite,
                                    why="on background rewrite")
        except OSError as exc:
            logger.warning("Can't open new incr AOF: %s" % exc.strerror)
            self.rewrite_ok = False
            self.rewrite_failures += 1
            return False
        # the incr files from this index on follow the new base
        self.child_incr_start = len(self.manifest.incrs) - 1 if self.on else len(self.manifest.incrs)
        snap = self.server.persistence
        try:
            pid = os.fork()
        except OSError as exc:
            logger.warning("Can't rewrite append only file in background: fork: %s" % exc.strerror)
            self.rewrite_ok = False
            self.rewrite_failures += 1
            return False
        if pid == 0:
            self._child_main(snap)          # no return
        self.child_pid = pid
        self.child_start = time.time()
        core.set_option("resize-allowed", False)
        logger.info("Background append only file rewriting started by pid %d" % pid)
        return True

    def _child_main(self, snap):
        code = 1
        path = "temp-rewriteaof-bg-%d.aof" % os.getpid()
        try:
            prepare_child(snap._listener_fds(), snap._key_save_delay_us())
            if self._preamble():
                core.rdb_save(path)
            else:
                self._write_aof_base(path)
            logger.info("Successfully created the temporary AOF base file %s" % path)
            code = 0
        except BaseException as exc:        # noqa: BLE001 -- the child must exit
            try:
                logger.warning("Error rewriting the append only file: %r" % (exc,))
            except BaseException:
                pass
        finally:
            os._exit(code)

    def _write_aof_base(self, path):
        """A command-form base (aof-use-rdb-preamble no): SELECT / SET / RPUSH /
        SADD / ZADD / HMSET / PEXPIREAT written by the core (rewrite_commands),
        starting with a #TS annotation when aof-timestamp-enabled is on."""
        ts = int(time.time()) if self.config.get("aof-timestamp-enabled") else 0
        core.rewrite_commands(path, ts)

    def _check_child(self):
        try:
            pid, status = os.waitpid(self.child_pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.child_pid, 1 << 8
        if pid == 0:
            return
        ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        bysignal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        self._rewrite_done(ok, bysignal)

    def _rewrite_done(self, ok, bysignal):
        """backgroundRewriteDoneHandler."""
        pid = self.child_pid
        self.child_pid = None
        self.rewrite_time_last = int(time.time() - self.child_start)
        self.child_start = -1
        core.set_option("resize-allowed", not self.server.has_active_child())
        tmp = "temp-rewriteaof-bg-%d.aof" % pid
        if ok:
            logger.info("Background AOF rewrite terminated with success")
            m = self.manifest.copy()
            seq = m.cur_base_seq + 1
            name = "%s.%d%s" % (self.filename(), seq, BASE_RDB if self._preamble() else BASE_AOF)
            try:
                os.rename(tmp, self._path(name))
                logger.info("Successfully renamed the temporary AOF base file %s into %s" % (tmp, name))
                old = ([m.base] if m.base else []) + [n for n, _ in m.incrs[:self.child_incr_start]]
                m.base = name
                m.cur_base_seq = seq
                m.incrs = m.incrs[self.child_incr_start:]
                self._persist_manifest(m)
            except OSError as exc:
                logger.warning("Error trying to rename the temporary AOF base file %s into %s: %s"
                               % (tmp, name, exc.strerror))
                self._rewrite_failed()
                return
            self.manifest = m
            self.wait_rewrite = False
            for n in old:
                logger.info("Removing the history file %s in the background" % n)
                try:
                    os.unlink(self._path(n))
                except OSError:
                    pass
            self.base_size = os.path.getsize(self._path(name))
            self.current_size = self._total_size()
            self.rewrite_base_size = self.current_size
            self.rewrite_ok = True
            self.rewrite_failures = 0
            self.rewrites += 1
            logger.info("Background AOF rewrite finished successfully")
        else:
            if bysignal:
                logger.warning("Background AOF rewrite terminated by signal %d" % bysignal)
            else:
                logger.warning("Background AOF rewrite terminated with error")
            try:
                os.unlink(tmp)
            except OSError:
                pass
            if bysignal != signal.SIGUSR1:
                self._rewrite_failed()

    def _rewrite_failed(self):
        self.rewrite_ok = False
        self.rewrite_failures += 1

    def _kill_child(self):
        pid = self.child_pid
        kill_child_process(pid)
        try:
            os.unlink("temp-rewriteaof-bg-%d.aof" % pid)
        except OSError:
            pass
        self.child_pid = None
        self.child_start = -1
        core.set_option("resize-allowed", not self.server.has_active_child())

    # ---- loading -----------------------------------------------------------------------
    def read_manifest(self):
        """aofLoadManifestFromDisk: read the manifest when there is one (always, even
        with appendonly no, so names of a later rewrite never collide).  Raises
        AofLoadFailed on a malformed manifest."""
        mpath = self._path(self.filename() + MANIFEST_SUFFIX)
        if not os.path.exists(mpath):
            return False
        try:
            with open(mpath, "r", encoding="utf-8", errors="surrogateescape") as f:
                self.manifest = Manifest.parse(f.read())
        except (OSError, ValueError) as exc:
            logger.warning("Fatal error: can't load the AOF manifest %s: %s" % (mpath, exc))
            raise AofLoadFailed(str(exc)) from exc
        return True

    def load_at_startup(self):
        """Load the AOF directory (loadAppendOnlyFiles) after read_manifest().
        Returns True when an AOF was loaded; raises AofLoadFailed (logged) when it
        can't be."""
        self._upgrade_old_style()
        if self.manifest.base is None and not self.manifest.incrs:
            return False
        files = ([self.manifest.base] if self.manifest.base else []) + [n for n, _ in self.manifest.incrs]
        start = time.monotonic()
        core.empty_data()
        # loading state (INFO loading_*, -LOADING replies): progress is counted
        # over the whole directory, file after file
        self._load_done = 0
        self._load_progress = self.server.loading_begin(self._total_size(), "AOF")
        try:
            for i, name in enumerate(files):
                last = i == len(files) - 1
                self._load_one(name, last, is_base=(i == 0 and self.manifest.base is not None))
        finally:
            self.server.loading_end()
        core.set_option("dirty", 0)
        self.base_size = os.path.getsize(self._path(self.manifest.base)) if self.manifest.base else 0
        self.current_size = self._total_size()
        self.rewrite_base_size = self.current_size
        logger.info("DB loaded from append only file: %.3f seconds" % (time.monotonic() - start))
        return True

    def debug_loadaof(self):
        """DEBUG LOADAOF (Redis 7.0 debug.c): write + fsync what is pending, empty
        the dataset, read the manifest again and load the AOF directory, whether
        or not appendonly is on; extra arguments are ignored.  A load error exits
        the process, as in Redis.  The caller replies +OK."""
        if self.on:
            self.flush(force_fsync=True)
        core.empty_data()
        try:
            self.read_manifest()
            for name in self.manifest.history:      # aofDelHistoryFiles
                try:
                    os.unlink(self._path(name))
                except OSError:
                    pass
            if self.manifest.history:
                self.manifest.history = []
                self._persist_manifest(self.manifest)
            self.load_at_startup()
        except AofLoadFailed:
            os._exit(1)
        core.set_option("dirty", 0)     # nothing of the load is propagated
        logger.warning("Append Only File loaded by DEBUG LOADAOF")

    def _upgrade_old_style(self):
        """aofUpgradePrepare: a pre-7.0 single-file AOF (dir/appendfilename) and no
        usable AOF directory: move the file into appenddirname and record it as the
        base (seq 1) in a new manifest, before loading it like any base (RDB
        preamble + commands, or commands only).  Redis does this only with
        appendonly yes, i.e. when loading the AOF."""
        old = self.filename()
        if not os.path.isfile(old):
            return
        m = self.manifest
        if not (not os.path.isdir(self.dirname())
                or (m.base is None and not m.incrs)
                or (m.base == old and not m.incrs and not os.path.exists(self._path(old)))):
            return
        os.makedirs(self.dirname(), exist_ok=True)
        nm = Manifest()
        nm.base = old
        nm.cur_base_seq = 1
        try:
            self._persist_manifest(nm)
            os.rename(old, self._path(old))
        except OSError as exc:
            logger.warning("Error trying to migrate the old-style AOF file %s into the AOF directory "
                           "%s: %s" % (old, self.dirname(), exc.strerror))
            raise AofLoadFailed("upgrade") from exc
        self.manifest = nm
        logger.info("Successfully migrated an old-style AOF file (%s) into the AOF directory (%s)."
                    % (old, self.dirname()))

    def _file_progress(self):
        """The loaders' progress callback for the file being read: offsets are
        reported relative to the whole directory."""
        base, report = self._load_done, self._load_progress

        def progress(items, pos, size):
            report(items, base + pos, None)
        return progress

    def _load_one(self, name, last, is_base):
        path = self._path(name)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            if is_base or not last:
                logger.warning("Fatal error: The AOF file %s doesn't exist" % path)
                raise AofLoadFailed(path)
            return
        except OSError as exc:
            logger.warning("Fatal error: can't open the append log file %s for reading: %s"
                           % (name, exc.strerror))
            raise AofLoadFailed(path) from exc
        if not data:
            return
        progress = self._file_progress()
        self._load_done += len(data)
        if data.startswith(b"REDIS"):
            # an RDB base (RDB preamble): Redis reads it by content, not by name
            logger.info("Reading RDB base file on AOF loading...")
            try:
                info = core.rdb_load_bytes(data, progress)
            except Exception as exc:
                logger.warning("Bad file format reading the append only file %s: %s" % (name, exc))
                raise AofLoadFailed(str(exc)) from exc
            logger.info("Reading the remaining AOF tail...")
            start = info.get("end", len(data))
            if start >= len(data):
                logger.info("DB loaded from base file %s: %d keys" % (name, info.get("keys", 0)))
                return
            # an RDB preamble followed by commands (a pre-7.0 single-file AOF, or a
            # base a 6.x rewrite left): replay the tail after the image, in db 0
        else:
            start = 0
        n, end, status, detail = core.replay(data, start, progress)
        if status == 0:
            logger.info("DB loaded from %s file %s: %d commands"
                        % ("base" if is_base else "incr", name, n))
            return
        if status == 3:
            logger.warning("Unknown command '%s' reading the append only file %s"
                           % (detail.decode("latin-1"), name))
            raise AofLoadFailed("unknown command")
        if status == 1:
            if last and self.config.get("aof-load-truncated"):
                logger.warning("!!! Warning: short read while loading the AOF file %s!!!" % name)
                logger.warning("!!! Truncating the AOF %s at offset %d !!!" % (name, end))
                try:
                    os.truncate(path, end)
                except OSError as exc:
                    logger.warning("Error truncating the AOF file %s: %s" % (name, exc.strerror))
                    raise AofLoadFailed("truncate") from exc
                self.loaded_truncated = True
                logger.warning("AOF %s loaded anyway because aof-load-truncated is enabled" % name)
                return
            if not last:
                logger.warning("Fatal error: the truncated file is not the last file")
            else:
                logger.warning("Unrecoverable error reading the append only file %s: Short read or OOM "
                               "loading DB. Unrecoverable error, aborting now." % name)
            raise AofLoadFailed("truncated")
        logger.warning("Bad file format reading the append only file %s: make a backup of your AOF "
                       "file, then use ./redis-check-aof --fix <filename.manifest>" % name)
        raise AofLoadFailed("bad format")

    # ---- shutdown / INFO ------------------------------------------------------------------
    def prepare_shutdown(self):
        """prepareForShutdown's AOF part: kill a rewrite child, flush and fsync."""
        if self.child_pid is not None:
            logger.warning("There is a child rewriting the AOF. Killing it!")
            self._kill_child()
        if self.on:
            logger.info("Calling fsync() on the AOF file.")
            self.flush(force_fsync=True)

    def info_fields(self):
        now = time.time()
        out = [
            ("aof_enabled", 1 if self.on else 0),
            ("aof_rewrite_in_progress", 1 if self.child_pid is not None else 0),
            ("aof_rewrite_scheduled", 1 if self.rewrite_scheduled else 0),
            ("aof_last_rewrite_time_sec", self.rewrite_time_last),
            ("aof_current_rewrite_time_sec",
             int(now - self.child_start) if self.child_pid is not None else -1),
            ("aof_last_bgrewrite_status", "ok" if self.rewrite_ok else "err"),
            ("aof_rewrites", self.rewrites),
            ("aof_rewrites_consecutive_failures", self.rewrite_failures),
            ("aof_last_write_status", "ok" if self.last_write_ok else "err"),
            ("aof_last_cow_size", 0), ("module_fork_in_progress", 0), ("module_fork_last_cow_size", 0),
        ]
        if self.on:
            out += [
                ("aof_current_size", self.current_size),
                ("aof_base_size", self.base_size),
                ("aof_pending_rewrite", 1 if self.rewrite_scheduled else 0),
                ("aof_buffer_length", core.propagated_pending()),
                ("aof_pending_bio_fsync", 0),
                ("aof_delayed_fsync", 0),
            ]
        return out
