"""The web app at the WSGI level: every route, every error path, the headers, the languages.

Most tests share the indexed sample archive (read only); the ones that change
files build a small archive of their own.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from xml.etree import ElementTree

import bottle
import pytest
import webtest

from archive import Archive
from web import text
from web.app import create_app, download_name, page_numbers
from web.i18n import choose_language, parse_accept_language
from web.security import SECURITY_HEADERS

SEARCH_KEYS = {"query", "total", "page", "per_page", "facets", "results"}


@pytest.fixture(scope="module")
def shared_app(sample_archive) -> webtest.TestApp:
    return webtest.TestApp(create_app(sample_archive))


@pytest.fixture
def app(shared_app) -> webtest.TestApp:
    """The sample archive's app, with no cookie left over from an earlier test."""
    shared_app.reset()
    return shared_app


@pytest.fixture(scope="module")
def ids(sample_archive) -> dict[str, str]:
    """Document id by path inside the sample archive."""
    return {doc.path: doc.id for doc in sample_archive.all_documents()}


def one_paper(tmp_path, name: str, text: str) -> Archive:
    """An archive of one text file in papers/, indexed."""
    docs = tmp_path / "documents" / "papers"
    docs.mkdir(parents=True)
    (docs / name).write_text(text, encoding="utf-8")
    archive = Archive(tmp_path / "documents", tmp_path / "index")
    archive.index(jobs=1)
    return archive


@pytest.fixture
def small_archive(tmp_path) -> Archive:
    """A tiny archive of text files that a test may change and reindex."""
    return one_paper(
        tmp_path,
        "notice.en.txt",
        "Notice on street lighting\n\nThe city checks the street lighting every spring. "
        "Residents report broken lamps to the town hall.\n",
    )


def search_json(app, **params) -> dict:
    return app.get("/api/search", params=params).json


def hit_titles(response) -> list[str]:
    return [a.text for a in response.html.select(".hit__title a")]


# -- the search page ----------------------------------------------------------------------


def test_empty_query_lists_the_newest_documents_first(app, sample_archive):
    page = app.get("/")
    assert page.status_int == 200
    total = sample_archive.search("").total
    assert f"{total} Dokumente" in page.html.select_one(".results__count").text
    dates = [t["datetime"] for t in page.html.select(".hit__meta time")]
    assert dates == sorted(dates, reverse=True)


def test_search_page_keeps_the_query_in_the_box_and_counts_the_hits(app):
    page = app.get("/", params={"q": "Einbruch"})
    box = page.html.select_one("input#q")
    assert box["value"] == "Einbruch"
    assert box["type"] == "search"
    assert box.has_attr("autofocus")
    assert page.html.select_one("label[for=q]") is not None
    assert "Treffer für „Einbruch“" in page.html.select_one(".results__count").text


def test_umlauts_in_the_query_are_read_as_utf8(app):
    page = app.get("/", params={"q": "Bürgermeister"})
    assert page.html.select_one("input#q")["value"] == "Bürgermeister"
    assert any("Bürgermeister" in title for title in hit_titles(page))


def test_each_hit_shows_title_language_kind_date_and_a_snippet_in_its_language(app):
    page = app.get("/", params={"q": "Bürgermeister", "ui": "en"})
    hit = page.html.select_one(".hit")
    assert hit.select_one(".hit__title a")["lang"] == "de"
    meta = hit.select_one(".hit__meta").text
    assert "German" in meta
    assert "Declaration" in meta
    assert "March 18, 2024" in meta
    snippet = hit.select_one(".hit__snippet")
    assert snippet["lang"] == "de"
    marked = [m.text for m in snippet.select("mark")]
    assert "Bürgermeister" in marked  # the original word form, not the stem


def test_a_bilingual_document_shows_both_language_badges(app):
    page = app.get("/", params={"q": "Opferhilfe", "ui": "en"})
    badges = [b.text for b in page.html.select(".hit")[0].select(".badge")]
    assert badges == ["German", "English"]


def test_also_in_links_lead_to_each_translation_named_in_its_own_language(app, ids):
    page = app.get("/", params={"q": "Datenschutz", "lang": "de"})
    hit = next(h for h in page.html.select(".hit") if "Daten" in h.select_one("h3").text)
    links = hit.select(".hit__also a")
    assert [a.text for a in links] == ["English", "Français"]
    assert [a["hreflang"] for a in links] == ["en", "fr"]
    assert [a["lang"] for a in links] == ["en", "fr"]
    assert links[0]["href"] == f"/documents/{ids['declarations/data-prevention_EN.pdf']}"


def test_language_filter_keeps_only_documents_in_that_language(app):
    page = app.get("/", params={"q": "victims", "lang": "en"})
    assert page.html.select(".hit")
    assert all(s["lang"] == "en" for s in page.html.select(".hit__snippet"))
    data = search_json(app, q="Prävention", lang="de")
    assert data["total"] > 0
    assert all("de" in hit["languages"] for hit in data["results"])


def facet_counts(page, facet: str) -> dict[str, int]:
    return {
        a.contents[0].strip(): int(a.select_one(".count").text)
        for a in page.html.select(f"#facet-{facet} ~ ul li > *")
        if a.select_one(".count")
    }


def test_language_counts_match_what_the_language_filter_finds(app):
    page = app.get("/", params={"q": "Opfer", "ui": "en"})
    counts = facet_counts(page, "lang")
    assert set(counts) == {"German", "English", "French"}
    for code, name in (("de", "German"), ("en", "English"), ("fr", "French")):
        assert counts[name] == search_json(app, q="Opfer", lang=code)["total"]
    assert counts["German"] > 0


def test_kind_counts_follow_the_language_filter(app):
    page = app.get("/", params={"lang": "fr", "ui": "en"})
    assert facet_counts(page, "kind") == {"Declaration": 2, "Flyer": 1, "Event paper": 1}


def test_kind_filter_and_its_counts_keep_the_other_kinds_choosable(app):
    page = app.get("/", params={"kind": "flyer", "ui": "en"})
    assert all("Flyer" in meta.text for meta in page.html.select(".hit__meta")), (
        "only flyers are listed"
    )
    kinds = [a.contents[0].strip() for a in page.html.select("#facet-kind ~ ul a")]
    assert {"All kinds", "Declaration", "Flyer", "Event paper"} <= set(kinds)
    kind_counts = search_json(app, kind="flyer")["facets"]["kind"]
    assert kind_counts["flyer"] == 7 and kind_counts["declaration"] == 8


def test_year_filter_keeps_only_documents_of_that_year(app):
    data = search_json(app, year="2024")
    assert data["total"] > 0
    assert all(hit["date"].startswith("2024") for hit in data["results"])
    page = app.get("/", params={"year": "2024"})
    assert all(t["datetime"].startswith("2024") for t in page.html.select(".hit__meta time"))


def test_sorting_by_date_lists_the_newest_first(app):
    relevance = search_json(app, q="Sicherheit")
    by_date = search_json(app, q="Sicherheit", sort="date")
    dates = [hit["date"] for hit in by_date["results"]]
    assert dates == sorted(dates, reverse=True)
    assert {h["id"] for h in relevance["results"]} == {h["id"] for h in by_date["results"]}
    page = app.get("/", params={"q": "Sicherheit", "sort": "date"})
    assert page.html.select_one(".sort a[aria-current]")["href"].endswith("sort=date")


def test_pagination_has_numbered_pages_and_keeps_the_filters(app):
    first = app.get("/", params={"per_page": 3, "kind": "declaration"})
    pager = first.html.select_one("nav.pager")
    assert pager is not None
    next_link = pager.select_one("a[rel=next]")["href"]
    assert "kind=declaration" in next_link and "per_page=3" in next_link and "page=2" in next_link
    second = app.get(next_link)
    assert second.html.select_one("ol.hits")["start"] == "4"
    assert set(hit_titles(first)).isdisjoint(hit_titles(second))
    assert second.html.select_one("nav.pager a[aria-current=page]").text.strip().endswith("2")


def test_a_page_beyond_the_last_one_is_not_found(app):
    assert app.get("/", params={"q": "Einbruch", "page": 9}, status=404).status_int == 404


def test_a_misspelled_word_gets_a_did_you_mean_link(app):
    page = app.get("/", params={"q": "Burglery", "ui": "en"})
    assert "No documents match this search." in page.text
    link = page.html.select_one(".suggestion a")
    assert link.text == "Burglary"  # the visitor's capital is kept
    assert "q=Burglary" in link["href"]
    assert search_json(app, q="burglery")["suggestion"] == "burglary"


def test_hits_hidden_by_the_language_filter_are_pointed_out(app):
    page = app.get("/", params={"q": "Einbruch", "lang": "fr"})
    assert "Keine Treffer auf Französisch." in page.text
    hints = [a.text for a in page.html.select(".elsewhere a")]
    assert hints == ["2 Treffer auf Deutsch"]
    assert "lang=de" in page.html.select_one(".elsewhere a")["href"]


def test_reference_codes_with_hyphens_and_slashes_are_found(app):
    data = search_json(app, q="A-1312/B")
    assert data["total"] >= 1
    assert any("Radikalisierung" in hit["title"] for hit in data["results"])
    page = app.get("/", params={"q": "A-1312/B"})
    assert page.html.select(".hit")


@pytest.mark.parametrize(
    "query", ['"unclosed (', "title:", "AND OR", "kind:", "((((", "-", "OR", "title:(", '"', "*:*"]
)
def test_invalid_query_syntax_never_gives_an_error_page(app, query):
    page = app.get("/", params={"q": query})
    assert page.status_int == 200
    assert page.html.select_one("input#q")["value"] == query
    assert app.get("/api/search", params={"q": query}).status_int == 200


def test_query_syntax_words_phrases_or_exclusion_title_and_kind_work(app):
    total = search_json(app, q="Einbruch")["total"]
    assert search_json(app, q="Einbruch -Opferhilfe")["total"] == total - 1
    assert search_json(app, q="Einbruch OR burglary")["total"] > total
    assert search_json(app, q='"öffentliche Räume"')["total"] >= 1
    assert search_json(app, q="title:Erklärung")["total"] >= 3
    flyers = search_json(app, q="kind:flyer")["results"]
    assert flyers and all(hit["kind"] == "flyer" for hit in flyers)


# -- bad parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": "0"},
        {"per_page": "101"},
        {"per_page": "abc"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "two"},
        {"lang": "xx"},
        {"year": "24"},
        {"sort": "title"},
        {"kind": "<b>"},
        {"q": "x" * 501},
    ],
)
def test_bad_parameters_give_a_400_json_error(app, params):
    response = app.get("/api/search", params=params, status=400)
    assert response.content_type == "application/json"
    assert response.json["status"] == 400
    assert response.json["message"]
    assert "Traceback" not in response.text


def test_bad_parameters_on_a_page_give_a_localised_400_page(app):
    page = app.get("/", params={"per_page": "1000"}, status=400)
    assert page.content_type == "text/html"
    assert "Die Zahl der Treffer pro Seite muss zwischen 1 und 100 liegen." in page.text
    french = app.get("/", params={"q": "x" * 501, "ui": "fr"}, status=400)
    assert "La recherche est trop longue" in french.text
    assert french.html.html["lang"] == "fr"


def test_invalid_utf8_in_the_address_is_a_400_not_a_crash(app):
    response = app.get("/?q=%FC&ui=de", status=400)
    assert "Traceback" not in response.text
    assert app.get("/api/search?q=%FC", status=400).json["status"] == 400


# -- documents --------------------------------------------------------------------------------


def test_document_page_shows_title_metadata_summary_and_download(app, ids):
    doc_id = ids["declarations/mayors-declaration-radicalisation.de.pdf"]
    page = app.get(f"/documents/{doc_id}", params={"ui": "en"})
    assert page.html.select_one("h1").text.startswith("Erklärung der Bürgermeisterinnen")
    assert page.html.select_one("h1")["lang"] == "de"
    facts = {
        div.select_one("dt").text: div.select_one("dd").text.strip()
        for div in page.html.select(".facts div")
    }
    assert facts["Kind"] == "Declaration"
    assert facts["Date"] == "March 18, 2024"
    assert facts["Pages"] == "3"
    assert facts["File type"] == "PDF"
    assert facts["File"] == "declarations/mayors-declaration-radicalisation.de.pdf"
    assert page.html.select_one(".document__summary")["lang"] == "de"
    download = page.html.select_one(".document__actions a.button")
    assert download["href"] == f"/documents/{doc_id}/file"
    assert "PDF" in download.text


def test_document_page_lists_every_language_version_with_its_own_download(app, ids):
    doc_id = ids["declarations/safer-nightlife/de/declaration.pdf"]
    page = app.get(f"/documents/{doc_id}")
    versions = page.html.select(".version")
    assert [v.select_one(".version__lang").text for v in versions] == [
        "Deutsch",
        "English",
        "Français",
    ]
    for version in versions:
        assert version.select_one("a[download]")["href"].endswith("/file")
    english = versions[1].select_one("a.version__title")
    assert english["href"] == f"/documents/{ids['declarations/safer-nightlife/en/declaration.pdf']}"
    compare = versions[1].select("a")[-1]["href"]
    assert compare.startswith(f"/compare/{doc_id}?with=")


def test_document_page_links_each_translation_as_an_hreflang_alternate(app, ids):
    doc_id = ids["flyers/burglary-prevention.de.pdf"]
    page = app.get(f"/documents/{doc_id}")
    alternates = {
        link["hreflang"]: link["href"] for link in page.html.select("link[rel=alternate]")
    }
    assert alternates == {
        "de": f"/documents/{doc_id}",
        "en": f"/documents/{ids['flyers/burglary-prevention.en.pdf']}",
        "fr": f"/documents/{ids['flyers/burglary-prevention.fr.pdf']}",
    }


def test_document_text_is_shown_by_page_with_each_page_in_its_language(app, ids):
    doc_id = ids["flyers/helpline-bilingual.pdf"]
    page = app.get(f"/documents/{doc_id}")
    passages = page.html.select(".passage")
    assert [p["lang"] for p in passages] == ["de", "en"]
    assert "Victim of a crime?" in passages[1].text


def test_long_document_text_is_paged(app, ids):
    doc_id = ids["declarations/mayors-declaration-radicalisation.de.pdf"]
    first = app.get(f"/documents/{doc_id}")
    assert "Teil 1 von 2" in first.text
    second = app.get(first.html.select_one("nav.pager a[rel=next]")["href"])
    assert "Teil 2 von 2" in second.text
    assert "Unsere Verpflichtungen" in second.text
    assert "Unsere Verpflichtungen" not in first.text
    app.get(f"/documents/{doc_id}", params={"page": 3}, status=404)
    app.get(f"/documents/{doc_id}", params={"page": "x"}, status=400)


@pytest.mark.parametrize("doc_id", ["000000000000", "doesnotexist", "ABCDEF123456"])
def test_an_unknown_document_is_a_404_page_and_a_404_json(app, doc_id):
    page = app.get(f"/documents/{doc_id}", status=404)
    assert page.content_type == "text/html"
    assert "Es gibt kein Dokument mit dieser Nummer." in page.text
    assert "Traceback" not in page.text
    data = app.get(f"/api/documents/{doc_id}", status=404).json
    assert data["status"] == 404
    app.get(f"/documents/{doc_id}/file", status=404)


def test_file_download_has_its_type_a_filename_and_the_exact_bytes(app, ids, sample_archive):
    path = "declarations/mayors-declaration-radicalisation.de.pdf"
    response = app.get(f"/documents/{ids[path]}/file")
    assert response.content_type == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="mayors-declaration-radicalisation.de.pdf"' in disposition
    assert response.body == (sample_archive.documents / path).read_bytes()


def test_files_in_language_folders_get_a_download_name_that_tells_them_apart(app, ids):
    response = app.get(f"/documents/{ids['declarations/safer-nightlife/fr/declaration.pdf']}/file")
    assert (
        'filename="safer-nightlife-fr-declaration.pdf"' in response.headers["Content-Disposition"]
    )


def test_a_text_file_is_downloaded_as_utf8_text(app, ids, sample_archive):
    path = "papers/pressemitteilung-konferenz-strassburg.de.txt"
    response = app.get(f"/documents/{ids[path]}/file")
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.body == (sample_archive.documents / path).read_bytes()


def test_a_file_removed_since_the_last_index_is_a_404_not_a_crash(small_archive):
    app = webtest.TestApp(create_app(small_archive))
    doc = small_archive.all_documents()[0]
    (small_archive.documents / doc.path).unlink()
    app.get(f"/documents/{doc.id}/file", status=404)
    page = app.get(f"/documents/{doc.id}")
    assert "Die Originaldatei ist im Moment nicht verfügbar." in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/documents/../../etc/passwd/file",
        "/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd/file",
        "/documents/..%2f..%2fpyproject.toml/file",
        "/static/../app.py",
        "/static/%2e%2e%2fapp.py",
        "/static/..%2f..%2fpyproject.toml",
        "/static/../../pyproject.toml",
        "/static/",
        "/compare/../../etc/passwd",
    ],
)
def test_path_traversal_never_serves_a_file_outside(app, path):
    response = app.get(path, status="*")
    assert response.status_int in (400, 403, 404)
    assert b"[project]" not in response.body
    assert b"root:" not in response.body
    assert b"create_app" not in response.body


def test_static_files_are_served_with_a_cache_lifetime(app):
    css = app.get("/static/style.css")
    assert css.content_type == "text/css"
    assert "max-age" in css.headers["Cache-Control"]
    app.get("/static/missing.css", status=404)


# -- compare ----------------------------------------------------------------------------------


def test_compare_page_shows_two_language_versions_side_by_side(app, ids):
    left = ids["declarations/data-prevention_DE.pdf"]
    right = ids["declarations/data-prevention_FR.pdf"]
    page = app.get(f"/compare/{left}", params={"with": right})
    rows = page.html.select(".compare__row")
    assert len(rows) >= 1
    assert [cell["lang"] for cell in rows[0].select(".compare__cell")] == ["de", "fr"]
    assert page.html.select_one(".compare-with a[aria-current]")["hreflang"] == "fr"


def test_compare_page_without_with_takes_the_first_translation(app, ids):
    page = app.get(f"/compare/{ids['flyers/night-cycling.de.pdf']}")
    assert [c["lang"] for c in page.html.select(".compare__row")[0].select(".compare__cell")] == [
        "de",
        "en",
    ]


def test_compare_page_splits_a_bilingual_file_into_its_languages(app, ids):
    page = app.get(f"/compare/{ids['flyers/helpline-bilingual.pdf']}")
    cells = page.html.select(".compare__row")[0].select(".compare__cell")
    assert [c["lang"] for c in cells] == ["de", "en"]
    assert "Opfer einer Straftat?" in cells[0].text
    assert "Victim of a crime?" in cells[1].text


def test_compare_page_for_a_single_language_document_says_so(app, ids):
    page = app.get(f"/compare/{ids['flyers/sicherheitsspaziergang-einladung.pdf']}")
    assert "nur in einer Sprache" in page.text


def test_compare_with_a_malformed_or_unknown_id_is_400_or_404(app, ids):
    left = ids["flyers/night-cycling.de.pdf"]
    app.get(f"/compare/{left}", params={"with": "../../x"}, status=400)
    app.get(f"/compare/{left}", params={"with": "000000000000"}, status=404)


# -- interface language -----------------------------------------------------------------------


def test_interface_is_german_without_any_preference(app):
    page = app.get("/")
    assert page.html.html["lang"] == "de"
    assert page.html.select_one("label[for=q]").text == "Im Archiv suchen"
    assert page.headers["Content-Language"] == "de"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        ("en-US,en;q=0.9", "en"),
        ("pt-BR, es;q=0.8", "de"),
        ("it, en;q=0.5", "en"),
        ("fr;q=0, en", "en"),
        ("*", "de"),
    ],
)
def test_html_lang_follows_accept_language(app, header, expected):
    page = app.get("/", headers={"Accept-Language": header})
    assert page.html.html["lang"] == expected


def test_french_interface_labels_the_search_box_in_french(app):
    page = app.get("/", params={"ui": "fr"})
    assert page.html.html["lang"] == "fr"
    assert page.html.select_one("label[for=q]").text == "Rechercher dans l’archive"
    assert page.html.select_one(".search button").text == "Rechercher"


def test_the_language_switch_is_remembered_in_a_cookie(sample_archive):
    app = webtest.TestApp(create_app(sample_archive))
    switched = app.get("/", params={"ui": "en"})
    cookie = switched.headers["Set-Cookie"]
    assert cookie.startswith("ui=en") and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    later = app.get("/", headers={"Accept-Language": "fr"})
    assert later.html.html["lang"] == "en", "the cookie outranks the browser's preference"
    back = app.get("/", params={"ui": "de"})
    assert back.html.html["lang"] == "de"
    assert app.get("/").html.html["lang"] == "de"


def test_the_language_switch_keeps_the_current_address(app):
    page = app.get("/", params={"q": "Einbruch", "lang": "de", "ui": "en"})
    links = page.html.select(".ui-switch a")
    assert [a.text for a in links] == ["Deutsch", "English", "Français"]
    assert [a["lang"] for a in links] == ["de", "en", "fr"]
    french = links[2]["href"]
    assert french.startswith("/?") and "q=Einbruch" in french and "lang=de" in french
    assert french.endswith("ui=fr")
    assert links[1]["aria-current"] == "true"


def test_dates_numbers_and_kinds_are_shown_in_the_interface_language(app, ids):
    doc_id = ids["flyers/burglary-prevention.de.pdf"]
    expected = {"de": ("1. Oktober 2024", "Infoblatt"), "fr": ("1 octobre 2024", "Dépliant")}
    expected["en"] = ("October 1, 2024", "Flyer")
    for ui, (date, kind) in expected.items():
        page = app.get(f"/documents/{doc_id}", params={"ui": ui})
        assert page.html.select_one("time").text == date
        assert page.html.select_one(".document__kind").text == kind
    paper = app.get("/", params={"kind": "paper", "ui": "fr"})
    assert "Document de manifestation" in paper.html.select_one(".hit__meta").text


def test_language_names_are_babel_display_names_in_the_interface_language(app):
    page = app.get("/", params={"ui": "fr"})
    facet = [a.contents[0].strip() for a in page.html.select("#facet-lang ~ ul a")]
    assert facet == ["Toutes les langues", "Allemand", "Anglais", "Français"]


def test_accept_language_parsing_orders_by_quality():
    assert parse_accept_language("en;q=0.5, fr, de;q=0.8") == ["fr", "de", "en"]
    assert parse_accept_language("x" * 2000) == []
    assert choose_language("xx", "fr", "en") == "fr"
    assert choose_language(None, "xx", None) == "de"


# -- security ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?q=Einbruch",
        "/documents/000000000000",
        "/nowhere",
        "/?page=x",
        "/opensearch.xml",
        "/static/style.css",
        "/api/search?q=Nacht",
        "/api/search?per_page=0",
        "/api/nowhere",
        "/api/health",
    ],
)
def test_security_headers_are_on_every_response(app, path):
    response = app.get(path, status="*")
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_security_headers_are_on_file_downloads_too(app, ids):
    response = app.get(f"/documents/{ids['flyers/night-cycling.en.pdf']}/file")
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value


def test_pages_use_no_inline_script_or_style(app, ids):
    for path in ["/", f"/documents/{ids['flyers/night-cycling.en.pdf']}"]:
        html = app.get(path).text
        assert "<script" not in html
        assert "<style" not in html
        assert " style=" not in html


def test_a_script_in_the_query_comes_back_escaped(app):
    attack = "<script>alert(1)</script>"
    page = app.get("/", params={"q": attack})
    assert attack not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert page.html.select_one("input#q")["value"] == attack
    assert app.get("/api/search", params={"q": attack}).json["query"] == attack


def test_a_script_in_a_document_is_escaped_in_its_snippet_and_text(tmp_path):
    archive = one_paper(
        tmp_path,
        "evil.en.txt",
        'Evil title\n\nThe word <script>alert("x")</script> sits beside lanterns '
        "and <img src=x onerror=alert(1)> in this text.\n",
    )
    app = webtest.TestApp(create_app(archive))
    page = app.get("/", params={"q": "lanterns"})
    snippet = page.html.select_one(".hit__snippet")
    assert snippet.select("mark")[0].text == "lanterns"
    assert snippet.select("script") == [] and snippet.select("img") == []
    assert "&lt;script&gt;" in str(snippet)
    doc_id = archive.all_documents()[0].id
    document = app.get(f"/documents/{doc_id}")
    assert document.html.select("main script") == [] and document.html.select("main img") == []


def test_query_length_and_per_page_are_capped(app):
    assert app.get("/api/search", params={"q": "x" * 500}).status_int == 200
    app.get("/api/search", params={"q": "x" * 501}, status=400)
    assert app.get("/api/search", params={"per_page": 100}).json["per_page"] == 100
    app.get("/api/search", params={"per_page": 101}, status=400)
    app.get("/api/documents", params={"per_page": 101}, status=400)


def test_nothing_is_registered_on_bottles_default_app(sample_archive):
    before = len(bottle.default_app().routes)
    create_app(sample_archive)
    assert len(bottle.default_app().routes) == before


# -- errors -----------------------------------------------------------------------------------


def test_an_unknown_address_is_a_localised_404_page(app):
    page = app.get("/nowhere", params={"ui": "en"}, status=404)
    assert page.html.select_one("h1").text == "Page not found"
    assert page.html.html["lang"] == "en"
    assert page.html.select_one("form[role=search]") is not None


def test_a_wrong_method_is_a_405_page(app):
    response = app.post("/", status=405)
    assert "Traceback" not in response.text


def test_a_missing_index_is_a_503_page_saying_the_archive_is_being_prepared(tmp_path):
    (tmp_path / "documents").mkdir()
    app = webtest.TestApp(create_app(Archive(tmp_path / "documents", tmp_path / "index")))
    page = app.get("/", expect_errors=True)
    assert page.status_int == 503
    assert "IndexMissing" in page.errors, "the log says what is wrong"
    assert "Das Archiv wird gerade vorbereitet" in page.text
    assert page.headers["Retry-After"]
    assert str(tmp_path) not in page.text
    data = app.get("/api/health", expect_errors=True).json
    assert data["status"] == 503
    assert str(tmp_path) not in json.dumps(data)
    assert app.get("/api/search", expect_errors=True).status_int == 503


class _Broken:
    """An archive whose every read fails unexpectedly."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise RuntimeError("/secret/server/path exploded")

        return fail


def test_an_unexpected_error_is_a_500_page_without_traceback_or_paths():
    app = webtest.TestApp(create_app(_Broken()))
    for path in ["/", "/api/search"]:
        response = app.get(path, expect_errors=True)
        assert response.status_int == 500
        assert "RuntimeError" in response.errors, "the traceback goes to the server's log"
        assert "Traceback" not in response.text
        assert "/secret/server/path" not in response.text
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value
    assert app.get("/api/health", expect_errors=True).json["status"] == 500


# -- OpenSearch and the API -------------------------------------------------------------------


def test_opensearch_description_is_valid_and_points_at_the_search(app):
    response = app.get("/opensearch.xml")
    assert response.content_type == "application/opensearchdescription+xml"
    root = ElementTree.fromstring(response.body)
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    assert root.tag == "{http://a9.com/-/spec/opensearch/1.1/}OpenSearchDescription"
    assert 0 < len(root.find("os:ShortName", ns).text) <= 16
    template = root.find("os:Url[@type='text/html']", ns).get("template")
    assert template == "http://localhost:80/?q={searchTerms}"
    page = app.get("/")
    link = page.html.select_one("link[rel=search]")
    assert link["type"] == "application/opensearchdescription+xml"
    assert link["href"] == "/opensearch.xml"


def test_api_search_has_the_cli_json_shape(app, sample_archive):
    data = search_json(app, q="Einbruch", per_page=5)
    assert set(data) >= SEARCH_KEYS
    assert {"lang", "kind"} <= set(data["facets"])
    assert (data["query"], data["page"], data["per_page"]) == ("Einbruch", 1, 5)
    assert data == json.loads(json.dumps(sample_archive.search("Einbruch", per_page=5).to_dict()))
    hit = data["results"][0]
    for key in ("id", "title", "lang", "languages", "kind", "date", "snippet", "translations"):
        assert key in hit


def test_api_lists_documents_page_by_page(app, sample_archive):
    total = sample_archive.search("").total
    first = app.get("/api/documents", params={"per_page": 5}).json
    assert (first["total"], first["page"], first["per_page"]) == (total, 1, 5)
    assert len(first["documents"]) == 5
    last_page = -(-total // 5)
    last = app.get("/api/documents", params={"per_page": 5, "page": last_page}).json
    assert len(last["documents"]) == total - 5 * (last_page - 1)
    assert "translations" in first["documents"][0]


def test_api_document_has_its_fields_and_translations(app, ids):
    doc_id = ids["flyers/burglary-prevention.de.pdf"]
    data = app.get(f"/api/documents/{doc_id}").json
    assert data["id"] == doc_id
    assert data["lang"] == "de" and data["kind"] == "flyer" and data["date"] == "2024-10-01"
    assert {t["lang"] for t in data["translations"]} == {"en", "fr"}
    assert data["file_url"] == f"/documents/{doc_id}/file"
    assert data["segments"][0]["lang"] == "de"


def test_api_health_tells_generation_count_and_last_reindex(app, sample_archive):
    data = app.get("/api/health").json
    assert data["status"] == "ok"
    assert data["documents"] == sample_archive.search("").total
    assert data["generation"]
    assert re.match(r"\d{4}-\d\d-\d\dT", data["last_reindex"])


# -- reloading, serving -----------------------------------------------------------------------


def test_the_app_serves_a_new_index_without_restart(small_archive):
    app = webtest.TestApp(create_app(small_archive))
    assert search_json(app, q="lighting")["total"] == 1
    assert search_json(app, q="hydrants")["total"] == 0
    extra = small_archive.documents / "papers" / "hydrants.en.txt"
    extra.write_text(
        "Fire hydrants\n\nThe fire brigade inspects the hydrants in every district.\n",
        encoding="utf-8",
    )
    small_archive.index(jobs=1)
    assert search_json(app, q="hydrants")["total"] == 1
    assert app.get("/", params={"q": "hydrants"}).html.select(".hit")
    small_archive.index(jobs=1, full=True)  # a rebuild swaps in a new generation
    assert search_json(app, q="hydrants")["total"] == 1
    assert app.get("/api/health").json["documents"] == 2


def test_the_wsgi_module_builds_the_app_from_the_environment(monkeypatch, sample_archive):
    monkeypatch.setenv("ARCHIVE_DOCUMENTS", str(sample_archive.documents))
    monkeypatch.setenv("ARCHIVE_INDEX", str(sample_archive.store.root))
    sys.modules.pop("web.wsgi", None)
    module = importlib.import_module("web.wsgi")
    try:
        app = webtest.TestApp(module.application)
        assert app.get("/api/health").json["documents"] == sample_archive.search("").total
    finally:
        sys.modules.pop("web.wsgi", None)


def test_serve_runs_waitress_with_threads_and_says_where(monkeypatch, capsys, sample_archive):
    import waitress

    calls = {}

    class FakeServer:
        def run(self):
            calls["ran"] = True

    def create_server(app, **options):
        calls.update(app=app, **options)
        return FakeServer()

    monkeypatch.setattr(waitress, "create_server", create_server)
    from web.serve import serve

    serve(sample_archive, host="127.0.0.1", port=8765, threads=4)
    assert calls["port"] == 8765 and calls["threads"] == 4 and calls["host"] == "127.0.0.1"
    assert isinstance(calls["app"], bottle.Bottle) and calls["ran"]
    assert (
        "Serving the archive on http://127.0.0.1:8765/ (Ctrl+C to stop)" in capsys.readouterr().err
    )


def test_serve_on_a_busy_port_is_a_short_error_not_a_traceback(sample_archive, capsys):
    import socket

    from archive import ConfigError
    from web.serve import serve

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve(sample_archive, host="127.0.0.1", port=port, threads=1)
    assert "Serving the archive" not in capsys.readouterr().err


# -- helpers ----------------------------------------------------------------------------------


def test_page_numbers_show_first_last_and_neighbours():
    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 0) == []
    assert page_numbers(5, 20) == [1, None, 3, 4, 5, 6, 7, None, 20]
    assert page_numbers(2, 4) == [1, 2, 3, 4]


def test_reflow_joins_wrapped_lines_and_keeps_headings_and_list_items():
    wrapped = (
        "A heading\n"
        "This first line of a paragraph is long enough to be wrapped by the PDF\n"
        "and goes on here.\n"
        "• one item that is listed\n"
        "• another item"
    )
    assert text.paragraphs(wrapped) == [
        "A heading",
        "This first line of a paragraph is long enough to be wrapped by the PDF and goes on here.",
        "• one item that is listed",
        "• another item",
    ]


def test_long_segments_are_cut_into_screens_between_paragraphs():
    from archive.document import Segment

    paragraph = "word " * 400  # 2,000 characters
    segment = Segment("\n\n".join([paragraph] * 6), "en", None)
    screens = text.screens([segment])
    assert len(screens) == 3
    assert all(sum(p.chars for p in screen) <= text.SCREEN_CHARS for screen in screens)


def test_download_name_is_the_original_name_unless_a_language_folder_holds_it(sample_archive):
    docs = {doc.path: doc for doc in sample_archive.all_documents()}
    assert download_name(docs["flyers/night-cycling.de.pdf"]) == "night-cycling.de.pdf"
    assert (
        download_name(docs["declarations/safer-nightlife/de/declaration.pdf"])
        == "safer-nightlife-de-declaration.pdf"
    )
