"""Content negotiation (server/negotiation.py) as an nginx `map` on the Accept header.

nginx cannot call our negotiation function, so the static export writes it as an ordered
list of regular expressions, generated from the same media-type table, that follows the
same rules: a format's q is that of the most specific range that names it (its media type
or an alias, with fitting parameters; then `type/*`; then `*/*`); a higher q wins, then the
more specific range, then the server's order; a format named with q=0 is excluded; a
`charset` other than UTF-8 or a JSON-LD profile asking for the expanded or flattened form
does not match; malformed ranges are skipped; an empty header gets the first format; one
over 4096 characters is a 400; nothing acceptable is a 406.

Where nginx may differ from the Flask server (said in the README): q-values are compared to
their first decimal (0.85 ties with 0.8, and the server's order decides). The negotiation
table of tests/test_negotiation.py is run against nginx by tests/test_export.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .errors import NotAcceptable
from .negotiation import JSONLD, MAX_ACCEPT_LENGTH, Format, choose

# q-values by first decimal, highest first; each is a regex for the value.
_LEVELS: tuple[str, ...] = (
    r"1(?:\.0{0,3})?",
    *(rf"0\.{d}\d{{0,2}}" for d in range(9, 0, -1)),
    r"0\.0(?:[1-9]\d?|0[1-9])",
)
_ANY_Q = r"(?:1(?:\.0{0,3})?|0(?:\.\d{0,3})?)"
_NAME = r"[^\s;,=]+"
_VALUE = r'(?:"[^"]*"|[^\s;,"]*)'
_PARAM = rf"{_NAME}\s*=\s*{_VALUE}"
# A charset parameter fits only when it says UTF-8.
_CHARSET_OK = r'charset\s*=\s*(?:"utf-?8"|utf-?8)(?=\s*(?:[;,]|$))'
_NOT_SPECIAL = r"(?!q\s*=)(?!charset\s*=)"
_JSONLD_FORMS = r"(?!profile\s*=[^;,]*json-ld#(?:expanded|flattened)\b)"


def _params(fmt: Format | None, some: bool = False) -> str:
    """Parameters before q: any for a wildcard; for a format, only ones that fit it.
    some: at least one (a range with parameters is the more specific)."""
    repeat = "+" if some else "*"
    if fmt is None:
        return rf"(?:\s*;\s*(?!q\s*=){_PARAM}){repeat}"
    extra = _JSONLD_FORMS if fmt is JSONLD else ""
    return rf"(?:\s*;\s*(?:{_NOT_SPECIAL}{extra}{_PARAM}|{_CHARSET_OK})){repeat}"


def _range(names: str, fmt: Format | None, q: str | None, some: bool = False) -> str:
    """A lookahead: some range of the header has this type, fitting parameters and q.

    q None: any valid q, zero included (the range names the type); "1": q=1 or none.
    """
    ext = r"(?:\s*;[^,]*)?"  # accept-extensions, after q only
    if q is None or q == _LEVELS[0]:
        qpart = rf'(?:\s*;\s*q\s*=\s*"?{q or _ANY_Q}"?{ext})?'
    else:
        qpart = rf'\s*;\s*q\s*=\s*"?{q}"?{ext}'
    return rf"(?=(?:.*,)?\s*(?:{names})\s*{_params(fmt, some)}{qpart}\s*(?:,|$))"


def _names(fmt: Format) -> str:
    return "|".join(re.escape(n) for n in (fmt.media_type, *fmt.aliases))


def _major(fmt: Format) -> str:
    return re.escape(fmt.media_type.split("/")[0]) + r"/\*"


def rules(offered: tuple[Format, ...]) -> list[tuple[str, Format]]:
    """(regex, format) in the order nginx must try them: the first match decides."""
    out: list[tuple[str, Format]] = []
    star = r"\*/\*"
    for level in _LEVELS:
        # Within a level: a range naming the format with parameters, then without, beats
        # type/*, which beats */*.
        for fmt in offered:
            out.append((_range(_names(fmt), fmt, level, some=True), fmt))
        for fmt in offered:
            # The most specific range decides: one with parameters, whatever its q.
            plain = f"(?!{_range(_names(fmt), fmt, None, some=True)})"
            out.append((plain + _range(_names(fmt), fmt, level), fmt))
        for fmt in offered:
            unnamed = f"(?!{_range(_names(fmt), fmt, None)})"
            out.append((unnamed + _range(_major(fmt), None, level), fmt))
        for fmt in offered:
            unnamed = f"(?!{_range(_names(fmt), fmt, None)})"
            no_major = f"(?!{_range(_major(fmt), None, None)})"
            out.append((unnamed + no_major + _range(star, None, level), fmt))
    return out


def exact_headers(offered: tuple[Format, ...]) -> list[str]:
    """Single media types (and aliases) with their wildcards: what RDF clients, curl and
    most libraries send."""
    names = [n for fmt in offered for n in (fmt.media_type, *fmt.aliases)]
    majors = [n.split("/")[0] + "/*" for n in names]
    return list(dict.fromkeys(["*/*", *names, *majors]))


def _choose_or_none(accept: str, offered: tuple[Format, ...]) -> Format | None:
    try:
        return choose(accept, offered)
    except NotAcceptable:
        return None


def accept_map(variable: str, offered: tuple[Format, ...], values: Mapping[Format, str],
               *, none: str = "406", overlong: str = "400") -> str:
    """An nginx `map $http_accept ${variable}` block choosing among offered.

    values gives each format's map value (e.g. its file suffix); none is the value when
    nothing fits, overlong the value for a header longer than negotiation allows.
    """
    lines = [f"map $http_accept ${variable} {{",
             f"    default {none};",
             f"    '~^.{{{MAX_ACCEPT_LENGTH + 1}}}' {overlong};",
             # nginx tries no regex on an empty value (no header, or only spaces)
             f"    '' {values[offered[0]]};",
             f"    '~^\\s*$' {values[offered[0]]};"]
    # The headers most clients send, answered exactly by choose() (a hash look-up in nginx,
    # before any regex); short, so that they fit nginx's default map hash bucket.
    for accept in exact_headers(offered):
        chosen = _choose_or_none(accept, offered)
        lines.append(f"    '{accept}' {values[chosen] if chosen else none};")
    for regex, fmt in rules(offered):
        if "'" in regex:
            raise ValueError("a regex with a quote cannot be written in single quotes")
        lines.append(f"    '~*^{regex}' {values[fmt]};")
    lines.append("}")
    return "\n".join(lines) + "\n"
