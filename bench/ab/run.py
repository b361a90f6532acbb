#!/usr/bin/env python3
"""A/B of gateway builds beside nginx, on loopback: CPU per request, req/s and p99, interleaved runs.

    python3 bench/ab/run.py old=/tmp/edgeproxy-old new=out/edgeproxy/edgeproxy
    PATHS=/hello,/1m CONNS=16,128 REPS=5 DUR=4 python3 bench/ab/run.py ...

Upstream: the shared harness's nginx (127.0.0.1:18080: /hello, /16k, /1m); nginx proxy on 18081 (the harness's
proxy-nginx.conf); each build on 18090 + 2i with bench/edgeproxy.toml. Prefix with `nice -n -20` on a shared box.
CPU per request is the proxy's user+system time over the measured run (/proc), divided by the requests wrk counted.
"""
import os, pathlib, statistics, sys, tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import benchlib as b  # noqa: E402

targets = [a.split("=", 1) for a in sys.argv[1:] if "=" in a]
if not targets:
    sys.exit(__doc__)
paths = os.environ.get("PATHS", "/hello").split(",")
conns = [int(c) for c in os.environ.get("CONNS", "16").split(",")]
reps = int(os.environ.get("REPS", "3"))
duration = int(os.environ.get("DUR", "4"))
tmp = pathlib.Path(tempfile.mkdtemp(prefix="edgeproxy-ab-"))
procs = b.Processes()
start = procs.start

try:
    start(b.upstream_dir(tmp))
    runs = {"nginx": (start(b.proxy_nginx(tmp)), 18081)}
    toml = (b.ROOT / "bench/edgeproxy.toml").read_text()
    for i, (name, binary) in enumerate(targets):
        port = 18090 + 2 * i
        config = tmp / f"{name}.toml"
        config.write_text(toml.replace("18090", str(port)).replace("18091", str(port + 1)))
        runs[name] = (start([binary, "--no-watch", "--config", str(config)]), port)
    for _, port in runs.values():
        b.wait_ok(f"http://127.0.0.1:{port}/hello")
    for path in paths:
        for c in conns:
            results = {name: [] for name in runs}
            for rep in range(reps + 1):  # rep 0 is a 1 s warm-up
                for name, (p, port) in runs.items():
                    before = b.tree_cpu_ticks(p.pid)
                    rps, total, p99 = b.wrk(f"http://127.0.0.1:{port}{path}", c, duration if rep else 1)
                    ticks = b.tree_cpu_ticks(p.pid) - before
                    if rep:
                        results[name].append((ticks / os.sysconf("SC_CLK_TCK") * 1e6 / total, rps, p99))
            for name, values in results.items():
                cpu = statistics.median(v[0] for v in values)
                print(f"{path:7s} c{c:<4d} {name:12s} cpu/req {cpu:8.2f} µs  req/s {statistics.median(v[1] for v in values):9.0f}"
                      f"  p99 {statistics.median(v[2] for v in values):7.2f} ms  each {[round(v[0], 1) for v in values]}", flush=True)
finally:
    procs.stop_all()
