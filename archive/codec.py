"""How posting lists are laid out on disk: arrays that load without unpickling.

Whoosh's own block format pickles each block of 128 postings (numbers, weights and
every posting's positions and character offsets together) and compresses it, so
reading a posting list costs a `pickle.loads` and a `zlib.decompress` per block
even when only numbers and weights are wanted, as in ranking and in match sets.
At 100,000 documents a frequent word has about 100,000 postings; that decoding was
a third of a slow query's time.

Here a block keeps Whoosh's framing (length, block info) but its data is three
parts: the document numbers as raw 32-bit integers, the weights as raw 32-bit
floats, then the values (positions, character offsets) in chunks, compressed unless
short, only read when a phrase, the proximity bonus or a snippet needs them. `arrays()` reads a
whole posting list straight into numpy arrays. Blocks are larger (BLOCK_POSTINGS)
because ranking reads lists whole; `skip_to` walks a block's numbers in memory.

The numbers are in the machine's byte order: an index is built and read on one
machine (a copy to another architecture would need `archive index --full`).
"""

from __future__ import annotations

import io
import pickle
import zlib
from array import array

from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PostingsWriter,
)
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import _INT_SIZE, unpack_int
from whoosh.util.numeric import length_to_byte

#: Postings per block: ranking reads whole lists, so few, large blocks.
BLOCK_POSTINGS = 1024
#: zlib level of the values part, and how many postings' values are compressed
#: together: a snippet needs one document's, so it decompresses one small chunk.
VALUES_LEVEL = 3
VALUES_CHUNK = 64
#: Chunks of values shorter than this (bytes) are stored as they are: deflate would
#: save a few bytes at the cost of its set-up.
RAW_BELOW = 64


class ArchiveCodec(W3Codec):
    """Whoosh's W3 codec with array blocks (see the module docstring)."""

    def __init__(self):
        super().__init__(blocklimit=BLOCK_POSTINGS, compression=VALUES_LEVEL, inlinelimit=1)

    def field_writer(self, storage, segment):
        return _FieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        if byteids:  # term vectors: Whoosh reads them with its own matcher
            return super().postings_writer(dbfile, byteids=True)
        return _PostingsWriter(dbfile, blocklimit=self._blocklimit, compression=VALUES_LEVEL)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return _LeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class _FieldWriter(W3FieldWriter):
    def add_postings(self, schema, lengths, items):
        """Whoosh's, asking for each document's length in a field once: it asked for
        every posting, a column read each (21,144 postings of 50 documents cost a sixth
        of sealing their segment)."""
        super().add_postings(schema, _FieldLengths(lengths) if lengths else lengths, items)


class _FieldLengths:
    """A segment's field lengths as `add_postings` reads them, remembered for the field
    it is in (postings come field by field): at most one field's documents are kept."""

    def __init__(self, reader):
        self._reader = reader
        self._field = None
        self._known: dict[int, int] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        if fieldname != self._field:
            self._field, self._known = fieldname, {}
        known = self._known.get(docnum)
        if known is None:
            known = self._known[docnum] = self._reader.doc_field_length(docnum, fieldname, default)
        return known


class _PostingsWriter(W3PostingsWriter):
    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        data = _pack(ids, self._weights, self._values, self._format.fixed_value_size())
        info = pickle.dumps(
            (
                len(ids),
                ids[-1],
                self._maxweight,
                VALUES_LEVEL,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            2,
        )
        size = len(info) + len(data)
        self._postfile.write_int(-size if last else size)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


def _pack(ids: array, weights: array, values: list[bytes], fixedsize) -> bytes:
    """A block's data: numbers, weights, then the values (when there are any) in
    chunks of VALUES_CHUNK postings compressed one by one, after their sizes."""
    parts = [ids.tobytes(), weights.tobytes()]
    if fixedsize != 0 and values:
        chunks = [
            _compress(
                array("I", map(len, values[i : i + VALUES_CHUNK])).tobytes()
                + b"".join(values[i : i + VALUES_CHUNK])
            )
            for i in range(0, len(values), VALUES_CHUNK)
        ]
        parts.append(array("I", map(len, chunks)).tobytes())
        parts.extend(chunks)
    return b"".join(parts)


def _compress(payload: bytes) -> bytes:
    """One chunk of values: stored as it is after a zero byte when short, else deflated
    with a window no larger than the chunk.

    `zlib.compress` sets up its full 32 KB window and hash table on every call, and most
    terms of a small segment have a short chunk: sealing 50 changed documents (9,213
    chunks) spent 0.11-0.12 s compressing, 0.08 s now. A window that covers the whole
    chunk loses nothing. A zlib stream never starts with a zero byte (its first byte
    names the method, 8), so `_uncompress` tells the two apart.
    """
    if len(payload) < RAW_BELOW:
        return b"\0" + payload
    bits = min(max(len(payload).bit_length(), 9), 15)
    deflate = zlib.compressobj(VALUES_LEVEL, zlib.DEFLATED, bits, max(bits - 7, 1))
    return deflate.compress(payload) + deflate.flush()


def _uncompress(chunk: bytes) -> bytes:
    """What `_compress` stored (chunks written before it are all deflated)."""
    return bytes(chunk[1:]) if chunk[:1] == b"\0" else zlib.decompress(chunk)


def _chunk_values(data, count: int, chunk: int) -> list[bytes]:
    """The values of one chunk of a block holding `count` postings."""
    import numpy as np  # imported where used: a no-op reindex never reads postings

    chunks = -(-count // VALUES_CHUNK)
    sizes = np.frombuffer(data, dtype=np.uint32, count=chunks, offset=8 * count)
    start = 8 * count + 4 * chunks + int(sizes[:chunk].sum())
    raw = _uncompress(data[start : start + int(sizes[chunk])])
    n = min(VALUES_CHUNK, count - chunk * VALUES_CHUNK)
    ends = (np.cumsum(np.frombuffer(raw, dtype=np.uint32, count=n)) + 4 * n).tolist()
    return [raw[a:b] for a, b in zip([4 * n, *ends[:-1]], ends, strict=True)]


class _LeafMatcher(W3LeafMatcher):
    """Reads the array blocks; everything else is Whoosh's matcher."""

    def _read_data(self):
        self._data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)

    def _read_ids(self):
        if self._data is None:
            self._read_data()
        ids = array("I")
        ids.frombytes(self._data[: 4 * self._blocklength])
        self._ids = ids

    def _read_weights(self):
        if self._data is None:
            self._read_data()
        n = self._blocklength
        weights = array("f")
        weights.frombytes(self._data[4 * n : 8 * n])
        self._weights = weights

    def _read_values(self):
        if self._data is None:
            self._read_data()
        n = self._blocklength
        if self._fixedsize == 0 or len(self._data) == 8 * n:
            self._values = (None,) * n
            return
        self._values = [
            value
            for chunk in range(-(-n // VALUES_CHUNK))
            for value in _chunk_values(self._data, n, chunk)
        ]


class PostingList:
    """One term's postings in one segment, read from disk once: the numbers and
    weights as numpy arrays, the values cut out on demand.

    `matcher` comes from a segment reader's `postings()` (under its deleted-documents
    filter, if any). Lists written by this codec are read block by block without
    decoding anything; a list inlined in its term entry, or written by another
    codec, goes through the matcher.
    """

    def __init__(self, matcher):
        import numpy as np

        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # deleted documents: callers' allowed sets drop them
        self.format = matcher.format
        if isinstance(matcher, _LeafMatcher):
            self._blocks = list(_blocks(matcher))
            self._ids = [np.frombuffer(d, dtype=np.uint32, count=n) for n, d in self._blocks]
            weights = [
                np.frombuffer(d, dtype=np.float32, count=n, offset=4 * n) for n, d in self._blocks
            ]
            self._inline: dict[int, bytes] | None = None
        else:
            ids, weights, values = [], [], []
            while matcher.is_active():
                ids.append(matcher.id())
                weights.append(matcher.weight())
                values.append(matcher.value())
                matcher.next()
            self._ids = [np.array(ids, dtype=np.uint32)]
            weights = [np.array(weights, dtype=np.float32)]
            self._inline = dict(zip(ids, values, strict=True))
        self.ids = self._ids[0] if len(self._ids) == 1 else np.concatenate(self._ids)
        self.weights = weights[0] if len(weights) == 1 else np.concatenate(weights)

    def values_at(self, wanted: list[int]) -> dict[int, bytes]:
        """The encoded values (positions, character offsets) of the `wanted` documents
        (ascending segment numbers) that are in the list.

        Only the chunks holding some of them are decompressed: a snippet needs a
        few documents of a list of 100,000.
        """
        import numpy as np

        if self._inline is not None:
            return {doc: self._inline[doc] for doc in wanted if doc in self._inline}
        found: dict[int, bytes] = {}
        targets = np.asarray(wanted, dtype=np.int64)
        for ids, (count, data) in zip(self._ids, self._blocks, strict=True):
            if not len(targets):
                break
            inside = targets[targets <= ids[-1]]
            targets = targets[len(inside) :]
            if not len(inside):
                continue
            at = np.searchsorted(ids, inside)
            present = ids[at] == inside
            if not present.any() or len(data) == 8 * count:
                continue
            chunks: dict[int, list[bytes]] = {}
            for doc, i in zip(inside[present].tolist(), at[present].tolist(), strict=True):
                chunk, place = divmod(i, VALUES_CHUNK)
                if chunk not in chunks:
                    chunks[chunk] = _chunk_values(data, count, chunk)
                found[doc] = chunks[chunk][place]
        return found


def _blocks(m: _LeafMatcher):
    """(postings, data) of each block of the matcher's posting list, from one read."""
    length = m._length[0] if isinstance(m._length, tuple) else m._length  # read back: (n,)
    raw = memoryview(m._postfile.get(m._baseoffset, m._startoffset + length - m._baseoffset))
    at = 0
    while at < len(raw):
        size = abs(unpack_int(raw[at : at + _INT_SIZE])[0])
        at += _INT_SIZE
        block = io.BytesIO(raw[at : at + size])
        count = pickle.load(block)[0]  # the block info; its first item: how many postings
        yield count, raw[at + block.tell() : at + size]
        at += size
