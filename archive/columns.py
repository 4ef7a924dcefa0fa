"""A field's column over the whole index, in document-number order.

Whoosh's multi-segment column reader leaves out segments that have no such column
(a segment of failure records has no dates), so a value's position in its list was
not the document's number once the index had several segments (the workers' segments:
archive/segments.py). Read segment by segment at each segment's first number instead.
"""

from __future__ import annotations


def whole_column(reader, name: str, missing=None) -> list:
    """Every document's value of the column `name` (deleted ones too); `missing` where a
    segment has none."""
    values = [missing] * reader.doc_count_all()
    for leaf, offset in reader.leaf_readers():
        if leaf.has_column(name):
            column = list(leaf.column_reader(name))
            values[offset : offset + len(column)] = column
    return values
