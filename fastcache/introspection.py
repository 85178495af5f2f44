"""Introspection commands served on the admin (Python) path: COMMAND.

Handler contract (called by the core): ``cmd_command(c, argv)`` where ``argv``
is ``list[bytes]`` as sent (argv[0] is b"COMMAND"), ``c.resp`` is 2 or 3,
``c.reply(obj)`` appends ``respvalue.encode(obj, c.resp)`` to the output, and
``c.server.implemented`` is the set of lowercase full names the server
implements ("get", "config|get", ...).

Replies are byte-for-byte those of Redis 7.0 restricted to the implemented
commands: a name we do not implement behaves like an unknown name (nil in
INFO, left out of DOCS, "Invalid command specified" in GETKEYS).  A container
command is listed when it or any of its subcommands is implemented, with only
its implemented subcommands.

Redis emits commands in its hash-table order, which depends on a random seed
per process; we emit them sorted by name (clients must not rely on the order,
as the 'nondeterministic_output_order' tip of COMMAND says).

Static per-command replies (INFO entries) are built once per protocol and
cached, since the table never changes at run time.
"""

from __future__ import annotations

from typing import List, Optional

from fastcache import commands as _cmds
from fastcache.commands import CommandDef
from fastcache.respvalue import Error, OrderedPairs, OrderedSet, Simple

__all__ = ["cmd_command", "command_info_obj", "command_docs_obj", "stringmatch"]


# ------------------------------------------------------------------ helpers

def _implemented(c) -> Optional[set]:
    server = getattr(c, "server", None)
    return getattr(server, "implemented", None)


def _available(defn: CommandDef, impl) -> bool:
    """Whether a command (or subcommand) is visible on this server."""
    if impl is None:
        return True
    if defn.fullname in impl:
        return True
    # A container counts as present when any of its subcommands is.
    return any(s.fullname in impl for s in defn.subcommands.values())


def _visible_subs(defn: CommandDef, impl) -> List[CommandDef]:
    if impl is None:
        return list(defn.subcommands.values())
    return [s for s in defn.subcommands.values() if s.fullname in impl]


def _lookup_by_name(name: bytes, impl) -> Optional[CommandDef]:
    """Redis's lookupCommandBySds: "cmd" or "container|sub" (one '|' at most)."""
    text = name.decode("utf-8", "surrogateescape").lower()
    if text.count("|") > 1:
        return None
    defn = _cmds.lookup(text)
    if defn is None or not _available(defn, impl):
        return None
    if defn.parent is not None and impl is not None and defn.fullname not in impl:
        return None
    return defn


def _lookup_argv(argv: List[bytes], impl) -> Optional[CommandDef]:
    """Redis's lookupCommand over an argv: a container with a second argument
    resolves to its subcommand (None if that is unknown)."""
    defn = _cmds.lookup_argv(argv)
    if defn is None:
        return None
    if impl is None:
        return defn
    if defn.parent is not None:
        return defn if defn.fullname in impl else None
    return defn if _available(defn, impl) else None


# ---------------------------------------------------------------- COMMAND INFO

def _key_spec_obj(spec: dict):
    out = OrderedPairs()
    for k, v in spec.items():
        if k == "flags":
            out.append((k, OrderedSet(Simple(f.encode()) for f in v)))
        elif k in ("begin_search", "find_keys"):
            out.append((k, OrderedPairs([
                ("type", v["type"]),
                ("spec", OrderedPairs(v["spec"].items())),
            ])))
        else:
            out.append((k, v))
    return out


def command_info_obj(defn: CommandDef, impl=None):
    """The COMMAND INFO entry of one command as a respvalue object."""
    subs = _visible_subs(defn, impl)
    return [
        defn.fullname,
        defn.arity,
        OrderedSet(Simple(f.encode()) for f in defn.flags),
        defn.first_key,
        defn.last_key,
        defn.step,
        OrderedSet(Simple(a.encode()) for a in defn.acl_categories),
        OrderedSet(defn.tips),
        OrderedSet(_key_spec_obj(s) for s in defn.key_specs),
        # Redis sends an empty *set* for a command without subcommands but an
        # *array* for the subcommands of a container.
        [command_info_obj(s, impl) for s in subs] if defn.subcommands else OrderedSet(),
    ]


# ---------------------------------------------------------------- COMMAND DOCS

def _args_obj(args: list):
    out = []
    for arg in args:
        m = OrderedPairs()
        for k, v in arg.items():
            if k == "flags":
                m.append((k, OrderedSet(Simple(f.encode()) for f in v)))
            elif k == "arguments":
                m.append((k, _args_obj(v)))
            else:
                m.append((k, v))
        out.append(m)
    return out


def command_docs_obj(defn: CommandDef, impl=None):
    """The COMMAND DOCS entry of one command (our summary; no complexity/history)."""
    m = OrderedPairs()
    m.append(("summary", defn.summary))
    m.append(("since", defn.since))
    m.append(("group", defn.group))
    if defn.doc_flags:
        m.append(("doc_flags", OrderedSet(Simple(f.encode()) for f in defn.doc_flags)))
    if defn.deprecated_since is not None:
        m.append(("deprecated_since", defn.deprecated_since))
    if defn.replaced_by is not None:
        m.append(("replaced_by", defn.replaced_by))
    if defn.arguments:
        m.append(("arguments", _args_obj(defn.arguments)))
    if defn.subcommands:
        m.append(("subcommands", OrderedPairs(
            (s.fullname, command_docs_obj(s, impl)) for s in _visible_subs(defn, impl))))
    return m


# ------------------------------------------------------------ glob matching

# Redis glob rules, from the C kernel (csrc/glob.c).
from fastcache._core.core import stringmatch  # noqa: E402


# ------------------------------------------------------------- the handler

_HELP = [Simple(line.encode()) for line in (
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
    "HELP",
    "    Prints this help.",
)]

_ERR_SYNTAX = Error(b"ERR syntax error")

# Cache of encoded INFO entries: (fullname, resp, visible-subcommand names) -> obj.
# The objects are immutable in practice, so caching the object (not bytes)
# keeps the contract "c.reply(obj)" while avoiding rebuilding per call.
_info_cache: dict = {}


def _info_cached(defn: CommandDef, impl):
    subs = tuple(s.fullname for s in _visible_subs(defn, impl)) if defn.subcommands else ()
    key = (defn.fullname, subs)
    obj = _info_cache.get(key)
    if obj is None:
        obj = _info_cache[key] = command_info_obj(defn, impl)
    return obj


def _visible_top(impl) -> List[CommandDef]:
    return [d for d in _cmds.all_commands() if _available(d, impl)]


def _unknown_subcommand(name: bytes) -> Error:
    # Redis prints the name with "%.128s" and, as for every formatted error,
    # turns CR and LF into spaces so the error stays one protocol line.
    name = name[:128].replace(b"\r", b" ").replace(b"\n", b" ")
    return Error(b"ERR unknown subcommand '%s'. Try COMMAND HELP." % name)


def _arity_error(sub: CommandDef) -> Error:
    return Error(b"ERR wrong number of arguments for '%s' command" % sub.fullname.encode())


def _list_names(impl, keep) -> List[str]:
    out = []
    for d in _visible_top(impl):
        if keep(d):
            out.append(d.fullname)
        for s in _visible_subs(d, impl):
            if keep(s):
                out.append(s.fullname)
    return out


def _getkeys(c, argv: List[bytes], impl, with_flags: bool) -> None:
    target = argv[2:]
    defn = _lookup_argv(target, impl)
    if defn is None:
        c.reply(Error(b"ERR Invalid command specified"))
        return
    if not _cmds.has_keys(defn):
        c.reply(Error(b"ERR The command has no key arguments"))
        return
    n = len(target)
    if (defn.arity > 0 and defn.arity != n) or n < -defn.arity:
        c.reply(Error(b"ERR Invalid number of arguments specified for command"))
        return
    keys = _cmds.get_keys_with_flags(defn, target)
    if not keys:
        if defn.bits & _cmds.FLAG_NO_MANDATORY_KEYS:
            c.reply([])
        else:
            c.reply(Error(b"ERR Invalid arguments specified for command"))
        return
    if with_flags:
        c.reply([[target[pos], OrderedSet(Simple(f.encode())
                                          for f in _cmds.key_flag_names(bits))]
                 for pos, bits in keys])
    else:
        c.reply([target[pos] for pos, _ in keys])


def cmd_command(c, argv: List[bytes]) -> None:
    """COMMAND [COUNT | LIST | INFO | DOCS | GETKEYS | GETKEYSANDFLAGS | HELP] ..."""
    impl = _implemented(c)
    argc = len(argv)
    if argc == 1:
        c.reply([_info_cached(d, impl) for d in _visible_top(impl)])
        return

    parent = _cmds.lookup("command")
    subname = argv[1].decode("utf-8", "surrogateescape")
    sub = parent.subcommands.get(subname.lower())
    if sub is None:
        c.reply(_unknown_subcommand(argv[1]))
        return
    if (sub.arity > 0 and argc != sub.arity) or argc < -sub.arity:
        c.reply(_arity_error(sub))
        return

    name = sub.name
    if name == "count":
        c.reply(len(_visible_top(impl)))
    elif name == "help":
        c.reply(_HELP)
    elif name == "info":
        if argc == 2:
            c.reply([_info_cached(d, impl) for d in _visible_top(impl)])
        else:
            out = []
            for a in argv[2:]:
                d = _lookup_by_name(a, impl)
                out.append(_info_cached(d, impl) if d is not None else None)
            c.reply(out)
    elif name == "docs":
        if argc == 2:
            c.reply(OrderedPairs((d.fullname, command_docs_obj(d, impl))
                                 for d in _visible_top(impl)))
        else:
            out = OrderedPairs()
            for a in argv[2:]:
                d = _lookup_by_name(a, impl)
                if d is not None:
                    out.append((d.fullname, command_docs_obj(d, impl)))
            c.reply(out)
    elif name == "list":
        if argc == 2:
            c.reply(_list_names(impl, lambda d: True))
        elif argc == 5 and argv[2].lower() == b"filterby":
            kind, arg = argv[3].lower(), argv[4]
            if kind == b"module":
                c.reply([])  # no modules: nothing belongs to any module
            elif kind == b"aclcat":
                # Unknown categories match nothing (Redis does not error).
                cat = "@" + arg.decode("utf-8", "surrogateescape").lower()
                c.reply(_list_names(impl, lambda d: cat in d.acl_categories))
            elif kind == b"pattern":
                c.reply(_list_names(
                    impl, lambda d: stringmatch(arg, d.fullname.encode(), nocase=True)))
            else:
                c.reply(_ERR_SYNTAX)
        else:
            c.reply(_ERR_SYNTAX)
    elif name == "getkeys":
        _getkeys(c, argv, impl, False)
    elif name == "getkeysandflags":
        _getkeys(c, argv, impl, True)
    else:  # pragma: no cover - table and handler out of sync
        c.reply(_unknown_subcommand(argv[1]))


HANDLERS = {
    "command": cmd_command,
}
