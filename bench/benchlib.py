"""Shared pieces of the Python bench runners (ab, TransportFloor, policy-cost, cache-vs-nginx): loopback only, bounded in time."""
import os, pathlib, re, signal, subprocess, sys, time, urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED_CONF = ROOT.parent / "shared/bench/conf"


def cpu_split(pid):
    """(utime, stime) of one process, in clock ticks."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def cpu_ticks(pid):
    """utime + stime of one process, in clock ticks."""
    return sum(cpu_split(pid))


def tree_cpu_split(pid):
    """(utime, stime) of a process and its direct children (nginx: master + workers), in clock ticks."""
    user, system = cpu_split(pid)
    children = pathlib.Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            try:
                u, s = cpu_split(int(child))
                user, system = user + u, system + s
            except FileNotFoundError:
                pass
    return user, system


def tree_cpu_ticks(pid):
    """CPU ticks of a process and its direct children (nginx: master + workers)."""
    return sum(tree_cpu_split(pid))


def wait_ok(url, headers=None, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            req = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(req, timeout=10) as r:
                r.read()  # the whole body: a cache only stores a response that was delivered in full
                if r.status == 200:
                    return r.headers
        except Exception:
            time.sleep(0.1)
    sys.exit(f"{url} did not answer 200 within {seconds} s")


def wrk(url, connections, duration, headers=()):
    """One wrk run (1 thread); returns (req/s, requests, p99 ms). Exits on any non-2xx answer."""
    args = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=duration + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        sys.exit(f"{url}: {non2xx.group(1)} non-2xx responses")
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return rps, total, float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")


def upstream_dir(tmp, port=18080):
    """A prefix directory for the harness's nginx upstream (127.0.0.1:PORT, 18080 as in the harness: /hello, /16k, /1m)."""
    os.chmod(tmp, 0o755)  # nginx workers may run as 'nobody' and must read www/
    (tmp / "www").mkdir()
    (tmp / "tmp").mkdir()
    (tmp / "www" / "16k").write_bytes(os.urandom(16384))
    (tmp / "www" / "1m").write_bytes(os.urandom(1024 * 1024))
    conf = (SHARED_CONF / "upstream-nginx.conf").read_text()
    (tmp / "up.conf").write_text(conf.replace("@@UPSTREAM_WORKERS@@", "1").replace("@@UPSTREAM_PORT@@", str(port)))
    return ["nginx", "-e", "stderr", "-p", f"{tmp}/", "-c", str(tmp / "up.conf")]


def proxy_nginx(tmp, port=18081, upstream_port=18080):
    """nginx as a reverse proxy on 127.0.0.1:PORT in front of the upstream, from the harness's proxy-nginx.conf."""
    conf = (SHARED_CONF / "proxy-nginx.conf").read_text()
    (tmp / "proxy.conf").write_text(conf.replace("@@UPSTREAM_PORT@@", str(upstream_port)).replace("@@PORT@@", str(port)))
    return ["nginx", "-e", "stderr", "-p", f"{tmp}/", "-c", str(tmp / "proxy.conf")]


class Processes:
    """The servers of one run, each in its own session so that stop_all() takes its workers down with it."""

    def __init__(self):
        self._procs = []

    def start(self, cmd, env=None):
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                             env={**os.environ, **env} if env else None)
        self._procs.append(p)
        return p

    def stop_all(self):
        for p in self._procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
