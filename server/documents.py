"""What a document says about its resource, as plain functions over the Store protocol.

A document (`id/org/microsoft`, `def`, `shapes`, ...) describes its resource completely:
- its own triples, and those of its hash sub-resources (`...#manifesto`, `def#Term`),
  with the blank nodes they lead to (the shapes' lists);
- the useful inverse links: every `?x ?p <resource>` except the noisy predicates in
  INVERSE_SKIPPED (a sector lists its signatories, a scheme its concepts, ...);
- the labels, types and positions of everything it links to, so it reads on its own.

Only SELECT and CONSTRUCT are used, so a remote SPARQL store works as well as the
embedded one. These run once per data version; rendering caches the result.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from .namespaces import MCM, PREFIXES, SDO, SH
from .store import Store

# Predicates that give a linked resource its name, kind and order.
LABEL_PREDICATES = (SKOS.prefLabel, RDFS.label, DCTERMS.title, SDO.name, RDF.type, SDO.position)
# Inverse links that would swamp a document without telling a reader anything new: every
# instance of a class, every term of the vocabulary, the 130 listings of a source, the
# shapes that mention a term.
INVERSE_SKIPPED = (RDF.type, RDFS.isDefinedBy, MCM.listedIn, MCM.signedDocument)
INVERSE_SKIPPED_NAMESPACES = (str(SH),)
# Inverse links from a node that qualifies the relation (PROV-O style): that node and its
# hash sub-resources are described in full, not only linked.
QUALIFIED_INVERSE = (MCM.signatory,)


def document_iri(iri: str) -> str:
    """The document a (hash) IRI is described in: the IRI without its fragment."""
    return iri.split("#", 1)[0]


def _iri(term: str) -> str:
    if any(c in term for c in '<>"{}|^`\\ \n'):
        raise ValueError(f"not an IRI that can be put in a query: {term!r}")
    return f"<{term}>"


def catalogue(store: Store, base: str) -> list[str]:
    """Every document IRI under base that has something to say, sorted."""
    rows = store.select(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o . "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}")) }}'
    )
    return sorted({document_iri(str(row["s"])) for row in rows})


def aliases(store: Store, base: str) -> dict[str, str]:
    """IRIs that resolve to another document: an ontology's current owl:versionIRI."""
    rows = store.select(
        f"SELECT ?v ?o WHERE {{ ?o {_iri(str(OWL.versionIRI))} ?v . "
        f'FILTER(STRSTARTS(STR(?v), "{base}")) }}'
    )
    return {str(r["v"]): document_iri(str(r["o"])) for r in rows}


def own_subjects(store: Store, iri: str) -> list[URIRef]:
    """The resource and its hash sub-resources that have triples."""
    rows = store.select(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o . "
        f'FILTER(?s = {_iri(iri)} || STRSTARTS(STR(?s), "{iri}#")) }}'
    )
    return sorted(URIRef(str(r["s"])) for r in rows if isinstance(r["s"], URIRef))


def _values(terms: Iterable[Node]) -> str:
    return " ".join(_iri(str(t)) for t in terms)


def describe(store: Store, iri: str) -> Graph:
    """The document graph of `iri` (see the module docstring); empty when unknown."""
    subjects = own_subjects(store, iri)
    graph = Graph()
    if not subjects:
        return graph
    values = _values(subjects)
    # Own triples, and (a superset of) the blank nodes they lead to: SPARQL cannot follow
    # blank nodes only, so the walk below keeps exactly those reachable through blank nodes.
    own = store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}"
    )
    blanks = store.construct(
        "CONSTRUCT { ?b ?p ?o } WHERE { "
        f"VALUES ?s {{ {values} }} ?s ?p0 ?b0 . FILTER(isBlank(?b0)) "
        "?b0 (<urn:x:any>|!<urn:x:any>)* ?b . FILTER(isBlank(?b)) ?b ?p ?o }"
    ) if any(isinstance(o, BNode) for o in own.objects()) else Graph()
    graph += own
    _add_blank_closure(graph, blanks)

    skipped = ", ".join(_iri(str(p)) for p in INVERSE_SKIPPED)
    inverse = store.construct(
        "CONSTRUCT { ?x ?p ?s } WHERE { "
        f"VALUES ?s {{ {values} }} ?x ?p ?s . FILTER(isIRI(?x)) "
        f"FILTER(?p NOT IN ({skipped})) }}"
    )
    mine = set(subjects)
    for x, p, s in inverse:
        if x not in mine and not str(p).startswith(INVERSE_SKIPPED_NAMESPACES):
            graph.add((x, p, s))

    # A signatory's document carries its signature whole: capacity, and how each source
    # lists it (the spelling as found), which a reader of the signatory wants to see.
    qualified = sorted({x for x, p, _ in inverse if p in QUALIFIED_INVERSE and x not in mine},
                       key=str)
    if qualified:
        graph += store.construct(
            "CONSTRUCT { ?s ?p ?o } WHERE { "
            f"VALUES ?q {{ {_values(qualified)} }} ?s ?p ?o . "
            'FILTER(?s = ?q || STRSTARTS(STR(?s), CONCAT(STR(?q), "#"))) }'
        )
        mine |= {s for s in graph.subjects() if isinstance(s, URIRef)
                 and document_iri(str(s)) in {str(q) for q in qualified}}

    # Classes are named in the vocabulary document; labelling them here would add a second
    # top-level node to every document.
    linked = {o for _, p, o in graph if isinstance(o, URIRef) and p != RDF.type}
    linked |= {s for s, _, _ in graph if isinstance(s, URIRef)}
    linked -= mine
    linked = {t for t in linked if not str(t).startswith(tuple(_VOCAB_NAMESPACES))}
    if linked:
        label_values = _values(LABEL_PREDICATES)
        graph += store.construct(
            "CONSTRUCT { ?x ?lp ?l } WHERE { "
            f"VALUES ?x {{ {_values(sorted(linked))} }} VALUES ?lp {{ {label_values} }} "
            "?x ?lp ?l }"
        )
    return canonical(graph)


# Terms of external vocabularies are linked, not described: no labels are looked up for them.
_VOCAB_NAMESPACES = [ns for p, ns in PREFIXES.items() if p not in ("mcm",)]


def _add_blank_closure(graph: Graph, blanks: Graph) -> None:
    todo = [o for o in graph.objects() if isinstance(o, BNode)]
    seen: set[Node] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in blanks.predicate_objects(node):
            graph.add((node, p, o))
            if isinstance(o, BNode):
                todo.append(o)


def canonical(graph: Graph) -> Graph:
    """The graph with blank nodes relabelled deterministically (same bytes in every worker)."""
    if not any(isinstance(t, BNode) for triple in graph for t in triple):
        return graph
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns)
    for triple in to_canonical_graph(graph):
        out.add(triple)
    return out


def label(graph: Graph, node: Node) -> str | None:
    """The best label of a node in a graph: prefLabel, label, title or name (English first)."""
    for pred in (SKOS.prefLabel, RDFS.label, DCTERMS.title, SDO.name):
        values = [v for v in graph.objects(node, pred) if isinstance(v, Literal)]
        if values:
            values.sort(key=lambda v: (v.language not in (None, "en"), str(v)))
            return str(values[0])
    return None
