"""The web site: a Bottle app built over one Archive; it only ever reads the index.

`create_app(archive)` returns the WSGI application. Nothing is registered on
Bottle's global default app, so several apps (tests, servers) can live side by
side. The interface language is chosen per request and handed to the templates
in the render context; no process-wide locale is touched.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import bottle

from archive import Archive, DocumentNotFound
from archive.document import Document
from archive.languages import LANGUAGES
from archive.search import MAX_QUERY_CHARS
from web import text
from web.api import create_api
from web.errors import archive_errors, message_for, title_for
from web.i18n import (
    KIND_LABELS,
    UI_LANGUAGES,
    Ui,
    build_environment,
    choose_language,
    load_catalogs,
    own_name,
)
from web.params import (
    BadParameter,
    SearchParams,
    decoded_items,
    id_param,
    int_param,
    is_document_id,
    search_params,
    text_param,
)
from web.security import secure

STATIC_DIR = Path(__file__).resolve().parent / "static"
UI_COOKIE = "ui"
UI_COOKIE_MAX_AGE = 365 * 24 * 3600
STATIC_MAX_AGE = 3600
MINIMAL_ERROR_PAGE = (
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>Error {status}</title>'
    '<h1>Error {status}</h1><p><a href="/">Archive</a></p></html>'
)


@dataclass(frozen=True)
class Facets:
    """Counts beside each filter option (see Searcher._facets): what a click would show."""

    lang: dict[str, int]
    kind: dict[str, int]
    year: dict[str, int]


@dataclass(frozen=True)
class SwitchLink:
    code: str
    name: str  # in its own language
    href: str
    current: bool


@dataclass(frozen=True)
class Version:
    """One language version of a document, for the version list and the compare view."""

    doc_id: str
    lang: str
    title: str
    current: bool
    source: str | None = None  # explicit, name or automatic (see Translation)
    confidence: float | None = None
    evidence: tuple[str, ...] = ()


def url(path: str, **params: object) -> str:
    """A link inside the site, below the script name a WSGI server may have put us at."""
    base = bottle.request.script_name.rstrip("/")
    query = urlencode([(k, str(v)) for k, v in params.items() if v not in (None, "")])
    return base + path + (f"?{query}" if query else "")


def search_url(params: SearchParams, **changes: object) -> str:
    target = params.with_(**changes) if changes else params
    query = target.query_string()
    return url("/") + (f"?{query}" if query else "")


def download_name(doc: Document) -> str:
    """The file name offered on download: the original name, made unambiguous.

    `safer-nightlife/de/declaration.pdf` is saved as `safer-nightlife-de-declaration.pdf`,
    so that the language versions do not overwrite each other in a downloads folder.
    """
    parts = doc.path.split("/")
    name = parts[-1]
    if len(parts) >= 2 and parts[-2].lower() in LANGUAGES:
        name = "-".join(parts[-3:]) if len(parts) >= 3 else "-".join(parts[-2:])
    return name


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def create_app(archive: Archive) -> bottle.Bottle:
    """The whole site over `archive`: pages, files, static files and the API at /api/."""
    env = build_environment()
    catalogs = load_catalogs()
    app = bottle.Bottle()
    app.install(archive_errors)

    def current_ui() -> Ui:
        """The request's interface language: switch, cookie, Accept-Language, German."""
        environ = bottle.request.environ
        if "web.ui" not in environ:
            code = choose_language(
                bottle.request.query.get("ui"),
                bottle.request.get_cookie(UI_COOKIE),
                bottle.request.get_header("Accept-Language"),
            )
            environ["web.ui"] = Ui(code, catalogs[code])
        return environ["web.ui"]

    def switch_links() -> list[SwitchLink]:
        """The current address in each interface language (the filters and query kept)."""
        kept = [(k, v) for k, v in decoded_items(bottle.request.query) if k != "ui"]
        ui = current_ui()
        links = []
        for code in UI_LANGUAGES:
            href = bottle.request.script_name.rstrip("/") + quote(bottle.request.path)
            href += "?" + urlencode([*kept, ("ui", code)])
            links.append(SwitchLink(code, own_name(code), href, code == ui.code))
        return links

    def render(template: str, **context: object) -> str:
        bottle.response.content_type = "text/html; charset=UTF-8"
        return env.get_template(template).render(
            ui=current_ui(),
            url=url,
            search_url=search_url,
            switch_links=switch_links(),
            max_query=MAX_QUERY_CHARS,
            **context,
        )

    @app.hook("after_request")
    def after_request() -> None:
        """Security headers everywhere; remember an explicit language switch."""
        secure()
        ui = current_ui()
        bottle.response.set_header("Content-Language", ui.code)
        bottle.response.set_header("Vary", "Accept-Language, Cookie")
        if bottle.request.query.get("ui") == ui.code:
            bottle.response.set_cookie(
                UI_COOKIE,
                ui.code,
                path=bottle.request.script_name,
                max_age=UI_COOKIE_MAX_AGE,
                samesite="Lax",
                httponly=True,
                secure=bottle.request.urlparts.scheme == "https",
            )

    # -- pages ------------------------------------------------------------------------

    @app.get("/")
    def search_page() -> str:
        params = search_params(bottle.request.query)
        results = archive.search(params.q, prefer=current_ui().code, **params.archive_args())
        if results.total and params.page > results.pages:
            raise bottle.HTTPError(404)
        facets = Facets(**results.facets)
        elsewhere = {}
        if results.total == 0 and params.lang:
            elsewhere = {code: n for code, n in facets.lang.items() if n and code != params.lang}
        return render(
            "search.html",
            params=params,
            results=results,
            facets=facets,
            elsewhere=elsewhere,
            pages=page_numbers(params.page, results.pages),
            page_href=lambda number: search_url(params, page=number),
            first_number=(params.page - 1) * params.per_page + 1,
            kind_codes=list(KIND_LABELS),
        )

    @app.get("/documents/<doc_id>")
    def document_page(doc_id: str) -> str:
        doc = load_document(doc_id)
        screens = text.screens(doc.segments)
        screen = screen_param(len(screens))
        return render(
            "document.html",
            doc=doc,
            versions=versions(doc),
            file_size=file_size(doc),
            passages=screens[screen - 1] if screens else [],
            screen=screen,
            screens=len(screens),
            pages=page_numbers(screen, len(screens)),
            page_href=lambda number: url(f"/documents/{doc.id}", page=number),
        )

    @app.get("/documents/<doc_id>/file")
    def document_file(doc_id: str) -> bottle.HTTPResponse:
        doc = load_document(doc_id)
        path = archive.file_path(doc.id)  # the only way to a file: the index knows it
        answer = bottle.static_file(path.name, root=str(path.parent), mimetype=doc.mime)
        if answer.status_code < 300:
            answer.set_header("Content-Disposition", content_disposition(download_name(doc)))
        return answer

    @app.get("/compare/<doc_id>")
    def compare_page(doc_id: str) -> str:
        left = load_document(doc_id)
        other_id = id_param(bottle.request.query, "with")
        right, left_lang, right_lang = pick_pair(left, other_id)
        compare_screens: list[list[text.Row]] = []
        if right is not None:
            compare_screens = text.side_by_side(
                [s for s in left.segments if left_lang is None or s.lang == left_lang],
                [s for s in right.segments if right_lang is None or s.lang == right_lang],
            )
        screen = screen_param(len(compare_screens))
        return render(
            "compare.html",
            left=left,
            right=right,
            left_lang=left_lang or left.lang,
            right_lang=right_lang or (right.lang if right else None),
            versions=versions(left),
            rows=compare_screens[screen - 1] if compare_screens else [],
            screen=screen,
            screens=len(compare_screens),
            pages=page_numbers(screen, len(compare_screens)),
            page_href=lambda number: url(f"/compare/{left.id}", page=number, **{"with": other_id}),
            with_id=other_id,
        )

    @app.get("/opensearch.xml")
    def opensearch() -> str:
        parts = bottle.request.urlparts
        root = f"{parts.scheme}://{parts.netloc}{bottle.request.script_name.rstrip('/')}"
        body = env.get_template("opensearch.xml").render(ui=current_ui(), root=root)
        bottle.response.content_type = "application/opensearchdescription+xml; charset=UTF-8"
        return body

    @app.get("/static/<name:re:[A-Za-z0-9_-]+[.][a-z0-9]+>")
    def static(name: str) -> bottle.HTTPResponse:
        answer = bottle.static_file(name, root=str(STATIC_DIR))
        if answer.status_code < 300:
            answer.set_header("Cache-Control", f"public, max-age={STATIC_MAX_AGE}")
        return answer

    # -- helpers that need the archive -------------------------------------------------

    def load_document(doc_id: str) -> Document:
        if not is_document_id(doc_id):
            raise DocumentNotFound("document ids have 12 hexadecimal digits")
        return archive.document(doc_id)

    def versions(doc: Document) -> list[Version]:
        own = Version(doc.id, doc.lang, doc.title, True)
        others = [
            Version(t.id, t.lang, t.title, False, t.source, t.confidence, t.evidence)
            for t in doc.translations
        ]
        order = list(LANGUAGES)
        return sorted(
            [own, *others], key=lambda v: order.index(v.lang) if v.lang in order else len(order)
        )

    def file_size(doc: Document) -> int | None:
        """Size of the original, or None when the file has gone since the last reindex."""
        try:
            return archive.file_path(doc.id).stat().st_size
        except (DocumentNotFound, OSError):  # shown as "not available", not as an error
            return None

    def pick_pair(
        left: Document, other_id: str | None
    ) -> tuple[Document | None, str | None, str | None]:
        """The version shown beside `left`, and which language of each side to show.

        Without `with`, the first translation; a bilingual file without
        translations is compared with itself, one language per side.
        """
        if other_id and other_id != left.id:
            return archive.document(other_id), None, None
        if not other_id and left.translations:
            return archive.document(left.translations[0].id), None, None
        if len(left.languages) >= 2:
            return left, left.languages[0], left.languages[1]
        return None, None, None

    # -- errors -----------------------------------------------------------------------

    def error_page(error: bottle.HTTPError) -> str:
        """A page in the interface language; never a traceback, never a server path."""
        secure()
        status = error.status_code
        if status == 503:
            bottle.response.set_header("Retry-After", "60")
        message, values = message_for(error)
        try:
            query = text_param(bottle.request.query, "q")[:MAX_QUERY_CHARS]
        except BadParameter:
            query = ""
        try:
            return render(
                "error.html",
                status=status,
                title=title_for(status),
                message=message,
                values=values,
                query=query,
            )
        except Exception:  # the error page itself failed: log it, answer with a bare page
            bottle.request.environ["wsgi.errors"].write(traceback.format_exc())
            bottle.response.content_type = "text/html; charset=UTF-8"
            return MINIMAL_ERROR_PAGE.format(status=status)

    app.default_error_handler = error_page
    app.mount("/api/", create_api(archive).wsgi)
    return app


def screen_param(screens: int) -> int:
    """The requested screen of a long text; past the last one is a 404, like a missing page."""
    screen = int_param(bottle.request.query, "page", 1)
    if screen > max(1, screens):
        raise bottle.HTTPError(404)
    return screen


def page_numbers(current: int, last: int, around: int = 2) -> list[int | None]:
    """Page numbers for a pager: first, last and a few around the current (None = gap)."""
    if last <= 1:
        return [1] if last == 1 else []
    shown = {1, last, *range(max(1, current - around), min(last, current + around) + 1)}
    numbers: list[int | None] = []
    previous = 0
    for number in sorted(shown):
        if number - previous > 1:
            numbers.append(None)
        numbers.append(number)
        previous = number
    return numbers


__all__ = ["create_app", "page_numbers"]
