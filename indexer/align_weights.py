"""The aligner's feature weights as one sparse matrix: documents x features.

A document's weight for a feature is (1 + log tf) x IDF x the weight of the feature's
kind, IDF being log((n + 1) / df) from the alignment's statistics (`align.Statistics`).
As a matrix, the blocking pass and the cosines of the candidate pairs are sparse
products in C instead of loops in Python (at 10,000 documents, about 3 million pairs).
A document's row depends on its own features and the statistics only, so while the
statistics stay, an incremental alignment keeps the rows of unchanged documents.

scipy is imported here, when the translations step runs: a search or a no-op
reindex never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import chain

import numpy as np


class Vocabulary:
    """Feature -> column, and each column's document frequency; grows with new features."""

    def __init__(self, features: list[str] | None = None, df: Sequence[int] = ()):
        self.features: list[str] = list(features or [])
        self.column = {f: k for k, f in enumerate(self.features)}
        self.df: list[int] = list(df)

    def add(self, bags: Sequence[Mapping[str, int]], df_of: Callable[[str], int]) -> None:
        """Give every feature of `bags` a column (new ones in sorted order, reproducibly)."""
        new = set().union(*bags).difference(self.column) if bags else set()
        for f in sorted(new):
            self.column[f] = len(self.features)
            self.features.append(f)
            self.df.append(df_of(f))


def rows(
    bags: Sequence[Mapping[str, int]],
    vocabulary: Vocabulary,
    n: int,
    kind_weights: Mapping[str, float],
):
    """The weight rows of `bags` (CSR; every feature must have its column already)."""
    from scipy import sparse

    df = np.asarray(vocabulary.df, dtype=np.int64)
    kind_weight = _by_kind(kind_weights)[_kinds(vocabulary.features)]
    indptr = np.zeros(len(bags) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in bags], out=indptr[1:])
    total = int(indptr[-1])
    indices = np.fromiter(
        chain.from_iterable(map(vocabulary.column.__getitem__, b) for b in bags),
        dtype=np.int64,
        count=total,
    )
    tf = np.fromiter(chain.from_iterable(b.values() for b in bags), dtype=np.float64, count=total)
    idf = np.log((n + 1) / df) if len(df) else np.zeros(0)
    data = (1 + np.log(tf)) * idf[indices] * kind_weight[indices]
    return sparse.csr_matrix((data, indices, indptr), shape=(len(bags), len(df)))


class Weights:
    """Weights of one alignment's documents (rows, in the caller's order) per feature."""

    def __init__(
        self,
        matrix,
        vocabulary: Vocabulary,
        kind_weights: Mapping[str, float],
        norms: np.ndarray | None = None,  # each row's, when the caller kept them
    ):
        from scipy import sparse

        self._sparse = sparse
        self.matrix = matrix
        self.vocabulary = vocabulary
        #: Documents holding each feature (columns in vocabulary order).
        self.df = np.asarray(vocabulary.df, dtype=np.int64)
        self.kinds = _kinds(vocabulary.features)
        #: Features whose kind counts at all (glossary concepts are weighted 0 for now).
        self.weighted = _by_kind(kind_weights)[self.kinds] > 0
        if norms is None:
            norms = np.sqrt(self._per_document(matrix.data * matrix.data))
            norms[norms == 0] = 1.0
        #: Euclidean length of each document's weights (1 for a document without any).
        self.norms = norms

    def of_kind(self, kind: str) -> np.ndarray:
        """Mask over the features: those of one kind (e.g. "a", anchors and images)."""
        return self.kinds == ord(kind)

    def matrix_of(self, columns: np.ndarray, rows: np.ndarray | None = None):
        """The weights of the features in the mask `columns` only (others dropped); of the
        documents at `rows` only, in that order, when given (cheaper than all, then rows)."""
        m = self.matrix if rows is None else self.matrix[rows]
        # The positions of the entries kept, and where each row's start falls among them
        # (a prefix sum over all 3 million entries at 10,000 documents cost more).
        kept = np.flatnonzero(columns[m.indices])
        indptr = np.searchsorted(kept, m.indptr)
        return self._sparse.csr_matrix((m.data[kept], m.indices[kept], indptr), shape=m.shape)

    def count_per_document(self, columns: np.ndarray) -> np.ndarray:
        """How many of the features in the mask `columns` each document has."""
        counts = self._per_document(columns[self.matrix.indices].astype(np.float64))
        return counts.astype(np.int64)

    def _per_document(self, values: np.ndarray) -> np.ndarray:
        """Sums of `values` (one per stored weight) per document row, each summed alone."""
        starts, ends = self.matrix.indptr[:-1], self.matrix.indptr[1:]
        sums = np.zeros(len(starts))
        # reduceat sums from each index to the next: given the rows with entries only, that
        # is each one's slice (an empty row would take its next value). Not appending a
        # sentinel to `values` spares a copy of 3 million weights at 10,000 documents.
        filled = starts < ends
        if values.size:
            sums[filled] = np.add.reduceat(values, starts[filled])
        return sums


def _kinds(features: Sequence[str]) -> np.ndarray:
    return np.fromiter((ord(f[0]) for f in features), dtype=np.int32, count=len(features))


def _by_kind(kind_weights: Mapping[str, float]) -> np.ndarray:
    by_kind = np.zeros(128, dtype=np.float64)
    for kind, weight in kind_weights.items():
        by_kind[ord(kind)] = weight
    return by_kind
