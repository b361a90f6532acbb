#!/usr/bin/env python3
"""What each layer costs per request, user and system time apart, side by side on loopback:

    nginx-return   nginx answering /hello itself (`return 200`): nginx's client side alone
    floor          TransportFloor: Kestrel's socket transport with a ConnectionHandler that answers every head
                   with fixed bytes, set up as the gateway's client side is: the mandated transport alone
    nginx-proxy    nginx proxying to the harness's upstream (the harness's proxy-nginx.conf)
    edgeproxy      the gateway proxying to the same upstream (bench/edgeproxy.toml)

    dotnet publish bench/TransportFloor -c Release -r linux-x64 -o /tmp/transport-floor
    nice -n -20 python3 bench/TransportFloor/run.py /tmp/transport-floor/TransportFloor out/edgeproxy/edgeproxy
    CONNS=16,128 REPS=3 DUR=4 ... (defaults)

CPU per request is the process's (and its workers') user and system time over the measured run (/proc), divided by
the requests wrk counted; the four targets are measured in turn, a warm-up and REPS repetitions, medians.
"""
import os, pathlib, statistics, sys, tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import benchlib as b  # noqa: E402

if len(sys.argv) != 3:
    sys.exit(__doc__)
floor_binary, gateway_binary = sys.argv[1], sys.argv[2]
conns = [int(c) for c in os.environ.get("CONNS", "16,128").split(",")]
reps = int(os.environ.get("REPS", "3"))
duration = int(os.environ.get("DUR", "4"))
tmp = pathlib.Path(tempfile.mkdtemp(prefix="edgeproxy-floor-"))
procs = b.Processes()
start = procs.start

RETURN_CONF = """worker_processes auto;
daemon off;
pid return.pid;
error_log stderr warn;
events { worker_connections 8192; }
http {
    access_log off;
    tcp_nodelay on;
    keepalive_timeout 300s;
    keepalive_requests 10000000;
    client_body_temp_path tmp/rb; proxy_temp_path tmp/rp; fastcgi_temp_path tmp/rf; uwsgi_temp_path tmp/ru; scgi_temp_path tmp/rs;
    server {
        listen 127.0.0.1:18096 backlog=4096 reuseport;
        location / { default_type text/plain; return 200 "Hello, World!"; }
    }
}
"""


try:
    start(b.upstream_dir(tmp))
    (tmp / "return.conf").write_text(RETURN_CONF)
    runs = {
        "nginx-return": (start(["nginx", "-e", "stderr", "-p", f"{tmp}/", "-c", str(tmp / "return.conf")]), 18096),
        # One engine thread, as the gateway gives the client side on 2 cores (half the cores).
        "floor": (start([floor_binary, "18095"], {"DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT": str(max(1, (os.cpu_count() + 1) // 2))}), 18095),
        "nginx-proxy": (start(b.proxy_nginx(tmp)), 18081),
        "edgeproxy": (start([gateway_binary, "--no-watch", "--config", str(b.ROOT / "bench/edgeproxy.toml")]), 18090),
    }
    for _, port in runs.values():
        b.wait_ok(f"http://127.0.0.1:{port}/hello")
    hz = os.sysconf("SC_CLK_TCK")
    print(f"{'cell':10s} {'target':13s} {'user µs/req':>11s} {'sys µs/req':>10s} {'total':>7s} {'req/s':>9s}")
    for c in conns:
        results = {name: [] for name in runs}
        for rep in range(reps + 1):  # rep 0 is a 1 s warm-up
            for name, (p, port) in runs.items():
                u0, s0 = b.tree_cpu_split(p.pid)
                rps, total, _ = b.wrk(f"http://127.0.0.1:{port}/hello", c, duration if rep else 1)
                u1, s1 = b.tree_cpu_split(p.pid)
                if rep:
                    results[name].append(((u1 - u0) / hz * 1e6 / total, (s1 - s0) / hz * 1e6 / total, rps))
        for name, values in results.items():
            user = statistics.median(v[0] for v in values)
            system = statistics.median(v[1] for v in values)
            rps = statistics.median(v[2] for v in values)
            print(f"hello c{c:<4d} {name:13s} {user:11.2f} {system:10.2f} {user + system:7.2f} {rps:9.0f}", flush=True)
finally:
    procs.stop_all()
