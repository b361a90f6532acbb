#!/usr/bin/env python3
"""Side-by-side cost of the access policies: wrk against /open/... (no policy), /keyed/... (API key + one rate
limit) and /full/... (API key, two limits, two quotas) through one AOT gateway in front of one nginx upstream,
interleaved repetitions, medians. Loopback only.

usage: bench/policy-cost/run.py [--binary out/edgeproxy/edgeproxy] [--reps 5] [--duration 4] [--out bench/policy-cost/RESULTS.md]
"""
import argparse, hashlib, os, pathlib, re, shutil, signal, statistics, subprocess, sys, tempfile, time, urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
KEY = "epk_bench_policy_cost_key"
LITE = "epk_bench_policy_cost_lite"
VARIANTS = (("open", None), ("keyed", LITE), ("full", KEY))


def cpu_ticks(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_ok(url, headers=None, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            req = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(req, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.1)
    sys.exit(f"{url} did not answer 200 within {seconds} s")


def wrk(url, connections, duration, key):
    args = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if key:
        args[1:1] = ["-H", f"X-Api-Key: {key}"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        sys.exit(f"{url}: {non2xx.group(1)} non-2xx responses")
    return rps, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / "out/edgeproxy/edgeproxy"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--duration", type=int, default=4)
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    a = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="edgeproxy-policy-cost-"))
    os.chmod(tmp, 0o755)  # nginx workers may run as 'nobody' and must read www/
    (tmp / "www").mkdir()
    (tmp / "tmp").mkdir()
    (tmp / "www" / "16k").write_bytes(os.urandom(16384))
    conf = (ROOT.parent / "shared/bench/conf/upstream-nginx.conf").read_text()
    (tmp / "up.conf").write_text(conf.replace("@@UPSTREAM_WORKERS@@", "1").replace("@@UPSTREAM_PORT@@", "18080"))
    gw = tmp / "config"
    gw.mkdir()
    sha = hashlib.sha256(KEY.encode()).hexdigest()
    (gw / "edgeproxy.toml").write_text((HERE / "edgeproxy-policies.toml").read_text().replace("@@SHA@@", sha)
                                        .replace("@@SHA_LITE@@", hashlib.sha256(LITE.encode()).hexdigest()))
    procs = []
    try:
        procs.append(subprocess.Popen(["nginx", "-e", "stderr", "-p", f"{tmp}/", "-c", str(tmp / "up.conf")], stderr=subprocess.DEVNULL))
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
                wrk(f"http://127.0.0.1:18096/{variant}/{payload}", conns, 1, key)  # warm-up
            for rep in range(a.reps):
                for variant, key in VARIANTS:
                    before = cpu_ticks(gateway.pid)
                    rps, total = wrk(f"http://127.0.0.1:18096/{variant}/{payload}", conns, a.duration, key)
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
