"""`make bench`: our publisher and its peers on the same data, checked, loaded, one table.

Order: start each server alone (cold start), check every answer against the reference,
then load only what answered right, in interleaved rounds (every server in every round,
so that a noisy minute hurts all alike), and print medians and our ratios.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager, ExitStack
from dataclasses import asdict
from pathlib import Path

from . import discover, peers
from .checks import Expected, Outcome, fetch, judge
from .load import Memory, summarise, tree_memory, wrk
from .reference import Reference
from .report import NGINX, OURS, Measured, ServerFacts, table
from .workloads import BY_KEY, WORKLOADS, Request

ROOT = peers.ROOT


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--root", type=Path, help="data root (default: this repository)")
    p.add_argument("--rounds", type=int, default=3, help="load rounds; medians are reported")
    p.add_argument("--seconds", type=int, default=2, help="length of one wrk run (whole s)")
    p.add_argument("--warmup", type=int, default=1, help="wrk warm-up run per series (s)")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--workers", type=int, default=1, help="granian workers (as make serve)")
    p.add_argument("--out", type=Path, default=ROOT / "build" / "bench",
                   help="where last.md and last.json go")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="mcm-bench-"))
    try:
        text, record = run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "last.md").write_text(text + "\n", encoding="utf-8")
    (args.out / "last.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    log(f"\nbench: {time.monotonic() - started:.0f} s; written to {args.out}/last.md, last.json")
    return 0


def run(args: argparse.Namespace, workdir: Path) -> tuple[str, dict]:
    """Start, check, load; return the table and a record of every figure."""
    root = (args.root or ROOT).resolve()
    reference = Reference(root)
    expected = Expected(reference)
    nquads = reference.dump_nquads(workdir / "dataset.nq")
    routes: dict[str, dict[str, discover.Route]] = {}
    running: list[peers.Running] = []
    notes: list[str] = []
    with ExitStack() as stack:
        def start(cm: object, what: str) -> peers.Running | None:
            log(f"bench: starting {what} ...")
            try:
                server: peers.Running = stack.enter_context(cm)  # type: ignore[arg-type]
            except Exception as exc:  # one peer that cannot start must not sink the run
                notes.append(f"{what} did not start: {str(exc)[:300]}")
                return None
            running.append(server)
            return server

        ours = start(peers.ours(workdir, None if root == ROOT else root, args.workers), OURS)
        if ours is not None:
            routes[ours.name] = discover.routes(ours, expected)
        for on_disk in (False, True):
            oxi = start(peers.oxigraph(workdir, nquads, on_disk), f"oxigraph (disk={on_disk})")
            if oxi is not None:
                routes[oxi.name] = discover.routes(oxi, expected)
        rdf = start(peers.rdflib_endpoint(workdir, nquads), "rdflib-endpoint")
        if rdf is not None:
            routes[rdf.name] = discover.routes(rdf, expected)
        if ours is not None:
            static = _static_site(stack, workdir, routes[ours.name], expected, notes)
            if static is not None:
                running.append(static[0])
                routes[static[0].name] = static[1]
        _print_checks(routes)
        results = {(key, name): Measured(outcome)
                   for name, table_ in routes.items() for key, (_, outcome) in table_.items()}
        peak = _load(args, running, routes, results)
    servers = [ServerFacts(s.name, s.cold_start, peak[s.name].rss / 2**20, s.note)
               for s in running]
    text = table(results, servers)
    text += "\n\nServers: " + "; ".join(f"{s.name}: {s.note}" for s in servers if s.note)
    text += "\nMemory at peak RSS: " + "; ".join(f"{n}: {m}" for n, m in peak.items())
    text += (f"\nLoad: wrk, {args.connections} connections, {args.threads} threads, "
             f"{args.rounds} rounds x {args.seconds:g} s, medians; loopback, same run.")
    if notes:
        text += "\n" + "\n".join(notes)
    record = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": {k: str(v) for k, v in vars(args).items()},
        "servers": [asdict(s) for s in servers],
        "memory": {n: asdict(m) for n, m in peak.items()},
        "results": [{"workload": k, "server": n, "outcome": str(m.outcome),
                     "request": _describe(routes[n][k][0]),
                     "summary": asdict(m.summary) if m.summary else None}
                    for (k, n), m in results.items()],
        "notes": notes,
    }
    return text, record


def _describe(request: Request | None) -> dict | None:
    if request is None:
        return None
    return {"path": request.path[:200], "headers": request.headers}


def _static_site(stack: ExitStack, workdir: Path, ours: dict[str, discover.Route],
                 expected: Expected, notes: list[str]
                 ) -> tuple[peers.Running, dict[str, discover.Route]] | None:
    """nginx over the static export when `python -m server export` exists, else over files
    saved from our server's own answers (the note says which)."""
    paths = {}
    for key, (request, outcome) in ours.items():
        if BY_KEY[key].kind in ("document", "dump") and request is not None and outcome.ok:
            path = request.path.split("?", 1)[0]
            paths[key] = path if path.endswith(BY_KEY[key].suffix) else path + BY_KEY[key].suffix
    if not paths:
        notes.append("nginx: nothing to serve (our server has no right W4/W5 answer)")
        return None
    probe = next(iter(paths.values()))
    if _has_export():
        port = peers.free_port()
        folder = _export(workdir, port, notes)
        if folder is not None:
            note = "serving `python -m server export` with the nginx.conf it wrote"
            served = _serve(stack, paths, expected,
                            peers.nginx_export(workdir, folder, port, probe, note))
            if served is not None:
                return served
            notes.append("nginx over the export did not answer every workload right; "
                         "serving our server's saved answers instead")
    site = workdir / "site"
    discover.build_site(ours, site)
    note = "files saved from our server's answers (no export command)"
    return _serve(stack, paths, expected, peers.nginx(workdir, site, probe, note))


def _serve(stack: ExitStack, paths: dict[str, str], expected: Expected,
           starter: AbstractContextManager[peers.Running]
           ) -> tuple[peers.Running, dict[str, discover.Route]] | None:
    """Start nginx and check its answers; it stays up (on stack) only if all are right."""
    with ExitStack() as attempt:
        log(f"bench: starting {NGINX} ...")
        try:
            server = attempt.enter_context(starter)
        except Exception as exc:  # a broken configuration must not sink the run
            log(f"bench: nginx did not start: {str(exc)[:300]}")
            return None
        routes: dict[str, discover.Route] = {}
        for key, path in paths.items():
            request = Request(server.base + path, {"Accept": BY_KEY[key].accept})
            try:
                outcome = judge(BY_KEY[key], fetch(request), expected)
            except OSError as exc:
                outcome = Outcome("wrong", f"no answer ({exc})")
            routes[key] = (request, outcome)
            if not outcome.ok:
                log(f"bench: nginx {path}: {outcome}")
                return None
        stack.enter_context(attempt.pop_all())
        return server, routes


def _has_export() -> bool:
    python = str(peers.BIN / "python")
    helptext = subprocess.run([python, "-m", "server", "--help"], cwd=ROOT, capture_output=True,
                              text=True, timeout=60).stdout
    commands = re.search(r"\{([\w,-]+)\}", helptext)  # argparse's "{validate,build,...}"
    return bool(commands) and "export" in commands.group(1).split(",")


def _export(workdir: Path, port: int, notes: list[str]) -> Path | None:
    """Run the static export for an nginx on this loopback port; its folder, or None."""
    folder = workdir / "export"
    origin = f"http://127.0.0.1:{port}/"
    done = subprocess.run([str(peers.BIN / "python"), "-m", "server", "export", str(folder),
                           "--origin", origin, "--listen", f"127.0.0.1:{port}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        notes.append(f"`python -m server export` failed: {done.stderr.strip()[-300:]}")
        return None
    return folder


def _print_checks(routes: dict[str, dict[str, discover.Route]]) -> None:
    log("bench: correctness before load")
    for name, table_ in routes.items():
        for key, (_, outcome) in table_.items():
            if outcome.status != "n/a":
                log(f"  {BY_KEY[key].label:<18} {name:<16} {outcome}")


def _load(args: argparse.Namespace, running: list[peers.Running],
          routes: dict[str, dict[str, discover.Route]],
          results: dict[tuple[str, str], Measured]) -> dict[str, Memory]:
    """Interleaved rounds of wrk over every checked request; returns peak memory per server."""
    plan = [(w.key, s, routes[s.name][w.key][0]) for w in WORKLOADS for s in running
            if routes.get(s.name, {}).get(w.key, (None, Outcome("n/a")))[1].ok]
    per_run = args.seconds * args.rounds + args.warmup
    log(f"bench: loading {len(plan)} series, about {len(plan) * per_run:.0f} s")
    peak = {s.name: tree_memory(s.pid) for s in running}
    for _key, _server, request in plan:
        assert request is not None
        wrk(request, args.warmup, args.connections, args.threads)
    for round_ in range(args.rounds):
        for key, server, request in plan:
            assert request is not None
            sample = wrk(request, args.seconds, args.connections, args.threads)
            results[(key, server.name)].samples.append(sample)
            peak[server.name] = max(peak[server.name], tree_memory(server.pid),
                                    key=lambda m: m.rss)
        log(f"bench: round {round_ + 1}/{args.rounds} done")
    for measured in results.values():
        if measured.samples:
            measured.summary = summarise(measured.samples)
    return peak


