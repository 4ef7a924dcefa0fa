"""The edge where archive errors become HTTP statuses, for the pages and the API alike.

Routes let `ArchiveError`s and `BadParameter`s rise; the `archive_errors` plugin
turns them into `HTTPError`s, and each app's error handler renders those as a
page or as JSON. Messages shown to people never carry server paths or
tracebacks: an archive error's own text (which may name the index folder) only
reaches the log.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import bottle

from archive import ArchiveError, DocumentNotFound, IndexMissing, QueryError, SchemaMismatch
from web.i18n import N_
from web.params import BadParameter

#: Exception type -> HTTP status; the first match wins.
STATUS_FOR: tuple[tuple[type[Exception], int], ...] = (
    (BadParameter, 400),
    (QueryError, 400),
    (DocumentNotFound, 404),
    (IndexMissing, 503),
    (SchemaMismatch, 503),
    (ArchiveError, 500),
)

#: What a person reads for each status (message ids, English in the API).
TITLES: dict[int, str] = {
    400: N_("This request cannot be answered"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("This request cannot be answered"),
    500: N_("Something went wrong"),
    503: N_("The archive is being prepared"),
}
MESSAGES: dict[int, str] = {
    400: N_("The address contains a value the archive cannot use."),
    403: N_("This address cannot be opened."),
    404: N_("There is no document or page at this address. It may have been removed or renamed."),
    405: N_("This address cannot be used that way."),
    500: N_("The archive could not answer. Please try again in a moment."),
    503: N_("The documents are being indexed right now. Please try again in a few minutes."),
}
NOT_FOUND_DOCUMENT = N_(
    "There is no document with this number. It may have been removed from the archive."
)


def status_for(exc: Exception) -> int:
    return next((status for kind, status in STATUS_FOR if isinstance(exc, kind)), 500)


def message_for(error: bottle.HTTPError) -> tuple[str, dict]:
    """The message id (and its values) that explains `error` to a person."""
    exc = error.exception
    if isinstance(exc, BadParameter):
        return exc.message, exc.values
    if isinstance(exc, DocumentNotFound):
        return NOT_FOUND_DOCUMENT, {}
    status = (
        error.status_code
        if error.status_code in MESSAGES
        else (500 if error.status_code >= 500 else 400)
    )
    return MESSAGES[status], {}


def title_for(status: int) -> str:
    return TITLES.get(status) or TITLES[500 if status >= 500 else 400]


def archive_errors(callback: Callable) -> Callable:
    """Bottle plugin: archive errors and bad parameters become HTTP errors, here only."""

    @functools.wraps(callback)
    def wrapper(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except (ArchiveError, BadParameter) as exc:
            status = status_for(exc)
            if status >= 500:  # people see a calm page; the log says what to fix
                log = bottle.request.environ.get("wsgi.errors")
                if log is not None:
                    log.write(f"archive: {type(exc).__name__}: {exc}\n")
            raise bottle.HTTPError(status, str(exc), exception=exc) from None

    return wrapper
