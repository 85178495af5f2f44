"""Server administration commands on the admin path: SHUTDOWN, ..."""
from fastcache.respvalue import Error


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


HANDLERS = {
    "shutdown": cmd_shutdown,
}
