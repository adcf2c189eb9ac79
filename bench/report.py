#!/usr/bin/env python3
"""Turns the JSON results of bench/compare.sh into docs/benchmarks.md and a PNG plot.

Each results file is the `--json-out` of one userpools-bench run (one server, one pool size,
every scenario). The Markdown has one table per pool size (ops/s and p99 per server), the
ratios of userpools to each peer, per-operation server CPU and peak RSS, what each peer could
not do, the environment and the commands.
"""
import argparse
import glob
import json
import os
import platform
import re
import subprocess

SERVERS = ["userpools", "moto", "cognito-local", "ministack"]
SCENARIOS = [
    ("admin-set-user-password", "AdminSetUserPassword (permanent)"),
    ("temporary-cycle", "Temporary cycle (3 requests)"),
    ("user-password-auth", "USER_PASSWORD_AUTH sign-in"),
    ("srp-auth", "SRP sign-in (2 requests)"),
    ("admin-get-user", "AdminGetUser"),
]


def load(results_dir):
    cells = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        with open(path) as f:
            for r in json.load(f):
                cells[(r["label"], r["users"], r["scenario"])] = r
    return cells


def fmt_rate(r):
    if r is None:
        return "–"
    if r.get("unsupported"):
        return "n/a"
    errors = sum(r["errors"].values())
    total = r["ops"] + errors
    if total == 0:
        return "0 (none done)"
    text = f"{r['ops_per_s']:,.0f}" if r["ops_per_s"] >= 10 else f"{r['ops_per_s']:.1f}"
    if total and errors / total > 0.01:
        text += f" ({100 * errors / total:.0f}% err)"
    return text


def fmt_ms(v):
    return f"{v:,.0f}" if v >= 100 else (f"{v:.1f}" if v >= 1 else f"{v:.2f}")


def short_reason(r):
    why = r.get("unsupported") or ""
    for marker in ("not seeded", "Unsupported", "unsupported feature"):
        if marker in why:
            return why
    return why[:160]


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return cpu, os.cpu_count(), platform.release(), rev


def usable(r):
    return r is not None and not r.get("unsupported") and r["ops"] > 0


def fixed_rate_section(w, cells, sizes, rate):
    rows = [(n, cells.get(("userpools-fixed-rate", n, "admin-set-user-password"))) for n in sizes]
    rows = [(n, r) for n, r in rows if usable(r)]
    if not rows:
        return
    base = rows[0][1]["latency_ms"]
    w(f"\n## Pool size at the same load: AdminSetUserPassword, open loop at {rate} req/s\n")
    w("Closed-loop latency is mostly queueing (64 requests in flight ÷ throughput), so it says "
      "little about what one request costs as the pool grows. Here every pool size gets the "
      "same offered load, latencies counted from when each request was due.\n")
    w(f"| users | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | p99 ÷ p99 at {rows[0][0]:,} | server µs/op | peak RSS MB |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, r in rows:
        lat = r["latency_ms"]
        srv = r.get("server") or {}
        w(f"| {n:,} | {r['ops_per_s']:,.0f} | {fmt_ms(lat['p50'])} | {fmt_ms(lat['p90'])} | "
          f"{fmt_ms(lat['p99'])} | {fmt_ms(lat['p999'])} | {lat['p99'] / max(base['p99'], 1e-9):.2f}× | "
          f"{srv.get('cpu_us_per_op', 0):,.0f} | {srv.get('peak_rss_mb', 0):.0f} |")


def micro_us(path, name):
    """The middle estimate of a criterion benchmark in the summary, in µs."""
    if not path or not os.path.exists(path):
        return None
    with open(path) as f:
        for line in f:
            if line.startswith(name):
                m = re.search(r"([0-9.]+) (ns|µs|us|ms)\s*$", line)
                if m:
                    return float(m.group(1)) * {"ns": 1e-3, "µs": 1, "us": 1, "ms": 1e3}[m.group(2)]
    return None


def targets_section(w, cells, sizes, cores, micro):
    """Issue 6's targets, each with what this run measured."""
    small, large = (sizes[0], sizes[-1]) if sizes else (None, None)
    asp = cells.get(("userpools", small, "admin-set-user-password"))
    rows = []

    def add(target, measured, met):
        rows.append((target, measured, "yes" if met else ("no" if met is not None else "–")))

    if usable(asp):
        add("AdminSetUserPassword ≥ 8,000 req/s (durable)", f"{asp['ops_per_s']:,.0f} req/s at {small:,} users",
            asp["ops_per_s"] >= 8000)
        ratios = []
        for peer in ("moto", "cognito-local", "ministack"):
            r = cells.get((peer, small, "admin-set-user-password"))
            if usable(r):
                ratios.append(f"{peer} {asp['ops_per_s'] / r['ops_per_s']:.1f}×")
        if ratios:
            worst = min(float(x.split()[-1][:-1]) for x in ratios)
            add("AdminSetUserPassword ≥ 10× every peer", ", ".join(ratios), worst >= 10)
        verifier = micro_us(micro, "srp/compute_verifier")
        if verifier:
            floor = cores * 1e6 / verifier
            add("AdminSetUserPassword ≥ 70% of the verifier floor",
                f"{asp['ops_per_s']:,.0f} ÷ ({cores} cores × 1 / {verifier:.0f} µs = {floor:,.0f}/s) = "
                f"{100 * asp['ops_per_s'] / floor:.0f}%", asp["ops_per_s"] >= 0.7 * floor)
    big = cells.get(("userpools", large, "admin-set-user-password"))
    if usable(asp) and usable(big) and large != small:
        ratio = big["latency_ms"]["p99"] / asp["latency_ms"]["p99"]
        text = f"closed loop: {fmt_ms(big['latency_ms']['p99'])} ÷ {fmt_ms(asp['latency_ms']['p99'])} ms = {ratio:.2f}×"
        fa = cells.get(("userpools-fixed-rate", small, "admin-set-user-password"))
        fb = cells.get(("userpools-fixed-rate", large, "admin-set-user-password"))
        met = ratio <= 1.5
        if usable(fa) and usable(fb):
            fixed = fb["latency_ms"]["p99"] / fa["latency_ms"]["p99"]
            text += f"; same load: {fmt_ms(fb['latency_ms']['p99'])} ÷ {fmt_ms(fa['latency_ms']['p99'])} ms = {fixed:.2f}×"
            met = fixed <= 1.5
        add(f"p99 at {large:,} users within 1.5× of p99 at {small:,}", text, met)
    get = cells.get(("userpools", small, "admin-get-user"))
    if usable(get):
        add("AdminGetUser ≥ 20,000 req/s", f"{get['ops_per_s']:,.0f} req/s", get["ops_per_s"] >= 20000)
    srp = cells.get(("userpools", small, "srp-auth"))
    if usable(srp):
        per_core = srp["ops_per_s"] / cores
        text = f"{srp['ops_per_s']:,.0f}/s end to end = {per_core:,.0f}/s per core, load tool's SRP client on the same cores"
        met = per_core >= 150
        if srp.get("server"):
            server_rate = 1e6 / srp["server"]["cpu_us_per_op"]
            text += f"; server: {server_rate:,.0f} sign-ins per core-second of its CPU"
            met = server_rate >= 150
        add("SRP sign-in ≥ 150/s per core (server CPU)", text, met)
    if large and large >= 1_000_000:
        peaks = [r["server"]["peak_rss_mb"] for (s, n, _), r in cells.items()
                 if s.startswith("userpools") and n == large and r.get("server")]
        if peaks:
            add(f"peak RSS ≤ 200 MB with {large:,} users", f"{max(peaks):.0f} MB", max(peaks) <= 200)
    if rows:
        w("\n## Issue 6's targets in this run\n")
        w("| target | measured | met |")
        w("|---|---|---|")
        for target, measured, met in rows:
            w(f"| {target} | {measured} | {met} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--plot", required=True)
    ap.add_argument("--elapsed", default="?")
    ap.add_argument("--command", default="bench/compare.sh")
    ap.add_argument("--concurrency", default="64")
    ap.add_argument("--duration", default="8")
    ap.add_argument("--versions", default="")
    ap.add_argument("--micro", default="")
    ap.add_argument("--fixed-rate", default="1000")
    ap.add_argument("--rev", default="",
                    help="the commit the measured binaries were built from (default: HEAD now)")
    ap.add_argument("--notes", default=os.path.join(os.path.dirname(__file__), "notes.md"))
    args = ap.parse_args()

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.plot)), exist_ok=True)
    cells = load(args.results)
    sizes = sorted({k[1] for k in cells})
    servers = [s for s in SERVERS if any(k[0] == s for k in cells)]
    cpu, cores, kernel, rev = machine()
    rev = args.rev or rev

    out = []
    w = out.append
    w("# Benchmarks: userpools beside moto, cognito-local and ministack\n")
    w(f"Generated by `{args.command}` (run time {args.elapsed} s) from the results in "
      "`target/bench-compare/results/`. Every server ran on the same machine as the load tool, "
      "on loopback, one at a time, and got the same SigV4-signed requests from "
      f"`userpools-bench` ({args.concurrency} connections, closed loop, {args.duration} s "
      "measured per cell after a warm-up). Throughput counts successful operations; latencies "
      "are per operation (a temporary cycle is three requests, an SRP sign-in two). "
      "userpools writes are durable (SQLite WAL, `synchronous=FULL`: a 200 means fsynced).\n")
    w("")
    w(f"**Environment:** {cpu}, {cores} cores (shared with other work: figures are noisy, "
      f"compare ratios), Linux {kernel}; userpools at `{rev}`; peers: {args.versions}.\n")

    for size in sizes:
        w(f"\n## {size:,} users\n")
        header = "| scenario | " + " | ".join(f"{s} ops/s | p99 ms" for s in servers) + " |"
        w(header)
        w("|---|" + "---:|---:|" * len(servers))
        for key, title in SCENARIOS:
            row = [title]
            for s in servers:
                r = cells.get((s, size, key))
                row.append(fmt_rate(r))
                row.append(fmt_ms(r["latency_ms"]["p99"]) if r and not r.get("unsupported") and r["ops"] else "–")
            w("| " + " | ".join(row) + " |")
        # ratios
        peers = [s for s in servers if s != "userpools"]
        if "userpools" in servers and peers:
            w("\nuserpools throughput ÷ peer throughput (and peer p99 ÷ userpools p99):\n")
            w("| scenario | " + " | ".join(peers) + " |")
            w("|---|" + "---:|" * len(peers))
            for key, title in SCENARIOS:
                u = cells.get(("userpools", size, key))
                row = [title]
                for p in peers:
                    r = cells.get((p, size, key))
                    if not u or u.get("unsupported") or not u["ops"]:
                        row.append("–")
                    elif not r or r.get("unsupported") or not r["ops"]:
                        row.append("peer n/a")
                    else:
                        row.append(f"{u['ops_per_s'] / r['ops_per_s']:.1f}× ({r['latency_ms']['p99'] / max(u['latency_ms']['p99'], 1e-9):.1f}×)")
                w("| " + " | ".join(row) + " |")
        # server cost
        w("\nServer CPU per operation (µs, all threads) and peak RSS (MB):\n")
        w("| scenario | " + " | ".join(servers) + " |")
        w("|---|" + "---:|" * len(servers))
        for key, title in SCENARIOS:
            row = [title]
            for s in servers:
                r = cells.get((s, size, key))
                if r and r.get("server") and r["ops"]:
                    row.append(f"{r['server']['cpu_us_per_op']:,.0f} µs, {r['server']['peak_rss_mb']:.0f} MB")
                else:
                    row.append("–")
            w("| " + " | ".join(row) + " |")

    fixed_rate_section(w, cells, sizes, args.fixed_rate)
    targets_section(w, cells, sizes, cores, args.micro)

    # what peers cannot do
    w("\n## What each server could not do\n")
    seen = False
    for (s, size, key), r in sorted(cells.items()):
        if s not in SERVERS:
            continue
        notes = []
        if r.get("unsupported"):
            notes.append(short_reason(r))
        if r.get("probe") and r["probe"] != "ok":
            notes.append(f"correctness probe: {r['probe']}")
        if r.get("errors") and not r.get("unsupported"):
            notes.append("errors: " + ", ".join(f"{k} ×{v}" for k, v in r["errors"].items()))
        if notes:
            seen = True
            w(f"- **{s}**, {key}, {size:,} users: " + "; ".join(notes))
    if not seen:
        w("Every server ran every scenario.")
    w("\nThe probes send what a correct server must refuse (a password that violates the policy, a "
      "wrong password in each sign-in flow, an unknown user) and report anything other than the "
      "real service's error.")

    # plot
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, len(SCENARIOS), figsize=(4 * len(SCENARIOS), 7), squeeze=False)
        for col, (key, title) in enumerate(SCENARIOS):
            for s in servers:
                xs, tput, p99 = [], [], []
                for size in sizes:
                    r = cells.get((s, size, key))
                    if r and not r.get("unsupported") and r["ops"]:
                        xs.append(size)
                        tput.append(r["ops_per_s"])
                        p99.append(r["latency_ms"]["p99"])
                if xs:
                    # One colour per server in every panel (a panel where a peer has
                    # no point must not shift the others' colours).
                    colour = f"C{SERVERS.index(s)}"
                    axes[0][col].plot(xs, tput, marker="o", label=s, color=colour)
                    axes[1][col].plot(xs, p99, marker="o", label=s, color=colour)
            axes[0][col].set_title(title, fontsize=9)
            for row, label in ((0, "ops/s"), (1, "p99 ms")):
                ax = axes[row][col]
                ax.set_xscale("log")
                ax.set_yscale("log")
                ax.set_xlabel("users in pool")
                ax.set_ylabel(label)
                ax.grid(True, which="both", alpha=0.3)
        axes[0][0].legend(fontsize=8)
        fig.suptitle("Throughput and p99 latency against pool size (log-log)")
        fig.tight_layout()
        fig.savefig(args.plot, dpi=90)
        w(f"\n![throughput and p99 against pool size]({os.path.basename(args.plot)})\n")
    except ImportError:
        w("\n(matplotlib not available: no plot)\n")

    if args.notes and os.path.exists(args.notes):
        with open(args.notes) as f:
            w("\n" + f.read())
    if args.micro and os.path.exists(args.micro):
        with open(args.micro) as f:
            w("\n## Microbenchmarks (latest `cargo bench` summary)\n\n```\n" + f.read().strip() + "\n```\n")

    w("\n## Commands\n")
    w("```sh\n" + args.command + "\n"
      "# one cell by hand, against any endpoint:\n"
      "target/release/userpools-bench --endpoint http://127.0.0.1:9229 --scenario all --users 1000 \\\n"
      "    --concurrency 64 --duration 10 [--rate 5000] [--server-pid PID] [--json-out r.json]\n"
      "# or let it start userpools itself (temporary data dir; reports server CPU and peak RSS):\n"
      "target/release/userpools-bench --spawn-server target/release/userpools --users 100000 --seed bulk\n"
      "```\n")
    with open(args.out, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
