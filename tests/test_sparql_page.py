"""The query page in Debian's headless chromium: it works offline, runs examples and typed
queries, links results and downloads them."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.hosts = set()  # type: ignore[attr-defined]

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":  # CSP violations land here too
            page.problems.append(message.text)  # type: ignore[attr-defined]

    def request(req: Request) -> None:
        page.hosts.add(urlsplit(req.url).hostname)  # type: ignore[attr-defined]

    page.on("console", console)
    page.on("pageerror", lambda error: page.problems.append(str(error)))  # type: ignore[attr-defined]
    page.on("request", request)
    yield page
    assert page.problems == []  # type: ignore[attr-defined]
    assert page.hosts <= {"127.0.0.1"}  # nothing from a CDN or elsewhere  # type: ignore[attr-defined]
    page.close()


def test_an_example_runs_and_links_its_results(live_server: str, page: Page) -> None:
    page.goto(live_server + "/sparql")
    assert "SELECT" in page.locator("#query").input_value()
    page.get_by_role("link", name="How many signatories per sector").click()
    rows = page.locator("table.results tbody tr")
    assert rows.count() == 5
    link = rows.first.locator("td.uri a").first
    assert link.get_attribute("href").startswith(live_server + "/id/sector/")
    assert "GROUP BY" in page.locator("#query").input_value()


def test_a_typed_query_runs_with_ctrl_enter(live_server: str, page: Page) -> None:
    page.goto(live_server + "/sparql")
    editor = page.locator("#query")
    editor.fill("PREFIX dct: <http://purl.org/dc/terms/>\n"
                "SELECT ?title WHERE { ?p dct:title ?title ; a mcm:Principle }")
    editor.press("Control+Enter")
    page.wait_for_selector("table.results")
    assert page.locator("table.results tbody tr").count() == 10
    assert "10 rows" in page.locator("#results .summary").inner_text()


def test_tab_indents_in_the_editor(live_server: str, page: Page) -> None:
    page.goto(live_server + "/sparql")
    editor = page.locator("#query")
    editor.fill("ASK {")
    editor.press("End")
    editor.press("Tab")
    assert editor.input_value() == "ASK {  "


def test_a_download_link_gives_the_file(live_server: str, page: Page) -> None:
    page.goto(live_server + "/sparql")
    page.get_by_role("link", name="The ten principles in order").click()
    with page.expect_download() as download:
        page.locator(".downloads a", has_text="CSV").click()
    path = download.value.path()
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    assert lines[0] == "position,principle,title,group,text" and len(lines) == 11


def test_an_error_is_shown_with_the_query_kept(live_server: str, page: Page) -> None:
    page.goto(live_server + "/sparql")
    page.locator("#query").fill("SELECT * WHERE { ?s ?p ")
    page.get_by_role("button", name="Run query").click()
    assert "syntax error" in page.locator("#sparql-error").inner_text()
    assert page.locator("#query").input_value() == "SELECT * WHERE { ?s ?p "
    page.problems.clear()  # type: ignore[attr-defined]  # the 400 itself is logged as a console error
