"""Name matching for reconciliation: which of our organisations and people a name means.

Each entity is indexed under every spelling we know (preferred and alternative labels, the
names as listed in the sources, a bracketed acronym), the acronym derived from each name,
and each name followed by its parent's or affiliation's ("Cyber Governance and Policy
Center, University of Oklahoma"). A query is compared after the same normalisation (case,
accents, "The", legal forms, British/American spelling) with rapidfuzz, so that typos and
word order cost little. Plain Python, no Flask: tested directly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .linking.agents import Agent
from .linking.names import STOPWORDS, acronym, similarity, variants

MATCH_SCORE = 90.0  # a candidate at or above this, clearly ahead of the next, is a match
MATCH_MARGIN = 5.0
ACRONYM_SCORE = 95.0


@dataclass(frozen=True)
class Entry:
    """One entity as the index sees it."""

    agent: Agent
    forms: frozenset[str]  # normalised names
    acronyms: frozenset[str]  # derived from the names, e.g. "cdt"
    with_parents: frozenset[str]  # "name parent-name", normalised
    words: frozenset[str]  # every word of every form


@dataclass(frozen=True)
class Scored:
    """A candidate for a query: the entity, a score 0-100, and whether it is a sure match."""

    agent: Agent
    score: float
    match: bool = False


class Index:
    """The matching index over a set of agents (built once per data version)."""

    def __init__(self, agents: dict[str, Agent]) -> None:
        self.entries: list[Entry] = []
        for agent in agents.values():
            forms = {v for name in agent.names for v in variants(name)}
            acronyms = {a for name in agent.names if (a := acronym(name))}
            # parents and their parents: "Cyber Project, Belfer Center, Harvard"
            nearby = [*agent.related, *(g for p in agent.related if p in agents
                                        for g in agents[p].related)]
            parents = [agents[iri] for iri in dict.fromkeys(nearby) if iri in agents]
            parent_forms = {v for p in parents for name in p.names for v in variants(name)}
            with_parents = {f"{f} {p}" for f in forms for p in parent_forms}
            words = {w for f in forms | with_parents for w in f.split()}
            self.entries.append(Entry(agent, frozenset(forms), frozenset(acronyms - forms),
                                      frozenset(with_parents), frozenset(words)))
        # how many entities use a word: "center" says little, "ostrom" a lot
        self.frequency = Counter(w for e in self.entries for w in e.words)

    def _distinctive(self, words: set[str]) -> bool:
        return any(self.frequency[w] <= 2 and w not in STOPWORDS and len(w) > 2 for w in words)

    def score(self, entry: Entry, query: str) -> float:
        """How well one normalised query form names the entry, 0-100."""
        best = max((similarity(query, f) for f in entry.forms), default=0.0)
        if entry.with_parents:
            best = max(best, max(similarity(query, f) for f in entry.with_parents))
        compact = query.replace(" ", "")
        if compact in entry.acronyms and len(compact) >= 2:
            best = max(best, ACRONYM_SCORE)
        if best < 80:
            # a shortened name ("Ostrom Workshop"), or one with words added ("Wisekey
            # International"): the shorter's words are all in the longer, and one of them is
            # rare enough to point at this entity. A candidate, never a sure match.
            words = set(query.split())
            for form in entry.forms | entry.with_parents:
                form_words = set(form.split())
                if words < form_words and self._distinctive(words):
                    best = max(best, 80 + 10 * len(query) / len(form))
                elif form_words < words and self._distinctive(form_words):
                    best = max(best, 75 + 10 * len(form) / len(query))
        return best

    def search(self, text: str, kinds: set[str] | None = None, limit: int = 5) -> list[Scored]:
        """The best candidates for a name, best first; kinds: "organisation" and/or "person"."""
        queries = variants(text)
        if not queries:
            return []
        scored = []
        for entry in self.entries:
            if kinds and entry.agent.kind not in kinds:
                continue
            s = max(self.score(entry, q) for q in queries)
            if s > 0:
                scored.append((round(s, 1), entry.agent))
        scored.sort(key=lambda pair: (-pair[0], not pair[1].signatory, pair[1].iri))
        top = scored[:max(1, limit)]
        out = []
        for i, (s, agent) in enumerate(top):
            runner_up = scored[i + 1][0] if i + 1 < len(scored) else 0.0
            sure = i == 0 and s >= MATCH_SCORE and s - runner_up >= MATCH_MARGIN
            out.append(Scored(agent=agent, score=s, match=sure))
        return out

    def suggest(self, prefix: str, kinds: set[str] | None = None, limit: int = 10) -> list[Agent]:
        """Entities a partly typed name may mean: names starting with it first, then fuzzy."""
        forms = variants(prefix)
        if not forms:
            return []
        starts: list[Agent] = []
        for entry in self.entries:
            if kinds and entry.agent.kind not in kinds:
                continue
            if any(f.startswith(q) or f" {q}" in f for f in entry.forms for q in forms):
                starts.append(entry.agent)
        starts.sort(key=lambda a: (not a.signatory, a.label.casefold()))
        seen = {a.iri for a in starts}
        rest = [s.agent for s in self.search(prefix, kinds, limit) if s.agent.iri not in seen
                and s.score >= 60]
        return (starts + rest)[:limit]
