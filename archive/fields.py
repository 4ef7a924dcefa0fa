"""A text field that also takes its postings ready-made, analysed in another process.

Whoosh analyses every text field inside `add_document`, in the one process that
writes the index; with extraction spread over workers, that analysis (tokenizing,
folding, stemming, splitting compounds) was most of the writer's time. A worker
can run the very same `index()` and hand over what it yields; the writer then only
adds it to its pool. A plain string is still analysed here, as by `TEXT`.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.fields import TEXT


@dataclass(frozen=True)
class Postings:
    """One field's terms as `FieldType.index()` yields them for one document.

    Each item is (term as UTF-8, frequency, weight, encoded positions and characters).
    """

    items: list[tuple[bytes, int, float, bytes]]


class Text(TEXT):
    """Whoosh's TEXT field, whose value may also be `Postings` made by `analysed()`."""

    def index(self, value, **kwargs):
        if isinstance(value, Postings):
            return iter(value.items)
        return super().index(value, **kwargs)

    def analysed(self, text: str) -> Postings | None:
        """`text` as this field indexes it, or None when the writer needs the text itself.

        A field with term vectors or a separate spelling field analyses its value twice
        in `add_document`; none of ours does, and those keep the plain path.
        """
        if self.vector or self.separate_spelling():
            return None
        return Postings(list(self.index(text)))
