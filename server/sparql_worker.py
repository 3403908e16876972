"""A SPARQL query worker process: runs queries on its own copy of the store, serializes results.

Queries run here, not in the web process, because pyoxigraph cannot cancel a running query:
the pool (sparql_pool) kills this process when a query runs past its time limit. Started as
`python -I sparql_worker.py FD`, it imports nothing from the server package, so that it starts
in a fraction of a second. It also works as a module, for tests of its serializers.

Messages on the connection FD are pickled dicts: first an init message (N-Quads, prefixes,
base IRI, memory limit), answered by b"ready"; then one job per query, each answered by one
reply (see `execute`).
"""

from __future__ import annotations

import csv
import io
import json
import pickle
import resource
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RESULTS_NS = "http://www.w3.org/2005/sparql-results#"

GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}

Term = Any  # a pyoxigraph NamedNode, BlankNode, Literal or Triple
Row = Sequence[Term | None]


# --- SPARQL results formats, written here so that a result can be cut at a row limit ---
# (pyoxigraph serializes only a whole QuerySolutions iterator.)

def _json_term(term: Term) -> dict[str, Any]:
    kind = type(term)
    if kind is ox.NamedNode:
        return {"type": "uri", "value": term.value}
    if kind is ox.Literal:
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if kind is ox.BlankNode:
        return {"type": "bnode", "value": term.value}
    return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                        "predicate": _json_term(term.predicate),
                                        "object": _json_term(term.object)}}


def bindings_json(variables: list[str], rows: Iterable[Row]) -> bytes:
    """SPARQL 1.1 Query Results JSON for a SELECT."""
    bindings = [{name: _json_term(term) for name, term in zip(variables, row, strict=True)
                 if term is not None} for row in rows]
    doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def _xml_term(term: Term) -> str:
    kind = type(term)
    if kind is ox.NamedNode:
        return f"<uri>{escape(term.value)}</uri>"
    if kind is ox.Literal:
        if term.language:
            attr = f" xml:lang={quoteattr(term.language)}"
        elif term.datatype.value != XSD_STRING:
            attr = f" datatype={quoteattr(term.datatype.value)}"
        else:
            attr = ""
        return f"<literal{attr}>{escape(term.value)}</literal>"
    if kind is ox.BlankNode:
        return f"<bnode>{escape(term.value)}</bnode>"
    return (f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>")


def bindings_xml(variables: list[str], rows: Iterable[Row]) -> bytes:
    """SPARQL Query Results XML for a SELECT."""
    out = [f'<?xml version="1.0"?>\n<sparql xmlns="{RESULTS_NS}"><head>']
    out += [f"<variable name={quoteattr(name)}/>" for name in variables]
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>"
                for name, term in zip(variables, row, strict=True) if term is not None]
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out).encode()


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    kind = type(term)
    if kind is ox.NamedNode or kind is ox.Literal:
        return str(term.value)
    if kind is ox.BlankNode:
        return f"_:{term.value}"
    return str(term)


def bindings_csv(variables: list[str], rows: Iterable[Row]) -> bytes:
    """SPARQL 1.1 Query Results CSV: values only (lossy by design of the format)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_csv_value(term) for term in row] for row in rows)
    return buffer.getvalue().encode()


def bindings_tsv(variables: list[str], rows: Iterable[Row]) -> bytes:
    """SPARQL 1.1 Query Results TSV: terms in N-Triples syntax (pyoxigraph's str escapes tabs)."""
    lines = ["\t".join("?" + name for name in variables)]
    lines += ["\t".join("" if term is None else str(term) for term in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def boolean_json(value: bool) -> bytes:
    return json.dumps({"head": {}, "boolean": value}).encode()


def boolean_xml(value: bool) -> bytes:
    return (f'<?xml version="1.0"?>\n<sparql xmlns="{RESULTS_NS}"><head/>'
            f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()


BINDINGS_WRITERS: dict[str, Callable[[list[str], Iterable[Row]], bytes]] = {
    "json": bindings_json, "xml": bindings_xml, "csv": bindings_csv, "tsv": bindings_tsv,
}
BOOLEAN_WRITERS: dict[str, Callable[[bool], bytes]] = {"json": boolean_json, "xml": boolean_xml}


# --- running one job ---

def dataset_arguments(job: dict[str, Any]) -> dict[str, Any]:
    """pyoxigraph query() arguments for the job's RDF dataset (see README, default graph).

    A dataset given in the protocol (default-graph-uri, named-graph-uri) replaces the query's
    own, and a part not given is empty (SPARQL 1.1 Protocol 2.1.4); otherwise the query's
    FROM / FROM NAMED apply, or else the store's: its default graph (which the web process
    filled with the union of the named graphs) and all its named graphs.
    """
    default, named = job.get("default_graphs"), job.get("named_graphs")
    if default is None and named is None:
        return {}
    return {"default_graph": [ox.NamedNode(iri) for iri in default or ()],
            "named_graphs": [ox.NamedNode(iri) for iri in named or ()]}


def execute(store: ox.Store, job: dict[str, Any], prefixes: dict[str, str],
            base_iri: str | None, output_prefixes: dict[str, str] | None = None
            ) -> dict[str, Any]:
    """Run one job; the reply says ok, kind, body, rows, truncated and the time taken.

    prefixes may be used undeclared in the query; output_prefixes (default: the same) are
    written in Turtle and RDF/XML results.

    Errors are replies too ({"ok": False, "error": "syntax" | "io" | "evaluation",
    "message": ...}), never exceptions, so that the process keeps serving.
    """
    limit = int(job["max_rows"])
    started = time.perf_counter()
    try:
        result = store.query(job["query"], base_iri=base_iri, prefixes=prefixes,
                             **dataset_arguments(job))
        if isinstance(result, ox.QueryBoolean):
            value, kind = bool(result), "boolean"
            engine = time.perf_counter()
            fmt = job["bindings_format"]
            body = BOOLEAN_WRITERS.get(fmt, boolean_json)(value)
            rows, truncated = 1, False
        elif isinstance(result, ox.QuerySolutions):
            kind = "bindings"
            variables = [v.value for v in result.variables]
            table = [tuple(solution) for solution in islice(result, limit + 1)]
            engine = time.perf_counter()
            truncated = len(table) > limit
            table = table[:limit]
            body = BINDINGS_WRITERS[job["bindings_format"]](variables, table)
            rows = len(table)
        else:
            kind = "graph"
            triples = list(islice(result, limit + 1))
            engine = time.perf_counter()
            truncated = len(triples) > limit
            triples = triples[:limit]
            body = ox.serialize(triples, format=GRAPH_FORMATS[job["graph_format"]],
                                prefixes=prefixes if output_prefixes is None
                                else output_prefixes) or b""
            rows = len(triples)
    except SyntaxError as exc:
        return {"ok": False, "error": "syntax", "message": str(exc)}
    except OSError as exc:
        return {"ok": False, "error": "io", "message": str(exc)}
    except Exception as exc:  # an evaluation error must not end the worker
        return {"ok": False, "error": "evaluation", "message": f"{type(exc).__name__}: {exc}"}
    done = time.perf_counter()
    return {"ok": True, "kind": kind, "body": body, "rows": rows, "truncated": truncated,
            "engine_ms": (engine - started) * 1000, "serialize_ms": (done - engine) * 1000}


def serve(conn: Connection) -> None:
    """Load the store from the init message, then answer jobs until the connection closes."""
    init = pickle.loads(conn.recv_bytes())
    store = ox.Store()
    store.load(init["nquads"], format=ox.RdfFormat.N_QUADS)
    if init.get("memory_mb"):
        # A query that builds a huge intermediate result fails here, not in the whole machine.
        limit = int(init["memory_mb"]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    prefixes, base_iri = init["prefixes"], init.get("base_iri")
    output_prefixes = init.get("output_prefixes")
    conn.send_bytes(b"ready")
    while True:
        try:
            job = pickle.loads(conn.recv_bytes())
        except EOFError:  # the web process is gone: so are we
            return
        # Backstop if the web process dies mid-query: SIGALRM's default action ends us.
        signal.setitimer(signal.ITIMER_REAL, float(job["timeout"]) + 5.0)
        reply = execute(store, job, prefixes, base_iri, output_prefixes)
        signal.setitimer(signal.ITIMER_REAL, 0)
        conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
