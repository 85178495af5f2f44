"""Command metadata API over the generated table (fastcache/commanddefs.py).

The table is data read off the reference server; this module turns it into
``CommandDef`` objects, keeps the command flags as bit values (the same bit
positions as Redis 7.0's CMD_* so ACL/dispatch code can share them with the C
core), and finds key positions in an argv the way Redis's COMMAND GETKEYS does.

Invariants:
- ``lookup`` is case-insensitive; subcommands are addressed as "parent|sub".
- Key extraction follows Redis 7.0 ``getKeysFromCommandWithSpecs``: key specs
  first; if a spec is invalid for the given argv (keyword found but bad count,
  'unknown' spec, INCOMPLETE spec) the command's legacy getkeys procedure is used
  instead, reproduced here for the commands that have one.
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from fastcache.commanddefs import COMMANDS as _RAW_COMMANDS

__all__ = [
    "CommandDef", "lookup", "lookup_argv", "all_commands", "iter_all", "flag_bits",
    "key_spec_flag_bits", "get_keys", "get_keys_with_flags", "has_keys", "FLAG_NAMES",
    "derive_movablekeys",
]

# --- command flags: bit positions as Redis 7.0 server.h CMD_* ---------------
FLAG_WRITE = 1 << 0
FLAG_READONLY = 1 << 1
FLAG_DENYOOM = 1 << 2
FLAG_MODULE = 1 << 3
FLAG_ADMIN = 1 << 4
FLAG_PUBSUB = 1 << 5
FLAG_NOSCRIPT = 1 << 6
FLAG_BLOCKING = 1 << 8
FLAG_LOADING = 1 << 9
FLAG_STALE = 1 << 10
FLAG_SKIP_MONITOR = 1 << 11
FLAG_SKIP_SLOWLOG = 1 << 12
FLAG_ASKING = 1 << 13
FLAG_FAST = 1 << 14
FLAG_NO_AUTH = 1 << 15
FLAG_MAY_REPLICATE = 1 << 16
FLAG_SENTINEL = 1 << 17
FLAG_ONLY_SENTINEL = 1 << 18
FLAG_NO_MANDATORY_KEYS = 1 << 19
FLAG_PROTECTED = 1 << 20
FLAG_MODULE_GETKEYS = 1 << 21
FLAG_MODULE_NO_CLUSTER = 1 << 22
FLAG_NO_ASYNC_LOADING = 1 << 23
FLAG_NO_MULTI = 1 << 24
FLAG_MOVABLE_KEYS = 1 << 25
FLAG_ALLOW_BUSY = 1 << 26
FLAG_MODULE_GETCHANNELS = 1 << 27

#: COMMAND INFO flag name -> bit.
FLAG_NAMES: Dict[str, int] = {
    "write": FLAG_WRITE,
    "readonly": FLAG_READONLY,
    "denyoom": FLAG_DENYOOM,
    "module": FLAG_MODULE,
    "admin": FLAG_ADMIN,
    "pubsub": FLAG_PUBSUB,
    "noscript": FLAG_NOSCRIPT,
    "blocking": FLAG_BLOCKING,
    "loading": FLAG_LOADING,
    "stale": FLAG_STALE,
    "skip_monitor": FLAG_SKIP_MONITOR,
    "skip_slowlog": FLAG_SKIP_SLOWLOG,
    "asking": FLAG_ASKING,
    "fast": FLAG_FAST,
    "no_auth": FLAG_NO_AUTH,
    "may_replicate": FLAG_MAY_REPLICATE,
    "sentinel": FLAG_SENTINEL,
    "only_sentinel": FLAG_ONLY_SENTINEL,
    "no_mandatory_keys": FLAG_NO_MANDATORY_KEYS,
    "protected": FLAG_PROTECTED,
    "no_async_loading": FLAG_NO_ASYNC_LOADING,
    "no_multi": FLAG_NO_MULTI,
    "movablekeys": FLAG_MOVABLE_KEYS,
    "allow_busy": FLAG_ALLOW_BUSY,
}

# --- key-spec flags: bit positions as Redis 7.0 CMD_KEY_* ---------------------
KEY_RO = 1 << 0
KEY_RW = 1 << 1
KEY_OW = 1 << 2
KEY_RM = 1 << 3
KEY_ACCESS = 1 << 4
KEY_UPDATE = 1 << 5
KEY_INSERT = 1 << 6
KEY_DELETE = 1 << 7
KEY_NOT_KEY = 1 << 8
KEY_INCOMPLETE = 1 << 9
KEY_VARIABLE_FLAGS = 1 << 10

#: Key-spec flag name -> bit, in the order Redis prints them.
KEY_FLAG_NAMES: Dict[str, int] = {
    "RO": KEY_RO, "RW": KEY_RW, "OW": KEY_OW, "RM": KEY_RM,
    "access": KEY_ACCESS, "update": KEY_UPDATE, "insert": KEY_INSERT, "delete": KEY_DELETE,
    "not_key": KEY_NOT_KEY, "incomplete": KEY_INCOMPLETE, "variable_flags": KEY_VARIABLE_FLAGS,
}


def key_flag_names(bits: int) -> Tuple[str, ...]:
    """Key-spec flag bits -> names, in Redis's print order."""
    return tuple(n for n, b in KEY_FLAG_NAMES.items() if bits & b)


class CommandDef:
    """Metadata of one command or subcommand (see fastcache/commanddefs.py)."""

    __slots__ = ("name", "fullname", "parent", "arity", "flags", "bits", "first_key",
                 "last_key", "step", "acl_categories", "tips", "key_specs", "spec_bits",
                 "group", "since", "summary", "doc_flags", "deprecated_since",
                 "replaced_by", "arguments", "subcommands", "raw")

    def __init__(self, raw: dict, parent: Optional["CommandDef"] = None):
        self.raw = raw
        self.fullname: str = raw["name"]
        self.name: str = self.fullname.rsplit("|", 1)[-1]
        self.parent = parent
        self.arity: int = raw["arity"]
        self.flags: Tuple[str, ...] = raw["flags"]
        self.bits: int = 0
        for f in self.flags:
            self.bits |= FLAG_NAMES[f]
        self.first_key: int = raw["first_key"]
        self.last_key: int = raw["last_key"]
        self.step: int = raw["step"]
        self.acl_categories: Tuple[str, ...] = raw["acl_categories"]
        self.tips: Tuple[str, ...] = raw["tips"]
        self.key_specs: List[dict] = raw["key_specs"]
        self.spec_bits: List[int] = [_spec_flag_bits(s) for s in self.key_specs]
        self.group: str = raw["group"]
        self.since: str = raw["since"]
        self.summary: str = raw["summary"]
        self.doc_flags: Tuple[str, ...] = raw.get("doc_flags", ())
        self.deprecated_since: Optional[str] = raw.get("deprecated_since")
        self.replaced_by: Optional[str] = raw.get("replaced_by")
        self.arguments: List[dict] = raw["arguments"]
        self.subcommands: Dict[str, CommandDef] = {
            s["name"].rsplit("|", 1)[-1]: CommandDef(s, self) for s in raw["subcommands"]
        }

    def __repr__(self):
        return "CommandDef(%r)" % self.fullname


def _spec_flag_bits(spec: dict) -> int:
    bits = 0
    for f in spec["flags"]:
        bits |= KEY_FLAG_NAMES[f]
    return bits


_TABLE: Dict[str, CommandDef] = {c["name"]: CommandDef(c) for c in _RAW_COMMANDS}


def _text(name) -> str:
    if isinstance(name, (bytes, bytearray, memoryview)):
        return bytes(name).decode("utf-8", "surrogateescape")
    return name


def lookup(name) -> Optional[CommandDef]:
    """Find a command by name (str or bytes, any case); "parent|sub" finds a subcommand."""
    name = _text(name).lower()
    if "|" in name:
        parent, _, sub = name.partition("|")
        p = _TABLE.get(parent)
        return p.subcommands.get(sub) if p is not None else None
    return _TABLE.get(name)


def lookup_argv(argv: Sequence) -> Optional[CommandDef]:
    """Resolve argv to the command that would run, as Redis's lookupCommand does:
    a container command with a second argument resolves to its subcommand (None if unknown)."""
    if not argv:
        return None
    base = _TABLE.get(_text(argv[0]).lower())
    if base is None or not base.subcommands or len(argv) == 1:
        return base
    return base.subcommands.get(_text(argv[1]).lower())


def all_commands() -> List[CommandDef]:
    """Top-level commands, sorted by name (subcommands hang off ``.subcommands``)."""
    return list(_TABLE.values())


def iter_all() -> Iterator[CommandDef]:
    """Every command and subcommand, parents before their subcommands."""
    for c in _TABLE.values():
        yield c
        yield from c.subcommands.values()


def flag_bits(defn: CommandDef) -> int:
    """The FLAG_* bits of a command."""
    return defn.bits


def key_spec_flag_bits(defn: CommandDef) -> List[int]:
    """The KEY_* bits of each key spec of a command."""
    return list(defn.spec_bits)


# Commands that have a legacy key-extraction procedure in Redis 7.0 (used when
# the key specs cannot answer). A getkeys procedure also makes a command
# 'movablekeys'.
_GETKEYS_PROCS = frozenset((
    "zunionstore", "zinterstore", "zdiffstore", "zunion", "zinter", "zdiff", "zintercard",
    "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro",
    "sort", "sort_ro", "migrate", "georadius", "georadiusbymember",
    "xread", "xreadgroup", "lmpop", "blmpop", "zmpop", "bzmpop", "sintercard",
))


def derive_movablekeys(defn: CommandDef) -> bool:
    """Whether Redis would mark the command 'movablekeys': it has a getkeys
    procedure, or a key spec that is not a plain index + range."""
    if defn.fullname in _GETKEYS_PROCS:
        return True
    return any(s["begin_search"]["type"] != "index" or s["find_keys"]["type"] != "range"
               for s in defn.key_specs)


def has_keys(defn: CommandDef) -> bool:
    """Redis's doesCommandHaveKeys: a getkeys procedure or a key spec that is not NOT_KEY."""
    return defn.fullname in _GETKEYS_PROCS or defn.fullname in _VARFLAGS_PROCS or any(
        not (b & KEY_NOT_KEY) for b in defn.spec_bits)


def _string2ll(b: bytes) -> Optional[int]:
    # Strict integer parsing as Redis's string2ll: optional '-', no '+', no
    # leading zeros, no spaces, fits in a signed 64-bit integer.
    if not b or len(b) > 20:
        return None
    if b == b"0":
        return 0
    neg = b[:1] == b"-"
    digits = b[1:] if neg else b
    if not digits or not digits.isdigit() or digits[:1] == b"0" or not digits.isascii():
        return None
    v = -int(digits) if neg else int(digits)
    if v < -(1 << 63) or v > (1 << 63) - 1:
        return None
    return v


def _atoi(b: bytes) -> int:
    # C atoi(): leading whitespace, optional sign, then digits; stops at the first
    # non-digit; 0 if none. Overflow is undefined in C; clamp to int range.
    s = b.lstrip(b" \t\n\v\f\r")
    sign = 1
    if s[:1] in (b"+", b"-"):
        sign = -1 if s[:1] == b"-" else 1
        s = s[1:]
    n = 0
    for ch in s:
        if 48 <= ch <= 57:
            n = n * 10 + ch - 48
        else:
            break
    n *= sign
    return max(min(n, 2**31 - 1), -2**31)


def _as_bytes(argv: Sequence) -> List[bytes]:
    return [a.encode() if isinstance(a, str) else bytes(a) for a in argv]


def _keys_from_specs(defn: CommandDef, argv: List[bytes]):
    """Redis's getKeysUsingKeySpecs. Returns a list of (pos, keyflags) or None
    when a spec is invalid for this argv (caller falls back to the getkeys proc)."""
    argc = len(argv)
    out: List[Tuple[int, int]] = []
    for spec, sbits in zip(defn.key_specs, defn.spec_bits):
        if sbits & KEY_NOT_KEY:
            continue
        bs = spec["begin_search"]
        if bs["type"] == "index":
            first = bs["spec"]["index"]
        elif bs["type"] == "keyword":
            keyword = bs["spec"]["keyword"].encode().lower()
            startfrom = bs["spec"]["startfrom"]
            first = 0
            # Redis scans [startfrom, argc-1) forwards (a keyword in the last
            # slot could not be followed by a key) or, for a negative
            # startfrom, from argc+startfrom backwards down to index 2.
            if startfrom > 0:
                rng = range(startfrom, argc - 1)
            else:
                rng = range(argc + startfrom, 1, -1)
            for i in rng:
                if i >= argc or i < 1:
                    break
                if argv[i].lower() == keyword:
                    first = i + 1
                    break
            if not first:
                continue  # keyword absent: this spec yields no keys
        else:
            return None  # 'unknown' begin_search
        fk = spec["find_keys"]
        if fk["type"] == "range":
            step = fk["spec"]["keystep"]
            lastkey = fk["spec"]["lastkey"]
            limit = fk["spec"]["limit"]
            if lastkey >= 0:
                last = first + lastkey
            elif not limit:
                last = argc + lastkey
            else:
                # lastkey == -1 with a limit: a fraction of the remaining args.
                last = first + ((argc - first) // limit + lastkey)
        elif fk["type"] == "keynum":
            step = fk["spec"]["keystep"]
            idx = first + fk["spec"]["keynumidx"]
            if idx >= argc:
                return None
            numkeys = _string2ll(argv[idx])
            if numkeys is None or numkeys < 0:
                return None
            first += fk["spec"]["firstkey"]
            last = first + numkeys - 1
        else:
            return None  # 'unknown' find_keys
        if last >= argc or last < first or first >= argc:
            return None
        for i in range(first, last + 1, step):
            if i >= argc or i < first:
                continue
            out.append((i, sbits))
        if sbits & KEY_INCOMPLETE:
            return None
    return out


def _generic_proc(store_ofs: int, count_ofs: int, first_ofs: int, argv: List[bytes]):
    # Redis's genericGetKeys: atoi() the count, give up (no keys) when it is out
    # of range; the store key (if any) comes last. Flags are left empty.
    argc = len(argv)
    if count_ofs >= argc:
        return []
    num = _atoi(argv[count_ofs])
    if num < 1 or num > argc - first_ofs:
        return []
    keys = [(first_ofs + i, 0) for i in range(num)]
    if store_ofs:
        keys.append((store_ofs, 0))
    return keys


def _sort_proc(argv: List[bytes], ro: bool):
    keys = [(1, KEY_RO | KEY_ACCESS)]
    if ro:
        return keys
    store = None
    i = 2
    argc = len(argv)
    # Skip the arguments of LIMIT/GET/BY so that e.g. "GET store" is not taken
    # for a STORE option; the last STORE wins, as in SORT itself.
    while i < argc:
        a = argv[i].lower()
        if a == b"limit":
            i += 2
        elif a == b"store" and i + 1 < argc:
            store = i + 1
        elif a in (b"get", b"by"):
            i += 1
        i += 1
    if store is not None:
        keys.append((store, KEY_OW | KEY_UPDATE))
    return keys


def _migrate_proc(argv: List[bytes]):
    argc = len(argv)
    first, num = 3, 1
    for i in range(6, argc):
        if argv[i].lower() == b"keys":
            if len(argv[3]) > 0:
                return []  # KEYS with a non-empty key argument is a syntax error
            first, num = i + 1, argc - i - 1
            break
    return [(first + i, KEY_RW | KEY_ACCESS | KEY_DELETE) for i in range(num)]


def _georadius_proc(argv: List[bytes]):
    # Key first; a STORE/STOREDIST destination (the last one given) appended.
    # Redis scans from index 5 for both GEORADIUS and GEORADIUSBYMEMBER.
    keys = [(1, 0)]
    store = None
    i = 5
    while i < len(argv):
        a = argv[i].lower()
        if a in (b"store", b"storedist") and i + 1 < len(argv):
            store = i + 1
            i += 1
        i += 1
    if store is not None:
        keys.append((store, 0))
    return keys


def _xread_proc(argv: List[bytes]):
    argc = len(argv)
    streams = -1
    i = 1
    while i < argc:
        a = argv[i].lower()
        if a in (b"block", b"count"):
            i += 1
        elif a == b"group":
            i += 2
        elif a == b"noack":
            pass
        elif a == b"streams":
            streams = i
            break
        else:
            break
        i += 1
    if streams < 0:
        return []
    num = argc - streams - 1
    if num == 0 or num % 2:
        return []
    num //= 2
    return [(streams + 1 + k, 0) for k in range(num)]


def _set_proc(argv: List[bytes]):
    # SET's key is overwritten, unless GET makes it a read-modify-write.
    for a in argv[3:]:
        if a.lower() == b"get":
            return [(1, KEY_RW | KEY_ACCESS | KEY_UPDATE)]
    return [(1, KEY_OW | KEY_UPDATE)]


def _bitfield_proc(argv: List[bytes]):
    # Read-only only if every operation is a well-formed GET/OVERFLOW; a syntax
    # error is assumed to be a write (the safe side).
    argc = len(argv)
    readonly = True
    i = 2
    while i < argc:
        rem = argc - i - 1
        a = argv[i].lower()
        if a == b"get" and rem >= 2:
            i += 2
        elif a in (b"set", b"incrby") and rem >= 3:
            readonly = False
            break
        elif a == b"overflow" and rem >= 1:
            i += 1
        else:
            readonly = False
            break
        i += 1
    return [(1, KEY_RO | KEY_ACCESS if readonly else KEY_RW | KEY_ACCESS | KEY_UPDATE)]


# Commands whose key spec says 'variable_flags': Redis asks their getkeys
# procedure for the real per-call flags. (These procedures do not make the
# command 'movablekeys': the key position is fixed.)
_VARFLAGS_PROCS = {"set": _set_proc, "bitfield": _bitfield_proc}


def _proc_keys(defn: CommandDef, argv: List[bytes]):
    n = defn.fullname
    if n in ("zunionstore", "zinterstore", "zdiffstore"):
        return _generic_proc(1, 2, 3, argv)
    if n in ("zunion", "zinter", "zdiff", "zintercard", "sintercard", "lmpop", "zmpop"):
        return _generic_proc(0, 1, 2, argv)
    if n in ("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro",
             "blmpop", "bzmpop"):
        return _generic_proc(0, 2, 3, argv)
    if n in ("sort", "sort_ro"):
        return _sort_proc(argv, n == "sort_ro")
    if n == "migrate":
        return _migrate_proc(argv)
    if n in ("georadius", "georadiusbymember"):
        return _georadius_proc(argv)
    if n in ("xread", "xreadgroup"):
        return _xread_proc(argv)
    return []


def get_keys_with_flags(defn: CommandDef, argv: Sequence) -> List[Tuple[int, int]]:
    """Key positions in ``argv`` (argv[0] is the command name) with their KEY_* bits.

    An empty list means "no keys": either the command takes none for this argv or
    the arguments are invalid (COMMAND GETKEYS then reports an error unless the
    command is 'no_mandatory_keys'). Arity is not checked here.
    """
    args = _as_bytes(argv)
    varproc = _VARFLAGS_PROCS.get(defn.fullname)
    if varproc is not None and any(b & KEY_VARIABLE_FLAGS for b in defn.spec_bits):
        return varproc(args)
    if any(not (b & KEY_NOT_KEY) for b in defn.spec_bits):
        keys = _keys_from_specs(defn, args)
        if keys is not None:
            return keys
    if defn.fullname in _GETKEYS_PROCS:
        return _proc_keys(defn, args)
    return []


def get_keys(defn: CommandDef, argv: Sequence) -> List[int]:
    """Key positions in ``argv`` (argv[0] is the command name), like COMMAND GETKEYS."""
    return [p for p, _ in get_keys_with_flags(defn, argv)]
