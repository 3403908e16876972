"""`mcm link`: verify, propose and record Wikidata links (plugs into server.cli).

    python -m server link verify   [--endpoint URL] [--dry-run]
    python -m server link propose  [--endpoint URL] [--out FILE] [--only IRI ...]
    python -m server link snapshot    # re-seed the snapshot from the data, offline
    python -m server link sssom    [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import config as config_mod
from .. import dataset as dataset_mod
from ..namespaces import FILE_BASE
from . import propose as propose_mod
from . import snapshot as snap
from . import sssom as sssom_mod
from .agents import Agent, agents
from .client import Client
from .verify import report, verify


def _root(args: argparse.Namespace) -> Path:
    return Path(args.root).resolve() if args.root else dataset_mod.project_root()


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _agents(root: Path) -> dict[str, Agent]:
    return agents(dataset_mod.load(root).graphs["data"])


def _client(args: argparse.Namespace) -> Client:
    return Client(endpoint=args.endpoint, contact=args.contact, min_interval=args.delay,
                  timeout=args.timeout, retries=args.retries, backoff=args.backoff,
                  log=_progress)


def _seed(root: Path, path: Path, everyone: dict[str, Agent]) -> snap.Snapshot:
    seeded, problems = snap.seed(everyone, snap.read_verified(root / snap.VERIFIED),
                                 snap.load(path))
    for problem in problems:
        print(f"! {problem}", file=sys.stderr)
    return seeded


def cmd_verify(args: argparse.Namespace) -> int:
    """Check every Wikidata link at the endpoint; record what it said in the snapshot."""
    root = _root(args)
    path = Path(args.snapshot) if args.snapshot else root / snap.SNAPSHOT
    everyone = _agents(root)
    seeded = _seed(root, path, everyone)
    _progress(f"verifying {len(seeded.links)} links at {args.endpoint}")
    checked = verify(seeded, everyone, _client(args), progress=_progress)
    print(report(checked))
    if not args.dry_run:
        snap.save(checked, path)
        facts = Path(args.facts) if args.facts else root / snap.FACTS
        snap.write_facts(checked, facts)
        _progress(f"recorded in {path} and {facts}")
    unverified = any(not link.how_verified for link in checked.links)
    return 0 if all(link.status == "ok" for link in checked.links) and not unverified else 1


def cmd_propose(args: argparse.Namespace) -> int:
    """Search candidates for signatories without a link; write them to a review file."""
    root = _root(args)
    out = Path(args.out) if args.out else root / snap.FOLDER / "proposals.csv"
    everyone = _agents(root)
    candidates = propose_mod.propose(_client(args), everyone, args.only or None, _progress)
    propose_mod.write_review(candidates, out)
    review = [c for c in candidates if c.decision == "review"]
    entities = {c.agent.iri for c in review}
    print(f"{len(review)} candidates for {len(entities)} entities to review, "
          f"{len(candidates) - len(review)} rejected; written to {out} "
          "(nothing was added to the data).")
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    """Re-seed the snapshot from the data and verified.csv (offline) and rewrite facts.ttl."""
    root = _root(args)
    path = Path(args.snapshot) if args.snapshot else root / snap.SNAPSHOT
    seeded, problems = snap.seed(_agents(root), snap.read_verified(root / snap.VERIFIED),
                                 snap.load(path))
    for problem in problems:
        print(f"! {problem}", file=sys.stderr)
    snap.save(seeded, path)
    snap.write_facts(seeded, Path(args.facts) if args.facts else root / snap.FACTS)
    print(f"{len(seeded.links)} links recorded in {path}.")
    return 1 if problems else 0


def cmd_sssom(args: argparse.Namespace) -> int:
    """Write the links as an SSSOM mapping set (TSV); '-' writes to standard output."""
    root = _root(args)
    data = dataset_mod.load(root)
    labels = {link.wikidata: link.facts.label
              for link in snap.load(root / snap.SNAPSHOT).links
              if link.facts and link.facts.label}
    text = sssom_mod.mapping_set(agents(data.graphs["data"]),
                                 snap.read_verified(root / snap.VERIFIED), labels,
                                 FILE_BASE, data.version)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"written to {args.out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `link` and its subcommands to the `mcm` command."""
    settings = config_mod.from_environment()
    link = subparsers.add_parser("link", help="verify, propose and record Wikidata links")
    sub = link.add_subparsers(dest="link_command", required=True)

    def with_client(p: argparse.ArgumentParser) -> None:
        p.add_argument("--endpoint", default=settings["WIKIDATA_ENDPOINT"],
                       help="SPARQL endpoint (default: %(default)s)")
        p.add_argument("--contact", default=settings["LINK_CONTACT"],
                       help="contact sent in the User-Agent (default: %(default)s)")
        p.add_argument("--delay", type=float, default=settings["LINK_MIN_INTERVAL"],
                       help="seconds between requests (default: %(default)s)")
        p.add_argument("--timeout", type=float, default=settings["LINK_TIMEOUT"],
                       help="seconds a query may take (default: %(default)s)")
        p.add_argument("--retries", type=int, default=settings["LINK_RETRIES"],
                       help="retries on 429/5xx (default: %(default)s)")
        p.add_argument("--backoff", type=float, default=settings["LINK_BACKOFF"],
                       help="first back-off in seconds, doubled each retry (default: "
                            "%(default)s)")

    p = sub.add_parser("verify", help=cmd_verify.__doc__)
    with_client(p)
    p.add_argument("--snapshot", help="snapshot file (default: data/wikidata/snapshot.json)")
    p.add_argument("--facts", help="facts graph file (default: data/wikidata/facts.ttl)")
    p.add_argument("--dry-run", action="store_true", help="report only, record nothing")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("propose", help=cmd_propose.__doc__)
    with_client(p)
    p.add_argument("--out", help="review file (default: data/wikidata/proposals.csv)")
    p.add_argument("--only", nargs="*", metavar="IRI", help="only these entities")
    p.set_defaults(func=cmd_propose)

    p = sub.add_parser("snapshot", help=cmd_snapshot.__doc__)
    p.add_argument("--snapshot", help="snapshot file (default: data/wikidata/snapshot.json)")
    p.add_argument("--facts", help="facts graph file (default: data/wikidata/facts.ttl)")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("sssom", help=cmd_sssom.__doc__)
    p.add_argument("--out", default="-", help="output file (default: standard output)")
    p.set_defaults(func=cmd_sssom)
