"""How many words does OCR get back from scanned pages? Reference: the original text layer.

Run: ``python bench/ocr.py`` (needs tesseract with deu, eng and fra data; the shared
corpus beside the repo for the real scan). Prints Markdown tables.

Every PDF of the sample archive (``documents/``) is "scanned" here: each page rendered
at ``SCAN_DPI`` in grey, saved as JPEG pictures in an image-only PDF (what an office
scanner's scan-to-PDF makes). That PDF goes through ``indexer.ocr.ocr_pages`` (no
cache) in each of ``CONFIGS`` (tesseract language order, render dpi), and the words are
compared with the original PDF's text layer as the archive reads it (``indexer.pdftext.page_text``).
Words are the multiset of lower-cased ``\\w+`` tokens; recall is the share of the
reference's words that OCR found, precision the share of OCR's words that are in the
reference. Rows are grouped by the language the detector gives the OCR text.

``hard/h04.pdf`` of the shared corpus is a real image-only scan (German); each of its
pages is matched to the page of a German corpus PDF it was made from (best word
overlap), and measured against that page's text layer.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pypdfium2  # noqa: E402
from PIL import Image  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from indexer import ocr  # noqa: E402
from indexer.detect import detect_segments, document_languages  # noqa: E402
from indexer.extract import RawSegment, clean  # noqa: E402
from indexer.pdftext import page_text  # noqa: E402

SAMPLE = REPO / "documents"
SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
#: Resolution of the simulated scans.
SCAN_DPI = 300
#: What is compared: tesseract's language list (its order matters: the first language's
#: model leads) and the render resolution. The first is the module's default.
CONFIGS = (
    (ocr.DEFAULT_LANGUAGES, 300),
    *[(langs, 300) for langs in ("deu+eng+fra", "fra+deu+eng") if langs != ocr.DEFAULT_LANGUAGES],
    (ocr.DEFAULT_LANGUAGES, 200),
)
WORD = re.compile(r"\w+")
Config = tuple[str, int]


def words(text: str) -> Counter[str]:
    """Bag of lower-cased word tokens."""
    return Counter(WORD.findall(text.lower()))


def layer_pages(path: Path) -> list[str]:
    """The text layer of every page, as the archive's extractor reads it."""
    reader = PdfReader(path)
    if reader.is_encrypted:
        reader.decrypt("")
    return [clean(page_text(page)) for page in reader.pages]


def scan(path: Path, out: Path, dpi: int = SCAN_DPI) -> int:
    """Write an image-only copy of `path` (grey JPEG pictures of its pages); page count."""
    document = pypdfium2.PdfDocument(path)
    images = []
    for index in range(len(document)):
        picture = document[index].render(scale=dpi / 72, grayscale=True).to_pil()
        # Round-trip through JPEG at a scanner's usual quality: the artefacts are part of
        # what OCR has to read.
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=75)
        images.append(Image.open(io.BytesIO(buffer.getvalue())))
    document.close()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return len(images)


def timed_ocr(path: Path, pages: int, config: Config) -> tuple[dict[int, str], float]:
    languages, dpi = config
    start = time.perf_counter()
    texts = ocr.ocr_pages(path, range(1, pages + 1), languages=languages, dpi=dpi)
    return texts, time.perf_counter() - start


def language(texts: list[str]) -> tuple[str, list[str]]:
    segments = detect_segments([RawSegment(t, n) for n, t in enumerate(texts, 1) if t])
    return document_languages(segments)


def overlap(a: Counter[str], b: Counter[str]) -> int:
    return sum((a & b).values())


def scores(found: Counter[str], reference: Counter[str]) -> tuple[float, float]:
    common = overlap(found, reference)
    return common / max(sum(reference.values()), 1), common / max(sum(found.values()), 1)


class Row:
    def __init__(self, name: str, pages: int, reference: Counter[str]):
        self.name, self.pages, self.reference = name, pages, reference
        self.lang, self.languages = "und", []
        self.found: dict[Config, Counter[str]] = {}
        self.seconds: dict[Config, float] = {}

    def cells(self) -> list[str]:
        cells = [self.lang, self.name, str(self.pages), str(sum(self.reference.values()))]
        for config in CONFIGS:
            recall, precision = scores(self.found[config], self.reference)
            seconds = self.seconds[config] / self.pages
            cells += [f"{recall:.3f}", f"{precision:.3f}", f"{seconds:.2f}"]
        return cells


def sample_rows(tmp: Path) -> list[Row]:
    rows = []
    for path in sorted(SAMPLE.rglob("*.pdf")):
        name = str(path.relative_to(SAMPLE))
        scanned = tmp / f"{len(rows)}.pdf"
        pages = scan(path, scanned)
        row = Row(name, pages, words("\n".join(layer_pages(path))))
        for config in CONFIGS:
            texts, row.seconds[config] = timed_ocr(scanned, pages, config)
            row.found[config] = words("\n".join(texts.values()))
            if config == CONFIGS[0]:
                row.lang, row.languages = language(list(texts.values()))
        rows.append(row)
        print(f"  {name}: {row.lang}", file=sys.stderr)
    return rows


def h04_row() -> tuple[Row, str] | None:
    """The real scan against the text layer of the pages it was made from."""
    scan_path = CORPUS / "hard" / "h04.pdf"
    if not scan_path.is_file():
        return None
    candidates = {
        f"files/{p.name}": [words(t) for t in layer_pages(p)]
        for p in sorted((CORPUS / "files").glob("*.pdf"))
        if _manifest_lang(p.name) == "de"
    }
    pages = len(pypdfium2.PdfDocument(scan_path))
    row = Row("hard/h04.pdf", pages, Counter())
    sources = []
    for config in CONFIGS:
        texts, row.seconds[config] = timed_ocr(scan_path, pages, config)
        row.found[config] = words("\n".join(texts.values()))
        if config != CONFIGS[0]:
            continue
        row.lang, row.languages = language(list(texts.values()))
        for number, text in texts.items():
            found = words(text)
            source, index = max(
                ((name, i) for name, layers in candidates.items() for i in range(len(layers))),
                key=lambda key: (
                    scores(found, candidates[key[0]][key[1]])[0]
                    + scores(found, candidates[key[0]][key[1]])[1]
                ),
            )
            row.reference += candidates[source][index]
            sources.append(f"p{number} ← {source} p{index + 1}")
    return row, ", ".join(sources)


def _manifest_lang(name: str) -> str | None:
    manifest = CORPUS / "manifest.tsv"
    for line in manifest.read_text("utf-8").splitlines()[1:]:
        fields = line.split("\t")
        if fields[0] == name:
            return fields[1]
    return None


def threads_table(path: Path) -> list[str]:
    """Seconds for one page with tesseract's OpenMP threads at 2 (its default here) and 1."""
    image = ocr.render_page(pypdfium2.PdfDocument(path), 0, 300)
    lines = ["| OMP_THREAD_LIMIT | seconds for one page |", "|---|---:|"]
    saved = os.environ.get("OMP_THREAD_LIMIT")
    try:
        for limit in ("2", "1"):
            os.environ["OMP_THREAD_LIMIT"] = limit
            start = time.perf_counter()
            ocr.recognise(image)
            lines.append(f"| {limit} | {time.perf_counter() - start:.2f} |")
    finally:
        if saved is None:
            os.environ.pop("OMP_THREAD_LIMIT", None)
        else:
            os.environ["OMP_THREAD_LIMIT"] = saved
    return lines


def markdown_row(row: Row) -> str:
    cells = row.cells()
    if len(row.languages) > 1:
        cells[1] += f" ({'+'.join(row.languages)})"
    return "| " + " | ".join(cells) + " |"


def total(lang: str, group: list[Row]) -> Row:
    """All the words and seconds of a group, as one row (micro-average)."""
    row = Row(f"**all {lang} (sample)**", sum(r.pages for r in group), Counter())
    row.lang = lang
    for member in group:
        row.reference += member.reference
    for config in CONFIGS:
        row.found[config] = sum((r.found[config] for r in group), Counter())
        row.seconds[config] = sum(r.seconds[config] for r in group)
    return row


def main() -> int:
    reason = ocr.available()
    if reason:
        print(f"OCR cannot run: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        rows = sample_rows(Path(tmp))
        real = h04_row() if CORPUS.is_dir() else None
        if real:
            rows.append(real[0])
        header = ["lang", "PDF", "pages", "words"]
        legend = []
        for number, (languages, dpi) in enumerate(CONFIGS, 1):
            legend.append(f"{number}: `{languages}` at {dpi} dpi")
            header += [f"recall {number}", f"precision {number}", f"s/page {number}"]
        print(f"{ocr.engine_version()}, {os.cpu_count()} cores; " + "; ".join(legend) + ".")
        print()
        print("| " + " | ".join(header) + " |")
        print("|---|---|" + "---:|" * (len(header) - 2))
        order = {"de": 0, "en": 1, "fr": 2}
        rows.sort(key=lambda r: (order.get(r.lang, 3), r.name.startswith("hard/"), r.name))
        for lang in dict.fromkeys(r.lang for r in rows):
            sample = [r for r in rows if r.lang == lang and not r.name.startswith("hard/")]
            for row in sample:
                print(markdown_row(row))
            if sample:
                print(markdown_row(total(lang, sample)))
            for row in rows:
                if row.lang == lang and row.name.startswith("hard/"):
                    print(markdown_row(row))
        if real:
            print()
            print(f"h04.pdf was made from: {real[1]}.")
        print()
        print("\n".join(threads_table(SAMPLE / "flyers" / "burglary-prevention.de.pdf")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
