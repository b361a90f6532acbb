#!/usr/bin/env python3
"""Cache hits end to end: the AOT gateway with a route cache against nginx's proxy_cache, same upstream, same payloads
(13 B, 16 KiB, 1 MiB), wrk on loopback, interleaved repetitions, medians. Both caches are filled first and checked to
answer from the cache (X-Cache: HIT), so every measured request is a hit. CPU is each proxy's user+system time per
request (nginx: master + workers).

usage: bench/cache-vs-nginx/run.py [--binary out/edgeproxy/edgeproxy] [--reps 3] [--duration 4] [--out bench/cache-vs-nginx/RESULTS.md]
"""
import argparse, os, pathlib, shutil, signal, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from benchlib import ROOT, cpu_ticks, tree_cpu_ticks, upstream_dir, wait_ok, wrk  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
TARGETS = (("nginx proxy_cache", 18097), ("edgeproxy cache", 18098))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / "out/edgeproxy/edgeproxy"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--duration", type=int, default=4)
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    a = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="edgeproxy-cache-bench-"))
    procs = []
    try:
        procs.append(subprocess.Popen(upstream_dir(tmp), stderr=subprocess.DEVNULL))
        (tmp / "cache.conf").write_text((HERE / "nginx-cache.conf").read_text().replace("@@PORT@@", "18097"))
        nginx = subprocess.Popen(["nginx", "-e", "stderr", "-p", f"{tmp}/", "-c", str(tmp / "cache.conf")], stderr=subprocess.DEVNULL)
        procs.append(nginx)
        gateway = subprocess.Popen([a.binary, "--config", str(HERE / "edgeproxy-cache.toml"), "--no-watch"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(gateway)
        payloads = ("hello", "16k", "1m")
        for _, port in TARGETS:
            for payload in payloads:
                wait_ok(f"http://127.0.0.1:{port}/{payload}")
                headers = wait_ok(f"http://127.0.0.1:{port}/{payload}")
                if headers.get("X-Cache") != "HIT":
                    sys.exit(f"port {port} /{payload}: second request was not a cache hit (X-Cache: {headers.get('X-Cache')})")
        hz = os.sysconf("SC_CLK_TCK")
        cpu = {18097: lambda: tree_cpu_ticks(nginx.pid), 18098: lambda: cpu_ticks(gateway.pid)}
        cells = [(p, c) for p in payloads for c in (16, 128)]
        results = {}
        for payload, conns in cells:
            for _, port in TARGETS:
                wrk(f"http://127.0.0.1:{port}/{payload}", conns, 1)  # warm-up
            for rep in range(a.reps):
                for name, port in TARGETS:
                    before = cpu[port]()
                    rps, total, p99 = wrk(f"http://127.0.0.1:{port}/{payload}", conns, a.duration)
                    cpu_us = (cpu[port]() - before) / hz * 1e6 / total
                    results.setdefault((payload, conns, port), []).append((rps, cpu_us, p99))
                    print(f"{payload:>5} c={conns:<3} rep {rep + 1}/{a.reps} {name:>17}: {rps:>10,.0f} req/s  {cpu_us:7.1f} us/req  p99 {p99:.2f} ms", flush=True)
        lines = ["| cell | nginx req/s | edgeproxy req/s (× nginx) | nginx CPU µs/req | edgeproxy CPU µs/req | nginx p99 ms | edgeproxy p99 ms |",
                 "|---|---:|---:|---:|---:|---:|---:|"]
        for payload, conns in cells:
            n = [statistics.median(x[i] for x in results[(payload, conns, 18097)]) for i in range(3)]
            e = [statistics.median(x[i] for x in results[(payload, conns, 18098)]) for i in range(3)]
            lines.append(f"| {payload} c={conns} | {n[0]:,.0f} | {e[0]:,.0f} ({e[0] / n[0]:.2f}) | {n[1]:.1f} | {e[1]:.1f} | {n[2]:.2f} | {e[2]:.2f} |")
        table = "\n".join(lines)
        print(table)
        pathlib.Path(a.out).write_text(
            "# Cache hits end to end: edgeproxy vs nginx proxy_cache\n\n"
            f"`bench/cache-vs-nginx/run.py --reps {a.reps} --duration {a.duration}` on {os.cpu_count()} cores, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: wrk (1 thread) on loopback against nginx with "
            "`proxy_cache` (nginx-cache.conf, workers auto) and the NativeAOT gateway with a route cache "
            "(edgeproxy-cache.toml), both in front of the same nginx upstream, every measured request a hit; "
            "interleaved repetitions, medians. wrk, both proxies and the upstream share the cores.\n\n" + table + "\n")
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
