"""What the landing page shows: the manifesto, its principles in order, the signatories by
sector with counts, and the downloads. Plain functions over the Store protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .store import Store

_PREFIXES = """
PREFIX mcm: <{base}def#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""


@dataclass
class Principle:
    iri: str
    position: int
    title: str
    text: str
    group: str


@dataclass
class Signatory:
    iri: str
    name: str
    person: bool


@dataclass
class Sector:
    iri: str
    name: str
    signatories: list[Signatory] = field(default_factory=list)


@dataclass
class Landing:
    """The landing page's content."""

    manifesto: str
    title: str
    description: str
    issued: str
    principles: list[Principle]
    sectors: list[Sector]

    @property
    def signatory_count(self) -> int:
        return sum(len(s.signatories) for s in self.sectors)


def landing(store: Store, base: str) -> Landing:
    """Query the landing page's content."""
    prefixes = _PREFIXES.format(base=base)
    manifesto = base + "id/manifesto"
    head = store.select(prefixes + f"""
        SELECT ?title ?description ?issued WHERE {{
          <{manifesto}> dct:title ?title .
          OPTIONAL {{ <{manifesto}> dct:description ?description }}
          OPTIONAL {{ <{manifesto}> dct:issued ?issued }}
        }} LIMIT 1""")
    row: dict[str, Any] = head[0] if head else {}
    principles = [
        Principle(str(r["p"]), int(str(r["pos"])), str(r["title"]), str(r.get("text", "")),
                  str(r.get("group", "")))
        for r in store.select(prefixes + f"""
            SELECT ?p ?pos ?title ?text ?group WHERE {{
              ?p a mcm:Principle ; dct:isPartOf <{manifesto}> ; schema:position ?pos ;
                 dct:title ?title .
              OPTIONAL {{ ?p schema:text ?text }}
              OPTIONAL {{ ?p mcm:principleGroup/skos:prefLabel ?group }}
            }} ORDER BY ?pos""")
    ]
    sectors: dict[str, Sector] = {}
    for r in store.select(prefixes + f"""
            SELECT ?sector ?sectorName ?s ?name ?person WHERE {{
              ?s mcm:signed <{manifesto}> ; skos:prefLabel ?name .
              OPTIONAL {{ ?s mcm:sector ?sector . ?sector skos:prefLabel ?sectorName }}
              BIND(EXISTS {{ ?s a foaf:Person }} AS ?person)
            }}"""):
        key = str(r.get("sector", ""))
        sector = sectors.setdefault(key, Sector(key, str(r.get("sectorName", "Other"))))
        sector.signatories.append(Signatory(str(r["s"]), str(r["name"]),
                                            str(r.get("person")) == "true"))
    for sector in sectors.values():
        sector.signatories.sort(key=lambda s: s.name.casefold())
    ordered = sorted(sectors.values(), key=lambda s: (-len(s.signatories), s.name))
    return Landing(manifesto, str(row.get("title", "")), str(row.get("description", "")),
                   str(row.get("issued", "")), principles, ordered)
