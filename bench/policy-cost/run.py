#!/usr/bin/env python3
"""Side-by-side cost of the access policies: wrk against /open/... (no policy), /keyed/... (API key + one rate
limit) and /full/... (API key, two limits, two quotas) through one AOT gateway in front of one nginx upstream,
interleaved repetitions, medians. Loopback only.

usage: bench/policy-cost/run.py [--binary out/edgeproxy/edgeproxy] [--reps 5] [--duration 4] [--out bench/policy-cost/RESULTS.md]
"""
import argparse, hashlib, os, pathlib, shutil, signal, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from benchlib import cpu_ticks, upstream_dir, wait_ok, wrk  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
KEY = "epk_bench_policy_cost_key"
LITE = "epk_bench_policy_cost_lite"
VARIANTS = (("open", None), ("keyed", LITE), ("full", KEY))


def headers(key):
    return [f"X-Api-Key: {key}"] if key else []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / "out/edgeproxy/edgeproxy"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--duration", type=int, default=4)
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    a = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="edgeproxy-policy-cost-"))
    upstream = upstream_dir(tmp)
    gw = tmp / "config"
    gw.mkdir()
    sha = hashlib.sha256(KEY.encode()).hexdigest()
    (gw / "edgeproxy.toml").write_text((HERE / "edgeproxy-policies.toml").read_text().replace("@@SHA@@", sha)
                                        .replace("@@SHA_LITE@@", hashlib.sha256(LITE.encode()).hexdigest()))
    procs = []
    try:
        procs.append(subprocess.Popen(upstream, stderr=subprocess.DEVNULL))
        gateway = subprocess.Popen([a.binary, "--config", str(gw), "--no-watch"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(gateway)
        wait_ok("http://127.0.0.1:18096/open/hello")
        wait_ok("http://127.0.0.1:18096/keyed/hello", {"X-Api-Key": LITE})
        wait_ok("http://127.0.0.1:18096/full/hello", {"X-Api-Key": KEY})
        hz = os.sysconf("SC_CLK_TCK")
        results = {}
        cells = [(p, c) for p in ("hello", "16k") for c in (16, 128)]
        for payload, conns in cells:
            for variant, key in VARIANTS:
                wrk(f"http://127.0.0.1:18096/{variant}/{payload}", conns, 1, headers(key))  # warm-up
            for rep in range(a.reps):
                for variant, key in VARIANTS:
                    before = cpu_ticks(gateway.pid)
                    rps, total, _ = wrk(f"http://127.0.0.1:18096/{variant}/{payload}", conns, a.duration, headers(key))
                    cpu_us = (cpu_ticks(gateway.pid) - before) / hz * 1e6 / total
                    results.setdefault((payload, conns, variant), []).append((rps, cpu_us))
                    print(f"{payload:>5} c={conns:<3} rep {rep + 1}/{a.reps} {variant:>5}: {rps:>10,.0f} req/s  {cpu_us:6.1f} us/req", flush=True)
        lines = ["| cell | open req/s | keyed req/s (× open) | full req/s (× open) | open CPU µs/req | keyed extra µs/req | full extra µs/req |",
                 "|---|---:|---:|---:|---:|---:|---:|"]
        for payload, conns in cells:
            med = {v: (statistics.median(r for r, _ in results[(payload, conns, v)]), statistics.median(c for _, c in results[(payload, conns, v)]))
                   for v, _ in VARIANTS}
            (orps, ocpu), (krps, kcpu), (frps, fcpu) = med["open"], med["keyed"], med["full"]
            lines.append(f"| {payload} c={conns} | {orps:,.0f} | {krps:,.0f} ({krps / orps:.3f}) | {frps:,.0f} ({frps / orps:.3f}) | {ocpu:.1f} | {kcpu - ocpu:+.1f} | {fcpu - ocpu:+.1f} |")
        table = "\n".join(lines)
        print(table)
        pathlib.Path(a.out).write_text(
            "# Cost of the access policies, end to end\n\n"
            f"`bench/policy-cost/run.py --reps {a.reps} --duration {a.duration}` on {os.cpu_count()} cores, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: wrk (1 thread) through the NativeAOT gateway to one nginx "
            "upstream on loopback, `/open/*` (no policy), `/keyed/*` (API key and one rate limit) and `/full/*` (API key, "
            "per-address route limit, plan limit, day and month quotas; none binding) interleaved, medians of the repetitions. CPU is the gateway's user+system time per request.\n\n"
            + table + "\n")
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
