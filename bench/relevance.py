"""Relevance benchmark: does the right document reach the first page?

Builds one archive from the repository's sample archive and the real Debian
documents in ../shared/corpus, generates judged queries reproducibly from the
documents' own words (known-item, other word forms, no accents, compound parts),
adds the hand-written queries of bench/queries.tsv, runs them through the
Archive facade without a language filter (the query's language as reading
language) and prints success@1, success@10 and MRR per query kind and language.

    python bench/relevance.py [--per-kind 40] [--show-misses]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import Stemmer
import wordfreq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive import Archive  # noqa: E402
from archive.analysis import fold  # noqa: E402

SHARED = REPO.parent / "shared" / "corpus" / "files"
HAND_WRITTEN = Path(__file__).with_name("queries.tsv")
LANGS = ("de", "en", "fr")
STEMMERS = {"de": "german", "en": "english", "fr": "french"}
KINDS = ("known-item", "word-form", "unaccented", "compound", "hand-written")


@dataclass(frozen=True)
class Query:
    kind: str
    lang: str
    text: str
    expected: frozenset[str]  # paths; a hit on any of them counts


def build_archive(workdir: Path) -> Archive:
    docs = workdir / "documents"
    shutil.copytree(REPO / "documents", docs / "sample")
    if SHARED.is_dir():
        shutil.copytree(SHARED, docs / "debian")
    else:
        print(f"note: {SHARED} missing; only the sample archive is used", file=sys.stderr)
    archive = Archive(docs, workdir / "index")
    archive.index()
    return archive


def strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.replace("ß", "ss"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def umlauts_as_e(word: str) -> str:
    for a, b in (
        ("ä", "ae"),
        ("ö", "oe"),
        ("ü", "ue"),
        ("Ä", "Ae"),
        ("Ö", "Oe"),
        ("Ü", "Ue"),
        ("ß", "ss"),
    ):
        word = word.replace(a, b)
    return word


class Corpus:
    """Words of every document per language, with document frequencies by stem."""

    def __init__(self, archive: Archive):
        self.docs = archive.all_documents()
        self.words: dict[str, dict[str, Counter]] = {lang: {} for lang in LANGS}
        self.stem_df: dict[str, Counter] = {lang: Counter() for lang in LANGS}
        self.folded_text: dict[str, str] = {}
        self.stem_docs: dict[str, dict[str, list[str]]] = {
            lang: defaultdict(list) for lang in LANGS
        }
        self.stemmers = {lang: Stemmer.Stemmer(STEMMERS[lang]) for lang in LANGS}
        for doc in self.docs:
            self.folded_text[doc.path] = fold(doc.text)
            for lang in LANGS:
                text = doc.text_in(lang)
                if not text:
                    continue
                counts = Counter(re.findall(r"[^\W\d_]+", text))
                self.words[lang][doc.path] = counts
                for stem in {self.stem(lang, w) for w in counts}:
                    self.stem_df[lang][stem] += 1
                    self.stem_docs[lang][stem].append(doc.path)

    def stem(self, lang: str, word: str) -> str:
        return self.stemmers[lang].stemWord(fold(word))

    def with_stem(self, lang: str, stem: str) -> list[str]:
        return self.stem_docs[lang][stem]

    def all_stem_df(self, lang: str, word: str) -> int:
        """Documents in any language whose words share this stem (cross-language noise)."""
        return sum(self.stem_df[other][self.stem(other, word)] for other in LANGS)


def generate(corpus: Corpus, per_kind: int, seed: int = 42) -> list[Query]:
    rng = random.Random(seed)
    queries: list[Query] = []
    for lang in LANGS:
        vocab = wordfreq.top_n_list(lang, 200_000, wordlist="large")
        forms: dict[str, list[str]] = defaultdict(list)
        for word in vocab:
            if word.isalpha() and len(word) >= 4:
                forms[corpus.stem(lang, word)].append(word)
        known, other_forms, plain, compounds = [], [], [], []
        for path, counts in sorted(corpus.words[lang].items()):
            for word, n in sorted(counts.items()):
                low = word.lower()
                if len(word) < 6 or word.isupper() or not word.isalpha():
                    continue
                stem = corpus.stem(lang, word)
                df = corpus.stem_df[lang][stem]
                if df == 1 and n >= 2 and len(word) >= 7 and corpus.all_stem_df(lang, word) == 1:
                    known.append(Query("known-item", lang, word, frozenset({path})))
                if df <= 2:
                    # Documents with the same stem are right answers too (the FAQ exists
                    # as PDF and as text: both contain the word).
                    expected = frozenset(corpus.with_stem(lang, stem))
                    seen = {w.lower() for w in counts if corpus.stem(lang, w) == stem}
                    alternatives = [f for f in forms.get(stem, []) if f not in seen]
                    if alternatives:
                        other_forms.append(
                            Query("word-form", lang, rng.choice(alternatives), expected)
                        )
                    if low != strip_accents(low) and lang != "en":  # English: accents are names
                        variant = (
                            umlauts_as_e(word)
                            if lang == "de" and rng.random() < 0.5
                            else strip_accents(word)
                        )
                        plain.append(Query("unaccented", lang, variant, expected))
        if lang == "de":
            compounds = compound_queries(corpus, rng)
        for pool in (known, other_forms, plain, compounds):
            rng.shuffle(pool)
            queries += pool[:per_kind]
    return queries


def compound_queries(corpus: Corpus, rng: random.Random) -> list[Query]:
    """Heads of German compounds: `Prävention` for a document with `Kriminalprävention`.

    A compound here is modifier + optional linking element + head, both frequent German
    words by wordfreq (independent of the archive's own splitter and its thresholds).
    """
    frequent = {
        w
        for w in wordfreq.top_n_list("de", 60_000, wordlist="large")
        if w.isalpha() and len(w) >= 4 and wordfreq.zipf_frequency(w, "de") >= 3.0
    }
    found = []
    for path, counts in sorted(corpus.words["de"].items()):
        for word in sorted(counts):
            low = word.lower()
            if len(low) < 10 or not word[0].isupper():
                continue
            for cut in range(4, len(low) - 4):
                head, left = low[cut:], low[:cut]
                if head not in frequent or len(head) < 5:
                    continue
                if not any(
                    left[: len(left) - len(link)] in frequent
                    for link in ("", "s", "es", "n", "en", "e")
                    if left.endswith(link)
                ):
                    continue
                folded_head = fold(head)
                containing = sum(folded_head in text for text in corpus.folded_text.values())
                standalone = counts.get(head.capitalize(), 0) + counts.get(head, 0)
                if containing <= 6 and not standalone:
                    found.append(Query("compound", "de", head.capitalize(), frozenset({path})))
                break
    return found


def hand_written() -> list[Query]:
    if not HAND_WRITTEN.exists():
        return []
    with open(HAND_WRITTEN, encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t") if r and not r[0].startswith("#")]
    return [
        Query("hand-written", lang, text, frozenset(p.strip() for p in paths.split(",")))
        for lang, text, paths in rows
    ]


def rank(archive: Archive, query: Query) -> int | None:
    try:
        results = archive.search(query.text, per_page=10, prefer=query.lang)
    except TypeError:  # versions before the reading-language hint (for before/after runs)
        results = archive.search(query.text, per_page=10)
    for n, hit in enumerate(results.results, start=1):
        if any(p in hit.document.path for p in query.expected):
            return n
    return None


def report(queries: list[Query], ranks: list[int | None]) -> str:
    table = defaultdict(list)
    for q, r in zip(queries, ranks, strict=True):
        table[(q.kind, q.lang)].append(r)
        table[(q.kind, "all")].append(r)
    lines = [
        "| kind | lang | queries | success@1 | success@10 | MRR |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        for lang in (*LANGS, "all"):
            got = table.get((kind, lang))
            if not got:
                continue
            s1 = sum(r == 1 for r in got) / len(got)
            s10 = sum(r is not None for r in got) / len(got)
            mrr = sum(1 / r for r in got if r) / len(got)
            lines.append(f"| {kind} | {lang} | {len(got)} | {s1:.3f} | {s10:.3f} | {mrr:.3f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=40, help="queries per kind and language")
    parser.add_argument("--show-misses", action="store_true", help="list queries that missed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        archive = build_archive(Path(tmp))
        corpus = Corpus(archive)
        queries = generate(corpus, args.per_kind) + hand_written()
        ranks = [rank(archive, q) for q in queries]
        elapsed = time.monotonic() - started
        print(f"{len(corpus.docs)} documents, {len(queries)} queries, {elapsed:.1f} s\n")
        print(report(queries, ranks))
        if args.show_misses:
            print("\nmisses (kind, lang, query, expected, rank):")
            for q, r in zip(queries, ranks, strict=True):
                if r is None or r > 1:
                    print(f"  {q.kind:12} {q.lang} {q.text!r:30} {sorted(q.expected)[0]} {r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
