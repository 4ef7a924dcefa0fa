"""The site in a real headless Chromium against a real `archive serve` process.

The server runs as a visitor would meet it: the CLI in a subprocess, on a copy
of the sample archive that it indexes first, on waitress. Every test fails on
a console error or a Content-Security-Policy violation.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.server import served

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = REPO / "docs" / "screenshot-results.png"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`archive serve` on a copied sample archive without an index: it indexes first."""
    root = tmp_path_factory.mktemp("served")
    documents = root / "documents"
    shutil.copytree(REPO / "documents", documents)
    log = root / "server.log"
    with served(documents, root / "index", log) as running:
        yield {"url": running.url, "documents": documents, "log": log}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER"):  # CI: browser tests must run, not skip
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visitor:
    """A browser tab that records console errors, page errors and CSP violations."""

    def __init__(self, browser, base: str, **context_options):
        options = {"viewport": {"width": 1280, "height": 900}, "locale": "de-DE"}
        options.update(context_options)
        self.context = browser.new_context(accept_downloads=True, **options)
        self.page = self.context.new_page()
        self.base = base
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))

    def open(self, path: str = "/"):
        self.page.goto(self.base + path)
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitor(browser, server):
    tab = Visitor(browser, server["url"])
    yield tab
    problems = list(tab.problems)
    tab.close()
    assert problems == [], "the browser reported problems"


def hit_titles(page) -> list[str]:
    return page.locator(".hit__title a").all_inner_texts()


def test_a_visitor_types_a_query_presses_enter_and_sees_hits(visitor):
    page = visitor.open("/")
    box = page.locator("#q")
    assert box.evaluate("el => el === document.activeElement"), "the search box has focus"
    page.keyboard.type("Einbruch")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=Einbruch" in page.url
    assert page.locator(".hit").count() >= 2
    assert "Treffer für „Einbruch“" in page.locator(".results__count").inner_text()
    assert page.locator(".hit__snippet mark").first.inner_text().startswith("Einbruch")
    assert box.input_value() == "Einbruch"


def test_filtering_by_language_shows_only_that_language(visitor):
    page = visitor.open("/")
    page.locator("#facet-lang ~ ul").get_by_role("link", name="Französisch").click()
    page.wait_for_url("**lang=fr**")
    titles = page.locator(".hit__title a")
    assert titles.count() >= 4
    assert set(titles.evaluate_all("links => links.map(a => a.lang)")) == {"fr"}
    current = page.locator("#facet-lang ~ ul a[aria-current]")
    assert current.inner_text().startswith("Französisch")
    page.locator(".active-filters a").click()
    page.wait_for_url(lambda url: "lang=" not in url)
    assert len(set(titles.evaluate_all("links => links.map(a => a.lang)"))) == 3


def test_switching_the_interface_to_french_and_back_is_remembered(visitor):
    page = visitor.open("/?q=Nacht")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("label[for=q]").inner_text() == "Im Archiv suchen"
    page.locator(".ui-switch").get_by_role("link", name="Français").click()
    page.wait_for_url("**ui=fr**")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("label[for=q]").inner_text() == "Rechercher dans l’archive"
    assert page.locator("#q").input_value() == "Nacht", "the switch keeps the query"
    page.locator(".hit__title a").first.click()
    page.wait_for_url("**/documents/**")
    assert page.locator("html").get_attribute("lang") == "fr", "the cookie carries the choice"
    assert page.get_by_role("link", name="Télécharger l’original").count() == 1
    page.locator(".ui-switch").get_by_role("link", name="Deutsch").click()
    page.wait_for_url("**ui=de**")
    assert page.locator("html").get_attribute("lang") == "de"
    visitor.open("/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator(".search button").inner_text() == "Suchen"


def test_opening_a_hit_and_following_also_in_to_its_translation(visitor):
    page = visitor.open("/?q=Datenschutz&lang=de")
    hit = page.locator(".hit", has_text="Erklärung zu Daten")
    hit.locator(".hit__title a").click()
    page.wait_for_url("**/documents/**")
    assert page.locator("h1").get_attribute("lang") == "de"
    assert (
        page.locator("h1").inner_text() == "Erklärung zu Daten, Datenschutz und Kriminalprävention"
    )
    page.go_back()
    hit.locator(".hit__also").get_by_role("link", name="English").click()
    page.wait_for_url("**/documents/**")
    heading = page.locator("h1")
    assert heading.get_attribute("lang") == "en"
    assert heading.inner_text() == "Declaration on Data, Privacy and Crime Prevention"
    assert page.locator(".passage").first.get_attribute("lang") == "en"
    page.locator(".version", has_text="Français").locator("a.version__title").click()
    assert page.locator("h1").get_attribute("lang") == "fr"


def test_downloading_the_original_gives_the_files_bytes(visitor, server, tmp_path):
    page = visitor.open("/?q=Fahrrad")
    page.locator(".hit__title a").first.click()
    page.wait_for_url("**/documents/**")
    with page.expect_download() as info:
        page.get_by_role("link", name="Original herunterladen").click()
    download = info.value
    assert download.suggested_filename == "night-cycling.de.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    original = server["documents"] / "flyers" / "night-cycling.de.pdf"
    assert saved.read_bytes() == original.read_bytes()


def test_the_compare_view_shows_both_versions_beside_each_other(visitor):
    page = visitor.open("/?q=Nachtleben")
    page.locator(".hit__title a").first.click()
    page.wait_for_url("**/documents/**")
    page.locator(".document__actions").get_by_role("link", name="Nebeneinander vergleichen").click()
    page.wait_for_url("**/compare/**")
    cells = page.locator(".compare__row").first.locator(".compare__cell")
    left, right = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
    assert abs(left["y"] - right["y"]) < 2 and right["x"] > left["x"] + left["width"] - 1


def test_the_skip_link_is_the_first_stop_for_the_keyboard(visitor):
    page = visitor.open("/documents/" + "0" * 12)  # any page; the 404 page has one too
    visitor.problems.clear()  # the browser reports the 404 status itself
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_results_page_screenshot_for_the_readme(visitor):
    page = visitor.open("/?q=Prävention")
    assert page.locator(".hit").count() >= 3
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def _first_hit_id(server, query: str) -> str:
    params = urllib.parse.urlencode({"q": query})
    with urllib.request.urlopen(f"{server['url']}/api/search?{params}", timeout=10) as answer:
        return json.load(answer)["results"][0]["id"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?q=Sicherheit&ui=fr",
        "/?q=Burglery",
        "/?q=Einbruch&lang=fr",
        "/documents/{id}",
        "/compare/{id}",
        "/documents/000000000000",
    ],
)
def test_a_phone_never_scrolls_sideways(browser, server, path):
    path = path.format(id=_first_hit_id(server, "Nachtleben"))
    tab = Visitor(browser, server["url"], viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = tab.open(path)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} is wider than the phone: {width}"
        assert page.locator("h1").count() == 1
    finally:
        tab.close()
