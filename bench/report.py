"""Terminal tables and PNG plots from a compare result (the same dict that goes to JSON)."""
from __future__ import annotations

from pathlib import Path


def _num(v: float | None, kind: str) -> str:
    if v is None:
        return "-"
    if kind == "rps":
        return f"{v / 1000:.1f}k" if v >= 1000 else f"{v:.0f}"
    if kind == "bytes":
        return f"{v:.1f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}" if abs(v) >= 0.1 else f"{v:.3f}"


# (metric key, column title, number kind, show min-max)
COLUMNS = {
    "commands": [("rps", "req/s median [min-max]", "rps", True), ("p50_ms", "p50 ms", "ms", False),
                 ("p99_ms", "p99 ms", "ms", False), ("cpu_us", "CPU us/req", "us", True)],
    "scaling": [("us_per_op", "us/op (client) [min-max]", "us", True),
                ("cpu_us", "server CPU us/op (pooled)", "us", False)],
    "memory": [("used_per_key", "used_memory B/key", "bytes", False),
               ("rss_per_key", "RSS B/key", "bytes", False)],
}
COLUMNS["mixed"] = COLUMNS["commands"]
COLUMNS["pubsub"] = [("rps", "PUBLISH/s median [min-max]", "rps", True),
                     ("delivered_per_s", "delivered msg/s", "rps", False),
                     ("cpu_us", "CPU us/PUBLISH", "us", True)]
COLUMNS["persist_aof"] = COLUMNS["commands"]
COLUMNS["persist_rdb"] = [("save_s", "SAVE s [min-max]", "s", True),
                          ("load_s", "load s (server log) [min-max]", "s", True),
                          ("start_s", "restart to PONG s", "s", False)]
COLUMNS["persist_bgsave"] = [("p99_ms", "p99 ms alone [min-max]", "ms", True),
                             ("p99_bgsave_ms", "p99 ms during BGSAVE [min-max]", "ms", True),
                             ("max_ms", "max ms alone", "ms", False),
                             ("max_bgsave_ms", "max ms during", "ms", False),
                             ("bgsave_s", "BGSAVE s", "s", False)]
TITLES = {
    "commands": "per-command workloads (50 clients, 64-byte values, -P 1 and -P 16)",
    "mixed": "mixed 1:10 SET:GET and many connections",
    "scaling": "sorted-set scaling: per-op cost of a pipelined batch at each size",
    "pubsub": "pub/sub fan-out: one publisher (PUBLISH pipelined), N subscribers, 64-byte messages",
    "memory": "memory growth per key (fresh server per shape)",
    "persist_aof": "AOF: SET -P 1, 50 clients, 64-byte values, appendonly yes (fresh servers)",
    "persist_rdb": "RDB: SAVE (client wall) and load (server's 'DB loaded from disk' line)",
    "persist_bgsave": "BGSAVE impact: SET:GET 1:10 p99 alone and with a BGSAVE running",
}
SECTION_ORDER = ("commands", "mixed", "scaling", "pubsub", "memory", "persist_aof", "persist_rdb",
                 "persist_bgsave")


def _cell(summary: dict, metric: str, kind: str, rng: bool) -> str:
    m = summary.get(metric)
    if not m:
        return "-"
    s = _num(m["median"], kind)
    if rng and m.get("n", 1) > 1:
        s += f" [{_num(m['min'], kind)}-{_num(m['max'], kind)}]"
    return s


def one_line(entry: dict, baseline: str, metric: str = "rps") -> str:
    """Progress line printed after each workload: median per server and the ratio."""
    parts = []
    for name, s in entry["servers"].items():
        if s.get("error"):
            parts.append(f"{name} n/a ({s['error'][:60]})")
            continue
        m = s.get("summary", {}).get(metric)
        kind = "rps" if metric == "rps" else "us"
        parts.append(f"{name} {_num(m['median'], kind) if m else '-'}")
    for name, r in entry.get("ratios", {}).items():
        if metric in r:
            parts.append(f"{name}/{baseline} {r[metric]:.2f}")
    return "  ".join(parts)


def render_section(key: str, entries: dict, baseline: str) -> str:
    cols = COLUMNS[key]
    header = ["workload", "server"]
    for _, title, _, _ in cols:
        header += [title, "x"]
    rows = [header]
    for wname, entry in entries.items():
        first = True
        for sname, s in entry["servers"].items():
            row = [wname if first else "", sname]
            first = False
            if s.get("error") and not s.get("rounds"):
                row.append(f"n/a ({s['error'][:70]})")
                row += [""] * (len(header) - 3)
                rows.append(row)
                continue
            summ = s.get("summary", {})
            ratio = entry.get("ratios", {}).get(sname, {})
            for metric, _, kind, rng in cols:
                row.append(_cell(summ, metric, kind, rng))
                if sname == baseline:
                    row.append("1.00" if metric in summ else "")
                else:
                    row.append(f"{ratio[metric]:.2f}" if metric in ratio else "")
            if s.get("error"):
                row[-1] += f"  (stopped: {s['error'][:50]})"
            rows.append(row)
    # an n/a row spans the metric columns: size the columns from the other rows only
    sized = [r for r in rows if not (len(r) > 2 and r[2].startswith("n/a"))]
    widths = [max(len(r[i]) for r in sized) for i in range(len(header))]
    lines = []
    for r in rows:
        cells = [c.ljust(widths[i]) if i < 2 or len(c) > widths[i] else c.rjust(widths[i])
                 for i, c in enumerate(r)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * max(len(x) for x in lines))
    return "\n".join(lines)


def render(result: dict) -> str:
    base = result["baseline"]
    m = result["machine"]
    out = [f"fastcache bench ({result['profile']['name']}, {result['profile']['rounds']} rounds, "
           f"{m['cores']} cores, {m.get('cpu_model') or '?'}; {m['tools'].get('redis-server')})",
           f"x = server / {base} (medians). req/s: higher is better; latency, CPU, "
           f"us/op and bytes: lower is better."]
    for key in SECTION_ORDER:
        if result["sections"].get(key):
            out += ["", f"== {TITLES[key]}", render_section(key, result["sections"][key], base)]
    return "\n".join(out)


def markdown_table(result: dict, key: str) -> str:
    """The same figures as a Markdown table (for the README's Performance section)."""
    base = result["baseline"]
    cols = COLUMNS[key]
    head = ["workload", "server"] + [c for _, t, _, _ in cols for c in (t, "x")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for wname, entry in result["sections"].get(key, {}).items():
        for sname, s in entry["servers"].items():
            row = [wname, sname]
            if s.get("error") and not s.get("rounds"):
                row += [f"n/a ({s['error'][:60]})"] + [""] * (len(head) - 3)
            else:
                ratio = entry.get("ratios", {}).get(sname, {})
                for metric, _, kind, rng in cols:
                    row.append(_cell(s.get("summary", {}), metric, kind, rng))
                    row.append("1.00" if sname == base and metric in s.get("summary", {})
                               else f"{ratio[metric]:.2f}" if metric in ratio else "")
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def plots(result: dict, stem: Path) -> list[Path]:
    """Throughput by workload, latency percentiles, scaling and memory, as PNGs next to the
    JSON. Only called when matplotlib imports."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    rb = {**result["sections"].get("commands", {}), **result["sections"].get("mixed", {})}
    servers = []
    for e in rb.values():
        for s in e["servers"]:
            if s not in servers:
                servers.append(s)

    def med(entry, srv, metric):
        m = entry["servers"].get(srv, {}).get("summary", {}).get(metric)
        return m["median"] if m else 0.0

    def grouped(ax, names, metric, scale=1.0):
        width = 0.8 / max(1, len(servers))
        for k, srv in enumerate(servers):
            ys = [med(rb[n], srv, metric) * scale for n in names]
            ax.bar([i + k * width for i in range(len(names))], ys, width, label=srv)
        ax.set_xticks([i + width * (len(servers) - 1) / 2 for i in range(len(names))])
        ax.set_xticklabels(names, rotation=45, ha="right", fontsize=8)
        ax.legend(fontsize=8)

    if rb:
        names = list(rb)
        fig, ax = plt.subplots(figsize=(max(8, len(names) * 0.6), 4.5))
        grouped(ax, names, "rps", 1e-3)
        ax.set_ylabel("thousand requests/s (median)")
        ax.set_title("throughput by workload (higher is better)")
        fig.tight_layout()
        p = Path(f"{stem}-throughput.png")
        fig.savefig(p, dpi=110)
        plt.close(fig)
        made.append(p)

        fig, axes = plt.subplots(3, 1, figsize=(max(8, len(names) * 0.6), 10), sharex=True)
        for ax, (metric, label) in zip(axes, [("p50_ms", "p50 latency ms"),
                                              ("p99_ms", "p99 latency ms"),
                                              ("cpu_us", "server CPU us/request")]):
            grouped(ax, names, metric)
            ax.set_ylabel(label)
        axes[0].set_title("latency percentiles and server CPU (lower is better)")
        fig.tight_layout()
        p = Path(f"{stem}-latency.png")
        fig.savefig(p, dpi=110)
        plt.close(fig)
        made.append(p)

    sc = result["sections"].get("scaling", {})
    if sc:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for op in ("zadd", "zrank", "zrange"):
            for srv in servers or list(next(iter(sc.values()))["servers"]):
                xs, ys = [], []
                for e in sc.values():
                    if e["params"]["op"] == op:
                        m = e["servers"].get(srv, {}).get("summary", {}).get("cpu_us")
                        if m:
                            xs.append(e["params"]["members"])
                            ys.append(m["median"])
                if xs:
                    ax.plot(xs, ys, marker="o", label=f"{op} {srv}")
        ax.set_xscale("log")
        ax.set_xlabel("sorted-set members")
        ax.set_ylabel("server CPU us/op (median)")
        ax.set_title("ZADD / ZRANK / ZRANGE cost vs size (O(log N) expected)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        p = Path(f"{stem}-scaling.png")
        fig.savefig(p, dpi=110)
        plt.close(fig)
        made.append(p)
    return made
