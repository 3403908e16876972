"""`make bench-scale`: what each cost does as the data grows from 1k to 10k to 100k signatories.

Per scale: generate (bench/synth.py), build and validate (`python -m server --root DIR build`,
time-boxed), start the server on the validated build (MCM_DATA_ROOT=DIR), memory, and W1/W4
latency under wrk; then the ratio between scales and the exponent it implies. Validation is
also profiled on two small datasets (seconds per shape and SPARQL constraint), which says
where its time goes and predicts it at the scales a time-box cut short.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from server.dataset import inputs_digest
from server.validation import read_record, record_path

from . import discover, peers, synth
from .checks import Expected
from .load import Summary, summarise, tree_memory, wrk
from .reference import Reference
from .report import markdown
from .shacl_profile import Profile, profile

ROOT = peers.ROOT
KEYS = ("W1", "W4t", "W4j")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Scale:
    """Every figure measured at one scale (None: not measured, with the reason in notes)."""

    signatories: int
    triples: int = 0
    generate_s: float = 0.0
    build_s: float | None = None
    validate_s: float | None = None
    build_note: str = ""
    start_s: float | None = None
    rss_start_mb: float | None = None
    rss_peak_mb: float | None = None
    pss_peak_mb: float | None = None
    processes: int | None = None
    load: dict[str, Summary] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    p.add_argument("--scales", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    p.add_argument("--build-timeout", type=float, default=900.0,
                   help="time-box of the build at the smallest scale (s)")
    p.add_argument("--large-build-timeout", type=float, default=300.0,
                   help="time-box of the build at the larger scales (s)")
    p.add_argument("--start-timeout", type=float, default=900.0)
    p.add_argument("--max-rss-gb", type=float, default=12.0,
                   help="stop a starting server whose process tree holds more than this")
    p.add_argument("--profile-sizes", type=int, nargs=2, default=[150, 300],
                   help="signatories of the two datasets validation is profiled on")
    p.add_argument("--skip-profile", action="store_true", help="do not profile validation")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--seconds", type=int, default=2)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--dir", type=Path, default=ROOT / "build" / "bench",
                   help="where the synthetic data roots and the results go")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    profiles = _profiles(args)
    results: list[Scale] = []
    for i, n in enumerate(sorted(args.scales)):
        timeout = args.build_timeout if i == 0 else args.large_build_timeout
        results.append(measure(args, n, timeout))
    text = render(results, profiles, args)
    print(text)
    (args.dir / "scale.md").write_text(text + "\n", encoding="utf-8")
    (args.dir / "scale.json").write_text(json.dumps(
        [{**{k: v for k, v in vars(s).items() if k != "load"},
          "load": {k: vars(v) for k, v in s.load.items()}} for s in results], indent=1),
        encoding="utf-8")
    log(f"bench-scale: {time.monotonic() - started:.0f} s; written to {args.dir}/scale.md")
    return 0


def _profiles(args: argparse.Namespace) -> list[tuple[int, Profile]]:
    out: list[tuple[int, Profile]] = []
    for n in [] if args.skip_profile else args.profile_sizes:
        root = args.dir / f"synth-{n}"
        synth.write(root, n)
        log(f"bench-scale: profiling validation at {n} signatories ...")
        out.append((n, profile(root, with_cprofile=False)))
    return out


def measure(args: argparse.Namespace, n: int, build_timeout: float) -> Scale:
    """Generate, build, start, load: one scale."""
    scale = Scale(n)
    root = args.dir / f"synth-{n}"
    log(f"bench-scale: {n} signatories: generating ...")
    t = time.perf_counter()
    synth.write(root, n)
    scale.generate_s = time.perf_counter() - t

    log(f"bench-scale: {n}: build (time-box {build_timeout:.0f} s) ...")
    t = time.perf_counter()
    finished = _run_boxed([str(peers.BIN / "python"), "-m", "server", "--root", str(root),
                           "build"], build_timeout, root / "build-output.txt")
    if finished:
        scale.build_s = time.perf_counter() - t
        record = read_record(root, inputs_digest(root)) or {}
        scale.validate_s = record.get("seconds")
        scale.build_note = "conforms" if record.get("conforms") else "DOES NOT CONFORM"
    else:
        scale.build_note = f"> {build_timeout:.0f} s: time-boxed, stopped"
        _record_unvalidated(root)
        scale.notes.append(f"{n}: validation did not finish within {build_timeout:.0f} s; the "
                           "bench wrote a build record marked not_validated so that start, "
                           "memory and latency could still be measured on this generated data")

    log(f"bench-scale: {n}: reference answers ...")
    reference = Reference(root)
    scale.triples = len(reference.store)
    expected = Expected(reference)
    workdir = Path(tempfile.mkdtemp(prefix="mcm-scale-"))
    # A whole sector is 1/3 of the signatories: do not let the row limit cut W1 at 100k.
    env = {"MCM_SPARQL_MAX_ROWS": str(10 * n)}
    log(f"bench-scale: {n}: starting the server on the validated build ...")
    try:
        with peers.ours(workdir, root, args.workers, env=env, start_timeout=args.start_timeout,
                        max_rss=int(args.max_rss_gb * 2**30)) as server:
            scale.start_s = server.cold_start
            peak = tree_memory(server.pid)
            scale.rss_start_mb = peak.rss / 2**20
            routes = discover.routes(server, expected, KEYS)
            for key, (request, outcome) in routes.items():
                if request is None or not outcome.ok:
                    scale.notes.append(f"{n}: {key}: {outcome}")
                    continue
                samples = []
                for _ in range(args.rounds):
                    samples.append(wrk(request, args.seconds))
                    peak = max(peak, tree_memory(server.pid), key=lambda m: m.rss)
                scale.load[key] = summarise(samples)
            scale.rss_peak_mb = peak.rss / 2**20
            scale.pss_peak_mb = peak.pss / 2**20
            scale.processes = peak.processes
    except RuntimeError as exc:
        scale.notes.append(f"{n}: server: {str(exc)[:300]}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return scale


def _run_boxed(command: list[str], seconds: float, output: Path) -> bool:
    """Run a command for at most `seconds`; False (and the process group ended) if cut."""
    with output.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            process.wait(timeout=seconds)
            return process.returncode == 0
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return False


def _record_unvalidated(root: Path) -> None:
    """A build record that lets the server start on data the time-box left unvalidated.

    It says so (not_validated); the generator's output at the smaller scales validates.
    """
    path = record_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "version": inputs_digest(root), "conforms": True, "not_validated":
        "written by bench/scale.py after the validation time-box; synthetic data only",
        "violations": 0, "warnings": 0, "seconds": None, "results": []}), encoding="utf-8")


# --- the report ---

def growth(values: list[float | None], sizes: list[int]) -> list[str]:
    """Ratio between successive scales, and the exponent of n it implies."""
    out = []
    for (a, na), (b, nb) in zip(zip(values, sizes, strict=True),
                                zip(values[1:], sizes[1:], strict=True), strict=False):
        if a and b and a > 0 and b > 0:
            out.append(f"x{b / a:.1f} (n^{math.log(b / a) / math.log(nb / na):.2f})")
        else:
            out.append("")
    return out


def render(results: list[Scale], profiles: list[tuple[int, Profile]],
           args: argparse.Namespace) -> str:
    sizes = [s.signatories for s in results]

    def fmt(v: float | None, unit: str = "", digits: int = 1) -> str:
        return "" if v is None else f"{v:,.{digits}f}{unit}"

    metrics: list[tuple[str, list[float | None], str, int]] = [
        ("triples", [float(s.triples) for s in results], "", 0),
        ("generate (s)", [s.generate_s for s in results], "", 2),
        ("build = parse + validate (s)", [s.build_s for s in results], "", 1),
        ("  of which validation (s)", [s.validate_s for s in results], "", 1),
        ("start on validated build (s)", [s.start_s for s in results], "", 2),
        ("RSS after start (MB)", [s.rss_start_mb for s in results], "", 0),
        ("RSS peak under load (MB)", [s.rss_peak_mb for s in results], "", 0),
        ("  PSS then (MB)", [s.pss_peak_mb for s in results], "", 0),
        ("  processes", [None if s.processes is None else float(s.processes)
                         for s in results], "", 0),
    ]
    for key, label in (("W1", "W1"), ("W4t", "W4 Turtle"), ("W4j", "W4 JSON-LD")):
        for attr, unit in (("rps", "req/s"), ("p50", "p50 ms"), ("p99", "p99 ms")):
            values = [getattr(s.load[key], attr) if key in s.load else None for s in results]
            metrics.append((f"{label} {unit}", values, "", 0 if attr == "rps" else 2))
    header = ["metric", *[f"{n:,}" for n in sizes],
              *[f"{b:,} vs {a:,}" for a, b in zip(sizes, sizes[1:], strict=False)]]
    rows = []
    for name, values, unit, digits in metrics:
        cells = [fmt(v, unit, digits) for v in values]
        if name.startswith("build") and any(s.build_s is None for s in results):
            cells = [c or s.build_note for c, s in zip(cells, results, strict=True)]
        rows.append([name, *cells, *growth(values, sizes)])
    text = "Scale (signatories in all; growth as ratio and as the exponent of n)\n\n"
    text += markdown(header, rows)
    if len(profiles) == 2:
        text += "\n\n" + _profile_text(profiles, sizes)
    notes = [note for s in results for note in s.notes]
    if notes:
        text += "\n\nNotes:\n" + "\n".join(f"- {n}" for n in notes)
    text += (f"\n\nLoad: wrk, 8 connections, {args.rounds} rounds x {args.seconds} s, medians; "
             f"server: granian, {args.workers} workers, MCM_SPARQL_MAX_ROWS = 10 x n.")
    return text


def _profile_text(profiles: list[tuple[int, Profile]], sizes: list[int]) -> str:
    """Seconds per SPARQL constraint at two sizes, its growth exponent, and the prediction."""
    (n1, p1), (n2, p2) = profiles
    lines = [f"Where validation time goes (pyshacl; profiled at {n1} and {n2} signatories):", ""]
    names = sorted(set(p1.shapes) | set(p1.sparql), key=lambda k: -(p2.sparql.get(k)
                                                                    or p2.shapes.get(k, 0)))
    header = ["shape or SPARQL constraint", f"{n1} (s)", f"{n2} (s)", "exponent",
              *[f"predicted {n:,} (s)" for n in sizes]]
    rows = []
    predicted = [0.0 for _ in sizes]
    for kind, table_ in (("constraint", "sparql"), ("shape", "shapes")):
        for name in names:
            a, b = getattr(p1, table_).get(name), getattr(p2, table_).get(name)
            if not a or not b:
                continue
            k = math.log(b / a) / math.log(n2 / n1)
            if b < 0.05 * p2.validate_s:
                k = 1.0  # a small share's exponent is mostly noise: assume linear growth
            guesses = [b * (n / n2) ** k for n in sizes]
            if kind == "shape":  # shapes partition the time; constraints are inside them
                predicted = [x + y for x, y in zip(predicted, guesses, strict=True)]
            if b < 0.05 * p2.validate_s:
                continue  # too small to matter, and its exponent is noise
            rows.append([f"{kind} {name.rsplit('#', 1)[-1]}", f"{a:.1f}", f"{b:.1f}",
                         f"{k:.2f}", *[f"{g:,.0f}" for g in guesses]])
    rows.append(["validation, all shapes", f"{p1.validate_s:.1f}", f"{p2.validate_s:.1f}",
                 f"{math.log(p2.validate_s / p1.validate_s) / math.log(n2 / n1):.2f}",
                 *[f"~{x:,.0f}" for x in predicted]])
    return "\n".join(lines) + markdown(header, rows)


if __name__ == "__main__":
    sys.exit(main())
