"""Where SHACL validation spends its time: seconds per top-level shape and per SPARQL
constraint, plus cProfile's heaviest functions.

`python -m bench.shacl_profile DIR` validates DIR's data as `mcm build` does (same call,
server.validation.validate) with timers wrapped around pyshacl's shape and SPARQL
constraint evaluation; nothing is changed in what is validated.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.shape import Shape

from server import dataset as dataset_mod
from server.validation import validate


@dataclass
class Profile:
    """Seconds spent, by what was evaluated."""

    load_s: float = 0.0
    validate_s: float = 0.0
    conforms: bool = False
    shapes: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    sparql: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    functions: str = ""

    def text(self, top: int = 8) -> str:
        lines = [f"parse {self.load_s:.1f} s, validate {self.validate_s:.1f} s "
                 f"(conforms: {self.conforms})", "top-level shapes (s, share of validation):"]
        for name, seconds in sorted(self.shapes.items(), key=lambda kv: -kv[1])[:top]:
            lines.append(f"  {seconds:8.2f}  {seconds / self.validate_s:5.0%}  {_short(name)}")
        lines.append("SPARQL constraints (s, share of validation):")
        for name, seconds in sorted(self.sparql.items(), key=lambda kv: -kv[1])[:top]:
            lines.append(f"  {seconds:8.2f}  {seconds / self.validate_s:5.0%}  {_short(name)}")
        if self.functions:
            lines += ["heaviest functions (cProfile, cumulative):", self.functions]
        return "\n".join(lines)


def _short(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]


@contextmanager
def _timed(owner: type, name: str, record: Callable[[tuple, dict, float], None]
           ) -> Iterator[None]:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            record(args, kwargs, time.perf_counter() - started)

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


def profile(root: Path, with_cprofile: bool = True, top: int = 12) -> Profile:
    """Validate root's data once, timing shapes and SPARQL constraints."""
    result = Profile()
    started = time.perf_counter()
    data = dataset_mod.load(root)
    result.load_s = time.perf_counter() - started

    def shape_done(args: tuple, kwargs: dict, seconds: float) -> None:
        focus = kwargs.get("focus", args[3] if len(args) > 3 else None)
        if focus is None:  # a top-level shape finding its own targets; nested ones are inside
            result.shapes[str(args[0].node)] += seconds

    def sparql_done(args: tuple, kwargs: dict, seconds: float) -> None:
        result.sparql[str(args[1].node)] += seconds

    profiler = cProfile.Profile() if with_cprofile else None
    with _timed(Shape, "validate", shape_done), \
            _timed(SPARQLBasedConstraint, "_evaluate_sparql_constraint", sparql_done):
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        report = validate(data)
        if profiler:
            profiler.disable()
        result.validate_s = time.perf_counter() - started
    result.conforms = report.conforms
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
        result.functions = "\n".join(line for line in out.getvalue().splitlines()
                                     if line.strip() and ("{" in line or "/" in line))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.shacl_profile", description=__doc__)
    parser.add_argument("root", type=Path, help="data root (ontology/, data/, shapes/)")
    parser.add_argument("--no-cprofile", action="store_true", help="timers only (faster)")
    args = parser.parse_args(argv)
    print(profile(args.root.resolve(), with_cprofile=not args.no_cprofile).text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
