"""Server administration commands on the admin path: SHUTDOWN, SAVE, BGSAVE,
DEBUG, LASTSAVE, TIME, MONITOR."""
import sys
import time

from fastcache._core import core
from fastcache.respvalue import Error, Simple, help_reply

OK = Simple(b"OK")


def cmd_shutdown(c, argv):
    """SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT].

    Saves first when save points are configured (unless NOSAVE) or with SAVE; a
    failed save aborts the shutdown unless FORCE.  NOW has nothing to skip (no
    replicas to wait for), so ABORT always fails: no shutdown is ever pending."""
    nosave = save = now = force = abort = False
    for a in argv[1:]:
        a = a.lower()
        if a == b"nosave":
            nosave = True
        elif a == b"save":
            save = True
        elif a == b"now":
            now = True
        elif a == b"force":
            force = True
        elif a == b"abort":
            abort = True
        else:
            c.reply(Error(b"ERR syntax error"))
            return
    if (abort and (nosave or save or now or force)) or (nosave and save):
        c.reply(Error(b"ERR syntax error"))
        return
    if abort:
        c.reply(Error(b"ERR No shutdown in progress."))
        return
    if not c.server.shutdown(save=save, nosave=nosave, force=force):
        c.reply(Error(b"ERR Errors trying to SHUTDOWN. Check logs."))


# ------------------------------------------------------------------ SAVE / BGSAVE

E_BGSAVE_IN_PROGRESS = Error(b"ERR Background save already in progress")
# Redis's shared.err: a failed SAVE/BGSAVE/DEBUG RELOAD says no more than "-ERR".
E_BARE = Error(b"ERR")


def _reply_bare_err(c):
    c.reply(E_BARE)


def cmd_save(c, argv):
    """SAVE: write the snapshot synchronously (the server blocks, as in Redis)."""
    snap = c.server.persistence
    if snap.bgsave_in_progress():
        c.reply(E_BGSAVE_IN_PROGRESS)
        return
    if snap.save():
        c.reply(OK)
    else:
        _reply_bare_err(c)


def cmd_bgsave(c, argv):
    """BGSAVE [SCHEDULE]: fork a child that writes the snapshot (Redis 7.0's
    bgsaveCommand: with an AOF rewrite child running, SCHEDULE defers it to the
    cron, plain BGSAVE is refused)."""
    schedule = len(argv) == 2 and argv[1].lower() == b"schedule"
    if len(argv) > 1 and not schedule:
        c.reply(Error(b"ERR syntax error"))
        return
    snap = c.server.persistence
    if snap.bgsave_in_progress():
        c.reply(E_BGSAVE_IN_PROGRESS)
    elif c.server.has_active_child():
        if schedule:
            snap.bgsave_scheduled = True
            c.reply(Simple(b"Background saving scheduled"))
        else:
            c.reply(Error(b"ERR Another child process is active (AOF?): can't BGSAVE right now. "
                          b"Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."))
    elif snap.bgsave():
        c.reply(Simple(b"Background saving started"))
    else:
        _reply_bare_err(c)


def cmd_bgrewriteaof(c, argv):
    """BGREWRITEAOF: fork a child that writes a new AOF base (see
    fastcache/persistence/aof.py); scheduled while an RDB child runs."""
    aof = c.server.aof
    if aof.rewrite_in_progress():
        c.reply(Error(b"ERR Background append only file rewriting already in progress"))
    elif c.server.persistence.bgsave_in_progress():
        aof.rewrite_scheduled = True
        c.reply(Simple(b"Background append only file rewriting scheduled"))
    elif aof.rewrite_background():
        c.reply(Simple(b"Background append only file rewriting started"))
    else:
        c.reply(Error(b"ERR Can't execute an AOF background rewriting. Please check the server logs "
                      b"for more information."))


# ------------------------------------------------------------------ DEBUG

E_DEBUG_NOT_ALLOWED = Error(
    b"ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run "
    b"it from a local connection, otherwise you need to set this option in the configuration file, and "
    b"then restart the server.")

DEBUG_HELP = [
    "DIGEST",
    "    Hex digest of the whole dataset (40 zeros when empty).",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Hex digest of the value of each given key.",
    "PROPAGATED",
    "    Turn command propagation on and return (and clear) the propagated stream",
    "    as a bulk string (fastcache only; what the AOF and replicas receive).",
    "PYALLOCS",
    "    Return the Python interpreter's allocated block count (fastcache only).",
    "RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
    "    Save the snapshot, empty the databases and load the snapshot back;",
    "    NOSAVE loads the existing file without saving first.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
]


def _is_local(c):
    addr = c.addr
    if not isinstance(addr, tuple):
        return True          # unix socket
    host = addr[0]
    return host in ("127.0.0.1", "::1") or host.startswith("::ffff:127.")


def debug_allowed(c):
    """enable-debug-command: no | yes | local (protected config, as in Redis 7.0)."""
    mode = c.server.config.get("enable-debug-command") if c.server is not None else "yes"
    if isinstance(mode, bytes):
        mode = mode.decode()
    mode = str(mode).lower()
    if mode in ("yes", "1", "true"):
        return True
    if mode == "local":
        return _is_local(c)
    return False


def _strtod(b):
    """C strtod without an end check: the longest numeric prefix, else 0."""
    import re
    m = re.match(rb"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", b)
    return float(m.group(0)) if m else 0.0


def cmd_debug(c, argv):
    """DEBUG SLEEP | SET-ACTIVE-EXPIRE | PYALLOCS | HELP (the subset we support)."""
    if not debug_allowed(c):
        c.reply(E_DEBUG_NOT_ALLOWED)
        return
    sub = argv[1].lower()
    if sub == b"help" and len(argv) == 2:
        c.reply(help_reply("DEBUG", DEBUG_HELP))
    elif sub == b"sleep" and len(argv) == 3:
        # Redis blocks the whole server here (usleep in the command); so do we.
        secs = _strtod(argv[2])
        if secs > 0:
            time.sleep(secs)
        c.reply(OK)
    elif sub == b"set-active-expire" and len(argv) == 3:
        # atoi(): a leading integer, anything else is 0
        import re
        m = re.match(rb"\s*[-+]?\d+", argv[2])
        core.set_option("active-expire", int(m.group(0)) if m else 0)
        c.reply(OK)
    elif sub == b"pyallocs" and len(argv) == 2:
        # fastcache's own: the interpreter's allocated block count, so a test can
        # show that the data path creates no Python object per command
        # (ARCHITECTURE.md §3).
        c.reply(sys.getallocatedblocks())
    elif sub == b"propagated" and len(argv) == 2:
        # fastcache's own: the propagation stream (propagate.pxi) for tests.
        # The first call switches propagation on (and returns what was pending,
        # usually nothing); it takes the bytes, so don't mix with a live AOF.
        if not core.propagation_enabled():
            core.set_propagation(True)
        c.reply(core.take_propagated())
    elif sub == b"digest" and len(argv) == 2:
        c.reply(Simple(_hex_digest(core.debug_digest())))
    elif sub == b"digest-value":
        c.reply([Simple(_hex_digest(core.debug_digest_value(k, c.dbid))) for k in argv[2:]])
    elif sub in (b"reload", b"loadaof") and getattr(c.server, "loading", False):
        # DEBUG is allowed while loading (flag `loading`), but a second load
        # can't start inside the one running (fastcache serves clients from
        # the loader's progress callback, see fastcache/blocked_io.py)
        c.reply(Error(b"LOADING Redis is loading the dataset in memory"))
    elif sub == b"reload":
        _debug_reload(c, argv)
    elif sub == b"loadaof":
        # Redis 7.0: flush the AOF, empty the data and load it again from the AOF
        c.server.aof.debug_loadaof()
        c.reply(OK)
    else:
        c.reply(Error(b"ERR unknown subcommand or wrong number of arguments for '" + argv[1][:128] + b"'. Try DEBUG HELP."))


def _hex_digest(d):
    """The codec gives 20 raw bytes or already 40 hex digits; Redis shows hex."""
    if isinstance(d, str):
        d = d.encode()
    return d.hex().encode() if len(d) == 20 else d


def _debug_reload(c, argv):
    """DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty, load back (the
    dataset must survive its own snapshot: tests compare DEBUG DIGEST).  On a
    failed load the databases stay empty, as in Redis."""
    save = True
    noflush = False
    for opt in argv[2:]:
        o = opt.lower()
        if o == b"nosave":
            save = False
        elif o == b"noflush":
            noflush = True
        elif o == b"merge":
            pass        # only matters with NOFLUSH: after a flush there is nothing to merge with
        else:
            c.reply(Error(b"ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."))
            return
    if noflush and core.total_keys():
        # Loading on top of existing keys needs a merging loader the codec doesn't
        # offer (it always loads into empty databases): refuse rather than flush.
        c.reply(Error(b"ERR DEBUG RELOAD NOFLUSH on a non-empty dataset is not supported by fastcache."))
        return
    snap = c.server.persistence
    if save and not snap.save():
        _reply_bare_err(c)
        return
    from fastcache.persistence import RdbLoadFailed
    from fastcache.log import logger
    core.empty_data()
    try:
        snap.load()
    except RdbLoadFailed:
        c.reply(Error(b"ERR Error trying to load the RDB dump"))
        return
    logger.warning("DB reloaded by DEBUG RELOAD")
    c.reply(OK)


# ------------------------------------------------------------------ misc

def cmd_lastsave(c, argv):
    """LASTSAVE: unix time of the last successful SAVE/BGSAVE (start-up time
    before the first one)."""
    c.reply(int(c.server.lastsave))


def cmd_time(c, argv):
    """TIME: [unix seconds, microseconds] as bulk strings."""
    us = time.time_ns() // 1000
    c.reply([str(us // 1000000).encode(), str(us % 1000000).encode()])


def cmd_monitor(c, argv):
    """MONITOR: +OK, then every executed command (the core feeds monitors from the
    dispatcher).  A second MONITOR on a monitor is silently ignored, as in Redis.
    Inside EXEC (a deny-blocking client) it is refused, as Redis's monitorCommand."""
    if c.deny_blocking:
        c.reply(Error(b"ERR MONITOR isn't allowed for DENY BLOCKING client"))
        return
    if not core.monitor_add(c):
        return
    if c.server is not None:
        c.server.monitors.add(c)
    c.reply(OK)


HANDLERS = {
    "shutdown": cmd_shutdown,
    "save": cmd_save,
    "bgsave": cmd_bgsave,
    "bgrewriteaof": cmd_bgrewriteaof,
    "debug": cmd_debug,
    "lastsave": cmd_lastsave,
    "time": cmd_time,
    "monitor": cmd_monitor,
}
