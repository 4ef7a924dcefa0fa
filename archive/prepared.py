"""A document's index fields, analysed where it was extracted rather than where it is written.

The indexing run extracts files in worker processes but writes the index in one
process; analysing the text there made writing take a third of extraction's time.
`prepare` runs in the worker, `Batch.upsert` takes the result. The postings are the
ones the writer would have made itself (tests/test_prepared.py compares two indexes).
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.document import Document
from archive.fields import Postings, Text
from archive.records import to_fields


@dataclass(frozen=True)
class Prepared:
    """`doc` with its fields for the writer, text fields already analysed."""

    doc: Document
    fields: dict


def prepare(schema, doc: Document) -> Prepared:
    """`doc`'s fields with every text field of `schema` replaced by its postings.

    `schema` must be the index's own (`ix.schema`): an index written by an older
    version has plain TEXT fields, which keep the text (see `accepts`).
    """
    fields = to_fields(doc)
    for name, value in list(fields.items()):
        field = schema[name]
        if not isinstance(field, Text) or not isinstance(value, str):
            continue
        postings = field.analysed(value)
        if postings is None:
            continue
        fields[name] = postings
        if field.stored:
            fields[f"_stored_{name}"] = value
    return Prepared(doc, fields)


def accepts(schema, prepared: Prepared) -> bool:
    """Whether every pre-analysed field of `prepared` is one `schema` takes ready-made."""
    return all(
        isinstance(schema[name], Text)
        for name, value in prepared.fields.items()
        if isinstance(value, Postings)
    )


def warm() -> None:
    """Load the German compound vocabulary (about a second) in this process.

    Called before the workers are forked, they share one copy instead of each
    loading its own on its first German text.
    """
    from archive.compounds import vocabulary

    vocabulary()
