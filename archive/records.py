"""Conversion between Document values and the fields stored in the index."""

from __future__ import annotations

from archive.document import Document, Fingerprint, Segment
from archive.languages import UNDETERMINED, field_suffix
from archive.schema import FIELD_LANGS, text_fields, vocabulary_field


def to_fields(doc: Document) -> dict:
    """Index fields for `doc`: each segment's text goes to its language's body field."""
    fields = {
        "id": doc.id,
        "path": doc.path,
        "fingerprint": doc.fingerprint.encode(),
        "state": "ok",
        "title": doc.title,
        "lang": doc.lang,
        "languages": ",".join(doc.languages),
        "kind": doc.kind,
        "group": doc.group or "",
        "record": {
            "summary": doc.summary,
            "group_source": doc.group_source,
            "segments": [(s.text, s.lang, s.page) for s in doc.segments],
            "pages": doc.pages,
            "mime": doc.mime,
            "source_title": doc.source_title,
            "source_date": doc.source_date,
            "ocr_pages": list(doc.ocr_pages),
            "not_translations": list(doc.not_translations),
            "marks": list(doc.marks),
        },
    }
    if doc.date:
        fields["date"] = doc.date
        fields["year"] = doc.date[:4]
    primary = field_suffix(doc.lang if doc.lang != UNDETERMINED else "other")
    for lang in FIELD_LANGS:
        title, summary, body = text_fields(lang)
        text = field_text(doc, lang)
        if text:
            fields[body] = text
            fields[vocabulary_field(lang)] = text
        if lang == primary:
            fields[title] = doc.title
            if doc.summary:
                fields[summary] = doc.summary
    return fields


def field_text(doc: Document, suffix: str) -> str:
    """The text of one per-language body field, exactly as indexed.

    Snippets cut passages from it at the character offsets stored in the index.
    """
    return "\n\n".join(s.text for s in doc.segments if field_suffix(s.lang) == suffix)


def failure_fields(path: str, fingerprint: Fingerprint, reason: str, retry: bool) -> dict:
    """A failed file is remembered so an unchanged broken file is not retried every night.

    A file that only ran out of time (`retry`) is tried again on the next run: its
    recognised pages are cached, so each run gets further.
    """
    return {
        "id": "",
        "path": path,
        "fingerprint": fingerprint.encode(),
        "state": "retry" if retry else "failed",
        "reason": reason,
    }


def from_stored(stored: dict) -> Document:
    """Rebuild the Document from its stored fields, without touching the file."""
    record = stored["record"]
    return Document(
        id=stored["id"],
        path=stored["path"],
        title=stored.get("title", ""),
        lang=stored["lang"],
        languages=[x for x in stored.get("languages", "").split(",") if x],
        kind=stored.get("kind", ""),
        date=stored.get("date"),
        summary=record["summary"],
        group=stored.get("group") or None,
        group_source=record["group_source"],
        segments=[Segment(text, lang, page) for text, lang, page in record["segments"]],
        pages=record["pages"],
        mime=record["mime"],
        fingerprint=Fingerprint.decode(stored["fingerprint"]),
        source_title=record["source_title"],
        source_date=record["source_date"],
        ocr_pages=record.get("ocr_pages", []),
        not_translations=record.get("not_translations", []),
        marks=record.get("marks", []),
    )
