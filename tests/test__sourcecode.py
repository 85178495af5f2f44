"""Source-level checks: linters, and the command table's promises.

- ruff (pyflakes rules) on the Python code and cython-lint on the Cython core;
- every command of fastcache/commanddefs.py is either implemented or listed in
  fastcache/unsupported.py with the reason (the issue that will bring it) — and
  nothing implemented is still listed there;
- no data-type or keyspace command is served by a Python handler (the hot path
  rule of ARCHITECTURE.md §3).
"""
import os
import subprocess
import sys

from fastcache import registry
from fastcache.commanddefs import COMMANDS
from fastcache.unsupported import UNSUPPORTED

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# COMMAND DOCS groups whose commands must be implemented in C.
DATA_GROUPS = {"string", "bitmap", "generic", "list", "hash", "set", "sorted-set", "hyperloglog",
               "geo", "stream", "pubsub", "transactions"}
# Administrative commands that Redis files under a data group but that run once per
# connection or operation, not per data access.
ADMIN_IN_DATA_GROUPS = {"object|help", "migrate", "dump", "restore", "sort", "sort_ro", "wait"}


def _run(args):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True)


def test_python_code_passes_ruff():
    r = _run([sys.executable, "-m", "ruff", "check", "--select", "F,E9", "--quiet",
              "fastcache", "tests", "bench", "ci"])
    assert r.returncode == 0, r.stdout + r.stderr


def test_cython_core_passes_cython_lint():
    core = os.path.join(ROOT, "fastcache", "_core")
    files = sorted(os.path.join(core, f) for f in os.listdir(core) if f.endswith((".pyx", ".pxi")))
    r = _run([sys.executable, "-c", "import sys, cython_lint.cython_lint as m; sys.exit(m.main())",
              "--no-pycodestyle"] + files)
    assert r.returncode == 0, r.stdout + r.stderr


def _implemented():
    names = set()
    handlers = {}
    for d, h, subs in registry.plan():
        names.add(d["name"])
        handlers[d["name"]] = (d, h)
        for s, sh in subs:
            names.add(s["name"])
            handlers[s["name"]] = (s, sh)
    return names, handlers


def _all_names():
    out = set()
    for d in COMMANDS:
        out.add(d["name"])
        for s in d.get("subcommands") or []:
            out.add(s["name"])
    return out


def test_every_command_is_implemented_or_listed_unsupported():
    implemented, _ = _implemented()
    missing = sorted(n for n in _all_names() - implemented if n not in UNSUPPORTED)
    assert not missing, "neither implemented nor in fastcache/unsupported.py: %s" % missing


def test_unsupported_list_has_no_implemented_or_unknown_command():
    implemented, _ = _implemented()
    stale = sorted(set(UNSUPPORTED) & implemented)
    unknown = sorted(set(UNSUPPORTED) - _all_names())
    assert not stale, "implemented but listed as unsupported: %s" % stale
    assert not unknown, "listed as unsupported but not a Redis 7.0 command: %s" % unknown


def test_no_data_command_is_served_by_a_python_handler():
    _, handlers = _implemented()
    offenders = sorted(name for name, (d, h) in handlers.items()
                       if d.get("group") in DATA_GROUPS and h is not None and not isinstance(h, str)
                       and name not in ADMIN_IN_DATA_GROUPS)
    assert not offenders, "data-path commands with Python handlers: %s" % offenders


def test_every_python_package_is_installed_by_pip_install():
    """`pip install .` (not only the editable install the tests use) must ship every
    package: a wheel built from the tree holds each package's __init__.py."""
    import glob
    import tempfile
    import zipfile
    with tempfile.TemporaryDirectory() as d:
        r = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                  "-w", d, "."])
        assert r.returncode == 0, r.stdout + r.stderr
        (whl,) = glob.glob(os.path.join(d, "fastcache-*.whl"))
        names = set(zipfile.ZipFile(whl).namelist())
    for init in glob.glob(os.path.join(ROOT, "fastcache", "**", "__init__.py"), recursive=True):
        rel = os.path.relpath(init, ROOT)
        assert rel in names, "%s is not in the wheel" % rel
