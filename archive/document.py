"""The document model: values passed between the indexer, the index and the web."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Segment:
    """A run of text in one language: a PDF page, or a block of an HTML/text file."""

    text: str
    lang: str
    page: int | None = None


@dataclass(frozen=True)
class Fingerprint:
    """What tells a file changed: cheap stat first, content hash to confirm."""

    size: int
    mtime_ns: int
    sha256: str = ""
    sidecar: str = ""  # "size:mtime_ns" of the sidecar, "" when there is none

    def same_stat(self, other: Fingerprint) -> bool:
        return (self.size, self.mtime_ns, self.sidecar) == (
            other.size,
            other.mtime_ns,
            other.sidecar,
        )

    def encode(self) -> str:
        return f"{self.size}|{self.mtime_ns}|{self.sha256}|{self.sidecar}"

    @classmethod
    def decode(cls, text: str) -> Fingerprint:
        size, mtime, sha, sidecar = text.split("|", 3)
        return cls(int(size), int(mtime), sha, sidecar)


@dataclass(frozen=True)
class Translation:
    """Another language version of a document, and why we think so."""

    id: str
    path: str
    lang: str
    title: str
    source: str  # "explicit" (sidecar), "name" (file-name convention) or "automatic"
    confidence: float | None = None  # automatic links only, 0..1
    evidence: tuple[str, ...] = ()  # automatic links only: why we think so


@dataclass
class Document:
    """One file of the archive as indexed."""

    id: str
    path: str  # relative to the documents root, with "/"
    title: str
    lang: str  # primary language, or "und"
    languages: list[str]
    kind: str
    date: str | None  # ISO date "YYYY-MM-DD"
    summary: str
    group: str | None  # translation group key
    group_source: str | None  # "explicit" or "name"
    segments: list[Segment]
    pages: int | None
    mime: str
    fingerprint: Fingerprint
    source_title: str | None = None  # what the file itself says, before any sidecar
    source_date: str | None = None
    ocr_pages: list[int] = field(default_factory=list)  # pages read by text recognition
    not_translations: list[str] = field(default_factory=list)  # paths staff rejected
    # Anchors and image file names of an HTML page: translation tools keep markup, so
    # they are evidence that two pages are versions of each other (indexer/align.py).
    marks: list[str] = field(default_factory=list)
    translations: list[Translation] = field(default_factory=list)

    @property
    def year(self) -> str | None:
        return self.date[:4] if self.date else None

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.segments)

    def text_in(self, lang: str) -> str:
        return "\n\n".join(s.text for s in self.segments if s.lang == lang)

    def summary_dict(self) -> dict:
        """The shape shared by the CLI's --json and the web API."""
        return {
            "id": self.id,
            "path": self.path,
            "title": self.title,
            "lang": self.lang,
            "languages": list(self.languages),
            "kind": self.kind,
            "date": self.date,
            "translations": [asdict(t) for t in self.translations],
        }


@dataclass(frozen=True)
class Failure:
    """A file that could not be indexed, with the reason staff see."""

    path: str
    reason: str
    detail: str = ""
