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


class KeptRows:
    """The weight rows of an incremental alignment, as rows of `first` stacked on `second`
    in the order `source` gives (`indexer.align_update`: the last full alignment's rows,
    then those made since), without copying them into one matrix: at 10,000 documents that
    copy of 3 million weights, and the pass over it that picked the rare features for
    blocking, were 0.05-0.1 s of a run that changed one file. `Weights` takes it for a
    matrix; what needs the whole matrix at once gets it from `whole()`.
    """

    def __init__(self, first, second, source: np.ndarray, cols: int):
        self.first, self.second, self.source, self.cols = first, second, source, cols
        self.shape = (len(source), cols)
        #: Row of first-then-second -> position in `source` (-1: a row no longer used).
        self.position = np.full(first.shape[0] + second.shape[0], -1, dtype=np.int64)
        self.position[source] = np.arange(len(source))
        self._whole = None

    def __getitem__(self, rows: np.ndarray):
        """The rows at positions `rows`, in that order (CSR)."""
        return gather(self.first, self.second, self.source[np.asarray(rows)], self.cols)

    def whole(self):
        """All the rows as one CSR matrix (copied once, when first asked)."""
        if self._whole is None:
            self._whole = gather(self.first, self.second, self.source, self.cols)
        return self._whole

    def products(self, query) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every row's dot products with the rows of `query` (CSR, `cols` wide): (position,
        query row, dot) of those that share a feature.

        Each part times the query's transpose, so that the work is one look-up per kept
        weight and no copy of them; each dot is summed over the shared features in the
        row's own order, as `whole() @ query.T` would.
        """
        found = []
        for part, offset in ((self.first, 0), (self.second, self.first.shape[0])):
            if not part.shape[0]:
                continue
            product = (part @ query[:, : part.shape[1]].T).tocoo()
            at = self.position[offset + product.row]
            used = at >= 0
            found.append((at[used], product.col[used].astype(np.int64), product.data[used]))
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
        return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))


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
            whole = self.whole()
            norms = np.sqrt(self._per_document(whole.data * whole.data))
            norms[norms == 0] = 1.0
        #: Euclidean length of each document's weights (1 for a document without any).
        self.norms = norms

    def of_kind(self, kind: str) -> np.ndarray:
        """Mask over the features: those of one kind (e.g. "a", anchors and images)."""
        return self.kinds == ord(kind)

    def matrix_of(self, columns: np.ndarray, rows: np.ndarray | None = None):
        """The weights of the features in the mask `columns` only (others dropped); of the
        documents at `rows` only, in that order, when given (cheaper than all, then rows)."""
        m = self.whole() if rows is None else self.matrix[rows]
        # The positions of the entries kept, and where each row's start falls among them
        # (a prefix sum over all 3 million entries at 10,000 documents cost more).
        kept = np.flatnonzero(columns[m.indices])
        indptr = np.searchsorted(kept, m.indptr)
        return self._sparse.csr_matrix((m.data[kept], m.indices[kept], indptr), shape=m.shape)

    def count_per_document(self, columns: np.ndarray) -> np.ndarray:
        """How many of the features in the mask `columns` each document has."""
        counts = self._per_document(columns[self.whole().indices].astype(np.float64))
        return counts.astype(np.int64)

    def products(self, query) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, query row, dot) of every row with the rows of `query` it shares a feature
        with: an incremental alignment's, whose rows are `KeptRows` (a full one multiplies
        language by language, `align._Scoring.candidate_cosines`)."""
        return self.matrix.products(query)

    def whole(self):
        """The weights as one CSR matrix."""
        return self.matrix.whole() if isinstance(self.matrix, KeptRows) else self.matrix

    def _per_document(self, values: np.ndarray) -> np.ndarray:
        """Sums of `values` (one per stored weight) per document row, each summed alone."""
        matrix = self.whole()
        starts, ends = matrix.indptr[:-1], matrix.indptr[1:]
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


def gather(first, second, source, cols):
    """The CSR matrix of rows `source` of `first` stacked on `second` (rows of `second`
    counted from first's row count), `cols` columns wide.

    Copied run by run: `source` is mostly long runs of consecutive rows (the documents
    kept in id order, a few changed ones in between), so a run that changed 100 files
    copies some 200 slices instead of gathering 3 million entries one by one (at 10,000
    documents 0.1 s, most of it spent making and using the index of every entry).
    """
    from scipy import sparse

    source = np.asarray(source, dtype=np.int64)
    if not len(source):
        return sparse.csr_matrix((0, cols))
    n_first = first.shape[0]
    counts = np.concatenate((np.diff(first.indptr), np.diff(second.indptr)))[source]
    indptr = np.zeros(len(source) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    # A run ends where the next row is not the next one, or crosses into `second`.
    breaks = np.flatnonzero((np.diff(source) != 1) | (source[1:] == n_first)) + 1
    firsts = source[np.concatenate(([0], breaks))].tolist()
    lasts = source[np.concatenate((breaks, [len(source)])) - 1].tolist()
    kind = first.indices.dtype if first.nnz else second.indices.dtype
    data, indices = [], []
    for a, b in zip(firsts, lasts, strict=True):
        matrix, offset = (first, 0) if a < n_first else (second, n_first)
        lo, hi = matrix.indptr[a - offset], matrix.indptr[b - offset + 1]
        data.append(matrix.data[lo:hi])
        indices.append(matrix.indices[lo:hi])
    indices = np.concatenate(indices).astype(kind, copy=False)
    return sparse.csr_matrix((np.concatenate(data), indices, indptr), shape=(len(source), cols))
