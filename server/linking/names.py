"""Name normalisation and comparison, shared by the link tool and reconciliation.

Real lists spell the same organisation many ways: case, accents, "Inc."/"Ltd"/"AG", a
leading "The", British or American spelling, an acronym in brackets, the parent appended.
Everything here is a plain function over strings so that it can be tested on its own.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

# Legal forms dropped from the end of a name ("G DATA CyberDefense AG" is "G DATA CyberDefense").
# Only trailing, because some ("as", "co") are ordinary words inside a name.
LEGAL_FORMS = frozenset({
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "plc", "ag", "gmbh", "mbh",
    "sa", "sas", "sarl", "se", "srl", "spa", "bv", "nv", "oy", "oyj", "ab", "asa", "as", "aps",
    "co", "corp", "corporation", "company", "pty", "pte", "kk", "ev", "gbr", "ug", "sro",
    "spol", "kft", "zrt", "sl", "slu", "ltda", "bhd", "sdn", "cv", "sapi",
})
# Words an acronym skips ("Center for Democracy and Technology" -> CDT).
STOPWORDS = frozenset({
    "of", "for", "and", "the", "on", "in", "at", "to", "a", "an", "de", "del", "des", "du",
    "la", "le", "les", "el", "y", "e", "und", "fur", "der", "die", "das", "et",
})
# One spelling for words that lists write in British or American English.
SPELLINGS = {
    "centre": "center", "centres": "centers", "organisation": "organization",
    "organisations": "organizations", "programme": "program", "defence": "defense",
    "initative": "initiative",
}
_PARENS = re.compile(r"\(([^()]*)\)")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case without accents: 'Fundação' -> 'fundacao', 'für' -> 'fur'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokens(text: str) -> list[str]:
    """The words of a name, folded, spelled one way, without 'the' and trailing legal forms."""
    folded = fold(text).replace("&", " and ").replace("’", "").replace("'", "")
    words = [SPELLINGS.get(w, w) for w in _NON_WORD.split(folded) if w]
    # "C.D.T." and "C D T" are the acronym "cdt"
    if len(words) > 1 and all(len(w) == 1 for w in words):
        words = ["".join(words)]
    words = _strip_legal_forms(words)
    return [w for w in words if w != "the"] or words


def _strip_legal_forms(words: list[str]) -> list[str]:
    """Drop trailing legal forms, dotted ones too: 'e.V.' and 's.r.o.' split into letters."""
    while len(words) > 1:
        run = 0
        while run < len(words) - 1 and len(words[-1 - run]) == 1:
            run += 1
        if run >= 2 and "".join(words[-run:]) in LEGAL_FORMS:
            words = words[:-run]
        elif words[-1] in LEGAL_FORMS:
            words = words[:-1]
        else:
            break
    return words


def normalise(text: str) -> str:
    """The comparable form of a name: its tokens joined by single spaces."""
    return " ".join(tokens(text))


def split_parenthesised(text: str) -> tuple[str, list[str]]:
    """'International Service for Human Rights (ISHR)' -> (the name, ['ISHR'])."""
    inner = [m.strip() for m in _PARENS.findall(text) if m.strip()]
    outer = _PARENS.sub(" ", text).strip()
    return (outer or text), inner


def acronym(text: str) -> str | None:
    """The initials of a name's significant words, or None when it has fewer than two.

    Derived, not looked up: 'Stiftung Neue Verantwortung' -> 'snv'.
    """
    words = [w for w in tokens(text) if w not in STOPWORDS]
    if len(words) < 2:
        return None
    return "".join(w[0] for w in words)


def variants(name: str) -> set[str]:
    """Every normalised form a name may be written in: itself, without or only its brackets."""
    outer, inner = split_parenthesised(name)
    forms = {normalise(name), normalise(outer)}
    forms.update(normalise(part) for part in inner)
    return {f for f in forms if f}


def similarity(a: str, b: str) -> float:
    """How alike two normalised names are, 0-100: typos (ratio) and word order (token sort)."""
    if a == b:
        return 100.0
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def plausible_label(ours: list[str], theirs: list[str], threshold: float = 85.0) -> bool:
    """Whether any of our names plausibly names the same thing as any of theirs.

    Used to check a Wikidata label against our preferred and alternative labels; a
    'no' is reported for a person to look at, never acted on.
    """
    ours_n = {v for name in ours for v in variants(name)}
    theirs_n = {v for name in theirs for v in variants(name)}
    return any(similarity(a, b) >= threshold for a in ours_n for b in theirs_n)
