"""Build the core's command table from the command metadata.

Every command of fastcache/commanddefs.py is either implemented in C (the core
lists its C procs), by a Python admin handler (the HANDLERS dicts of the modules
in HANDLER_MODULES), or unsupported — in which case it is not registered and the
client gets Redis's "unknown command" error.  A container (CONFIG, CLIENT ...) is
registered when at least one of its subcommands is implemented.
"""
import importlib

from fastcache._core import core
from fastcache.commanddefs import COMMANDS

# Modules that provide Python (admin-path) handlers: each has a HANDLERS dict
# mapping a command or subcommand full name ("config", "client|list") to fn(c, argv).
HANDLER_MODULES = (
    "fastcache.introspection",
    "fastcache.config",
    "fastcache.connection",
    "fastcache.admin",
    "fastcache.scripting",
    "fastcache.functions",
)


def python_handlers():
    handlers = {}
    for modname in HANDLER_MODULES:
        try:
            mod = importlib.import_module(modname)
        except ImportError:
            continue
        handlers.update(getattr(mod, "HANDLERS", {}))
    return handlers


def _handler_for(fullname, cprocs, pyhandlers, parent=None):
    if fullname in cprocs:
        return fullname
    if fullname in pyhandlers:
        return pyhandlers[fullname]
    if parent is not None and parent in pyhandlers:
        return pyhandlers[parent]
    return None


def plan():
    """[(definition, handler, [(subdefinition, handler), ...])] for every command
    that will be registered; a handler is a C proc name (str) or a callable."""
    cprocs = core.c_command_names()
    pyh = python_handlers()
    out = []
    for d in COMMANDS:
        name = d["name"]
        subs = d.get("subcommands") or []
        if subs:
            chosen = []
            for s in subs:
                h = _handler_for(s["name"], cprocs, pyh, parent=name)
                if h is not None:
                    chosen.append((s, h))
            if chosen:
                out.append((d, None, chosen))
        else:
            h = _handler_for(name, cprocs, pyh)
            if h is not None:
                out.append((d, h, []))
    return out


def register_all(server):
    """Register every implemented command with the core; sets server.implemented."""
    implemented = set()
    for d, h, subs in plan():
        name = d["name"]
        core.register_command(name.encode(), d["arity"], d["flags"], h)
        implemented.add(name)
        for s, sh in subs:
            sub = s["name"].split("|", 1)[1]
            core.register_subcommand(name.encode(), sub.encode(), s["arity"], s["flags"], sh)
            implemented.add(s["name"])
    server.implemented = implemented
    from fastcache import respvalue
    from fastcache.log import logger

    def log_exception(msg, is_error=True):
        (logger.warning if is_error else logger.info)(msg)

    core.set_hooks(log_exception=log_exception, slowlog=getattr(server, "slowlog_add", None),
                   respvalue_encode=respvalue.encode)
    return implemented
