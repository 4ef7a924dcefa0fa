"""The aligner's feature weights as one sparse matrix: documents x features.

A document's weight for a feature is (1 + log tf) x IDF x the weight of the feature's
kind, IDF being log((n + 1) / df) over the documents of one alignment. As a matrix,
the blocking pass and the cosines of the candidate pairs are sparse products in C
instead of loops in Python (at 10,000 documents, about 3 million pairs).

scipy is imported here, when the translations step runs: a search or a no-op
reindex never pays for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain

import numpy as np


class Weights:
    """Weights of one alignment's documents (rows, in the caller's order) per feature."""

    def __init__(
        self,
        features: Sequence[Mapping[str, int]],
        df: Mapping[str, int],
        n: int,
        kind_weights: Mapping[str, float],
    ):
        from scipy import sparse

        self._sparse = sparse
        vocab = list(df)
        ids = {f: k for k, f in enumerate(vocab)}
        #: Documents holding each feature (columns in `vocab` order).
        self.df = np.fromiter(df.values(), dtype=np.int64, count=len(vocab))
        self.kinds = np.fromiter((ord(f[0]) for f in vocab), dtype=np.int32, count=len(vocab))
        by_kind = np.zeros(128, dtype=np.float64)
        for kind, weight in kind_weights.items():
            by_kind[ord(kind)] = weight
        kind_weight = by_kind[self.kinds]
        #: Features whose kind counts at all (glossary concepts are weighted 0 for now).
        self.weighted = kind_weight > 0
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum([len(f) for f in features], out=indptr[1:])
        total = int(indptr[-1])
        indices = np.fromiter(
            chain.from_iterable(map(ids.__getitem__, f) for f in features),
            dtype=np.int64,
            count=total,
        )
        tf = np.fromiter(
            chain.from_iterable(f.values() for f in features), dtype=np.float64, count=total
        )
        idf = np.log((n + 1) / self.df) if len(vocab) else np.zeros(0)
        data = (1 + np.log(tf)) * idf[indices] * kind_weight[indices]
        self.matrix = sparse.csr_matrix((data, indices, indptr), shape=(n, len(vocab)))
        norms = np.sqrt(self._per_document(data * data))
        norms[norms == 0] = 1.0
        #: Euclidean length of each document's weights (1 for a document without any).
        self.norms = norms

    def of_kind(self, kind: str) -> np.ndarray:
        """Mask over the features: those of one kind (e.g. "a", anchors and images)."""
        return self.kinds == ord(kind)

    def matrix_of(self, columns: np.ndarray):
        """The weights of the features in the mask `columns` only (others dropped)."""
        m = self.matrix
        keep = columns[m.indices]
        indptr = np.concatenate(([0], np.cumsum(keep)))[m.indptr]
        return self._sparse.csr_matrix((m.data[keep], m.indices[keep], indptr), shape=m.shape)

    def count_per_document(self, columns: np.ndarray) -> np.ndarray:
        """How many of the features in the mask `columns` each document has."""
        counts = self._per_document(columns[self.matrix.indices].astype(np.float64))
        return counts.astype(np.int64)

    def _per_document(self, values: np.ndarray) -> np.ndarray:
        """Sums of `values` (one per stored weight) per document row, each summed alone."""
        indptr = self.matrix.indptr
        rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        return np.bincount(rows, weights=values, minlength=len(indptr) - 1)
