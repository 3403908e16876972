"""What a query text is, before it runs: its form, whether it is an update, what it calls.

A small tokenizer (strings, IRIs and comments are skipped as whole tokens, so a keyword
inside them never counts) is enough to read the prologue and the first keyword, which
decide the query form, and to find every SERVICE clause with the endpoint it names. The
engine's own parser stays the judge of syntax: a text this module cannot classify is passed
on and the engine's syntax error is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from .errors import Forbidden

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_KEYWORDS = frozenset(("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD",
                             "MOVE", "COPY", "WITH"))

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
      |"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[^\W\d_][\w\-.\u00B7]*)?:(?:[\w:%\-.\u00B7]|\\.)*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class QueryInfo:
    """What the text says about itself. form is None when it is not a recognisable query."""

    form: str | None
    is_update: bool = False
    services: tuple[str | None, ...] = ()  # endpoint IRIs; None for SERVICE ?variable


def tokens(text: str) -> Iterable[tuple[str, str]]:
    """(kind, text) for each token, without spaces and comments."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "pname":
            yield kind, match.group().rstrip(".")  # a local name never ends with "."
        elif kind not in ("space", "comment"):
            yield kind, match.group()


def inspect(text: str, default_prefixes: Mapping[str, str] | None = None) -> QueryInfo:
    """Read the prologue (BASE, PREFIX), the form keyword and the SERVICE targets."""
    return _inspect(text, tuple(sorted((default_prefixes or {}).items())))


@lru_cache(maxsize=1024)  # endpoints see the same queries again and again
def _inspect(text: str, default_prefixes: tuple[tuple[str, str], ...]) -> QueryInfo:
    toks = list(tokens(text))
    prefixes = dict(default_prefixes)
    base = ""
    i = 0
    while i < len(toks):
        kind, value = toks[i]
        upper = value.upper() if kind == "word" else ""
        if upper == "BASE" and i + 1 < len(toks) and toks[i + 1][0] == "iri":
            base = urljoin(base, toks[i + 1][1][1:-1])
            i += 2
        elif (upper == "PREFIX" and i + 2 < len(toks) and toks[i + 1][0] == "pname"
              and toks[i + 2][0] == "iri"):
            prefixes[toks[i + 1][1].rstrip(":")] = urljoin(base, toks[i + 2][1][1:-1])
            i += 3
        else:
            break
    first = toks[i][1].upper() if i < len(toks) and toks[i][0] == "word" else ""
    form = first if first in QUERY_FORMS else None
    is_update = first in UPDATE_KEYWORDS
    services = [_service_target(toks[j + 1:j + 3], prefixes, base)
                for j in range(i, len(toks))
                if toks[j][0] == "word" and toks[j][1].upper() == "SERVICE"]
    if form is not None and "service" in text.lower():
        services += _grammar_services(text, prefixes, base)
    return QueryInfo(form=form, is_update=is_update, services=tuple(dict.fromkeys(services)))


def _grammar_services(text: str, prefixes: Mapping[str, str], base: str) -> list[str | None]:
    """SERVICE targets as a full SPARQL grammar reads them (rdflib's parser).

    The tokenizer above cannot tell `<` the operator from `<` opening an IRI (`?o<'x>'` is
    both), and a crafted query can use that to hide a SERVICE from it. So any query that
    spells "service" at all is also parsed by a real grammar; one that this parser cannot
    read is treated as calling an unknown endpoint, which only an allow-list of none refuses
    wrongly, and never lets a call through.
    """
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import URIRef

    try:
        tree = parseQuery(text)
    except Exception:  # pyparsing raises its own types; any failure means "cannot verify"
        return [None]
    found: list[str | None] = []
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                term = node.get("term")
                if isinstance(term, URIRef):
                    found.append(urljoin(base, str(term)))
                elif isinstance(term, CompValue) and term.name == "pname":
                    prefix = str(term.get("prefix") or "")
                    found.append(prefixes[prefix] + str(term.get("localname") or "")
                                 if prefix in prefixes else None)
                else:
                    found.append(None)
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or hasattr(node, "asList"):
            stack.extend(node)  # type: ignore[arg-type]
    return found


def _service_target(after: list[tuple[str, str]], prefixes: Mapping[str, str],
                    base: str) -> str | None:
    if after and after[0][0] == "word" and after[0][1].upper() == "SILENT":
        after = after[1:]
    if not after:
        return None
    kind, value = after[0]
    if kind == "iri":
        return urljoin(base, value[1:-1])
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None  # a variable, or an unknown prefix: not an endpoint we can allow


def check(text: str, allowlist: Iterable[str],
          default_prefixes: Mapping[str, str] | None = None) -> QueryInfo:
    """Refuse updates and SERVICE calls to endpoints not on the allow-list (Forbidden, 403)."""
    info = inspect(text, default_prefixes)
    if info.is_update:
        raise Forbidden(READ_ONLY)
    allowed = set(allowlist)
    for endpoint in info.services:
        if endpoint is None or endpoint not in allowed:
            named = "a SERVICE with a variable endpoint" if endpoint is None \
                else f"SERVICE <{endpoint}>"
            raise Forbidden(
                f"This endpoint does not run {named}: it does not call other endpoints for its "
                "users. " + (f"Allowed endpoints: {', '.join(sorted(allowed))}. " if allowed
                             else "No endpoint is allowed (setting MCM_SPARQL_SERVICE_ALLOWLIST). ")
                + "Run federated queries from your own SPARQL endpoint, which can call this one.")
    return info


READ_ONLY = ("This SPARQL endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, "
             "CREATE, ADD, MOVE, COPY) is not accepted, however it is sent.")
