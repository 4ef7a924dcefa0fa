"""Searching: query parsing across languages, filters, facets, snippets, did-you-mean.

A query without a language filter is parsed once per language field, each
through the analyzer that indexed that field; with a filter only that
language's fields and documents count.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace

import numpy as np
from whoosh import collectors, highlight, query
from whoosh.analysis import Token
from whoosh.highlight import HtmlFormatter
from whoosh.searching import ResultsPage

from archive.columns import whole_column
from archive.docsets import Docs, DocSets
from archive.document import Document, Translation
from archive.errors import QueryError
from archive.languages import LANGUAGES, field_suffix
from archive.query import PREFER_BONUS, PROXIMITY_SLOP, Parsed
from archive.query import build as build_query
from archive.records import field_text, from_stored
from archive.schema import FIELD_LANGS, text_fields, vocabulary_field
from archive.scoring import Scorer
from archive.store import ok_only

MAX_QUERY_CHARS = 500
MAX_PER_PAGE = 100
SNIPPET_CHARS = 240
SORTS = ("relevance", "date")
#: Distinct words a did-you-mean looks up: each costs a fuzzy walk of the vocabulary,
#: and `title:title:...` (80 words) took 4-7 s. Enough for any real query.
SUGGEST_WORDS = 8


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


#: Passages of about half a snippet each, around the found words, cut at spaces.
_FRAGMENTER = highlight.PinpointFragmenter(
    maxchars=SNIPPET_CHARS // 2, surround=50, autotrim=True, charlimit=None
)
_SCORER = highlight.BasicFragmentScorer()


class Searcher:
    """Runs one SearchRequest on an open Whoosh searcher."""

    def __init__(self, searcher, automatic: dict | None = None):
        self.s = searcher
        self.automatic = automatic or {}  # doc id -> {other id: {confidence, evidence}}
        self.sets = DocSets(searcher)
        self.scorer = Scorer(searcher, self.sets)
        self._union: Docs | None = None  # what the query matches in any language
        self._in_lang: dict[str, Docs] = {}  # ... and in each language
        self._spans: dict[tuple[int, str], list[tuple[int, int]]] = {}  # (doc, field) -> chars

    def run(self, request: SearchRequest) -> SearchResults:
        request = request.validated()
        text = request.query.strip()
        parsed = build_query(text, request.lang, request.prefer) if text else None
        # Facets need every language's match set, also under a language filter.
        every_lang = build_query(text) if text else None
        matched = self._matched(every_lang, request.lang)
        allowed = self._allowed(request)
        if matched is not None:
            allowed = allowed & matched
        total = len(allowed)
        hits: list[Hit] = []
        if total and (request.page - 1) * request.per_page < total:
            first, limit = (request.page - 1) * request.per_page, request.page * request.per_page
            if request.sort == "date" or parsed is None:
                shown = [(docnum, 0.0) for docnum in self._newest(limit, allowed)[first:]]
            elif parsed.plain:
                shown = self._ranked(parsed, limit, allowed)[first:]
            else:
                page = self._page(parsed.whole, request.page, request.per_page, allowed)
                shown = [(hit.docnum, hit.score or 0.0) for hit in page]
            if parsed:
                self._read_spans(parsed, sorted(docnum for docnum, _ in shown))
            hits = [self._hit(docnum, score, request.lang, parsed) for docnum, score in shown]
        facets = self._facets(every_lang, request, total)
        suggestion = None
        if text and total == 0:
            first = request.lang or request.prefer
            order = [first] if request.lang else [first, *FIELD_LANGS]
            suggestion = self._suggest(text, list(dict.fromkeys(x for x in order if x)))
        fallback = parsed.fell_back if parsed else False
        return SearchResults(request, total, hits, facets, suggestion, fallback)

    def _ranked(self, parsed: Parsed, limit: int, allowed) -> list[tuple[int, float]]:
        """Plain word queries: the same scores as Whoosh's, read straight from the postings."""
        return self.scorer.rank(
            list(parsed.plain), allowed, limit, parsed.prefer, PREFER_BONUS, PROXIMITY_SLOP
        )

    def _newest(self, limit: int, allowed: Docs) -> list[int]:
        """The `limit` newest of `allowed` (newest first; same date: lower number first).

        Every document's place in that order is worked out once per index state from
        the date column; Whoosh's sorting collector took 300 ms for the home page at
        10,000 documents.
        """
        order = self.sets.kept(("newest",), self._newest_order)
        return order[allowed.mask[order]][:limit].tolist()

    def _newest_order(self) -> np.ndarray:
        dates = whole_column(self.s.reader(), "date", "")
        _, rank = np.unique(np.array(dates, dtype=object), return_inverse=True)
        numbers = np.arange(len(dates))
        return np.lexsort((numbers, -rank.astype(np.int64)))

    def _page(self, q, page: int, per_page: int, allowed: Docs):
        """One page of hits of a query with syntax, best first (Whoosh scores it).

        Ranked exactly: Whoosh's top-N pruning (`replace` with a minimum quality)
        underestimates the AndMaybe bonuses and dropped well-scoring documents.
        """
        limit = page * per_page
        collector = collectors.TopCollector(limit, usequality=False, replace=0)
        collector = collectors.FilterCollector(collector, set(allowed), None)
        self.s.search_with_collector(q, collector)
        return ResultsPage(collector.results(), page, per_page)

    def _matched(self, every: Parsed | None, lang: str | None) -> Docs | None:
        """Documents the query matches (in `lang` only, with a filter); None: no query."""
        if every is None:
            return None
        if lang:
            return self._matched_in(every, lang)
        if self._union is None:
            self._union = self.sets.of(())
            for x in every.parts:
                self._union = self._union | self._matched_in(every, x)
        return self._union

    def _matched_in(self, every: Parsed, lang: str) -> Docs:
        """What one language's part matches: from the postings when plain, else Whoosh."""
        if lang not in self._in_lang:
            plain = [p for p in every.plain or () if p.lang == lang]
            if plain:
                found = self.scorer.part_scores(plain[0])[0]
            elif lang in every.parts:
                found = self.sets.matching(every.parts[lang])
            else:
                found = self.sets.of(())
            self._in_lang[lang] = found
        return self._in_lang[lang]

    def _allowed(self, request: SearchRequest, skip: str | None = None) -> Docs:
        """What the filters let through: documents (not failure records), then each facet."""
        allowed = self.sets.where("state", "ok")
        for name, field_name in (("lang", "languages"), ("kind", "kind"), ("year", "year")):
            value = getattr(request, name)
            if value and name != skip:
                allowed = allowed & self.sets.where(field_name, value)
        return allowed

    def _facets(self, every: Parsed | None, request: SearchRequest, total: int):
        """Counts beside each filter option: what a click on that option would show.

        Each dimension is counted with the other filters applied and its own left out,
        and a language counts only documents that match in that language.
        """
        others = self._allowed(request, skip="lang")
        langs = {}
        for code in LANGUAGES:
            if code == request.lang:
                langs[code] = total
                continue
            matched = self._matched(every, code)
            in_lang = others & self.sets.where("languages", code)
            langs[code] = len(in_lang & matched if matched is not None else in_lang)
        facets = {"lang": langs}
        matched = self._matched(every, request.lang)
        for name in ("kind", "year"):
            base = self._allowed(request, skip=name)
            if matched is not None:
                base = base & matched
            counts = {}
            for value in self.sets.values(name):
                n = len(base & self.sets.where(name, value))
                if n or value == getattr(request, name):
                    counts[value] = n
            if getattr(request, name):
                counts.setdefault(getattr(request, name), 0)
            order = (lambda kv: (-kv[1], kv[0])) if name == "kind" else (lambda kv: kv[0])
            facets[name] = dict(sorted(counts.items(), key=order, reverse=name == "year"))
        return facets

    def _hit(self, docnum: int, score: float, lang_filter: str | None, parsed) -> Hit:
        """The document with a snippet in the language whose text matched, hits marked."""
        doc = from_stored(self.s.stored_fields(docnum))
        doc.translations = self.translations(doc)
        candidates = (
            [lang_filter]
            if lang_filter
            else dict.fromkeys(
                field_suffix(x) for x in [doc.lang, *doc.languages, *(s.lang for s in doc.segments)]
            )
        )
        for suffix in candidates if parsed else ():
            marked = self._snippet(docnum, doc, suffix, parsed)
            if marked:
                plain = html.unescape(re.sub(r"</?mark>", "", marked))
                lang = suffix if suffix in LANGUAGES else _other_lang(doc)
                return Hit(doc, score, plain, marked, lang)
        plain = _shorten(doc.summary or doc.text_in(doc.lang) or doc.text, SNIPPET_CHARS)
        return Hit(doc, score, plain, html.escape(plain, quote=False), doc.lang)

    def _snippet(self, docnum: int, doc: Document, suffix: str, parsed: Parsed) -> str:
        """Up to two passages around the words the query found, as escaped HTML.

        The places come from the character offsets stored in the postings, so a
        500-page book is not analysed again on every search.
        """
        body = text_fields(suffix)[2]
        spans = self._spans.get((docnum, body))
        if not spans:
            return ""
        text = field_text(doc, suffix)
        tokens = []
        for start, end in sorted(spans, key=lambda se: (se[0], -se[1])):
            if tokens and start < tokens[-1].endchar:
                continue  # a compound and its parts share their characters
            tokens.append(Token(startchar=start, endchar=end, matched=True))
        fragments = _FRAGMENTER.fragment_matches(text, tokens)
        best = highlight.top_fragments(fragments, 2, _SCORER, highlight.FIRST)
        return _MarkFormatter().format(best)

    def _read_spans(self, parsed: Parsed, docs: list[int]) -> None:
        """Where the query's words are in the page's documents, for every body field at once."""
        for suffix in FIELD_LANGS:
            body = text_fields(suffix)[2]
            for term in parsed.terms(body):
                chars = self.scorer.values(body, term, docs, "characters")
                for doc, places in chars.items():
                    spans = self._spans.setdefault((doc, body), [])
                    spans.extend((start, end) for _pos, start, end in places)

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
        closest: dict[str, str | None] = {}  # each distinct word looked up once

        def nearest(low: str) -> str | None:
            if low not in closest:
                closest[low] = None
                if len(closest) <= SUGGEST_WORDS and not known(low):
                    for field_name in fields:
                        options = self.s.corrector(field_name).suggest(low, limit=1, maxdist=2)
                        if options:
                            closest[low] = options[0]
                            break
            return closest[low]

        changed = False
        out = []
        for word in re.findall(r"\w+|\W+", text):
            better = nearest(word.lower()) if re.fullmatch(r"[^\W\d_]{3,}", word) else None
            if better:
                word = better.capitalize() if word[0].isupper() else better
                changed = True
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
        return len(self.sets.where("state", "ok"))


def _other_lang(doc: Document) -> str:
    """The language named on a snippet from the neutral field: the first one not analysed."""
    return next((s.lang for s in doc.segments if s.lang not in LANGUAGES), doc.lang)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"
