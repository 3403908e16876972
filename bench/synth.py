"""Synthetic datasets of the real one's shape, at any number of signatories, that validate.

`python -m bench.synth N DIR` writes a data root: ontology/ and shapes/ copied, data/ holding
the real data plus data/synthetic.ttl, so that DIR has N signatories in all (the 69 real
ones included, so every workload's entity and sector exist at every scale). Organisations
and persons are made in the proportions of the real data, each with a signature and one or
two listings, a sector, a type, and sometimes a parent, an affiliation, a ROR id or an
owl:sameAs. Which signatory has which option follows its number (so that even a small
dataset has every variant); sectors, types and titles are drawn with a seeded generator.
The Wikidata and ROR identifiers are made up (well-formed, not real); the output is
deterministic for a given N and seed.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from server.dataset import project_root

REAL_SIGNATORIES = 69
ID = "https://w3id.org/cybercrime-manifesto/id/"

PREFIXES = """PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX id: <https://w3id.org/cybercrime-manifesto/id/>
PREFIX mcm: <https://w3id.org/cybercrime-manifesto/def#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wd: <http://www.wikidata.org/entity/>

"""

# Weights close to the real data's (59 organisations, 10 persons).
ORG_SECTORS = {"civil-society": 28, "private-sector": 23, "academia": 5,
               "technical-community": 3}
ORG_TYPES = {"ngo": 20, "company": 18, "think-tank": 6, "industry-association": 5,
             "research-centre": 5, "university": 3, "foundation": 2,
             "professional-network": 2, "nonprofit": 1, "international-organisation": 1}
JOB_TITLES = ("Researcher", "Director", "Senior Fellow", "Professor", "Security Researcher")


@dataclass
class Stats:
    """What was generated: counts a benchmark can check answers against."""

    signatories: int = 0
    organisations: int = 0
    persons: int = 0
    same_as: int = 0
    per_sector: dict[str, int] = field(default_factory=dict)


def write(root: Path, signatories: int, seed: int = 6, source: Path | None = None) -> Stats:
    """Write a data root at `root` with `signatories` signatories in all; returns counts."""
    if signatories < REAL_SIGNATORIES:
        raise ValueError(f"at least the {REAL_SIGNATORIES} real signatories are kept")
    source = source or project_root()
    for folder in ("ontology", "shapes"):
        shutil.rmtree(root / folder, ignore_errors=True)
        shutil.copytree(source / folder, root / folder,
                        ignore=shutil.ignore_patterns("build", "__pycache__"))
    # The real data/ whole (its named graphs may grow sub-folders), then the synthetic file.
    shutil.rmtree(root / "data", ignore_errors=True)
    shutil.copytree(source / "data", root / "data")
    shutil.rmtree(root / "build", ignore_errors=True)  # a stale record must not be trusted
    stats = Stats(signatories=signatories)
    with (root / "data" / "synthetic.ttl").open("w", encoding="utf-8") as out:
        out.write(PREFIXES)
        for block in _blocks(signatories - REAL_SIGNATORIES, random.Random(seed), stats):
            out.write(block)
    return stats


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _blocks(count: int, rng: random.Random, stats: Stats) -> Iterator[str]:
    organisations: list[str] = []  # slugs made so far: parents and affiliations point back
    for i in range(1, count + 1):
        if i % 7 == 3:  # one in seven, as 10 of the 69 real signatories are persons
            yield from _person(i, rng, organisations, stats)
        else:
            slug = f"synthetic-org-{i:06d}"
            yield from _organisation(i, slug, rng, organisations, stats)
            organisations.append(slug)


def _organisation(i: int, slug: str, rng: random.Random, parents: list[str],
                  stats: Stats) -> Iterator[str]:
    name = f"Synthetic Organisation {i:06d}"
    sector = _pick(rng, ORG_SECTORS)
    lines = [f"<{ID}org/{slug}>", "    a org:Organization , schema:Organization ;",
             f'    skos:prefLabel "{name}" ;',
             f"    org:classification <{ID}organisation-type/{_pick(rng, ORG_TYPES)}> ;",
             f"    mcm:sector <{ID}sector/{sector}> ;", "    mcm:signed id:manifesto ;"]
    if i % 5 == 2:
        lines.append(f'    skos:altLabel "SO{i:06d}" ;')
    if i % 4 == 0:
        lines.append(f"    owl:sameAs wd:Q{900_000_000 + i} ;")
        stats.same_as += 1
    if parents and i % 10 == 5:
        lines.append(f"    org:subOrganizationOf <{ID}org/{rng.choice(parents)}> ;")
    if i % 16 == 1:
        lines.append(f"    mcm:ror <https://ror.org/0{i:06x}{i % 100:02d}> ;")
    stats.organisations += 1
    stats.per_sector[sector] = stats.per_sector.get(sector, 0) + 1
    yield "\n".join(lines) + "\n.\n\n"
    yield from _signature(i, f"org/{slug}", slug, "organisational", name, None)


def _person(i: int, rng: random.Random, organisations: list[str],
            stats: Stats) -> Iterator[str]:
    slug = f"synthetic-person-{i:06d}"
    name = f"Synthetic Person {i:06d}"
    title = rng.choice(JOB_TITLES)
    lines = [f"<{ID}person/{slug}>", "    a foaf:Person , schema:Person ;",
             f'    skos:prefLabel "{name}" ;', f'    schema:jobTitle "{title}"@en ;',
             f"    mcm:sector <{ID}sector/individual-experts> ;", "    mcm:signed id:manifesto ;"]
    role = title
    if organisations and i % 10 != 0:
        affiliation = rng.choice(organisations)
        lines.append(f"    schema:affiliation <{ID}org/{affiliation}> ;")
        role = f"{title}, Synthetic Organisation {affiliation.rsplit('-', 1)[1]}"
    stats.persons += 1
    stats.per_sector["individual-experts"] = stats.per_sector.get("individual-experts", 0) + 1
    yield "\n".join(lines) + "\n.\n\n"
    yield from _signature(i, f"person/{slug}", slug, "individual", name, role)


def _signature(i: int, agent: str, slug: str, capacity: str, name: str, role: str | None
               ) -> Iterator[str]:
    sig = f"{ID}signature/{slug}"
    # Most are listed by both sources, as 56 of the 69 real ones are.
    sources = ["manifesto", "announcement"] if i % 5 != 4 else [
        ("manifesto", "announcement")[i % 2]]
    lines = [f"<{sig}>", "    a mcm:Signature ;",
             f"    mcm:capacity <{ID}signing-capacity/{capacity}> ;",
             "    mcm:listing " + " , ".join(f"<{sig}#{s}>" for s in sources) + " ;",
             f"    mcm:signatory <{ID}{agent}> ;", "    mcm:signedDocument id:manifesto ;"]
    if capacity == "individual" and i % 2 == 1:
        lines.append('    mcm:capacityStatement "signing in personal capacity"@en ;')
    yield "\n".join(lines) + "\n.\n\n"
    for source in sources:
        entry = f"{name}, {role}" if role else name
        listing = [f"<{sig}#{source}>", "    a mcm:Listing ;", f'    mcm:entryText "{entry}" ;',
                   f"    mcm:listedIn id:{source} ;", f'    mcm:nameAsListed "{name}" ;']
        if role:
            listing.append(f'    mcm:roleAsListed "{role}" ;')
        yield "\n".join(listing) + "\n.\n\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.synth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("signatories", type=int, help="signatories in all (at least 69)")
    parser.add_argument("root", type=Path, help="data root to write (ontology/, shapes/, data/)")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    stats = write(args.root, args.signatories, args.seed)
    print(f"{args.root}: {stats.signatories} signatories ({stats.organisations} synthetic "
          f"organisations, {stats.persons} synthetic persons, {stats.same_as} owl:sameAs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
