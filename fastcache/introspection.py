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
from fastcache.respvalue import Error, OrderedPairs, OrderedSet, Simple, help_reply

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

COMMAND_HELP = [
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
]

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
        c.reply(help_reply("COMMAND", COMMAND_HELP))
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


# ================================================================== INFO
#
# Field names and order are Redis 7.0.15's (read off the reference server).
# Values come from the core (counters, allocator, keyspace), the process
# (/proc RSS, getrusage) and the server object.  Fields for features we lack
# (Lua, replication links, forks, defrag, tracking) report their idle values.

import os as _os
import platform as _platform
import resource as _resource
import time as _time

from fastcache import __version__ as _FC_VERSION
from fastcache._core import core as _core
from fastcache.respvalue import Verbatim

DEFAULT_SECTIONS = ("server", "clients", "memory", "persistence", "stats", "replication", "cpu",
                    "modules", "errorstats", "cluster", "keyspace")
ALL_SECTIONS = ("server", "clients", "memory", "persistence", "stats", "replication", "cpu",
                "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace")

_BUILD_ID = _os.urandom(8).hex()[:15]
_peak = [0]
_ops_sample = [0.0, 0, 0, 0]      # time, commands, net in, net out at the previous sample
_ops_rate = [0, 0.0, 0.0]


def bytes_to_human(n):
    """Redis's bytesToHuman: B, then K/M/G/T/P with two decimals."""
    n = int(n)
    if n < 1024:
        return "%dB" % n
    for unit, div in (("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("T", 1 << 40)):
        if n < div * 1024:
            return "%.2f%s" % (n / div, unit)
    return "%.2fP" % (n / (1 << 50))


def rss_bytes():
    """Resident set size from /proc/self/statm."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def total_system_memory():
    try:
        return _os.sysconf("SC_PAGE_SIZE") * _os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0


def used_memory():
    used = _core.used_memory()
    if used > _peak[0]:
        _peak[0] = used
    return used


def _cfg(server, name, default=None):
    try:
        return server.config.get(name)
    except Exception:
        return default


def _clients(server):
    return list((getattr(server, "clients", None) or {}).values())


def _clients_mem(server):
    return sum(cl.qbuf_cap + _core.client_info_fields(cl)[2] for cl in _clients(server))


def _sample_rates(st):
    """instantaneous_*: rates since the previous INFO (Redis samples every 100 ms
    in its cron; we sample when asked, over at least 100 ms)."""
    now = _time.monotonic()
    t0, cmds, nin, nout = _ops_sample
    dt = now - t0
    if t0 and dt >= 0.1:
        _ops_rate[0] = int((st["total_commands_processed"] - cmds) / dt)
        _ops_rate[1] = (st["total_net_input_bytes"] - nin) / dt / 1024
        _ops_rate[2] = (st["total_net_output_bytes"] - nout) / dt / 1024
    if not t0 or dt >= 0.1:
        _ops_sample[:] = [now, st["total_commands_processed"], st["total_net_input_bytes"],
                          st["total_net_output_bytes"]]
    if dt > 5:
        _ops_rate[:] = [0, 0.0, 0.0]


def _replid(server):
    rid = getattr(server, "replid", None)
    if rid is None:
        rid = _os.urandom(20).hex()
        try:
            server.replid = rid
        except AttributeError:
            pass
    return rid


def _sec_server(c, server):
    now = _time.time()
    uptime = int(now - getattr(server, "start_time", now))
    u = _os.uname()
    hz = _cfg(server, "hz", 10)
    return [
        ("redis_version", "7.0.15"), ("fastcache_version", _FC_VERSION),
        ("redis_git_sha1", "00000000"), ("redis_git_dirty", 0), ("redis_build_id", _BUILD_ID),
        ("redis_mode", "standalone"), ("os", "%s %s %s" % (u.sysname, u.release, u.machine)),
        ("arch_bits", 64), ("monotonic_clock", "POSIX clock_gettime"), ("multiplexing_api", "epoll"),
        ("atomicvar_api", "c11-builtin"), ("gcc_version", _platform.python_compiler().split()[-1]
                                           if "GCC" in _platform.python_compiler() else "0.0.0"),
        ("process_id", _os.getpid()), ("process_supervised", "no"),
        ("run_id", getattr(server, "run_id", "0" * 40)), ("tcp_port", _cfg(server, "port", 0)),
        ("server_time_usec", int(now * 1000000)), ("uptime_in_seconds", uptime),
        ("uptime_in_days", uptime // 86400), ("hz", hz), ("configured_hz", hz),
        ("lru_clock", (int(now) & ((1 << 24) - 1))),
        ("executable", _os.path.abspath(_os.sys.argv[0]) if _os.sys.argv and _os.sys.argv[0] else ""),
        ("config_file", getattr(server.config, "config_file", None) or ""),
        ("io_threads_active", 0),
    ]


def _sec_clients(c, server):
    cls = _clients(server)
    _blocked = _core.blocked_stats()
    return [
        ("connected_clients", len(cls)), ("cluster_connections", 0),
        ("maxclients", _cfg(server, "maxclients", 10000)),
        ("client_recent_max_input_buffer", max([cl.qbuf_len for cl in cls] or [0])),
        ("client_recent_max_output_buffer", max([cl.obuf_len for cl in cls] or [0])),
        # blocked_clients: clients waiting on keys (blocked.pxi) plus those a
        # CLIENT PAUSE postponed (Redis 7.0 counts BLOCKED_POSTPONE too)
        ("blocked_clients", _blocked[0] + _core.postponed_count()), ("tracking_clients", 0),
        ("clients_in_timeout_table", _blocked[1]),
    ]


def _memory_numbers(server):
    used = used_memory()
    rss = rss_bytes()
    clients = _clients_mem(server)
    # used_memory_startup: what the core holds with no keys and no clients.  We
    # learn it the first time we are asked while the keyspace is empty (0 until then).
    startup = getattr(server, "used_memory_startup", None)
    if startup is None and _core.total_keys() == 0:
        startup = max(0, used - clients)
        try:
            server.used_memory_startup = startup
        except AttributeError:
            pass
    startup = min(startup or 0, used)
    overhead = min(used, startup + clients)
    dataset = max(0, used - overhead)
    return used, rss, startup, clients, overhead, dataset


def _sec_memory(c, server):
    from fastcache.functions import info_fields as functions_info
    from fastcache.scripting import info_fields  # scripting engine (issue 6)
    lua = info_fields()
    fn = functions_info()
    # Redis: the VM total is both Lua states, used_memory_scripts the EVAL cache
    # plus the functions' overhead (names, descriptions, code)
    vm_total = lua["used_memory_vm_eval"] + fn["used_memory_vm_functions"]
    scripts = lua["used_memory_scripts_eval"] + fn["used_memory_functions"]
    used, rss, startup, clients, overhead, dataset = _memory_numbers(server)
    peak = max(_peak[0], used)
    maxmem = _cfg(server, "maxmemory", 0) or 0
    net = used - startup
    ratio = (rss / used) if used else 0.0
    return [
        ("used_memory", used), ("used_memory_human", bytes_to_human(used)),
        ("used_memory_rss", rss), ("used_memory_rss_human", bytes_to_human(rss)),
        ("used_memory_peak", peak), ("used_memory_peak_human", bytes_to_human(peak)),
        ("used_memory_peak_perc", "%.2f%%" % (used * 100 / peak if peak else 0)),
        ("used_memory_overhead", overhead), ("used_memory_startup", startup),
        ("used_memory_dataset", dataset),
        ("used_memory_dataset_perc", "%.2f%%" % (dataset * 100 / net if net > 0 else 0)),
        ("allocator_allocated", used), ("allocator_active", used), ("allocator_resident", rss),
        ("total_system_memory", total_system_memory()),
        ("total_system_memory_human", bytes_to_human(total_system_memory())),
        ("used_memory_lua", lua["used_memory_lua"]), ("used_memory_vm_eval", lua["used_memory_vm_eval"]),
        ("used_memory_lua_human", bytes_to_human(lua["used_memory_lua"])),
        ("used_memory_scripts_eval", lua["used_memory_scripts_eval"]),
        ("number_of_cached_scripts", lua["number_of_cached_scripts"]),
        ("number_of_functions", fn["number_of_functions"]), ("number_of_libraries", fn["number_of_libraries"]),
        ("used_memory_vm_functions", fn["used_memory_vm_functions"]),
        ("used_memory_vm_total", vm_total), ("used_memory_vm_total_human", bytes_to_human(vm_total)),
        ("used_memory_functions", fn["used_memory_functions"]), ("used_memory_scripts", scripts),
        ("used_memory_scripts_human", bytes_to_human(scripts)), ("maxmemory", maxmem),
        ("maxmemory_human", bytes_to_human(maxmem)),
        ("maxmemory_policy", _cfg(server, "maxmemory-policy", "noeviction")),
        ("allocator_frag_ratio", "1.00"), ("allocator_frag_bytes", 0),
        ("allocator_rss_ratio", "%.2f" % ratio), ("allocator_rss_bytes", rss - used),
        ("rss_overhead_ratio", "1.00"), ("rss_overhead_bytes", 0),
        ("mem_fragmentation_ratio", "%.2f" % ratio), ("mem_fragmentation_bytes", rss - used),
        ("mem_not_counted_for_evict", 0), ("mem_replication_backlog", 0),
        ("mem_total_replication_buffers", 0), ("mem_clients_slaves", 0), ("mem_clients_normal", clients),
        ("mem_cluster_links", 0), ("mem_aof_buffer", 0), ("mem_allocator", "libc"),
        ("active_defrag_running", 0), ("lazyfree_pending_objects", 0), ("lazyfreed_objects", 0),
    ]


def _sec_persistence(c, server):
    # loading / rdb_* fields come from the snapshot orchestration
    # (fastcache/persistence/snapshot.py)
    snap = getattr(server, "persistence", None)
    if snap is not None:
        rdb = snap.info_fields()
    else:
        rdb = [
            ("loading", 0), ("async_loading", 0), ("current_cow_peak", 0), ("current_cow_size", 0),
            ("current_cow_size_age", 0), ("current_fork_perc", "0.00"), ("current_save_keys_processed", 0),
            ("current_save_keys_total", 0), ("rdb_changes_since_last_save", _core.stats()["dirty"]),
            ("rdb_bgsave_in_progress", 0), ("rdb_last_save_time", 0),
            ("rdb_last_bgsave_status", "ok"), ("rdb_last_bgsave_time_sec", -1),
            ("rdb_current_bgsave_time_sec", -1), ("rdb_saves", 0), ("rdb_last_cow_size", 0),
            ("rdb_last_load_keys_expired", 0), ("rdb_last_load_keys_loaded", 0),
        ]
    aof = getattr(server, "aof", None)
    if aof is not None:
        # aof_* fields from the AOF orchestration (fastcache/persistence/aof.py),
        # then loading_* while a load is in progress (server.py)
        return rdb + aof.info_fields() + server.loading_info_fields()
    return rdb + [
        ("aof_enabled", 1 if _cfg(server, "appendonly", False) is True else 0),
        ("aof_rewrite_in_progress", 0), ("aof_rewrite_scheduled", 0), ("aof_last_rewrite_time_sec", -1),
        ("aof_current_rewrite_time_sec", -1), ("aof_last_bgrewrite_status", "ok"), ("aof_rewrites", 0),
        ("aof_rewrites_consecutive_failures", 0), ("aof_last_write_status", "ok"),
        ("aof_last_cow_size", 0), ("module_fork_in_progress", 0), ("module_fork_last_cow_size", 0),
    ]


def _sec_stats(c, server):
    st = _core.stats()
    _evx = _core.eviction_stats()     # evict.pxi: ms over maxmemory (total, current)
    _ps = _core.pubsub_info()     # (channels, distinct patterns, shard channels)
    _sample_rates(st)
    return [
        ("total_connections_received", st["total_connections_received"]),
        ("total_commands_processed", st["total_commands_processed"]),
        ("instantaneous_ops_per_sec", _ops_rate[0]),
        ("total_net_input_bytes", st["total_net_input_bytes"]),
        ("total_net_output_bytes", st["total_net_output_bytes"]),
        ("total_net_repl_input_bytes", 0), ("total_net_repl_output_bytes", 0),
        ("instantaneous_input_kbps", "%.2f" % _ops_rate[1]),
        ("instantaneous_output_kbps", "%.2f" % _ops_rate[2]),
        ("instantaneous_input_repl_kbps", "0.00"), ("instantaneous_output_repl_kbps", "0.00"),
        ("rejected_connections", st["rejected_connections"]), ("sync_full", 0), ("sync_partial_ok", 0),
        ("sync_partial_err", 0), ("expired_keys", st["expired_keys"]), ("expired_stale_perc", "0.00"),
        ("expired_time_cap_reached_count", st["expired_time_cap_reached_count"]),
        ("expire_cycle_cpu_milliseconds", st["expire_cycle_cpu_milliseconds"]),
        ("evicted_keys", st["evicted_keys"]), ("evicted_clients", 0),
        ("total_eviction_exceeded_time", _evx[0]), ("current_eviction_exceeded_time", _evx[1]),
        ("keyspace_hits", st["keyspace_hits"]),
        ("keyspace_misses", st["keyspace_misses"]), ("pubsub_channels", _ps[0]), ("pubsub_patterns", _ps[1]),
        ("pubsubshard_channels", _ps[2]), ("latest_fork_usec", 0), ("total_forks", 0),
        ("migrate_cached_sockets", 0), ("slave_expires_tracked_keys", 0), ("active_defrag_hits", 0),
        ("active_defrag_misses", 0), ("active_defrag_key_hits", 0), ("active_defrag_key_misses", 0),
        ("total_active_defrag_time", 0), ("current_active_defrag_time", 0), ("tracking_total_keys", 0),
        ("tracking_total_items", 0), ("tracking_total_prefixes", 0),
        ("unexpected_error_replies", st["unexpected_error_replies"]),
        ("total_error_replies", st["total_error_replies"]), ("dump_payload_sanitizations", 0),
        ("total_reads_processed", st["total_reads_processed"]),
        ("total_writes_processed", st["total_writes_processed"]),
        ("io_threaded_reads_processed", 0), ("io_threaded_writes_processed", 0),
        ("reply_buffer_shrinks", 0), ("reply_buffer_expands", 0),
    ]


def _sec_replication(c, server):
    return [
        ("role", "master"), ("connected_slaves", 0), ("master_failover_state", "no-failover"),
        ("master_replid", _replid(server)), ("master_replid2", "0" * 40), ("master_repl_offset", 0),
        ("second_repl_offset", -1), ("repl_backlog_active", 0),
        ("repl_backlog_size", _cfg(server, "repl-backlog-size", 1048576)),
        ("repl_backlog_first_byte_offset", 0), ("repl_backlog_histlen", 0),
    ]


def _tv(t):
    return "%.6f" % t


def _sec_cpu(c, server):
    me = _resource.getrusage(_resource.RUSAGE_SELF)
    ch = _resource.getrusage(_resource.RUSAGE_CHILDREN)
    th = _resource.getrusage(getattr(_resource, "RUSAGE_THREAD", _resource.RUSAGE_SELF))
    return [
        ("used_cpu_sys", _tv(me.ru_stime)), ("used_cpu_user", _tv(me.ru_utime)),
        ("used_cpu_sys_children", _tv(ch.ru_stime)), ("used_cpu_user_children", _tv(ch.ru_utime)),
        ("used_cpu_sys_main_thread", _tv(th.ru_stime)), ("used_cpu_user_main_thread", _tv(th.ru_utime)),
    ]


def _sec_modules(c, server):
    return []


def _sec_commandstats(c, server):
    out = []
    for name, calls, usec, rejected, failed in _core.command_stats():
        out.append(("cmdstat_" + name, "calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d"
                     % (calls, usec, usec / calls if calls else 0.0, rejected, failed)))
    return out


def _sec_errorstats(c, server):
    # Redis keeps the codes in a radix tree: listed in byte order, not first use
    return [("errorstat_" + code, "count=%d" % n)
            for code, n in sorted(_core.error_stats(), key=lambda x: x[0].encode("latin-1"))]


def _sec_latencystats(c, server):
    # No per-command latency histograms yet: the section is present but empty.
    return []


def _sec_cluster(c, server):
    return [("cluster_enabled", 1 if _cfg(server, "cluster-enabled", False) is True else 0)]


def _sec_keyspace(c, server):
    return [("db%d" % db, "keys=%d,expires=%d,avg_ttl=%d" % (keys, exp, ttl))
            for db, keys, exp, ttl in _core.keyspace_info()]


_SECTIONS = {
    "server": ("Server", _sec_server), "clients": ("Clients", _sec_clients),
    "memory": ("Memory", _sec_memory), "persistence": ("Persistence", _sec_persistence),
    "stats": ("Stats", _sec_stats), "replication": ("Replication", _sec_replication),
    "cpu": ("CPU", _sec_cpu), "modules": ("Modules", _sec_modules),
    "commandstats": ("Commandstats", _sec_commandstats), "errorstats": ("Errorstats", _sec_errorstats),
    "latencystats": ("Latencystats", _sec_latencystats), "cluster": ("Cluster", _sec_cluster),
    "keyspace": ("Keyspace", _sec_keyspace),
}


def info_sections(argv_sections):
    """Redis 7.0's genInfoSectionDict: no args = default; "all" = every section;
    "everything" = all + modules; "default" adds the defaults; unknown names add
    nothing.  Output order is always Redis's, whatever the argument order."""
    if not argv_sections:
        return set(DEFAULT_SECTIONS)
    want = set()
    for a in argv_sections:
        a = a.decode("latin-1").lower()
        if a in ("all", "everything"):
            want.update(ALL_SECTIONS)
        elif a == "default":
            want.update(DEFAULT_SECTIONS)
        else:
            want.add(a)
    return want


def info_text(c, server, sections):
    parts = []
    for key in ALL_SECTIONS:
        if key not in sections:
            continue
        title, fn = _SECTIONS[key]
        lines = ["# " + title] + ["%s:%s" % kv for kv in fn(c, server)]
        parts.append("\r\n".join(lines) + "\r\n")
    return "\r\n".join(parts)


def cmd_info(c, argv):
    """INFO [section ...]: a bulk string (verbatim "txt" under RESP3)."""
    text = info_text(c, c.server, info_sections(argv[1:]))
    c.reply(Verbatim(text.encode("latin-1")))


# ================================================================== SLOWLOG

SLOWLOG_MAX_ARGC = 32
SLOWLOG_MAX_STRING = 128

SLOWLOG_HELP = [
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
]


class SlowLog:
    """The slow log: newest first, at most slowlog-max-len entries; ids never
    restart (not even after SLOWLOG RESET)."""

    def __init__(self):
        self.entries = []
        self.next_id = 0


def _slowlog(server):
    sl = getattr(server, "slowlog", None)
    if not isinstance(sl, SlowLog):
        sl = SlowLog()
        server.slowlog = sl
    return sl


def _redacted_positions(argv):
    """Arguments Redis 7.0 redacts from the slowlog and MONITOR: AUTH's, HELLO's
    AUTH user/password."""
    name = argv[0].lower() if argv else b""
    if name == b"auth":
        return set(range(1, len(argv)))
    out = set()
    if name == b"hello":
        j = 2
        while j < len(argv):
            if argv[j].lower() == b"auth" and j + 2 < len(argv):
                out.update((j + 1, j + 2))
                j += 3
            elif argv[j].lower() == b"setname" and j + 1 < len(argv):
                j += 2
            else:
                break
    return out


def slowlog_add(server, c, argv, usec):
    """The dispatcher's hook: record a command that took `usec` microseconds.
    Arguments are trimmed as Redis does: at most 32 (the last says how many
    more), each at most 128 bytes (then "... (N more bytes)")."""
    maxlen = _cfg(server, "slowlog-max-len", 128) or 0
    sl = _slowlog(server)
    red = _redacted_positions(argv)
    argc = min(len(argv), SLOWLOG_MAX_ARGC)
    args = []
    for j in range(argc):
        if argc != len(argv) and j == argc - 1:
            args.append(b"... (%d more arguments)" % (len(argv) - argc + 1))
            break
        a = b"(redacted)" if j in red else argv[j]
        if len(a) > SLOWLOG_MAX_STRING:
            a = a[:SLOWLOG_MAX_STRING] + b"... (%d more bytes)" % (len(a) - SLOWLOG_MAX_STRING)
        args.append(a)
    from fastcache.connection import format_addr
    entry = [sl.next_id, int(_time.time()), int(usec), args,
             format_addr(c.addr, server).encode(), c.name or b""]
    sl.next_id += 1
    sl.entries.insert(0, entry)
    del sl.entries[maxlen:]


def cmd_slowlog(c, argv):
    """SLOWLOG GET [count] | LEN | RESET | HELP."""
    sub = argv[1].lower()
    sl = _slowlog(c.server)
    if sub == b"help" and len(argv) == 2:
        c.reply(help_reply("SLOWLOG", SLOWLOG_HELP))
    elif sub == b"reset" and len(argv) == 2:
        sl.entries.clear()
        c.reply(Simple(b"OK"))
    elif sub == b"len" and len(argv) == 2:
        c.reply(len(sl.entries))
    elif sub == b"get" and len(argv) in (2, 3):
        count = 10
        if len(argv) == 3:
            from fastcache.connection import strict_int
            v = strict_int(argv[2])
            if v is None or v < -1:
                c.reply(Error(b"ERR count should be greater than or equal to -1"))
                return
            count = len(sl.entries) if v == -1 else v
        c.reply([list(e) for e in sl.entries[:count]])
    else:
        c.reply(Error(b"ERR unknown subcommand or wrong number of arguments for '" + argv[1]
                      + b"'. Try SLOWLOG HELP."))


# ================================================================== MEMORY

MEMORY_HELP = [
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
]

DOCTOR_EMPTY = ("Hi Sam, this instance is empty or is using very little memory, my issues detector can't be "
                "used in these conditions. Please, leave for your mission on Earth and fill it with some data. "
                "The new Sam and I will be back to our programming as soon as I finished rebooting.\n")
DOCTOR_OK = ("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs "
             "on this base.\n")


def memory_stats(server):
    """MEMORY STATS as an ordered list of (name, value) pairs (Redis 7.0's keys)."""
    used, rss, startup, clients, overhead, dataset = _memory_numbers(server)
    peak = max(_peak[0], used)
    keys = _core.total_keys()
    from fastcache.functions import info_fields as functions_info
    from fastcache.scripting import info_fields as scripts_info
    # lua.caches: the EVAL script cache (evalScriptsMemory); functions.caches: the
    # functions' overhead (functionsMemoryOverhead), as INFO's used_memory_*
    lua_caches = scripts_info()["used_memory_scripts_eval"]
    fn_caches = functions_info()["used_memory_functions"]
    out = [
        (b"peak.allocated", peak), (b"total.allocated", used), (b"startup.allocated", startup),
        (b"replication.backlog", 0), (b"clients.slaves", 0), (b"clients.normal", clients),
        (b"cluster.links", 0), (b"aof.buffer", 0), (b"lua.caches", lua_caches),
        (b"functions.caches", fn_caches),
    ]
    for db, nkeys, nexp, _ttl in _core.keyspace_info():
        out.append((b"db.%d" % db, OrderedPairs([
            (b"overhead.hashtable.main", nkeys * 24), (b"overhead.hashtable.expires", nexp * 24),
            (b"overhead.hashtable.slot-to-keys", 0)])))
    net = used - startup
    out += [
        (b"overhead.total", overhead), (b"keys.count", keys),
        (b"keys.bytes-per-key", (net // keys) if keys else 0), (b"dataset.bytes", dataset),
        (b"dataset.percentage", dataset * 100.0 / net if net > 0 else 0.0),
        (b"peak.percentage", used * 100.0 / peak if peak else 0.0),
        (b"allocator.allocated", used), (b"allocator.active", used), (b"allocator.resident", rss),
        (b"allocator-fragmentation.ratio", 1.0), (b"allocator-fragmentation.bytes", 0),
        (b"allocator-rss.ratio", rss / used if used else 0.0), (b"allocator-rss.bytes", rss - used),
        (b"rss-overhead.ratio", 1.0), (b"rss-overhead.bytes", 0),
        (b"fragmentation", rss / used if used else 0.0), (b"fragmentation.bytes", rss - used),
    ]
    return out


def cmd_memory(c, argv):
    """MEMORY STATS | DOCTOR | MALLOC-STATS | PURGE | HELP (USAGE is in the core)."""
    sub = argv[1].lower()
    if sub == b"help":
        c.reply(help_reply("MEMORY", MEMORY_HELP))
    elif sub == b"stats":
        c.reply(OrderedPairs(memory_stats(c.server)))
    elif sub == b"doctor":
        # Redis gives up below 5 MB of used memory ("empty instance").
        text = DOCTOR_EMPTY if used_memory() < 5 * 1024 * 1024 else DOCTOR_OK
        c.reply(Verbatim(text.encode()))
    elif sub == b"malloc-stats":
        c.reply(Verbatim(b"Stats not supported for the current allocator"))
    elif sub == b"purge":
        c.reply(Simple(b"OK"))


HANDLERS = {
    "info": cmd_info,
    "slowlog|get": cmd_slowlog,
    "slowlog|len": cmd_slowlog,
    "slowlog|reset": cmd_slowlog,
    "slowlog|help": cmd_slowlog,
    "memory|stats": cmd_memory,
    "memory|doctor": cmd_memory,
    "memory|malloc-stats": cmd_memory,
    "memory|purge": cmd_memory,
    "memory|help": cmd_memory,
    "command": cmd_command,
}
