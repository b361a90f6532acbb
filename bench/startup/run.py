#!/usr/bin/env python3
"""Start-up time of the gateway as ../shared/bench measures it: spawn (`bash -c CMD` in a new session) to the first
GET /hello answered 200 with the upstream's body through the proxy, polled every 2 ms on a fresh connection.
One nginx upstream (the harness's conf) on loopback; the gateway runs bench/edgeproxy.toml with its ports moved
(so a side-by-side run on the harness's ports can go on meanwhile). Several binaries are measured interleaved.

usage: bench/startup/run.py [--binary out/edgeproxy/edgeproxy ...] [--runs 20] [--env NAME=VALUE ...] [--quiet 0.9]
Run it from the repository root, as the harness is run (the working directory matters to start-up). On a box shared
with other work, `chrt -f 50 bench/startup/run.py ...` runs the probe, the upstream and the gateway ahead of it (real-time
class, inherited), which is what an idle box would give; the CPU column (CPU the gateway had used by its first 200) is
the number least moved by sharing.
"""
import argparse, os, pathlib, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from benchlib import upstream_dir, wait_ok  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
HELLO_BODY = b"Hello, World!"


def probe_hello(port, timeout=1.0):
    """The harness's probe: True when GET /hello answers 200 with the upstream's body."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            buf = b""
            while len(buf) <= 1 << 20:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        return buf.startswith(b"HTTP/1.1 200") and buf.endswith(HELLO_BODY)
    except OSError:
        return False


def cpu_idle_fraction(window):
    """Share of the box's CPU time that was idle over the next `window` seconds (from /proc/stat)."""
    def sample():
        fields = [int(x) for x in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total
    idle0, total0 = sample()
    time.sleep(window)
    idle1, total1 = sample()
    return (idle1 - idle0) / max(1, total1 - total0)


def wait_quiet(min_idle, patience):
    """On a shared box: wait (at most `patience` s) until the CPUs were at least `min_idle` idle for 0.3 s."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if cpu_idle_fraction(0.3) >= min_idle:
            return True
    return False


def port_free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def stop(proc):
    """SIGTERM to the process group the run started, SIGKILL after 10 s."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def cpu_ms(pid):
    """CPU time of all live threads of the process (ns-resolution schedstat), in ms; steadier than wall time on a busy box."""
    total = 0
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1e6


def start_and_time(cmd, port, env, log, timeout=20.0):
    """(ms from spawn to the first proxied 200, CPU ms the gateway had used by then)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(["bash", "-c", cmd], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        while time.perf_counter() - t0 < timeout:
            if probe_hello(port):
                wall = (time.perf_counter() - t0) * 1000.0
                try:
                    return wall, cpu_ms(proc.pid)  # bash -c execs a single command, so this is the gateway
                except FileNotFoundError:
                    return wall, float("nan")
            if proc.poll() is not None:
                sys.exit(f"gateway exited with code {proc.returncode} before answering (log: {log.name})")
            time.sleep(0.002)
        sys.exit(f"no proxied 200 on 127.0.0.1:{port} within {timeout:.0f} s (log: {log.name})")
    finally:
        stop(proc)


def summary(samples):
    s = sorted(samples)
    p90 = s[min(len(s) - 1, round(0.9 * (len(s) - 1)))]
    return f"median {statistics.median(s):5.1f} ms  p90 {p90:5.1f}  min {s[0]:5.1f}  max {s[-1]:5.1f}  (n={len(s)})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", action="append", help="gateway binary; repeat to compare (interleaved runs)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--config", default=str(ROOT / "bench/edgeproxy.toml"))
    ap.add_argument("--upstream-port", type=int, default=18280)
    ap.add_argument("--port", type=int, default=18290)
    ap.add_argument("--admin-port", type=int, default=18291)
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the gateway's environment")
    ap.add_argument("--keep-logs", action="store_true", help="keep the gateway's output (printed path)")
    ap.add_argument("--quiet", type=float, default=0.0, metavar="IDLE",
                    help="shared box: start each run only after the CPUs were this idle (e.g. 0.9) for 0.3 s (waits up to 30 s)")
    a = ap.parse_args()
    binaries = a.binary or [str(ROOT / "out/edgeproxy/edgeproxy")]
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="edgeproxy-startup-"))
    config = tmp / "edgeproxy.toml"
    config.write_text(pathlib.Path(a.config).read_text().replace("127.0.0.1:18080", f"127.0.0.1:{a.upstream_port}")
                      .replace("127.0.0.1:18090", f"127.0.0.1:{a.port}").replace("127.0.0.1:18091", f"127.0.0.1:{a.admin_port}"))
    env = dict(os.environ)
    env.update(kv.split("=", 1) for kv in a.env)
    for port in (a.upstream_port, a.port, a.admin_port):
        if not port_free(port):
            sys.exit(f"127.0.0.1:{port} is in use; pick other ports (--upstream-port/--port/--admin-port)")
    upstream = subprocess.Popen(upstream_dir(tmp, a.upstream_port), stderr=subprocess.DEVNULL, start_new_session=True)
    samples = {b: [] for b in binaries}
    cpu = {b: [] for b in binaries}
    try:
        wait_ok(f"http://127.0.0.1:{a.upstream_port}/hello")
        cmds = {b: f"{b} --no-watch --config {config}" for b in binaries}
        for b in binaries:  # one unmeasured start each: page cache warm, as in the harness's later attempts
            with open(tmp / "warm.log", "wb") as log:
                start_and_time(cmds[b], a.port, env, log)
        noisy = 0
        for run in range(a.runs):
            for i, b in enumerate(binaries):
                if a.quiet and not wait_quiet(a.quiet, 30):
                    noisy += 1
                with open(tmp / f"gateway.{i}.{run}.log", "wb") as log:
                    wall, used = start_and_time(cmds[b], a.port, env, log)
                samples[b].append(wall)
                cpu[b].append(used)
                deadline = time.monotonic() + 10
                while not port_free(a.port) and time.monotonic() < deadline:
                    time.sleep(0.01)
        gate = f", each started after the CPUs were >= {a.quiet:.0%} idle for 0.3 s ({noisy} waited in vain)" if a.quiet else ""
        print(f"start-up, spawn to first proxied 200 ({a.runs} runs, {os.cpu_count()} cores, "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load {os.getloadavg()[0]:.2f}{gate}):")
        for b in binaries:
            print(f"  {summary(samples[b])}  {b}")
            print("    " + " ".join(f"{x:.0f}" for x in samples[b]))
            print(f"    CPU used by then: median {statistics.median(cpu[b]):.1f} ms, min {min(cpu[b]):.1f}")
    finally:
        stop(upstream)
        if a.keep_logs:
            print(f"logs: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
