"""The `mcm` command: validate, format and build the dataset (more commands plug in)."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from . import dataset as dataset_mod
from .errors import PublisherError
from .rdfio import format_file
from .validation import validate_and_record

# Modules that add subcommands: each has register(subparsers). Keeps this file small.
PLUGINS: list[str] = [".linking.cli", ".export", ".push"]


def _root(args: argparse.Namespace) -> Path:
    return Path(args.root).resolve() if args.root else dataset_mod.project_root()


def cmd_validate(args: argparse.Namespace) -> int:
    """Parse every file, validate the data against the shapes, print the report."""
    root = _root(args)
    started = time.perf_counter()
    data = dataset_mod.load(root)
    report = validate_and_record(root, data)
    print(report.text())
    print(f"Validated {len(data)} triples in {time.perf_counter() - started:.1f} s.")
    return 0 if report.conforms else 1


def cmd_fmt(args: argparse.Namespace) -> int:
    """Rewrite every Turtle file in canonical form (--check: only list the ones that differ)."""
    root = _root(args)
    files = [p for files in dataset_mod.input_files(root).values() for p in files]
    files += [Path(p) for p in args.files]
    changed = [p for p in files if not format_file(p, check=args.check)]
    for path in changed:
        print(f"{'not canonical' if args.check else 'reformatted'}: {path}")
    if args.check and changed:
        print("Run `make fmt` (or `mcm fmt`) to rewrite them.", file=sys.stderr)
        return 1
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Validate and record the result, so that the server starts without validating again."""
    return cmd_validate(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mcm", description=__doc__)
    parser.add_argument("--root", help="repository folder holding ontology/, data/, shapes/")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help=cmd_validate.__doc__)
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("build", help=cmd_build.__doc__)
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("fmt", help=cmd_fmt.__doc__)
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file differs")
    p.add_argument("files", nargs="*", help="more Turtle files to format")
    p.set_defaults(func=cmd_fmt)
    for name in PLUGINS:
        importlib.import_module(name, __package__).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except PublisherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
