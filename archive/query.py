"""Queries: a visitor's text becomes one sub-query per language, each analysed by that
language's analyzer, so a German stem never meets English words and stopwords of one
language do not block a match in another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh import qparser, query

from archive.languages import LANGUAGES
from archive.schema import FIELD_LANGS, build_schema, text_fields
from archive.scoring import PlainPart, near_terms, plain_words

MAX_TERMS = 40

#: Field names a visitor may write in a query (`title:`, `kind:`); all else is plain words.
QUERY_FIELDS = frozenset({"title", "kind"})

#: Added to a document's score when it matched in its primary language, so a document
#: about the subject beats one quoting it in a foreign passage.
PRIMARY_BONUS = 1.0
#: Added to documents whose primary language is the reading language (interface language
#: or hint): about the size of a good BM25 score, so the version a visitor can read comes
#: first unless a document in another language matches far better. Only the primary
#: language counts: a French translation with passages left in English is no English
#: version (a bilingual flyer still matches in both of its languages).
PREFER_BONUS = 10.0
#: Words of a plain multi-word query this close together count as a phrase match too.
PROXIMITY_SLOP = 8

_PLAIN = re.compile(r"^[\w\s.,;!?'’/-]+$")


def search_fields(lang: str) -> list[str]:
    return list(text_fields(lang))


def _parser(schema, fields: list[str], plain: bool = False):
    if plain:
        return qparser.MultifieldParser(fields, schema, plugins=[], group=qparser.AndGroup)
    parser = qparser.MultifieldParser(fields, schema, group=qparser.AndGroup)
    for plugin in (
        qparser.WildcardPlugin,
        qparser.RangePlugin,
        qparser.EveryPlugin,
        qparser.BoostPlugin,
    ):
        parser.remove_plugin_class(plugin)
    # `-word` excludes only at the start of a word: `A-1312/B` is a reference code.
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    return parser


def _allowed(q, fields: set[str]) -> bool:
    if type(q).__name__ == "ErrorQuery":
        return False
    name = getattr(q, "fieldname", None)
    if name is not None and name not in fields and name not in QUERY_FIELDS:
        return False
    return all(_allowed(child, fields) for child in q.children())


def parse_language(schema, text: str, lang: str) -> tuple[query.Query, bool]:
    """(query in `lang`'s fields, fell_back): invalid syntax is read again as plain words."""
    fields = search_fields(lang)
    try:
        q = _parser(schema, fields).parse(text)
        if _allowed(q, set(fields)) and sum(1 for _ in q.leaves()) <= MAX_TERMS:
            return q, False
    except Exception:  # Whoosh's parser has no error type of its own; any failure -> words
        pass
    words = " ".join(re.findall(r"\w+", text)[:MAX_TERMS])
    return _parser(schema, fields, plain=True).parse(words), True


@dataclass(frozen=True)
class Parsed:
    """A visitor's query, ready to run: scored as a whole, matched per language."""

    whole: query.Query  # what ranks: every language's part with its bonuses
    parts: dict[str, query.Query] = field(default_factory=dict)  # language -> what matches
    fell_back: bool = False  # the syntax was invalid and the text was read as plain words
    plain: tuple[PlainPart, ...] | None = None  # plain words: ranked from postings (scoring.py)
    prefer: str | None = None  # reading language that gets PREFER_BONUS

    def terms(self, fieldname: str) -> set[str]:
        """The analysed terms the query looks for in one field (for snippets)."""
        return set(_terms_by_field(self.whole).get(fieldname, ()))


@lru_cache(maxsize=256)
def _terms_by_field(q: query.Query) -> dict[str, tuple[str, ...]]:
    """Field name -> the terms a query looks for there (walking the tree once; the
    parsed queries are cached, so a repeated search does not walk it again)."""
    found: dict[str, dict[str, None]] = {}
    for name, text in q.iter_all_terms():
        text = text.decode("utf-8") if isinstance(text, bytes) else text
        found.setdefault(name, {})[text] = None
    return {name: tuple(texts) for name, texts in found.items()}


@lru_cache(maxsize=1)
def _schema():
    """The schema of this version: an index of another version is never opened (store.py)."""
    return build_schema()


@lru_cache(maxsize=2048)
def _parse(text: str, lang: str) -> tuple[query.Query, bool]:
    """One language's parse, shared by a request's filtered and unfiltered builds
    (facets need every language's part even under a filter): parsing a three-word
    query four times took about 3 ms."""
    return parse_language(_schema(), text, lang)


@lru_cache(maxsize=512)
def build(text: str, lang: str | None = None, prefer: str | None = None) -> Parsed:
    """The whole query: one sub-query per language (only `lang`'s with a filter).

    Parsing costs more than a small search, and visitors repeat a query while they
    page and filter, so parsed queries are cached by their text.
    """
    langs = [lang] if lang else list(FIELD_LANGS)
    plain = bool(_PLAIN.match(text)) and len(text.split()) > 1
    parts, scored, fell_back = {}, [], False
    shapes: list[PlainPart] | None = []
    for code in langs:
        q, fallback = _parse(text, code)
        fell_back |= fallback
        if isinstance(q, query.qcore._NullQuery):
            continue
        parts[code] = q
        bonuses = []
        primary = PRIMARY_BONUS if code in LANGUAGES else 0.0
        if primary:
            bonuses.append(query.ConstantScoreQuery(query.Term("lang", code), primary))
        near = query.NullQuery
        if plain:
            near, _ = _parse(f'"{text}"~{PROXIMITY_SLOP}', code)
            if not isinstance(near, query.qcore._NullQuery):
                bonuses.append(near)
        scored.append(query.AndMaybe(q, query.Or(bonuses)) if bonuses else q)
        words = plain_words(q)
        if shapes is not None and words is not None:
            shapes.append(PlainPart(code, words, near_terms(near) if plain else (), primary))
        else:
            shapes = None
    if not scored:
        return Parsed(query.NullQuery, {}, fell_back)
    whole = scored[0] if len(scored) == 1 else query.Or(scored)
    reading = prefer if prefer and not lang else None
    if reading:
        bonus = query.ConstantScoreQuery(query.Term("lang", reading), PREFER_BONUS)
        whole = query.AndMaybe(whole, bonus)
    return Parsed(whole, parts, fell_back, tuple(shapes) if shapes else None, reading)
