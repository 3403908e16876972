"""Verify every Wikidata link in the data against a SPARQL endpoint, and record what it said.

A link is checked for: the item exists, is not a redirect, has an English label that
plausibly names our entity, and is of the right kind (Q5 human for a person, not Q5 for an
organisation). Problems are reported and recorded in the snapshot; the data is never changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from .agents import Agent, qid
from .client import Client, value
from .names import plausible_label
from .snapshot import Facts, Link, Snapshot

HUMAN = "Q5"
BATCH = 50
LABEL_LANGS = ("en", "mul")  # Wikidata's "mul" labels stand for every language

PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX schema: <http://schema.org/>
"""


# What to ask of an item, by key: a graph pattern binding ?value for ?item.
PATTERNS = {
    "redirect": "?item owl:sameAs ?value .",
    "label": '?item rdfs:label ?value . FILTER(LANG(?value) IN ("en", "mul"))',
    "description": '?item schema:description ?value . FILTER(LANG(?value) = "en")',
    "alias": '?item skos:altLabel ?value . FILTER(LANG(?value) = "en")',
    "P31": "?item wdt:P31 ?value .",
    "P856": "?item wdt:P856 ?value .",
    "P17": "?item wdt:P17 ?value .",
}
VERIFY_KEYS = tuple(PATTERNS)


def facts_query(qids: Iterable[str], keys: Iterable[str] = VERIFY_KEYS,
                patterns: dict[str, str] | None = None) -> str:
    """One SELECT for a batch of items: one row per (item, key, value), values labelled."""
    patterns = {**PATTERNS, **(patterns or {})}
    values = " ".join(f"wd:{q}" for q in qids)
    union = "\n    UNION ".join(
        f'{{ {patterns[key]} BIND("{key}" AS ?key) }}' for key in keys)
    return PREFIXES + f"""SELECT ?item ?key ?value ?valueLabel WHERE {{
  VALUES ?item {{ {values} }}
  {{
    {union}
  }}
  OPTIONAL {{ ?value rdfs:label ?valueLabel . FILTER(LANG(?valueLabel) = "en") }}
}}"""


Found = dict[str, list[tuple[str | None, str | None, str | None]]]


def fetch(client: Client, qids: list[str], query: Callable[[list[str]], str] = facts_query,
          progress: Callable[[str], None] = lambda _: None) -> dict[str, Found]:
    """Rows grouped by item and key: {QID: {key: [(value, valueLabel, lang), ...]}}."""
    seen: dict[str, Found] = {q: {} for q in qids}
    for start in range(0, len(qids), BATCH):
        batch = qids[start:start + BATCH]
        for row in client.select(query(batch)):
            item = qid(value(row.get("item")) or "")
            key = value(row.get("key"))
            if item not in seen or key is None:
                continue
            term = row.get("value") or {}
            seen[item].setdefault(key, []).append(
                (term.get("value"), value(row.get("valueLabel")), term.get("xml:lang")))
        progress(f"checked {min(start + BATCH, len(qids))} of {len(qids)} items")
    return seen


def _items(rows: list[tuple[str | None, str | None, str | None]]) -> list[dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for iri, label, _ in rows:
        q = qid(iri or "")
        if q:
            out[q] = {"id": q, "label": label or ""}
    return sorted(out.values(), key=lambda i: (int(i["id"][1:])))


def to_facts(found: Found) -> Facts:
    """Facts from one item's grouped rows; the English label wins over the "mul" one."""
    labels = {lang: v for v, _, lang in found.get("label", [])}
    return Facts(
        label=next((labels[lang] for lang in LABEL_LANGS if lang in labels), None),
        description=next((v for v, _, _ in found.get("description", [])), None),
        aliases=sorted({v for v, _, _ in found.get("alias", []) if v}),
        instance_of=_items(found.get("P31", [])),
        website=sorted({v for v, _, _ in found.get("P856", []) if v}),
        country=_items(found.get("P17", [])),
    )


def judge(link: Link, agent: Agent | None, found: Found) -> Link:
    """The link with status, problems, changes and facts set from what the endpoint said."""
    checked = Link(**{**link.__dict__, "problems": [], "changes": []})
    redirects = [qid(v or "") for v, _, _ in found.get("redirect", [])]
    if redirects:
        checked.status, checked.facts = "redirect", None
        checked.problems.append(
            f"wd:{link.wikidata} redirects to wd:{redirects[0]}: check that item and update "
            "the link and verified.csv by hand")
        return checked
    if not found:
        checked.status, checked.facts = "missing", None
        checked.problems.append(f"wd:{link.wikidata} was not found (deleted, or a wrong QID)")
        return checked
    facts = to_facts(found)
    if not facts.label:
        checked.problems.append("the item has no English label")
    names = agent.names if agent else [link.label]
    if facts.label and not plausible_label(names, [facts.label, *facts.aliases]):
        checked.problems.append(
            f"label mismatch: Wikidata says {facts.label!r}, we say {link.label!r}")
    kinds = {i["id"] for i in facts.instance_of}
    if link.kind == "person" and HUMAN not in kinds:
        checked.problems.append("a person linked to an item that is not an instance of Q5 human")
    if link.kind == "organisation" and HUMAN in kinds:
        checked.problems.append("an organisation linked to an item about a human (Q5)")
    if link.facts is not None:
        checked.changes = facts.changes_from(link.facts)
    checked.facts = facts
    checked.status = "mismatch" if checked.problems else ("changed" if checked.changes else "ok")
    return checked


def verify(snapshot: Snapshot, agents: dict[str, Agent], client: Client,
           progress: Callable[[str], None] = lambda _: None) -> Snapshot:
    """Check every link of the snapshot at the client's endpoint; return the updated snapshot."""
    qids = sorted({link.wikidata for link in snapshot.links}, key=lambda q: int(q[1:]))
    found = fetch(client, qids, progress=progress)
    links = [judge(link, agents.get(link.subject), found.get(link.wikidata, {}))
             for link in snapshot.links]
    checked = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return Snapshot(endpoint=client.endpoint, checked=checked, links=links)


def report(snapshot: Snapshot) -> str:
    """One line per link, problems and changes indented below; a summary line at the end."""
    lines = []
    counts: dict[str, int] = {}
    for link in sorted(snapshot.links, key=lambda x: (x.status != "ok", x.subject)):
        status = link.status or "unchecked"
        counts[status] = counts.get(status, 0) + 1
        lines.append(f"{status:9} wd:{link.wikidata:<10} {link.label}  <{link.subject}>")
        lines += [f"          ! {p}" for p in link.problems]
        lines += [f"          ~ changed {c}" for c in link.changes]
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    lines.append(f"{len(snapshot.links)} links: {summary}.")
    return "\n".join(lines)
