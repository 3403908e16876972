"""JSON-LD: the published @context, and documents that read like plain JSON.

A document is built as a tree in expanded JSON-LD: the resource at the root, what it links
to embedded where it is first linked (hash sub-resources in full, linked resources with
their labels), inverse links under `@reverse`, RDF lists as `@list`. pyld then compacts
the tree against the context, which keeps the nesting. Every triple of the graph is in
the tree exactly once, so the JSON-LD expands to the same triples as the Turtle.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyld import jsonld
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from .namespaces import FILE_BASE

CONTEXT_FILE = Path(__file__).with_name("context.jsonld")
CONTEXT_PATH = "context.jsonld"  # under the base: {base}context.jsonld

JSON = dict[str, Any]


@lru_cache(maxsize=8)
def context(base: str = FILE_BASE) -> JSON:
    """The published context document ({"@context": {...}}) for the served base."""
    text = CONTEXT_FILE.read_text(encoding="utf-8")
    result: JSON = json.loads(text.replace(FILE_BASE, base))
    return result


def context_bytes(base: str = FILE_BASE) -> bytes:
    """The context document as served."""
    return (json.dumps(context(base), indent=2, ensure_ascii=False) + "\n").encode()


def _literal(lit: Literal) -> JSON:
    if lit.language:
        return {"@value": str(lit), "@language": lit.language}
    dt = lit.datatype
    if dt is None or dt == XSD.string:
        return {"@value": str(lit)}
    lexical = str(lit)
    # Native JSON numbers and booleans only where they expand back to the same lexical form.
    if dt == XSD.integer and lexical.lstrip("-").isdigit() and str(int(lexical)) == lexical:
        return {"@value": int(lexical)}
    if dt == XSD.boolean and lexical in ("true", "false"):
        return {"@value": lexical == "true"}
    return {"@value": lexical, "@type": str(dt)}


class _TreeBuilder:
    """Turns a graph into one expanded JSON-LD tree rooted at a resource."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.emitted: set[tuple[Node, Node, Node]] = set()
        self.embedded: set[Node] = set()
        self.refs: dict[Node, int] = {}
        for _, _, o in graph:
            if isinstance(o, BNode):
                self.refs[o] = self.refs.get(o, 0) + 1

    def _id(self, node: Node) -> str:
        return f"_:{node}" if isinstance(node, BNode) else str(node)

    def _as_list(self, node: Node) -> list[Node] | None:
        """The items of a well-formed RDF list that starts at node, else None."""
        items, cell, cells = [], node, []
        while cell != RDF.nil:
            if not isinstance(cell, BNode) or self.refs.get(cell, 0) != 1:
                return None
            preds = list(self.graph.predicate_objects(cell))
            firsts = [o for p, o in preds if p == RDF.first]
            rests = [o for p, o in preds if p == RDF.rest]
            if len(preds) != 2 or len(firsts) != 1 or len(rests) != 1 or cell in cells:
                return None
            cells.append(cell)
            items.append(firsts[0])
            cell = rests[0]
        for cell in cells:
            self.embedded.add(cell)
            for p, o in self.graph.predicate_objects(cell):
                self.emitted.add((cell, p, o))
        return items

    def value(self, node: Node) -> JSON:
        if isinstance(node, Literal):
            return _literal(node)
        if isinstance(node, BNode) and node not in self.embedded:
            items = self._as_list(node)
            if items is not None:
                return {"@list": [self.value(item) for item in items]}
        if node not in self.embedded and (node, None, None) in self.graph:
            return self.node(node)
        return {"@id": self._id(node)}

    def node(self, subject: Node, reverse: bool = False) -> JSON:
        self.embedded.add(subject)
        obj: JSON = {}
        if not (isinstance(subject, BNode) and self.refs.get(subject, 0) <= 1):
            obj["@id"] = self._id(subject)
        for p, o in sorted(self.graph.predicate_objects(subject), key=_sort_key):
            triple = (subject, p, o)
            if triple in self.emitted:
                continue
            self.emitted.add(triple)
            if p == RDF.type and isinstance(o, URIRef):
                obj.setdefault("@type", []).append(str(o))
            else:
                obj.setdefault(str(p), []).append(self.value(o))
        if reverse:
            rev: JSON = {}
            for x, p in sorted(self.graph.subject_predicates(subject), key=_sort_key):
                triple = (x, p, subject)
                if triple in self.emitted or isinstance(x, BNode):
                    continue
                self.emitted.add(triple)
                rev.setdefault(str(p), []).append(self.value(x))
            if rev:
                obj["@reverse"] = rev
        return obj


def _sort_key(pair: tuple[Node, Node]) -> tuple[str, int, str]:
    a, b = pair
    return (str(a), 0 if isinstance(b, URIRef) else 1, str(b))


def expanded_tree(graph: Graph, root: str) -> JSON | list[JSON]:
    """The graph as expanded JSON-LD nested under root; leftovers follow at top level."""
    builder = _TreeBuilder(graph)
    top = [builder.node(URIRef(root), reverse=True)]
    hash_prefix = root + "#"
    # Hash sub-resources first (with their own inverse links), then anything unreached.
    for subject in sorted(set(graph.subjects()), key=lambda s: (not str(s).startswith(hash_prefix),
                                                              str(s))):
        pending = [t for t in graph.triples((subject, None, None)) if t not in builder.emitted]
        if pending and subject not in builder.embedded:
            top.append(builder.node(subject, reverse=str(subject).startswith(hash_prefix)))
        elif pending:
            top.append({"@id": builder._id(subject),
                        **{str(p): [builder.value(o)] for s, p, o in pending}})
            builder.emitted.update(pending)
    # Inverse triples whose subject was embedded elsewhere are still owed.
    owed = [t for t in graph if t not in builder.emitted]
    for s, p, o in owed:
        top.append({"@id": builder._id(s), str(p): [builder.value(o)]})
        builder.emitted.add((s, p, o))
    return top[0] if len(top) == 1 else top


def document(graph: Graph, root: str, base: str = FILE_BASE) -> bytes:
    """The JSON-LD document of a resource, compacted against the published context."""
    tree = expanded_tree(graph, root)
    ctx = context(base)
    compacted: JSON = jsonld.compact(tree, ctx, {"documentLoader": _no_loader})
    compacted["@context"] = base + CONTEXT_PATH
    compacted = _ordered(compacted, _reverse_terms(base))
    return (json.dumps(compacted, indent=2, ensure_ascii=False) + "\n").encode()


@lru_cache(maxsize=8)
def _reverse_terms(base: str) -> frozenset[str]:
    return frozenset(k for k, v in context(base)["@context"].items()
                     if isinstance(v, dict) and "@reverse" in v)


_FIRST = ("@context", "@id", "@type")


def _ordered(value: Any, reverse: frozenset[str]) -> Any:
    """Keys in reading order: identity and type, then properties, then inverse links."""
    if isinstance(value, list):
        return [_ordered(v, reverse) for v in value]
    if not isinstance(value, dict):
        return value
    keys = [k for k in _FIRST if k in value]
    keys += [k for k in value if k not in _FIRST and k not in reverse and k != "@reverse"]
    keys += [k for k in value if k in reverse or k == "@reverse"]
    return {k: _ordered(value[k], reverse) for k in keys}


def dump(graph: Graph, base: str = FILE_BASE) -> bytes:
    """A whole graph as compacted JSON-LD in one flat @graph (for the dumps)."""
    data = json.loads(graph.serialize(format="json-ld", context=context(base)["@context"],
                                      auto_compact=False))
    data["@context"] = base + CONTEXT_PATH
    return (json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode()


def _no_loader(url: str, options: dict[str, Any] | None = None) -> JSON:
    # The context is passed inline; nothing is ever fetched while rendering.
    raise jsonld.JsonLdError(f"no remote documents while rendering: {url}", "loading failed")
