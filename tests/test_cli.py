"""The `mcm` command: validate, fmt, and the server's refusal of non-conforming data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server import create_app
from server.errors import DataNotValid, RDFSyntaxError
from server.rdfio import parse_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = Path(__file__).parent / "shapes"


def mini_root(tmp_path: Path, extra: str = "") -> Path:
    """A data root with the real vocabulary and shapes and the tiny base world as data."""
    root = tmp_path / "root"
    shutil.copytree(ROOT / "ontology", root / "ontology")
    shutil.copytree(ROOT / "shapes", root / "shapes")
    (root / "data").mkdir()
    text = (EXAMPLES / "_prefixes.ttl").read_text() + (EXAMPLES / "base.ttl").read_text()
    (root / "data" / "world.ttl").write_text(text + extra, encoding="utf-8")
    return root


def mcm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_validate_exits_0_on_conforming_data(tmp_path: Path) -> None:
    result = mcm("--root", str(mini_root(tmp_path)), "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The data conforms" in result.stdout


def test_validate_reports_focus_path_message_shape_and_exits_1(tmp_path: Path) -> None:
    broken = '<principle/two> a mcm:Principle ; dct:title "Two"@en ; schema:position 99 .\n'
    result = mcm("--root", str(mini_root(tmp_path, broken)), "validate")
    assert result.returncode == 1
    out = result.stdout
    assert "focus node: https://w3id.org/cybercrime-manifesto/id/principle/two" in out
    assert "path:       https://schema.org/position" in out
    assert "shape:      https://w3id.org/cybercrime-manifesto/shapes#Principle-position" in out
    assert "Traceback" not in result.stderr


def test_syntax_error_is_reported_with_file_and_line(tmp_path: Path) -> None:
    root = mini_root(tmp_path, '<org/beta> skos:prefLabel "unterminated .\n<a> <b> <c> .\n')
    result = mcm("--root", str(root), "validate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = (root / "data" / "world.ttl").read_text().count("\n")
    assert f"world.ttl:{lines - 1}" in result.stderr, result.stderr


@pytest.mark.parametrize("suffix, text, line", [
    (".ttl", "@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:a ex:b .\n", 3),
    (".nt", "<http://a> <http://b> <http://c> .\n<http://a> <http://b> .\n", 2),
    (".ttl", "<http://a> <http://b> \"\xff\" .\n", 1),
])
def test_parse_file_locates_errors(tmp_path: Path, suffix: str, text: str, line: int) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(RDFSyntaxError) as caught:
        parse_file(path)
    assert caught.value.line == line and str(path) in str(caught.value)


def test_fmt_check_flags_a_non_canonical_file_and_fmt_fixes_it(tmp_path: Path) -> None:
    root = mini_root(tmp_path)
    assert mcm("--root", str(root), "fmt", "--check").returncode == 1
    assert mcm("--root", str(root), "fmt").returncode == 0
    assert mcm("--root", str(root), "fmt", "--check").returncode == 0


def test_server_refuses_to_publish_non_conforming_data(tmp_path: Path) -> None:
    root = mini_root(tmp_path, '<org/alpha> mcm:sector <organisation-type/company> .\n')
    with pytest.raises(DataNotValid, match="Signatory-sector"):
        create_app({"DATA_ROOT": str(root), "TESTING": True})
    # The failed validation is recorded; a second start refuses from the record alone.
    with pytest.raises(DataNotValid, match="does not conform"):
        create_app({"DATA_ROOT": str(root), "TESTING": True})
