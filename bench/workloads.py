"""The five workloads of issue 6 (W1-W5), as SPARQL text and as HTTP requests per server.

Every server gets the same question in its own protocol: our publisher and Oxigraph through
SPARQL (Oxigraph's W4 is the CONSTRUCT of the same entity document), nginx as static files.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field

BASE = "https://w3id.org/cybercrime-manifesto/"
ENTITY = "id/org/microsoft"  # a signatory with a sector, a type, a Wikidata item, a signature
SECTOR = "id/sector/private-sector"

JSON_RESULTS = "application/sparql-results+json"
TURTLE = "text/turtle"
JSONLD = "application/ld+json"

# "@base@" stands for the IRI base: canonical for most servers, the request origin for a
# publisher whose endpoint only knows rewritten IRIs.
_PREFIXES = """PREFIX mcm: <@base@def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

# W1: signatories of one sector with their Wikidata item (join, filter, order).
_W1 = f"""SELECT ?signatory ?name ?item WHERE {{
  ?signatory mcm:signed ?document ;
             mcm:sector <@base@{SECTOR}> ;
             skos:prefLabel ?name .
  OPTIONAL {{ ?signatory owl:sameAs ?item
             FILTER(STRSTARTS(STR(?item), "http://www.wikidata.org/entity/")) }}
}} ORDER BY ?name ?signatory"""

_W2 = f"DESCRIBE <@base@{ENTITY}>"

# W3: how many signatories per sector (GROUP BY).
_W3 = """SELECT ?sector (COUNT(DISTINCT ?signatory) AS ?signatories) WHERE {
  ?signatory mcm:signed ?document ; mcm:sector ?sector .
} GROUP BY ?sector ORDER BY ?sector"""

# W4 for SPARQL stores: what our entity document holds, so that the peers do the same work:
# the entity's triples, those of the resources that point to it (its signature) and of
# their listings, and the type, label and title of everything these link to.
_W4 = f"""PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
CONSTRUCT {{
  ?r ?p ?o . ?o a ?type ; skos:prefLabel ?label ; dct:title ?title .
}} WHERE {{
  {{ BIND(<@base@{ENTITY}> AS ?r) }}
  UNION {{ ?r ?q <@base@{ENTITY}> }}
  UNION {{ ?s ?q <@base@{ENTITY}> . ?s mcm:listing ?r }}
  ?r ?p ?o .
  OPTIONAL {{ ?o a ?type FILTER(?p != rdf:type) }}
  OPTIONAL {{ ?o skos:prefLabel ?label }}
  OPTIONAL {{ ?o dct:title ?title }}
}}"""

# W5 for SPARQL stores (for information only: the target is against nginx).
_W5 = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@dataclass(frozen=True)
class Workload:
    """One row group of the table: what is asked, in which format."""

    key: str
    label: str
    kind: str  # "select" | "describe" | "document" | "dump"
    accept: str
    sparql: str  # the SPARQL form, with @base@ for the IRI base
    suffix: str = ""  # file suffix of a document or dump

    def query(self, base: str = BASE) -> str:
        """The SPARQL text with IRIs under `base`."""
        return (_PREFIXES + self.sparql).replace("@base@", base)


WORKLOADS: tuple[Workload, ...] = (
    Workload("W1", "W1 sector+Wikidata", "select", JSON_RESULTS, _W1),
    Workload("W2", "W2 DESCRIBE", "describe", TURTLE, _W2),
    Workload("W3", "W3 count/sector", "select", JSON_RESULTS, _W3),
    Workload("W4t", "W4 doc Turtle", "document", TURTLE, _W4, ".ttl"),
    Workload("W4j", "W4 doc JSON-LD", "document", JSONLD, _W4, ".jsonld"),
    Workload("W5", "W5 Turtle dump", "dump", TURTLE, _W5, ".ttl"),
)
BY_KEY = {w.key: w for w in WORKLOADS}


@dataclass(frozen=True)
class Request:
    """One HTTP GET as wrk will send it."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        parts = urllib.parse.urlsplit(self.url)
        return parts.path + ("?" + parts.query if parts.query else "")


def sparql_get(endpoint: str, query: str, accept: str) -> Request:
    """A SPARQL protocol query by GET (what wrk can replay without a script)."""
    return Request(endpoint + "?" + urllib.parse.urlencode({"query": query}),
                   {"Accept": accept})


_LOOPBACK_ORIGIN = re.compile(r"^http://127\.0\.0\.1:\d+/")


def canonical(iri: str) -> str:
    """Undo the publisher's rewrite of the canonical base to a loopback origin."""
    return _LOOPBACK_ORIGIN.sub(BASE, iri, count=1)
