"""Connection commands on the admin path: HELLO and AUTH.

They run once per connection, so they live in Python; they only flip C fields
of the client (resp, authenticated, name).
"""
import hmac

from fastcache.respvalue import Error, Simple

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


HANDLERS = {
    "hello": cmd_hello,
    "auth": cmd_auth,
}
