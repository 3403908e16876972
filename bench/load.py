"""Load with wrk (bounded in time, loopback only) and measure a process tree's memory."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .workloads import Request

WRK = shutil.which("wrk") or "/usr/bin/wrk"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass(frozen=True)
class Sample:
    """One wrk run: throughput, latency percentiles (ms), and requests that failed."""

    rps: float
    p50: float
    p99: float
    requests: int
    errors: int  # non-2xx/3xx answers plus socket errors


@dataclass(frozen=True)
class Summary:
    """The medians over rounds."""

    rps: float
    p50: float
    p99: float
    errors: int
    rounds: int


def wrk(request: Request, seconds: int, connections: int = 8, threads: int = 2) -> Sample:
    """Run wrk once against a loopback URL; it stops by itself after `seconds`."""
    if not request.url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the benchmark only loads loopback servers, not {request.url}")
    # wrk reads whole seconds only.
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--latency",
               "--timeout", "5s"]
    for name, value in request.headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(request.url)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[:300]}")
    return parse_wrk(done.stdout)


def parse_wrk(out: str) -> Sample:
    """Read wrk's --latency report."""
    def latency(percent: str) -> float:
        m = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if sock:
        errors += sum(int(g) for g in sock.groups())
    return Sample(float(rps.group(1)) if rps else 0.0, latency("50"), latency("99"),
                  int(total.group(1)) if total else 0, errors)


def summarise(samples: list[Sample]) -> Summary:
    """Medians over rounds: one noisy round on a shared machine does not decide."""
    return Summary(statistics.median(s.rps for s in samples),
                   statistics.median(s.p50 for s in samples),
                   statistics.median(s.p99 for s in samples),
                   sum(s.errors for s in samples), len(samples))


def tree_rss(pid: int) -> int:
    """Resident memory in bytes of a process and all its descendants (from /proc).

    Shared pages count once per process, as `ps` and the issue's target count them.
    """
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after its end.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total
