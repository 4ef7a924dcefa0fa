"""Searching: query parsing across languages, filters, facets, snippets, did-you-mean.

A query without a language filter is parsed once per language field, each
through the analyzer that indexed that field; with a filter only that
language's fields and documents count.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace

from whoosh import query, sorting
from whoosh.highlight import ContextFragmenter, HtmlFormatter

from archive.document import Document, Translation
from archive.errors import QueryError
from archive.languages import LANGUAGES, field_suffix
from archive.query import build as build_query
from archive.records import from_stored
from archive.schema import FIELD_LANGS, text_fields, vocabulary_field
from archive.store import ok_only

MAX_QUERY_CHARS = 500
MAX_PER_PAGE = 100
SNIPPET_CHARS = 240
SORTS = ("relevance", "date")


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    lang: str | None = None
    kind: str | None = None
    year: str | None = None
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    prefer: str | None = None  # reading language (interface language): ranks first

    def validated(self) -> SearchRequest:
        """Check parameters here, once, so CLI and web reject the same things the same way."""
        if self.lang and self.lang not in LANGUAGES:
            raise QueryError(f"unknown language {self.lang!r}; use one of {', '.join(LANGUAGES)}")
        if self.year and not re.fullmatch(r"\d{4}", self.year):
            raise QueryError(f"year must have four digits, not {self.year!r}")
        if self.page < 1:
            raise QueryError("page must be 1 or more")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if self.sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}")
        if self.prefer and self.prefer not in LANGUAGES:
            return replace(self, prefer=None).validated()  # only a hint: ignore unknown codes
        if len(self.query) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
        return self


@dataclass
class Hit:
    document: Document
    score: float
    snippet: str  # plain text
    snippet_html: str  # escaped text with <mark> around the hits
    snippet_lang: str

    def to_dict(self) -> dict:
        data = self.document.summary_dict()
        data.update(
            score=round(self.score, 4),
            snippet=self.snippet,
            snippet_html=self.snippet_html,
            snippet_lang=self.snippet_lang,
        )
        return data


@dataclass
class SearchResults:
    request: SearchRequest
    total: int
    results: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None  # did-you-mean query
    plain_fallback: bool = False  # the query's syntax was invalid and read as plain words

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    def to_dict(self) -> dict:
        return {
            "query": self.request.query,
            "total": self.total,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "facets": self.facets,
            "suggestion": self.suggestion,
            "results": [hit.to_dict() for hit in self.results],
        }


class _MarkFormatter(HtmlFormatter):
    """Escapes the text and wraps hits in a bare <mark>: snippets are safe to put in a page."""

    def __init__(self):
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text, token, replace=False):
        return "<mark>" + self._text(text[token.startchar : token.endchar]) + "</mark>"


class Searcher:
    """Runs one SearchRequest on an open Whoosh searcher."""

    def __init__(self, searcher, automatic: dict | None = None):
        self.s = searcher
        self.automatic = automatic or {}  # doc id -> {other id: {confidence, evidence}}

    def run(self, request: SearchRequest) -> SearchResults:
        request = request.validated()
        text = request.query.strip()
        q, fallback = self._query(text, request.lang, request.prefer)
        sortedby = (
            sorting.FieldFacet("date", reverse=True) if request.sort == "date" or not text else None
        )
        page = self.s.search_page(
            q,
            request.page,
            pagelen=request.per_page,
            filter=_filters(request),
            sortedby=sortedby,
        )
        page.results.fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS // 2, surround=50)
        hits = [self._hit(hit, request.lang) for hit in page] if page.offset < page.total else []
        facets = self._facets(text, request, page.total)
        suggestion = None
        if text and page.total == 0:
            first = request.lang or request.prefer
            order = [first] if request.lang else [first, *FIELD_LANGS]
            suggestion = self._suggest(text, list(dict.fromkeys(x for x in order if x)))
        return SearchResults(request, page.total, hits, facets, suggestion, fallback)

    def _query(self, text: str, lang: str | None, prefer: str | None = None):
        if not text:
            return query.Every(), False
        return build_query(self.s.schema, text, lang, prefer)

    def _count(self, text: str, request: SearchRequest) -> int:
        results = self.s.search(
            self._query(text, request.lang)[0], filter=_filters(request), limit=1, scored=False
        )
        return len(results)

    def _facets(self, text: str, request: SearchRequest, total: int) -> dict[str, dict[str, int]]:
        """Counts beside each filter option: what a click on that option would show.

        Each dimension is counted with the other filters applied and its own left out,
        and a language counts only documents that match in that language.
        """
        langs = {}
        for code in LANGUAGES:
            langs[code] = (
                total if code == request.lang else self._count(text, replace(request, lang=code))
            )
        facets = {"lang": langs}
        for name in ("kind", "year"):
            others = replace(request, **{name: None})
            results = self.s.search(
                self._query(text, request.lang)[0],
                filter=_filters(others),
                groupedby={name: sorting.FieldFacet(name)},
                limit=1,
                scored=False,
            )
            counts = {k: len(v) for k, v in results.groups(name).items() if k}
            if getattr(request, name):
                counts.setdefault(getattr(request, name), 0)
            order = (lambda kv: (-kv[1], kv[0])) if name == "kind" else (lambda kv: kv[0])
            facets[name] = dict(sorted(counts.items(), key=order, reverse=name == "year"))
        return facets

    def _hit(self, hit, lang_filter: str | None) -> Hit:
        """The document with a snippet in the language whose text matched, hits marked."""
        doc = from_stored(hit.fields())
        doc.translations = self.translations(doc)
        hit.results.formatter = _MarkFormatter()
        candidates = (
            [lang_filter]
            if lang_filter
            else dict.fromkeys([doc.lang, *doc.languages, *(s.lang for s in doc.segments)])
        )
        for lang in candidates:
            text = doc.text_in(lang)
            body = text_fields(field_suffix(lang))[2]
            marked = hit.highlights(body, text=text, top=2) if text else ""
            if marked:
                plain = html.unescape(re.sub(r"</?mark>", "", marked))
                return Hit(doc, hit.score or 0.0, plain, marked, lang)
        plain = _shorten(doc.summary or doc.text_in(doc.lang) or doc.text, SNIPPET_CHARS)
        return Hit(doc, hit.score or 0.0, plain, html.escape(plain, quote=False), doc.lang)

    def translations(self, doc: Document) -> list[Translation]:
        """Every other version: sidecar and name groups first, then automatic links."""
        found: dict[str, Translation] = {}
        if doc.group:
            for fields in self.s.documents(group=doc.group):
                if fields.get("state") != "ok" or fields["id"] == doc.id:
                    continue
                found[fields["id"]] = Translation(
                    fields["id"],
                    fields["path"],
                    fields["lang"],
                    fields.get("title", ""),
                    doc.group_source or "name",
                )
        for other, entry in self.automatic.get(doc.id, {}).items():
            fields = self.s.document(id=other) if other not in found else None
            if fields and fields.get("state") == "ok":
                found[other] = Translation(
                    other,
                    fields["path"],
                    fields["lang"],
                    fields.get("title", ""),
                    "automatic",
                    entry["confidence"],
                    tuple(entry["evidence"]),
                )
        order = list(LANGUAGES)
        return sorted(
            found.values(),
            key=lambda t: (order.index(t.lang) if t.lang in order else 99, t.path),
        )

    def _suggest(self, text: str, langs: list[str]) -> str | None:
        """Did you mean: unknown words replaced by the closest word the index holds.

        Looked up in the vocabulary of the filtered or reading language first, so a
        German visitor gets a German word; suggestions keep the visitor's capitals.
        """
        reader = self.s.reader()
        fields = [vocabulary_field(lang) for lang in langs]
        known = lambda w: any(reader.doc_frequency(f, w) for f in fields)  # noqa: E731
        changed = False
        out = []
        for word in re.findall(r"\w+|\W+", text):
            low = word.lower()
            if re.fullmatch(r"[^\W\d_]{3,}", word) and not known(low):
                for field_name in fields:
                    options = self.s.corrector(field_name).suggest(low, limit=1, maxdist=2)
                    if options:
                        word = options[0].capitalize() if word[0].isupper() else options[0]
                        changed = True
                        break
            out.append(word)
        return "".join(out) if changed else None

    def document(self, doc_id: str) -> Document | None:
        fields = self.s.document(id=doc_id)
        if not fields or fields.get("state") != "ok":
            return None
        doc = from_stored(fields)
        doc.translations = self.translations(doc)
        return doc

    def documents(self, page: int, per_page: int) -> tuple[int, list[Document]]:
        results = self.s.search_page(
            query.Every(), page, pagelen=per_page, filter=ok_only(), sortedby="path"
        )
        docs = (
            [from_stored(hit.fields()) for hit in results] if results.offset < results.total else []
        )
        for doc in docs:
            doc.translations = self.translations(doc)
        return results.total, docs

    def failures(self) -> list[dict]:
        found = [*self.s.documents(state="failed"), *self.s.documents(state="retry")]
        return sorted(
            ({"path": f["path"], "reason": f.get("reason", "")} for f in found),
            key=lambda f: f["path"],
        )

    def count(self) -> int:
        return len(self.s.search(query.Every(), filter=ok_only(), limit=None))


def _filters(request: SearchRequest):
    """The filter of a request: documents only (no failure records), then each chosen facet."""
    terms = [ok_only()]
    if request.lang:
        terms.append(query.Term("languages", request.lang))
    if request.kind:
        terms.append(query.Term("kind", request.kind))
    if request.year:
        terms.append(query.Term("year", request.year))
    return query.And(terms)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"
