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


@dataclass(frozen=True)
class Memory:
    """A process tree's memory: RSS summed (shared pages once per process, as `ps` and the
    issue's target count them), PSS (shared pages split between sharers), process count."""

    rss: int
    pss: int
    processes: int

    def __str__(self) -> str:
        return (f"{self.rss / 2**20:.0f} MB RSS, {self.pss / 2**20:.0f} MB PSS, "
                f"{self.processes} processes")


def tree_memory(pid: int) -> Memory:
    """The memory of a process and all its descendants, from /proc."""
    rss = pss = 0
    pids = tree_pids(pid)
    for current in pids:
        rss += _kb(f"/proc/{current}/status", "VmRSS:")
        pss += _kb(f"/proc/{current}/smaps_rollup", "Pss:")
    return Memory(rss, pss, len(pids))


def tree_rss(pid: int) -> int:
    """Resident memory in bytes of a process and all its descendants."""
    return tree_memory(pid).rss


def _kb(path: str, field: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    except OSError:  # the process ended meanwhile, or the file is not readable
        pass
    return 0


def tree_pids(pid: int) -> list[int]:
    """The process and all its live descendants."""
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
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        if Path(f"/proc/{current}").exists():
            found.append(current)
        todo.extend(children.get(current, []))
    return found
