"""What a person sees: Debian's chromium, headless, on the served landing and entity pages."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def open_page(browser: object, url: str) -> tuple[object, list[str]]:
    """The loaded page and every console error or failed request it produced."""
    page = browser.new_page()  # type: ignore[attr-defined]
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}")
            if r.status >= 400 else None)
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200
    return page, problems


def test_the_landing_page_as_a_person_sees_it(browser: object, live_server: str) -> None:
    page, problems = open_page(browser, live_server + "/")
    text = page.inner_text("main")  # type: ignore[attr-defined]
    assert "Multistakeholder Manifesto on Cybercrime" in text
    assert "Protect Victims" in text and "Adopt a consensus-driven approach" in text
    assert "Civil society (" in text and "Microsoft" in text
    assert page.locator("link[rel=stylesheet]").count() == 1  # type: ignore[attr-defined]
    # The stylesheet loaded and applied (the CSP allows it): the header is a flex row.
    display = page.eval_on_selector(  # type: ignore[attr-defined]
        "header.site", "e => getComputedStyle(e).display")
    assert display == "flex"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "landing.png"), full_page=True)  # type: ignore[attr-defined]
    # Follow a link as a person would: click a signatory.
    page.click("text=Microsoft")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert page.url == live_server + "/id/org/microsoft"  # type: ignore[attr-defined]
    assert page.inner_text("h1") == "Microsoft"  # type: ignore[attr-defined]
    assert not problems, problems


def test_an_entity_page_as_a_person_sees_it(browser: object, live_server: str) -> None:
    page, problems = open_page(browser, live_server + "/id/person/anne-marie-slaughter")
    text = page.inner_text("main")  # type: ignore[attr-defined]
    assert "Anne-Marie Slaughter" in text
    assert "Princeton University" in text and "Individual experts" in text
    page.screenshot(path=str(ARTIFACTS / "person.png"), full_page=True)  # type: ignore[attr-defined]
    # Every link on the page that stays on this server answers.
    hrefs = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "a[href]", "els => els.map(e => e.href)")
    local = sorted({h.split("#")[0] for h in hrefs if h.startswith(live_server)})
    assert len(local) > 10
    for href in local:
        if href.rstrip("/").endswith("/sparql"):
            continue  # another engineer's page, tested there
        response = page.request.get(href)  # type: ignore[attr-defined]
        assert response.status == 200, href
    page.click("text=Princeton University")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "Affiliated people" in page.inner_text("main")  # type: ignore[attr-defined]
    assert not problems, problems
