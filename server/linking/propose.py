"""Propose Wikidata candidates for signatories without a link, for a person to review.

Candidates are found by exact label and alias search (every spelling we know, in English and
Wikidata's "mul"), then filtered by kind: a person must be an instance of Q5 human, an
organisation an instance of a subclass of Q43229 organization. Affiliation or parent (by our
own verified links, or by name) and the official website are given as evidence. The result
goes to a review file; nothing is ever written into the published data.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .agents import Agent, qid
from .client import Client, value
from .names import normalise, plausible_label, similarity, split_parenthesised
from .verify import HUMAN, PREFIXES, Found, facts_query, fetch

ORGANIZATION = "Q43229"
NAME_BATCH = 40  # literals per search query
# Who an item belongs to: employer and affiliation (people), parent and part-of (organisations).
RELATION_KEYS = ("P108", "P1416", "P749", "P361")
PATTERNS = {
    **{key: f"?item wdt:{key} ?value ." for key in RELATION_KEYS},
    "organisation": (f"?item wdt:P31/wdt:P279* wd:{ORGANIZATION} ."
                     f" BIND(wd:{ORGANIZATION} AS ?value)"),
}
DETAIL_KEYS = ("label", "description", "alias", "P31", "P856", "P17", *RELATION_KEYS,
               "organisation")
COLUMNS = ("subject", "our_label", "kind", "decision", "score", "wikidata", "wikidata_label",
           "description", "instance_of", "website", "country", "found_by", "evidence", "reason")


@dataclass
class Candidate:
    """One item proposed (or rejected) for one of our entities, with the evidence."""

    agent: Agent
    wikidata: str
    found_by: set[str] = field(default_factory=set)
    label: str = ""
    description: str = ""
    instance_of: list[str] = field(default_factory=list)
    website: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    decision: str = "review"
    reason: str = ""
    score: float = 0.0

    def row(self) -> dict[str, str]:
        return {
            "subject": self.agent.iri, "our_label": self.agent.label, "kind": self.agent.kind,
            "decision": self.decision, "score": f"{self.score:.0f}", "wikidata": self.wikidata,
            "wikidata_label": self.label, "description": self.description,
            "instance_of": "; ".join(self.instance_of), "website": " ".join(self.website),
            "country": "; ".join(self.country), "found_by": "; ".join(sorted(self.found_by)),
            "evidence": "; ".join(self.evidence), "reason": self.reason,
        }


def search_terms(agent: Agent) -> list[str]:
    """The spellings to look up exactly: every name, and each without its bracketed part."""
    terms: dict[str, None] = {}
    for name in agent.names:
        outer, inner = split_parenthesised(name)
        for term in (name, outer, *inner):
            term = " ".join(term.split())
            if len(term) >= 2:
                terms[term] = None
    return list(terms)


def _literal(text: str, lang: str) -> str:
    return json.dumps(text, ensure_ascii=False) + "@" + lang


def search_query(terms: Iterable[str]) -> str:
    """Items whose label or alias is exactly one of the terms (English or "mul")."""
    values = " ".join(_literal(t, lang) for t in terms for lang in ("en", "mul"))
    return PREFIXES + f"""SELECT ?name ?item ?via WHERE {{
  VALUES ?name {{ {values} }}
  {{ ?item rdfs:label ?name . BIND("label" AS ?via) }}
  UNION {{ ?item skos:altLabel ?name . BIND("alias" AS ?via) }}
}}"""


def search(client: Client, agents: list[Agent],
           progress: Callable[[str], None] = lambda _: None) -> list[Candidate]:
    """Label and alias search for every agent; one candidate per (agent, item)."""
    by_term: dict[str, list[Agent]] = {}
    for agent in agents:
        for term in search_terms(agent):
            by_term.setdefault(term, []).append(agent)
    terms = list(by_term)
    found: dict[tuple[str, str], Candidate] = {}
    for start in range(0, len(terms), NAME_BATCH):
        for row in client.select(search_query(terms[start:start + NAME_BATCH])):
            item = qid(value(row.get("item")) or "")
            name = value(row.get("name"))
            if not item or name is None:
                continue
            for agent in by_term.get(name, []):
                cand = found.setdefault((agent.iri, item), Candidate(agent=agent, wikidata=item))
                cand.found_by.add(f"{value(row.get('via'))} {name!r}")
        progress(f"searched {min(start + NAME_BATCH, len(terms))} of {len(terms)} names")
    return list(found.values())


def _labelled(rows: list[tuple[str | None, str | None, str | None]]) -> list[tuple[str, str]]:
    return sorted({(q, label or "") for v, label, _ in rows if (q := qid(v or ""))})


def assess(cand: Candidate, found: Found, agents: dict[str, Agent]) -> Candidate:
    """Fill in the candidate's facts, decide review or rejected, collect evidence, score."""
    cand.label = next((v for v, _, lang in found.get("label", []) if lang == "en" and v),
                      next((v or "" for v, _, _ in found.get("label", [])), ""))
    cand.description = next((v or "" for v, _, _ in found.get("description", [])), "")
    kinds = _labelled(found.get("P31", []))
    cand.instance_of = [f"{q} {label}".strip() for q, label in kinds]
    cand.website = sorted({v for v, _, _ in found.get("P856", []) if v})
    cand.country = [f"{q} {label}".strip() for q, label in _labelled(found.get("P17", []))]
    kind_ids = {q for q, _ in kinds}
    is_org = bool(found.get("organisation"))
    if cand.agent.kind == "person" and HUMAN not in kind_ids:
        cand.decision, cand.reason = "rejected", "wrong type: not an instance of Q5 human"
    elif cand.agent.kind == "organisation" and (HUMAN in kind_ids or not is_org):
        cand.decision = "rejected"
        cand.reason = "wrong type: not an instance of (a subclass of) Q43229 organization"
    names = [cand.label, *(v or "" for v, _, _ in found.get("alias", []))]
    ours = {normalise(n) for n in cand.agent.names}
    theirs = {normalise(n) for n in names if n}
    cand.score = max((similarity(a, b) for a in ours for b in theirs), default=0.0)
    # affiliations and parents, and theirs: a person's centre belongs to a university
    nearby = [*cand.agent.related,
              *(p for iri in cand.agent.related if iri in agents for p in agents[iri].related)]
    related = [agents[iri] for iri in dict.fromkeys(nearby) if iri in agents]
    relation_rows = [(key, row) for key in RELATION_KEYS for row in found.get(key, [])]
    for rel in related:
        for key, (item, label, _) in relation_rows:
            item_q = qid(item or "")
            if rel.wikidata and item_q == rel.wikidata:
                cand.evidence.append(f"{key} wd:{item_q} is our verified link of {rel.label}")
                cand.score += 10
            elif label and plausible_label(rel.names, [label]):
                cand.evidence.append(f"{key} {label!r} matches our {rel.label!r} by name")
                cand.score += 5
    if cand.website:
        cand.evidence.append("official website: " + " ".join(cand.website))
    return cand


def propose(client: Client, agents: dict[str, Agent], only: Iterable[str] | None = None,
            progress: Callable[[str], None] = lambda _: None) -> list[Candidate]:
    """Candidates for every signatory without a link (or only the given IRIs), best first."""
    wanted = set(only) if only else None
    todo = [a for a in agents.values() if a.signatory and not a.wikidata
            and (wanted is None or a.iri in wanted)]
    candidates = search(client, todo, progress)
    qids = sorted({c.wikidata for c in candidates}, key=lambda q: int(q[1:]))

    def detail_query(batch: list[str]) -> str:
        return facts_query(batch, DETAIL_KEYS, PATTERNS)

    details = fetch(client, qids, detail_query, progress)
    out = [assess(c, details.get(c.wikidata, {}), agents) for c in candidates]
    return sorted(out, key=lambda c: (c.agent.iri, c.decision != "review", -c.score,
                                      int(c.wikidata[1:])))


def write_review(candidates: list[Candidate], path: Path) -> None:
    """The review file: one CSV row per candidate, to be read by a person, never loaded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for cand in candidates:
            writer.writerow(cand.row())
