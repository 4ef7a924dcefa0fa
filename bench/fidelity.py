"""How faithfully do we get the words of the corpus PDFs? Reference: poppler's pdftotext.

Run: ``python bench/fidelity.py``.  Prints a Markdown table with, per PDF, the
word recall and precision of plain pypdf ``extract_text()``, of
``indexer.pdftext.page_text`` and of PDFium's text layer (pypdfium2, which the archive
installs to render scans for OCR: what extraction in C++ would give, for comparison
only) against ``pdftotext -enc UTF-8``, and the seconds each took.  Words are the
multiset of lower-cased ``\\w+`` tokens of the whole document (bag of words), compared
by multiset intersection.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pypdf import PageObject, PdfReader

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from indexer.pdftext import page_text  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
# The readable PDFs: all of files/, and from hard/ the bilingual one and the one
# encrypted with an empty user password (the others are scans, damaged or locked).
PDFS = [
    *sorted((CORPUS / "files").glob("*.pdf")),
    CORPUS / "hard" / "h01.pdf",
    CORPUS / "hard" / "h03.pdf",
]
WORD = re.compile(r"\w+")


def words(text: str) -> Counter[str]:
    """Bag of lower-cased word tokens."""
    return Counter(WORD.findall(text.lower()))


def recall_precision(ours: Counter[str], reference: Counter[str]) -> tuple[float, float]:
    common = sum((ours & reference).values())
    return common / max(sum(reference.values()), 1), common / max(sum(ours.values()), 1)


def extract(path: Path, method: Callable[[PageObject], str]) -> tuple[str, float, int]:
    """Text of all pages by one method, the seconds it took (parsing included), page count."""
    start = time.perf_counter()
    reader = PdfReader(path)
    if reader.is_encrypted:
        reader.decrypt("")
    text = "\n".join(method(page) for page in reader.pages)
    return text, time.perf_counter() - start, len(reader.pages)


def pdfium(path: Path) -> tuple[str, float]:
    """Text of all pages as PDFium reads them, and the seconds it took (opening included)."""
    import pypdfium2

    start = time.perf_counter()
    document = pypdfium2.PdfDocument(str(path), password="")
    parts = []
    for page in document:
        textpage = page.get_textpage()
        parts.append(textpage.get_text_bounded())
        textpage.close()
        page.close()
    document.close()
    return "\n".join(parts), time.perf_counter() - start


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def main() -> int:
    if shutil.which("pdftotext") is None:
        print(
            "error: pdftotext not found; install poppler-utils (apt-get install -y poppler-utils)",
            file=sys.stderr,
        )
        return 2
    missing = [p for p in PDFS if not p.exists()]
    if missing:
        print(f"error: corpus files missing: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    header = ["PDF", "pages", "pypdf recall", "pypdf precision", "pypdf s"]
    header += ["page_text recall", "page_text precision", "page_text s"]
    header += ["PDFium recall", "PDFium precision", "PDFium s"]
    print("| " + " | ".join(header) + " |")
    print("|---" + "|---:" * (len(header) - 1) + "|")
    totals = [0.0, 0.0, 0.0]
    for path in PDFS:
        reference = words(pdftotext(path))
        plain, plain_s, pages = extract(path, lambda page: page.extract_text())
        ours, ours_s, _ = extract(path, page_text)
        other, other_s = pdfium(path)
        row = [str(path.relative_to(CORPUS)), str(pages)]
        for text, seconds in ((plain, plain_s), (ours, ours_s), (other, other_s)):
            recall, precision = recall_precision(words(text), reference)
            row += [f"{recall:.3f}", f"{precision:.3f}", f"{seconds:.2f}"]
        totals = [t + s for t, s in zip(totals, (plain_s, ours_s, other_s), strict=True)]
        print("| " + " | ".join(row) + " |")
    seconds = " / ".join(f"{t:.2f}" for t in totals)
    print(f"\nSeconds in all, pypdf / page_text / PDFium: {seconds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
