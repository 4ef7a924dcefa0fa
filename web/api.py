"""The JSON API: a Bottle app of its own, mounted by the site at /api.

Bodies have the shapes of the CLI's `--json` output (the facade's `to_dict()`
and `summary_dict()`), so scripts can move between the two. The app has its own
error handler, so every answer under /api, errors included, is JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import partial

import bottle

from archive import Archive, DocumentNotFound, QueryError
from archive.search import MAX_PER_PAGE
from web.errors import archive_errors, message_for
from web.params import BadParameter, int_param, is_document_id, search_params
from web.security import secure

DEFAULT_DOCUMENTS_PER_PAGE = 50

_dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def create_api(archive: Archive) -> bottle.Bottle:
    """The API over `archive`: /search, /documents, /documents/<id>, /health."""
    api = bottle.Bottle()
    api.uninstall(bottle.JSONPlugin)
    api.install(bottle.JSONPlugin(json_dumps=_dumps))
    api.install(archive_errors)
    api.add_hook("after_request", secure)
    api.default_error_handler = _json_error

    @api.get("/search")
    def search() -> dict:
        params = search_params(bottle.request.query)
        return archive.search(params.q, **params.archive_args()).to_dict()

    @api.get("/documents")
    def documents() -> dict:
        query = bottle.request.query
        page = int_param(query, "page", 1)
        per_page = int_param(query, "per_page", DEFAULT_DOCUMENTS_PER_PAGE, maximum=MAX_PER_PAGE)
        total, docs = archive.documents_page(page, per_page)
        return {
            "total": total,
            "page": page,
            "per_page": per_page,
            "documents": [doc.summary_dict() for doc in docs],
        }

    @api.get("/documents/<doc_id>")
    def document(doc_id: str) -> dict:
        if not is_document_id(doc_id):
            raise DocumentNotFound("document ids have 12 hexadecimal digits")
        doc = archive.document(doc_id)
        base = bottle.request.script_name.rstrip("/").removesuffix("/api")
        data = doc.summary_dict()
        data.update(
            summary=doc.summary,
            pages=doc.pages,
            mime=doc.mime,
            segments=[asdict(segment) for segment in doc.segments],
            url=f"{base}/documents/{doc.id}",
            file_url=f"{base}/documents/{doc.id}/file",
        )
        return data

    @api.get("/health")
    def health() -> dict:
        return archive.health()

    return api


def _json_error(error: bottle.HTTPError) -> str:
    """Every error under /api as JSON: status, reason, and a message for developers."""
    exc = error.exception
    if isinstance(exc, BadParameter | QueryError):
        message = str(exc)
    else:
        message_id, values = message_for(error)
        message = message_id % values if values else message_id
    # Bottle hands an unexpected exception to start_response; mounted in the site, that
    # would re-raise it into the site's HTML error page. It is logged already: drop it.
    bottle.request.environ.pop("bottle.exc_info", None)
    bottle.response.content_type = "application/json"
    secure()
    if error.status_code == 503:
        bottle.response.set_header("Retry-After", "60")
    return _dumps(
        {
            "status": error.status_code,
            "error": bottle.HTTP_CODES.get(error.status_code, "Error"),
            "message": message,
        }
    )
