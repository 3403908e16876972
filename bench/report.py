"""The one table: per workload and server, throughput, latency, our ratio, target, verdict."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from .checks import Outcome
from .load import Summary
from .workloads import WORKLOADS

OURS = "ours (granian)"
OXI_MEM = "oxigraph mem"
RDFLIB = "rdflib-endpoint"
NGINX = "nginx static"

# Issue 6's targets: (workload keys, peer, minimum of ours' req/s divided by the peer's).
RATIO_TARGETS: tuple[tuple[tuple[str, ...], str, float], ...] = (
    (("W4t", "W4j"), OXI_MEM, 0.5),
    (("W4t", "W4j"), NGINX, 0.12),
    (("W1", "W2", "W3"), OXI_MEM, 0.5),
    (("W1", "W2", "W3"), RDFLIB, 30.0),
    (("W5",), NGINX, 0.12),
)
P99_TARGET_MS = {"W4t": 20.0, "W4j": 20.0}
COLD_START_TARGET_S = 2.0
RSS_TARGET_MB = 250.0


@dataclass
class Measured:
    """What one server did on one workload: the check, then (if it passed) the load."""

    outcome: Outcome
    samples: list = field(default_factory=list)
    summary: Summary | None = None


@dataclass
class ServerFacts:
    name: str
    cold_start: float
    rss_mb: float
    note: str = ""


def ratio_target(key: str, peer: str) -> float | None:
    for keys, name, minimum in RATIO_TARGETS:
        if key in keys and name == peer:
            return minimum
    return None


def table(results: dict[tuple[str, str], Measured], servers: Sequence[ServerFacts]) -> str:
    """Render the whole comparison as one Markdown table, with footnotes for failures."""
    rows: list[list[str]] = []
    notes: list[str] = []
    names = [s.name for s in servers]
    for workload in WORKLOADS:
        ours = results.get((workload.key, OURS))
        ours_rps = ours.summary.rps if ours and ours.summary else None
        for name in names:
            measured = results.get((workload.key, name))
            if measured is None or measured.outcome.status == "n/a":
                continue
            rows.append(_row(workload.key, workload.label, name, measured, ours_rps, notes))
    for s in servers:
        verdict = _verdict(s.cold_start < COLD_START_TARGET_S) if s.name == OURS else ""
        rows.append(["cold start", s.name, f"{s.cold_start:.2f} s", "", "", "",
                     f"< {COLD_START_TARGET_S:g} s" if s.name == OURS else "", verdict])
    for s in servers:
        verdict = _verdict(s.rss_mb < RSS_TARGET_MB) if s.name == OURS else ""
        rows.append(["RSS (tree, peak)", s.name, f"{s.rss_mb:.0f} MB", "", "", "",
                     f"< {RSS_TARGET_MB:g} MB" if s.name == OURS else "", verdict])
    header = ["workload", "server", "req/s", "p50 ms", "p99 ms", "ours ÷ this", "target",
              "verdict"]
    text = markdown(header, rows)
    if notes:
        text += "\n\n" + "\n".join(notes)
    return text


def _row(key: str, label: str, name: str, measured: Measured, ours_rps: float | None,
         notes: list[str]) -> list[str]:
    target = ratio_target(key, name)
    target_text = f">= {target:g}x" if target is not None else ""
    if name == OURS and key in P99_TARGET_MS:
        target_text = f"p99 < {P99_TARGET_MS[key]:g} ms"
    summary = measured.summary
    if not measured.outcome.ok or summary is None:
        notes.append(f"[{len(notes) + 1}] {label} on {name}: {measured.outcome}")
        status = "route missing" if measured.outcome.status == "missing" else "WRONG"
        verdict = "not met" if target_text else ""
        return [label, name, f"{status} [{len(notes)}]", "", "", "", target_text, verdict]
    if summary.errors:
        notes.append(f"[{len(notes) + 1}] {label} on {name}: {summary.errors} failed requests "
                     "under load")
    ratio = "" if name == OURS or not ours_rps or not summary.rps else ours_rps / summary.rps
    if name == OURS:
        verdict = _verdict(summary.p99 < P99_TARGET_MS[key]) if key in P99_TARGET_MS else ""
    elif target is not None:
        verdict = "not met (ours missing)" if ratio == "" else _verdict(float(ratio) >= target)
    else:
        verdict = ""
    return [label, name, f"{summary.rps:,.0f}", _ms(summary.p50), _ms(summary.p99),
            f"{ratio:.2f}x" if isinstance(ratio, float) else "", target_text, verdict]


def _ms(value: float) -> str:
    return "" if math.isnan(value) else (f"{value:.2f}" if value < 10 else f"{value:.0f}")


def _verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def markdown(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table padded to be readable as plain text too."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *(line(r) for r in rows)])
