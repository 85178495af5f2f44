"""``python -m bench readme RESULT.json``: put a run's tables into README.md.

Replaces the text between ``<!-- bench:begin -->`` and ``<!-- bench:end -->`` in
the top-level README with the run's machine line and Markdown tables, and copies
its PNG plots to ``bench/plots/`` (committed, so the README can show them).
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from .report import markdown_table

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
SECTIONS = (("commands", "Per-command workloads (50 clients, 64-byte values)"),
            ("mixed", "Mixed 1:10 SET:GET over 1M keys, and 1,000 connections"),
            ("pubsub", "Pub/sub fan-out (one publisher, 50 subscribers, 64-byte messages)"),
            ("scaling", "Sorted-set scaling (cost per operation as the set grows)"),
            ("memory", "Memory growth per key (RSS and used_memory)"),
            ("persist_aof", "AOF throughput (SET -P 1, 50 clients, appendfsync always / everysec)"),
            ("persist_rdb", "SAVE and load time (key:<n>, 32-byte values; load as the server logs it)"),
            ("persist_bgsave", "p99 of SET:GET 1:10 alone and while a BGSAVE runs"))


def render(result: dict, json_name: str) -> str:
    m = result.get("machine", {})
    versions = "; ".join(f"{s['name']} (redis_version {s.get('redis_version')}"
                         + (f", fastcache {s['fastcache_version']}" if s.get("fastcache_version") else "") + ")"
                         for s in result.get("servers", []))
    profile = result.get('profile')
    profile = profile.get('name') if isinstance(profile, dict) else profile
    lines = [f"Run `{profile}` of {result.get('started', '?')} at commit {m.get('git', '?')}, "
             f"{m.get('cores', '?')} cores ({m.get('cpu_model', '?')}): {versions}. "
             f"Ratios `x` are fastcache / redis on the medians; raw figures in `{json_name}` "
             f"(bench/results/, not committed).", ""]
    for key, title in SECTIONS:
        if key in result.get("sections", {}):
            lines += [f"**{title}**", "", markdown_table(result, key), ""]
    lines += ["![throughput](bench/plots/throughput.png)", "", "![latency](bench/plots/latency.png)", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bench readme RESULT.json", file=sys.stderr)
        return 2
    path = Path(argv[0])
    result = json.loads(path.read_text())
    plots = ROOT / "bench" / "plots"
    plots.mkdir(exist_ok=True)
    for kind in ("throughput", "latency", "scaling"):
        src = path.with_name(path.stem + f"-{kind}.png")
        if src.exists():
            shutil.copyfile(src, plots / f"{kind}.png")
    readme = ROOT / "README.md"
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        print(f"README.md has no {BEGIN} ... {END} markers", file=sys.stderr)
        return 1
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(head + BEGIN + "\n" + render(result, path.name) + END + tail)
    print(f"README.md updated from {path}")
    return 0
