#!/usr/bin/env python3
"""Generate fastcache/commanddefs.py from a reference redis-server 7.0.

Usage:
    python ci/gen_commands.py [--host H --port P] [--output PATH] [--check]

Without --port the script starts its own redis-server on a free loopback port
(and stops it afterwards).  It reads ``COMMAND INFO`` and ``COMMAND DOCS`` over
RESP3, keeps the facts (arity, flags, key specs, ACL categories, tips, argument
structure, group, since, doc flags, deprecation) and drops Redis's prose
(``summary``, ``complexity``, ``history``).  Summaries come from our own
``ci/command_summaries.py``.

The output is deterministic: commands and subcommands are sorted by name and
every inner mapping keeps the field order the server emits (which is fixed by
the server's reply code, not by hashing), so ``--check`` can verify that the
checked-in file is fresh.
"""

from __future__ import annotations

import argparse
import os
import pprint
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_OUTPUT = os.path.join(ROOT, "fastcache", "commanddefs.py")

sys.path.insert(0, HERE)
from command_summaries import SUMMARIES  # noqa: E402


# ---------------------------------------------------------------- RESP3 reader
# A tiny type-preserving reader: maps become dicts (insertion order kept), sets
# become tuples, arrays lists, simple and bulk strings str.

class _Incomplete(Exception):
    pass


def _parse(buf: bytes, i: int):
    j = buf.find(b"\r\n", i)
    if j < 0:
        raise _Incomplete
    t, line, i = buf[i:i + 1], buf[i + 1:j], j + 2
    if t in (b"+", b"("):
        return line.decode(), i
    if t == b"-":
        raise RuntimeError("server error: " + line.decode())
    if t == b":":
        return int(line), i
    if t == b"_":
        return None, i
    if t == b"#":
        return line == b"t", i
    if t in (b"$", b"="):
        n = int(line)
        if n < 0:
            return None, i
        if len(buf) < i + n + 2:
            raise _Incomplete
        return buf[i:i + n].decode(), i + n + 2
    if t in (b"*", b"~", b"%", b">"):
        n = int(line)
        if n < 0:
            return None, i
        items = []
        for _ in range(n * 2 if t == b"%" else n):
            v, i = _parse(buf, i)
            items.append(v)
        if t == b"%":
            return dict(zip(items[::2], items[1::2])), i
        if t == b"~":
            return tuple(items), i
        return items, i
    raise RuntimeError("unexpected RESP type %r" % t)


class RespConn:
    """Minimal blocking RESP3 connection (enough for COMMAND INFO/DOCS)."""

    def __init__(self, host: str, port: int):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b""

    def call(self, *args):
        parts = [a.encode() if isinstance(a, str) else a for a in args]
        self.sock.sendall(b"*%d\r\n" % len(parts) +
                          b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts))
        while True:
            try:
                v, i = _parse(self.buf, 0)
                self.buf = self.buf[i:]
                return v
            except _Incomplete:
                pass
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError("connection closed")
            self.buf += data

    def close(self):
        self.sock.close()


# ------------------------------------------------------------ reference server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ReferenceServer:
    """Starts a throw-away redis-server on a free loopback port."""

    def __init__(self, binary: str = "redis-server"):
        self.binary = shutil.which(binary)
        if not self.binary:
            raise RuntimeError("redis-server not found in PATH")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="fc-gencmd-")
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no",
             "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("reference redis-server did not start")
                time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


# ----------------------------------------------------------------- conversion

# Prose we never copy from the server.
_DROPPED_DOC_FIELDS = ("summary", "complexity", "history")


def _info_entry(info: list) -> dict:
    name, arity, flags, first, last, step, acl, tips, specs, subs = info
    return {
        "name": name,
        "arity": arity,
        "flags": tuple(flags),
        "first_key": first,
        "last_key": last,
        "step": step,
        "acl_categories": tuple(acl),
        "tips": tuple(tips),
        "key_specs": [dict(s) for s in specs],
        "_subs": [_info_entry(s) for s in (subs or ())],
    }


def _merge(info: dict, docs: dict, missing: list) -> dict:
    name = info["name"]
    doc = docs.get(name, {})
    if name not in SUMMARIES:
        missing.append(name)
    entry = {
        "name": name,
        "summary": SUMMARIES.get(name, ""),
        "arity": info["arity"],
        "flags": info["flags"],
        "first_key": info["first_key"],
        "last_key": info["last_key"],
        "step": info["step"],
        "acl_categories": info["acl_categories"],
        "tips": info["tips"],
        "key_specs": info["key_specs"],
        "group": doc.get("group", ""),
        "since": doc.get("since", ""),
    }
    # Keep the optional doc fields in the server's reply order.
    for field in ("doc_flags", "deprecated_since", "replaced_by"):
        if field in doc:
            entry[field] = doc[field]
    entry["arguments"] = doc.get("arguments", [])
    subdocs = doc.get("subcommands", {})
    entry["subcommands"] = [
        _merge(s, subdocs, missing) for s in sorted(info["_subs"], key=lambda e: e["name"])
    ]
    for field in doc:
        if field not in _DROPPED_DOC_FIELDS and field not in (
                "group", "since", "doc_flags", "deprecated_since", "replaced_by",
                "arguments", "subcommands"):
            raise RuntimeError("unknown COMMAND DOCS field %r in %s" % (field, name))
    return entry


def fetch(host: str, port: int) -> list:
    conn = RespConn(host, port)
    try:
        conn.call("HELLO", "3")
        infos = conn.call("COMMAND", "INFO")
        docs = conn.call("COMMAND", "DOCS")
    finally:
        conn.close()
    missing: list = []
    table = [_merge(_info_entry(i), docs, missing)
             for i in sorted(infos, key=lambda i: i[0])]
    if missing:
        raise RuntimeError("no summary in ci/command_summaries.py for: " + ", ".join(missing))
    return table


HEADER = '''\
"""Command table of fastcache (GENERATED by ci/gen_commands.py -- do not edit).

Facts (arity, flags, key specs, ACL categories, tips, argument structure, group,
since, doc flags, deprecation) are read off a reference redis-server %s via
COMMAND INFO / COMMAND DOCS.  Summaries are our own (ci/command_summaries.py);
Redis's complexity and history texts are deliberately not included.

COMMANDS is sorted by name; each entry's subcommands are sorted by name too.
"""

REDIS_VERSION = %r

COMMANDS = '''


def render(table: list, version: str) -> str:
    body = pprint.pformat(table, width=100, sort_dicts=False)
    return HEADER % (version, version) + body + "\n"


def server_version(host: str, port: int) -> str:
    conn = RespConn(host, port)
    try:
        hello = conn.call("HELLO", "3")
    finally:
        conn.close()
    return hello["version"]


def generate(host: str | None = None, port: int | None = None) -> str:
    """Return the text of commanddefs.py built from the given (or a fresh) server."""
    server = None
    if port is None:
        server = ReferenceServer()
        host, port = "127.0.0.1", server.port
    try:
        return render(fetch(host or "127.0.0.1", port), server_version(host or "127.0.0.1", port))
    finally:
        if server is not None:
            server.stop()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int)
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the output file differs from a fresh generation")
    args = ap.parse_args(argv)
    text = generate(args.host, args.port)
    if args.check:
        try:
            with open(args.output) as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print("%s is stale; run ci/gen_commands.py" % args.output, file=sys.stderr)
            return 1
        return 0
    with open(args.output, "w") as f:
        f.write(text)
    print("wrote %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
