"""The W3C Entity Reconciliation Service API (0.2, as OpenRefine 3.x calls it), as plain functions.

Manifest, reconciliation batches, suggest (entity, type, property), data extension and
preview data. Each takes parsed values and returns the JSON body as a dict; the Flask views
in reconcile.py only read the request and write the response.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import BadRequest
from .linking.agents import Agent
from .reconcile_index import Index

ORG_TYPE = "http://www.w3.org/ns/org#Organization"
PERSON_TYPE = "http://xmlns.com/foaf/0.1/Person"
TYPES = {ORG_TYPE: ("Organisation", "organisation"), PERSON_TYPE: ("Person", "person")}
# Type ids a person may type by hand, besides the IRIs.
TYPE_ALIASES = {"organisation": ORG_TYPE, "organization": ORG_TYPE, "org": ORG_TYPE,
                "person": PERSON_TYPE, "human": PERSON_TYPE}
PROPERTIES = {
    "sector": "Sector",
    "organisation-type": "Organisation type",
    "wikidata": "Wikidata item (QID)",
    "parent": "Parent organisation or affiliation",
}
MAX_TEXT = 500  # characters of one query's name


@dataclass(frozen=True)
class Query:
    """One reconciliation query, checked."""

    text: str
    kinds: set[str] | None = None
    limit: int = 5
    properties: list[tuple[str, str]] = field(default_factory=list)  # (pid, value)


@dataclass(frozen=True)
class Catalogue:
    """What the functions here look things up in: agents, the index and concept labels."""

    agents: dict[str, Agent]
    index: Index
    concepts: dict[str, str]  # concept IRI -> label
    base: str  # the dataset's base IRI

    def by_id(self, ident: str) -> Agent | None:
        """An agent from a reconciliation id ('org/microsoft') or its full IRI."""
        iri = ident if ident.startswith(("http://", "https://")) else self.base + "id/" + ident
        return self.agents.get(iri)

    def short(self, iri: str) -> str:
        """A concept or agent IRI as a reconciliation id (its path below id/)."""
        prefix = self.base + "id/"
        return iri[len(prefix):] if iri.startswith(prefix) else iri


def type_of(agent: Agent) -> dict[str, str]:
    iri = ORG_TYPE if agent.kind == "organisation" else PERSON_TYPE
    return {"id": iri, "name": TYPES[iri][0]}


def manifest(service_url: str, view_base: str, identifier_space: str,
             schema_space: str) -> dict[str, Any]:
    """The service manifest; service_url is this service's absolute URL (…/reconcile)."""
    root = service_url.rsplit("/reconcile", 1)[0]
    return {
        "versions": ["0.2"],
        "name": "Multistakeholder Manifesto on Cybercrime: signatories",
        "identifierSpace": identifier_space,
        "schemaSpace": schema_space,
        "documentation": root + "/",
        "defaultTypes": [{"id": iri, "name": name} for iri, (name, _) in TYPES.items()],
        "view": {"url": view_base + "{{id}}"},
        "preview": {"url": service_url + "/preview?id={{id}}", "width": 430, "height": 160},
        "suggest": {
            "entity": {"service_url": root, "service_path": "/reconcile/suggest/entity"},
            "type": {"service_url": root, "service_path": "/reconcile/suggest/type"},
            "property": {"service_url": root, "service_path": "/reconcile/suggest/property"},
        },
        "extend": {
            "propose_properties": {"service_url": root, "service_path": "/reconcile/properties"},
            "property_settings": [],
        },
    }


def _json(raw: str, what: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc}") from None


def _kinds(value: Any) -> set[str] | None:
    if value in (None, "", []):
        return None
    values = value if isinstance(value, list) else [value]
    kinds = set()
    for v in values:
        ident = v.get("id") if isinstance(v, dict) else v
        if not isinstance(ident, str):
            raise BadRequest("a query's type must be a type id or a list of them")
        iri = TYPE_ALIASES.get(ident.strip().casefold(), ident.strip())
        # an unknown type matches nothing, as the API asks, rather than failing the batch
        kinds.add(TYPES[iri][1] if iri in TYPES else "unknown")
    return kinds


def parse_queries(raw: str, max_queries: int, max_limit: int) -> dict[str, Query]:
    """The `queries` parameter: {key: {query, type?, limit?, properties?}}; BadRequest if not."""
    batch = _json(raw, "queries")
    if not isinstance(batch, dict) or not batch:
        raise BadRequest("queries must be a non-empty JSON object of named queries")
    if len(batch) > max_queries:
        raise BadRequest(f"at most {max_queries} queries per batch, not {len(batch)}")
    out = {}
    for key, q in batch.items():
        if not isinstance(q, dict) or not isinstance(q.get("query"), str):
            raise BadRequest(f"query {key!r} must be an object with a string 'query'")
        text = q["query"]
        if len(text) > MAX_TEXT:
            raise BadRequest(f"query {key!r} is longer than {MAX_TEXT} characters")
        limit = q.get("limit", 5)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise BadRequest(f"query {key!r}: limit must be a positive integer")
        props = []
        properties = q.get("properties") or []
        if not isinstance(properties, list):
            raise BadRequest(f"query {key!r}: properties must be a list")
        for prop in properties:
            if not isinstance(prop, dict) or not isinstance(prop.get("pid"), str):
                raise BadRequest(f"query {key!r}: each property needs a 'pid'")
            v = prop.get("v")
            v = v.get("id", "") if isinstance(v, dict) else v
            props.append((prop["pid"], "" if v is None else str(v)))
        out[str(key)] = Query(text=text, kinds=_kinds(q.get("type")),
                              limit=min(limit, max_limit), properties=props)
    return out


def _bonus(cat: Catalogue, agent: Agent, props: list[tuple[str, str]]) -> tuple[float, bool]:
    """Score added by the properties a query gives, and whether a QID settles it."""
    bonus, settled = 0.0, False
    for pid, value in props:
        v = value.strip().casefold()
        if not v:
            continue
        if pid == "wikidata" and agent.wikidata:
            if v.rsplit("/", 1)[-1] == agent.wikidata.casefold():
                bonus, settled = bonus + 100, True
        elif pid in ("sector", "organisation-type"):
            iri = agent.sector if pid == "sector" else agent.org_type
            if iri and v in (cat.concepts.get(iri, "").casefold(), cat.short(iri).casefold()):
                bonus += 3
    return bonus, settled


def reconcile(cat: Catalogue, queries: Mapping[str, Query]) -> dict[str, Any]:
    """Answer a batch: {key: {"result": [{id, name, type, score, match, description}]}}."""
    out: dict[str, Any] = {}
    for key, q in queries.items():
        found = cat.index.search(q.text, q.kinds, q.limit if not q.properties else 50)
        rescored = []
        for cand in found:
            bonus, settled = _bonus(cat, cand.agent, q.properties)
            rescored.append((min(100.0, cand.score + bonus), cand.match or settled, cand.agent))
        if q.properties:  # properties may change the order, and who is a sure match
            rescored.sort(key=lambda r: -r[0])
            rescored = rescored[:q.limit]
            rescored = [(s, m and i == 0 and (len(rescored) == 1 or s - rescored[1][0] >= 5),
                         a) for i, (s, m, a) in enumerate(rescored)]
        out[key] = {"result": [
            {"id": cat.short(a.iri), "name": a.label, "type": [type_of(a)],
             "score": s, "match": m, "description": describe(cat, a)}
            for s, m, a in rescored]}
    return out


def describe(cat: Catalogue, agent: Agent) -> str:
    """A one-line description: kind, sector, organisation type."""
    parts = [cat.concepts.get(i, "") for i in (agent.org_type, agent.sector) if i]
    if agent.kind == "person":
        parts.insert(0, "Person")
    return ", ".join(p for p in parts if p)


def parse_extend(raw: str) -> tuple[list[str], list[str]]:
    """The `extend` parameter: {ids: [...], properties: [{id}]}; BadRequest if not."""
    body = _json(raw, "extend")
    if not isinstance(body, dict):
        raise BadRequest("extend must be a JSON object with ids and properties")
    ids, props = body.get("ids"), body.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise BadRequest("extend.ids must be a list of entity ids")
    if not isinstance(props, list) or not all(isinstance(p, dict) and isinstance(p.get("id"),
                                                                              str)
                                              for p in props):
        raise BadRequest("extend.properties must be a list of {\"id\": ...}")
    return ids, [p["id"] for p in props]


def extend(cat: Catalogue, ids: list[str], props: list[str]) -> dict[str, Any]:
    """Data extension: sector, organisation type, Wikidata QID and parent of each entity."""
    unknown = [p for p in props if p not in PROPERTIES]
    if unknown:
        raise BadRequest(f"unknown properties {unknown}; known: {sorted(PROPERTIES)}")
    rows: dict[str, dict[str, list[dict[str, str]]]] = {}
    for ident in ids:
        agent = cat.by_id(ident)
        row: dict[str, list[dict[str, str]]] = {p: [] for p in props}
        if agent is not None:
            for p in props:
                row[p] = _values(cat, agent, p)
        rows[ident] = row
    meta = [{"id": p, "name": PROPERTIES[p]} for p in props]
    return {"meta": meta, "rows": rows}


def _values(cat: Catalogue, agent: Agent, prop: str) -> list[dict[str, str]]:
    if prop == "wikidata":
        return [{"str": agent.wikidata}] if agent.wikidata else []
    if prop == "parent":
        return [{"id": cat.short(iri), "name": cat.agents[iri].label}
                for iri in agent.related if iri in cat.agents]
    iri = agent.sector if prop == "sector" else agent.org_type
    return [{"id": cat.short(iri), "name": cat.concepts.get(iri, cat.short(iri))}] if iri else []


def propose_properties(type_id: str | None, limit: int | None) -> dict[str, Any]:
    """The properties data extension offers for a type (the same for both of ours)."""
    props = [{"id": pid, "name": name} for pid, name in PROPERTIES.items()]
    if type_id and TYPE_ALIASES.get(type_id.casefold(), type_id) == PERSON_TYPE:
        props = [p for p in props if p["id"] != "organisation-type"]
    return {"type": type_id or ORG_TYPE, "properties": props[:limit] if limit else props}


def suggest_entities(cat: Catalogue, prefix: str, type_id: str | None,
                     limit: int) -> dict[str, Any]:
    kinds = _kinds(type_id) if type_id else None
    found = cat.index.suggest(prefix, kinds, limit)
    return {"result": [{"id": cat.short(a.iri), "name": a.label,
                        "description": describe(cat, a), "notable": [type_of(a)]}
                       for a in found]}


def suggest_types(prefix: str) -> dict[str, Any]:
    p = prefix.strip().casefold()
    return {"result": [{"id": iri, "name": name} for iri, (name, _) in TYPES.items()
                       if name.casefold().startswith(p) or p in iri.casefold()]}


def suggest_properties(prefix: str) -> dict[str, Any]:
    p = prefix.strip().casefold()
    return {"result": [{"id": pid, "name": name} for pid, name in PROPERTIES.items()
                       if p in pid or p in name.casefold()]}
