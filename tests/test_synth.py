"""The synthetic dataset generator: right counts, deterministic, and it validates."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import synth
from bench.reference import Reference
from bench.workloads import BY_KEY
from server import dataset as dataset_mod
from server.validation import validate

SIGNATORIES = 100  # 69 real + 31 synthetic: every variant of the generator, validated in ~10 s


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth")
    synth.write(root, SIGNATORIES)
    return root


def test_generated_data_validates(root: Path) -> None:
    report = validate(dataset_mod.load(root))
    assert report.violations == []
    assert report.conforms


def test_every_signatory_counts_once_per_sector(root: Path) -> None:
    rows = Reference(root).rows(BY_KEY["W3"])
    assert sum(int(count) for _, count in rows) == SIGNATORIES


def test_every_variant_is_generated(root: Path) -> None:
    text = (root / "data" / "synthetic.ttl").read_text(encoding="utf-8")
    for needle in ("foaf:Person", "org:subOrganizationOf", "schema:affiliation", "mcm:ror",
                   "skos:altLabel", "owl:sameAs", "mcm:capacityStatement", "mcm:roleAsListed"):
        assert needle in text, needle


def test_output_is_deterministic(root: Path, tmp_path: Path) -> None:
    stats = synth.write(tmp_path, SIGNATORIES)
    assert (tmp_path / "data" / "synthetic.ttl").read_bytes() == (
        root / "data" / "synthetic.ttl").read_bytes()
    assert stats.organisations + stats.persons == SIGNATORIES - synth.REAL_SIGNATORIES


def test_fewer_than_the_real_signatories_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="69 real"):
        synth.write(tmp_path, 10)
