"""Reading request parameters: one place that decides what a bad parameter is.

The pages and the JSON API reject the same things the same way. Each problem
is an English message marked for translation: the API sends it as it is, the
pages show it in the interface language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from archive.languages import LANGUAGES
from archive.search import MAX_PER_PAGE, MAX_QUERY_CHARS, SORTS
from web.i18n import N_

DOCUMENT_ID = re.compile(r"[0-9a-f]{12}")
DEFAULT_PER_PAGE = 10
MAX_PAGE = 100_000
MAX_KIND_CHARS = 40


class BadParameter(Exception):
    """A parameter a person or a program sent is unusable: HTTP 400."""

    def __init__(self, message: str, **values: object):
        super().__init__(message % values if values else message)
        self.message = message  # msgid, translated by the pages
        self.values = values


def is_document_id(value: str) -> bool:
    return bool(DOCUMENT_ID.fullmatch(value or ""))


def text_param(query, name: str) -> str:
    """A query parameter as text (Bottle decodes query strings as Latin-1 unless asked)."""
    value = query.getunicode(name, default=None)
    if value is None and name in query:
        raise BadParameter(N_("The address contains characters that cannot be read."))
    return (value or "").strip()


def decoded_items(query) -> list[tuple[str, str]]:
    """Every parameter that reads as UTF-8, in order; unreadable ones are dropped."""
    items = []
    for key, value in query.allitems():
        try:
            items.append(
                (key.encode("latin1").decode("utf-8"), value.encode("latin1").decode("utf-8"))
            )
        except UnicodeError:
            continue
    return items


def int_param(query, name: str, default: int, maximum: int = MAX_PAGE) -> int:
    raw = text_param(query, name)
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
        if name == "per_page":
            raise BadParameter(
                N_("The number of hits per page must be between 1 and %(max)s."), max=maximum
            )
        raise BadParameter(N_("The page number must be a whole number from 1 upwards."))
    return int(raw)


def id_param(query, name: str) -> str | None:
    value = text_param(query, name)
    if value and not is_document_id(value):
        raise BadParameter(N_("This is not a valid document number."))
    return value or None


@dataclass(frozen=True)
class SearchParams:
    """A search as the pages and the API receive it, already checked."""

    q: str = ""
    lang: str | None = None
    kind: str | None = None
    year: str | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "relevance"

    @property
    def filtered(self) -> bool:
        return bool(self.lang or self.kind or self.year)

    def archive_args(self) -> dict:
        return {
            "lang": self.lang,
            "kind": self.kind,
            "year": self.year,
            "page": self.page,
            "per_page": self.per_page,
            "sort": self.sort,
        }

    def with_(self, **changes) -> SearchParams:
        """The same search with some values changed; a new filter starts at page 1."""
        changes.setdefault("page", 1)
        return replace(self, **changes)

    def link_args(self) -> dict[str, str]:
        """The parameters a link to this search needs; defaults are left out."""
        args = {
            "q": self.q,
            "lang": self.lang or "",
            "kind": self.kind or "",
            "year": self.year or "",
            "sort": self.sort if self.sort != "relevance" else "",
            "per_page": str(self.per_page) if self.per_page != DEFAULT_PER_PAGE else "",
            "page": str(self.page) if self.page != 1 else "",
        }
        return {key: value for key, value in args.items() if value}

    def query_string(self) -> str:
        return urlencode(self.link_args())

    def hidden_fields(self) -> list[tuple[str, str]]:
        """Filters a new search from the search box keeps (the query itself is the box)."""
        args = self.link_args()
        return [(k, v) for k, v in args.items() if k not in ("q", "page")]


def search_params(query) -> SearchParams:
    """Check a search's parameters; raise BadParameter with a message for people."""
    q = text_param(query, "q")
    if len(q) > MAX_QUERY_CHARS:
        raise BadParameter(
            N_("The search is too long: at most %(max)s characters, please."), max=MAX_QUERY_CHARS
        )
    lang = text_param(query, "lang") or None
    if lang and lang not in LANGUAGES:
        raise BadParameter(N_("There are no documents in this language."))
    kind = text_param(query, "kind") or None
    if kind and (len(kind) > MAX_KIND_CHARS or not re.fullmatch(r"[\w-]+", kind)):
        raise BadParameter(N_("There is no such kind of document."))
    year = text_param(query, "year") or None
    if year and not re.fullmatch(r"\d{4}", year):
        raise BadParameter(N_("The year must have four digits."))
    sort = text_param(query, "sort") or "relevance"
    if sort not in SORTS:
        raise BadParameter(N_("Results can be sorted by relevance or by date only."))
    return SearchParams(
        q=q,
        lang=lang,
        kind=kind,
        year=year,
        page=int_param(query, "page", 1),
        per_page=int_param(query, "per_page", DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE),
        sort=sort,
    )
