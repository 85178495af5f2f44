"""Server administration commands on the admin path: SHUTDOWN, DEBUG, LASTSAVE,
TIME, MONITOR."""
import sys
import time

from fastcache._core import core
from fastcache.respvalue import Error, Simple

OK = Simple(b"OK")


def cmd_shutdown(c, argv):
    """SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT].

    There is no persistence yet, so SAVE has nothing to write and NOW/FORCE have
    nothing to skip; ABORT fails because a shutdown never waits for replicas."""
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
    c.server.request_shutdown()


# ------------------------------------------------------------------ DEBUG

E_DEBUG_NOT_ALLOWED = Error(
    b"ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run "
    b"it from a local connection, otherwise you need to set this option in the configuration file, and "
    b"then restart the server.")

DEBUG_HELP = [
    "PYALLOCS",
    "    Return the Python interpreter's allocated block count (fastcache only).",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "HELP",
    "    Prints this help.",
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
        c.reply([Simple(x.encode()) for x in
                 ["DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"] + DEBUG_HELP])
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
    else:
        c.reply(Error(b"ERR unknown subcommand or wrong number of arguments for '" + argv[1][:128] + b"'. Try DEBUG HELP."))


# ------------------------------------------------------------------ misc

def cmd_lastsave(c, argv):
    c.reply(int(getattr(c.server, "lastsave", 0)))


def cmd_time(c, argv):
    """TIME: [unix seconds, microseconds] as bulk strings."""
    us = time.time_ns() // 1000
    c.reply([str(us // 1000000).encode(), str(us % 1000000).encode()])


def cmd_monitor(c, argv):
    """MONITOR: +OK, then every executed command (the core feeds monitors from the
    dispatcher).  A second MONITOR on a monitor is silently ignored, as in Redis."""
    if not core.monitor_add(c):
        return
    if c.server is not None:
        c.server.monitors.add(c)
    c.reply(OK)


HANDLERS = {
    "shutdown": cmd_shutdown,
    "debug": cmd_debug,
    "lastsave": cmd_lastsave,
    "time": cmd_time,
    "monitor": cmd_monitor,
}
