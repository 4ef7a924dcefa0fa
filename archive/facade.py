"""The one facade: the CLI, cron and the web app call `Archive` and nothing below it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from archive.config import DOCUMENTS, INDEX
from archive.document import Document, Translation
from archive.errors import DocumentNotFound, IndexMissing
from archive.languages import LANGUAGES
from archive.schema import SCHEMA_VERSION
from archive.store import IndexStore

if TYPE_CHECKING:  # the search engine (numpy, Whoosh's query side) loads on first search
    from archive.search import Searcher, SearchResults


@dataclass(frozen=True)
class Status:
    documents: int
    per_language: dict[str, int]
    per_kind: dict[str, int]
    per_year: dict[str, int]
    failures: list[dict]
    last_run: dict | None
    index_bytes: int
    schema_version: int
    generation: str | None
    index: str
    documents_root: str

    def to_dict(self) -> dict:
        return {
            "documents": self.documents,
            "per_language": self.per_language,
            "per_kind": self.per_kind,
            "per_year": self.per_year,
            "failures": self.failures,
            "unsupported": (self.last_run or {}).get("unsupported", []),
            "last_run": self.last_run,
            "index_bytes": self.index_bytes,
            "schema_version": self.schema_version,
            "generation": self.generation,
            "index": self.index,
            "documents_root": self.documents_root,
        }


def _brief(doc: Document) -> dict:
    return {
        "id": doc.id,
        "path": doc.path,
        "lang": doc.lang,
        "languages": doc.languages,
        "title": doc.title,
    }


class Archive:
    """A documents folder and the index built from it."""

    def __init__(
        self, documents: str | os.PathLike | None = None, index_dir: str | os.PathLike | None = None
    ):
        self.documents = DOCUMENTS.resolve(documents).resolve()
        self.store = IndexStore(INDEX.resolve(index_dir).resolve())

    # -- writing ------------------------------------------------------------------

    def index(
        self,
        *,
        full: bool = False,
        jobs: int = 0,
        wait: bool = False,
        timeout: float = 120.0,
        memory_mb: int = 1024,
        ocr: bool = True,
        progress=None,
    ):
        """Bring the index up to date (see indexer.pipeline); returns a RunReport.

        Most runs find nothing changed: that is told first, without loading the indexer
        or opening the index (indexer/unchanged.py).
        """
        scanned = None
        if not full:
            from indexer.unchanged import unchanged_run  # the indexer builds on this package

            report, scanned = unchanged_run(self.store, self.documents, wait=wait)
            if report is not None:
                return report
        from indexer.pipeline import RunOptions, run

        options = RunOptions(
            full=full, jobs=jobs, wait=wait, timeout=timeout, memory_mb=memory_mb, ocr=ocr
        )
        return run(self.store, self.documents, options, progress, scanned)

    def _searcher(self, s) -> Searcher:
        from archive.search import Searcher

        return Searcher(s, self.store.translations().get("links", {}))

    def has_index(self) -> bool:
        return self.store.exists()

    def check_index(self) -> None:
        """Raise IndexMissing or SchemaMismatch unless this version can use the index.

        Its settings file tells, without loading Whoosh: a run with nothing to do never does.
        """
        self.store.check()

    # -- reading ------------------------------------------------------------------

    def search(
        self,
        query: str = "",
        *,
        lang: str | None = None,
        kind: str | None = None,
        year: str | None = None,
        page: int = 1,
        per_page: int = 10,
        sort: str = "relevance",
        prefer: str | None = None,
    ) -> SearchResults:
        """`prefer` is the reading language (interface language or a hint): ranked first."""
        from archive.search import SearchRequest

        request = SearchRequest(
            query, lang or None, kind or None, year or None, page, per_page, sort, prefer
        )
        with self.store.searcher() as s:
            return self._searcher(s).run(request)

    def document(self, doc_id: str) -> Document:
        with self.store.searcher() as s:
            doc = self._searcher(s).document(doc_id)
        if doc is None:
            raise DocumentNotFound(f"no document with id {doc_id!r}")
        return doc

    def translations(self, doc_id: str) -> list[Translation]:
        return self.document(doc_id).translations

    def documents_page(self, page: int = 1, per_page: int = 50) -> tuple[int, list[Document]]:
        with self.store.searcher() as s:
            return self._searcher(s).documents(page, per_page)

    def all_documents(self) -> list[Document]:
        total, _docs = self.documents_page(1, 1)
        return self.documents_page(1, max(total, 1))[1]

    def translations_report(self) -> dict:
        """Groups of language versions, staff suggestions, missing versions, drift warnings."""
        docs = self.all_documents()
        by_id = {d.id: d for d in docs}
        seen: set[str] = set()
        groups = []
        for doc in docs:
            if doc.id in seen or not doc.translations:
                continue
            members = [doc, *(by_id[t.id] for t in doc.translations if t.id in by_id)]
            seen.update(m.id for m in members)
            sources = sorted({t.source for t in doc.translations})
            groups.append(
                {
                    "source": "+".join(sources),
                    "documents": [_brief(m) for m in sorted(members, key=lambda m: m.lang)],
                }
            )
        works = groups + [
            {"source": None, "documents": [_brief(d)]} for d in docs if d.id not in seen
        ]
        missing = {
            lang: [
                " + ".join(m["path"] for m in w["documents"])
                for w in works
                if all(lang not in m["languages"] for m in w["documents"])
            ]
            for lang in LANGUAGES
        }
        data = self.store.translations()
        named = lambda i: _brief(by_id[i]) if i in by_id else {"id": i}  # noqa: E731
        suggestions = [
            {**s, "a": named(s["a"]), "b": named(s["b"])} for s in data.get("suggestions", [])
        ]
        drift = [
            {**d, "documents": [named(i) for i in d["documents"]]} for d in data.get("drift", [])
        ]
        return {"groups": groups, "suggestions": suggestions, "missing": missing, "drift": drift}

    def file_path(self, doc_id: str) -> Path:
        """The original file of a document; only ever a path the index knows, inside the root."""
        doc = self.document(doc_id)
        path = (self.documents / doc.path).resolve()
        if not path.is_relative_to(self.documents) or not path.is_file():
            raise DocumentNotFound(f"the file of document {doc_id!r} is no longer there")
        return path

    def status(self) -> Status:
        if not self.store.exists():
            raise IndexMissing(f"no index in {self.store.root}; run `archive index` first")
        every = self.search("", per_page=1)
        with self.store.searcher() as s:
            failures = self._searcher(s).failures()
        return Status(
            documents=every.total,
            per_language=every.facets["lang"],
            per_kind=every.facets["kind"],
            per_year=every.facets["year"],
            failures=failures,
            last_run=self.store.last_run(),
            index_bytes=self.store.size_bytes(),
            schema_version=SCHEMA_VERSION,
            generation=self.store.current_name(),
            index=str(self.store.root),
            documents_root=str(self.documents),
        )

    def health(self) -> dict:
        last = self.store.last_run() or {}
        with self.store.searcher() as s:
            count = self._searcher(s).count()
            generation = f"{self.store.current_name()}/{s.reader().generation()}"
        return {
            "status": "ok",
            "generation": generation,
            "documents": count,
            "last_reindex": last.get("finished"),
        }
