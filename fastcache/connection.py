"""Connection commands on the admin path: HELLO, AUTH, CLIENT *, RESET.

They run once per connection (or rarely), so they live in Python; they only
flip C fields of the client (resp, authenticated, name, reply_mode) or call the
core's coarse entry points (MONITOR membership, CLIENT PAUSE).
"""
import hmac
import re
import time

from fastcache._core import core
from fastcache.respvalue import Error, Simple, Verbatim, help_reply

REDIS_VERSION = "7.0.15"

E_WRONGPASS = Error(b"WRONGPASS invalid username-password pair or user is disabled.")


def check_password(c, username, password):
    """The default user's password check (ACLs come later): requirepass."""
    required = c.server.config.get("requirepass") or ""
    if isinstance(required, str):
        required = required.encode()
    if username.lower() != b"default":
        return False
    if not required:
        return True
    return hmac.compare_digest(password, required)


def valid_client_name(name):
    """CLIENT SETNAME rule: printable ASCII (33..126), no spaces."""
    return all(33 <= ch <= 126 for ch in name)


def cmd_hello(c, argv):
    ver = None
    if len(argv) >= 2:
        try:
            ver = int(argv[1])
            if str(ver).encode() != argv[1]:
                raise ValueError
        except ValueError:
            c.reply(Error(b"ERR Protocol version is not an integer or out of range"))
            return
        if ver < 2 or ver > 3:
            c.reply(Error(b"NOPROTO unsupported protocol version"))
            return
    user = passwd = name = None
    j = 2
    while j < len(argv):
        opt = argv[j].lower()
        more = len(argv) - j - 1
        if opt == b"auth" and more >= 2:
            user, passwd = argv[j + 1], argv[j + 2]
            j += 3
        elif opt == b"setname" and more >= 1:
            name = argv[j + 1]
            if not valid_client_name(name):
                c.reply(Error(b"ERR Client names cannot contain spaces, newlines or special characters."))
                return
            j += 2
        else:
            c.reply(Error(b"ERR Syntax error in HELLO option '" + argv[j] + b"'"))
            return
    if user is not None:
        if not check_password(c, user, passwd):
            c.reply(E_WRONGPASS)
            return
        c.authenticated = True
    if not c.authenticated:
        c.reply(Error(b"NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                      b"HELLO AUTH <user> <pass> option can be used to authenticate the client and "
                      b"select the RESP protocol version at the same time"))
        return
    if name is not None:
        c.name = name or None
    if ver is not None:
        c.resp = ver
    c.reply({b"server": b"redis", b"version": REDIS_VERSION.encode(), b"proto": c.resp, b"id": c.id,
             b"mode": b"standalone", b"role": b"master", b"modules": []})


def cmd_auth(c, argv):
    if len(argv) > 3:
        c.reply(Error(b"ERR syntax error"))
        return
    if len(argv) == 2:
        required = c.server.config.get("requirepass")
        if not required:
            c.reply(Error(b"ERR AUTH <password> called without any password configured for the default "
                          b"user. Are you sure your configuration is correct?"))
            return
        user, passwd = b"default", argv[1]
    else:
        user, passwd = argv[1], argv[2]
    if check_password(c, user, passwd):
        c.authenticated = True
        c.reply(Simple(b"OK"))
    else:
        c.reply(E_WRONGPASS)


# ------------------------------------------------------------------ CLIENT

E_SYNTAX = Error(b"ERR syntax error")
OK = Simple(b"OK")

CLIENT_HELP = [
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
]


def format_addr(addr, server=None, local=False):
    """Redis's address text: "ip:port", "[ipv6]:port", "/unix/path:0"."""
    if isinstance(addr, tuple) and len(addr) >= 2:
        host = addr[0]
        return ("[%s]:%d" if ":" in host else "%s:%d") % (host, addr[1])
    path = getattr(server, "unixsocket_path", None) or ""
    return "%s:0" % path


# Bytes a connection costs beyond its buffers (Redis's sizeof(client) is ~1.9K;
# ours is a Cython object plus a few small arrays): used for tot-mem.
CLIENT_STRUCT_SIZE = 1024


def client_type(cl):
    """normal | master | replica | pubsub (monitors are normal, as in Redis)."""
    if getattr(cl, "is_master_link", False):
        return "master"
    if getattr(cl, "is_replica", False):
        return "replica"
    if getattr(cl, "pubsub_count", 0):
        return "pubsub"
    return "normal"


def client_flags(cl):
    """catClientInfoString's flags, in Redis's order; "N" when none."""
    f = ""
    if cl.is_monitor:
        f += "O"
    if cl.ps_flag:
        f += "P"          # has subscriptions (CLIENT_PUBSUB)
    multi, _mem, dirty_cas = core.client_multi_info(cl)
    if multi >= 0:
        f += "x"
    if cl.pause_blocked or cl.btype:
        f += "b"
    if dirty_cas:
        f += "d"
    if cl.close_after_reply:
        f += "c"
    if not isinstance(cl.addr, tuple):
        f += "U"
    if cl.no_evict:
        f += "e"
    return f or "N"


def client_info_line(cl, current=None):
    """One CLIENT LIST line (without the newline), Redis 7.0's fields and order."""
    now = core.mstime()
    fd, argv_sum, ocap, pending = core.client_info_fields(cl)
    if cl is not current:
        argv_sum = 0          # argv-mem: only the executing command holds argv
    qbuf = cl.qbuf_len
    qfree = cl.qbuf_cap - qbuf
    obl = cl.obuf_len
    # omem: reply bytes the transport still holds (Redis's reply list), also in tot-mem
    omem = cl.transport_buffer_size if pending else 0
    multi, multi_mem, _dirty = core.client_multi_info(cl)
    tot = CLIENT_STRUCT_SIZE + cl.qbuf_cap + ocap + argv_sum + cl.argv_mem + omem + multi_mem
    nsub, npsub, nssub = cl.pubsub_counts
    name = cl.name.decode("latin-1") if cl.name else ""
    events = "r" + ("w" if pending or obl else "")
    if cl.pause_blocked:
        events = ""
    fields = [
        ("id", cl.id), ("addr", format_addr(cl.addr, cl.server)),
        ("laddr", format_addr(cl.laddr, cl.server)), ("fd", fd), ("name", name),
        ("age", max(0, (now - cl.ctime_ms) // 1000)),
        ("idle", max(0, (now - cl.last_interaction_ms) // 1000)),
        ("flags", client_flags(cl)), ("db", cl.dbid), ("sub", nsub), ("psub", npsub), ("ssub", nssub),
        ("multi", multi), ("qbuf", qbuf), ("qbuf-free", qfree), ("argv-mem", argv_sum),
        ("multi-mem", multi_mem), ("rbs", ocap), ("rbp", max(obl, 0)), ("obl", obl), ("oll", 0),
        ("omem", omem), ("tot-mem", tot), ("events", events), ("cmd", core.client_cmd_name(cl)),
        ("user", "default"), ("redir", -1), ("resp", cl.resp),
    ]
    return " ".join("%s=%s" % kv for kv in fields)


def _all_clients(c):
    clients = getattr(c.server, "clients", None) or {}
    out = list(clients.values())
    if c not in out:
        out.append(c)
    out.sort(key=lambda x: x.id)
    return out


def _parse_type(word):
    t = word.lower()
    if t == b"slave":
        t = b"replica"
    if t not in (b"normal", b"master", b"replica", b"pubsub"):
        return None
    return t.decode()


def client_list(c, argv):
    clients = _all_clients(c)
    if len(argv) == 4 and argv[2].lower() == b"type":
        t = _parse_type(argv[3])
        if t is None:
            return c.reply(Error(b"ERR Unknown client type '" + argv[3] + b"'"))
        clients = [x for x in clients if client_type(x) == t]
    elif len(argv) >= 4 and argv[2].lower() == b"id":
        ids = []
        for a in argv[3:]:
            v = strict_int(a)          # 0 and negatives are valid ids that match nothing
            if v is None:
                return c.reply(Error(b"ERR Invalid client ID"))
            ids.append(v)
        want = set(ids)
        clients = [x for x in clients if x.id in want]
    elif len(argv) != 2:
        return c.reply(E_SYNTAX)
    text = "".join(client_info_line(x, c) + "\n" for x in clients)
    c.reply(Verbatim(text.encode("latin-1")))


def client_info(c, argv):
    c.reply(Verbatim((client_info_line(c, c) + "\n").encode("latin-1")))


def client_id(c, argv):
    c.reply(c.id)


def client_getname(c, argv):
    c.reply(c.name or None)


def client_setname(c, argv):
    name = argv[2]
    if not valid_client_name(name):
        return c.reply(Error(b"ERR Client names cannot contain spaces, newlines or special characters."))
    c.name = name or None
    c.reply(OK)


def client_setinfo(c, argv):
    """CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; registered only when the
    command table has it).  Values: printable ASCII without spaces; LIB-NAME also
    without spaces/newlines (same rule)."""
    attr = argv[2].lower()
    val = argv[3]
    if attr not in (b"lib-name", b"lib-ver"):
        return c.reply(Error(b"ERR Unrecognized option '" + argv[2] + b"'"))
    if not valid_client_name(val):
        return c.reply(Error(b"ERR " + attr.upper() + b" cannot contain spaces, newlines or special characters."))
    if attr == b"lib-name":
        c.lib_name = val or None
    else:
        c.lib_ver = val or None
    c.reply(OK)


def client_no_evict(c, argv):
    v = argv[2].lower()
    if v == b"on":
        c.no_evict = True
    elif v == b"off":
        c.no_evict = False
    else:
        return c.reply(E_SYNTAX)
    c.reply(OK)


def client_reply(c, argv):
    """ON replies OK; OFF and SKIP reply nothing (the dispatcher drops this
    command's output for OFF and the next command's for SKIP)."""
    v = argv[2].lower()
    if v == b"on":
        c.reply_mode = 0
        c.reply(OK)
    elif v == b"off":
        c.reply_mode = 1
    elif v == b"skip":
        if c.reply_mode != 1:      # SKIP under OFF changes nothing, as in Redis
            c.reply_mode = 2
    else:
        c.reply(E_SYNTAX)


def _kill(c, victims):
    n = 0
    for cl in victims:
        if cl is c:
            # the caller gets its reply first, then the connection closes
            c.close_after_reply = True
        else:
            cl.close_now()
        n += 1
    return n


def client_kill(c, argv):
    clients = _all_clients(c)
    if len(argv) == 3:
        # old form: CLIENT KILL ip:port, replies OK or an error; may kill itself
        addr = argv[2].decode("latin-1")
        victims = [x for x in clients if format_addr(x.addr, x.server) == addr]
        if not victims:
            return c.reply(Error(b"ERR No such client"))
        _kill(c, victims[:1])
        return c.reply(OK)
    if len(argv) % 2 != 0:
        return c.reply(E_SYNTAX)
    cid = ctype = addr = laddr = None
    skipme = True
    for i in range(2, len(argv), 2):
        opt, val = argv[i].lower(), argv[i + 1]
        if opt == b"id":
            try:
                cid = int(val)
                if str(cid).encode() != val or cid <= 0:
                    raise ValueError
            except ValueError:
                return c.reply(Error(b"ERR client-id should be greater than 0"))
        elif opt == b"type":
            ctype = _parse_type(val)
            if ctype is None:
                return c.reply(Error(b"ERR Unknown client type '" + val + b"'"))
        elif opt == b"addr":
            addr = val.decode("latin-1")
        elif opt == b"laddr":
            laddr = val.decode("latin-1")
        elif opt == b"user":
            if val != b"default":
                return c.reply(Error(b"ERR No such user '" + val + b"'"))
        elif opt == b"skipme":
            v = val.lower()
            if v == b"yes":
                skipme = True
            elif v == b"no":
                skipme = False
            else:
                return c.reply(E_SYNTAX)
        else:
            return c.reply(E_SYNTAX)
    victims = []
    for x in clients:
        if cid is not None and x.id != cid:
            continue
        if ctype is not None and client_type(x) != ctype:
            continue
        if addr is not None and format_addr(x.addr, x.server) != addr:
            continue
        if laddr is not None and format_addr(x.laddr, x.server) != laddr:
            continue
        if skipme and x is c:
            continue
        victims.append(x)
    c.reply(_kill(c, victims))


def strict_int(b):
    """string2ll: an optional '-', no leading zeros or '+', 64-bit range; else None."""
    if not re.fullmatch(rb"-?(0|[1-9][0-9]*)", b):
        return None
    v = int(b)
    if v < -(1 << 63) or v >= (1 << 63):
        return None
    return v


def client_pause(c, argv):
    ms = strict_int(argv[2])
    if ms is None:
        return c.reply(Error(b"ERR timeout is not an integer or out of range"))
    if ms < 0:
        return c.reply(Error(b"ERR timeout is negative"))
    ptype = 2
    if len(argv) == 4:
        m = argv[3].lower()
        if m == b"write":
            ptype = 1
        elif m == b"all":
            ptype = 2
        else:
            return c.reply(Error(b"ERR CLIENT PAUSE mode must be WRITE or ALL"))
    elif len(argv) > 4:
        return c.reply(E_SYNTAX)
    core.set_pause(ptype, core.mstime() + ms)
    _schedule_unpause(c.server)
    c.reply(OK)


def _schedule_unpause(server):
    loop = getattr(server, "loop", None)
    if loop is None:
        return
    ptype, end = core.pause_state()
    if ptype == 0:
        return
    handle = getattr(server, "_pause_timer", None)
    if handle is not None:
        handle.cancel()
    delay = max(0.0, end / 1000.0 - time.time())
    server._pause_timer = loop.call_later(delay, _pause_timer_fired, server)


def _pause_timer_fired(server):
    server._pause_timer = None
    ptype, end = core.pause_state()
    if ptype == 0:
        return
    if end > int(time.time() * 1000):
        _schedule_unpause(server)
        return
    end_pause(server)


def end_pause(server):
    """Lift the pause; postponed clients run on the next loop iteration."""
    core.unpause()
    handle = getattr(server, "_pause_timer", None)
    if handle is not None:
        handle.cancel()
        server._pause_timer = None
    loop = getattr(server, "loop", None)
    if loop is not None:
        loop.call_soon(core.run_postponed)
    else:
        core.run_postponed()


def client_unpause(c, argv):
    end_pause(c.server)
    c.reply(OK)


def client_unblock(c, argv):
    """CLIENT UNBLOCK id [TIMEOUT|ERROR]: wake a client blocked on keys (BLPOP,
    BZPOPMIN, ...) with its timeout reply or an -UNBLOCKED error; 1 if it was
    blocked.  The reason is checked before the id, as Redis does."""
    error = False
    if len(argv) == 4:
        reason = argv[3].lower()
        if reason == b"timeout":
            error = False
        elif reason == b"error":
            error = True
        else:
            return c.reply(Error(b"ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"))
    elif len(argv) != 3:
        return c.reply(Error(b"ERR syntax error"))
    cid = strict_int(argv[2])
    if cid is None:
        return c.reply(Error(b"ERR value is not an integer or out of range"))
    target = None
    for x in _all_clients(c):
        if x.id == cid:
            target = x
            break
    # the target's reply is flushed and its pending input run after this
    # command (dispatch's end-of-command hook), as in Redis's beforeSleep
    if target is not None and core.client_unblock(target, error):
        return c.reply(1)
    return c.reply(0)


def client_help(c, argv):
    c.reply(help_reply("CLIENT", CLIENT_HELP))


# ------------------------------------------------------------------ RESET

def cmd_reset(c, argv):
    """RESET: leave MONITOR, MULTI and pub/sub, unwatch, db 0, RESP2, no name,
    replies on, and re-require AUTH when the default user has a password
    (clearClientConnectionState)."""
    core.monitor_remove(c)
    core.client_multi_reset(c)      # discard MULTI, unwatch every key
    core.pubsub_reset(c)      # leaves every channel, pattern and shard channel silently
    if c.server is not None:
        c.server.monitors.discard(c)
    c.select(0)
    c.resp = 2
    c.name = None
    c.reply_mode = 0
    required = c.server.config.get("requirepass") if c.server is not None else None
    c.authenticated = not required
    c.reply(Simple(b"RESET"))


HANDLERS = {
    "hello": cmd_hello,
    "auth": cmd_auth,
    "reset": cmd_reset,
    "client|list": client_list,
    "client|info": client_info,
    "client|id": client_id,
    "client|getname": client_getname,
    "client|setname": client_setname,
    "client|setinfo": client_setinfo,
    "client|no-evict": client_no_evict,
    "client|reply": client_reply,
    "client|kill": client_kill,
    "client|pause": client_pause,
    "client|unpause": client_unpause,
    "client|help": client_help,
    "client|unblock": client_unblock,
}
