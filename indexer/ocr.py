"""OCR for PDF pages without a usable text layer (scanned flyers), in German, English, French.

Why these tools: pages are rendered in-process with pypdfium2 (a PyPI wheel that bundles
PDFium: no system package, no network, no temporary image of the PDF on disk, and it
opens PDFs encrypted with an empty user password as pypdf does), and recognised by
Tesseract through pytesseract, which runs the `tesseract` program as a subprocess with a
timeout we compute from the caller's deadline.

Cost and limits (2-core machine, Tesseract 5.3, three languages, 300 dpi): about 2-4 s
per full A4 page of text, ~110 MB resident for the tesseract process. Tesseract's OpenMP
threads spin on busy shared cores (one page took 40 s instead of 2.4 s in the bench),
and the worker pool already runs one file per core, so tesseract runs with
`OMP_THREAD_LIMIT=1`. Results are cached per page by content hash (`OcrCache`) so a
reindex never repeats OCR of an unchanged file, and so a file that ran out of time
resumes where it stopped on the next attempt.

A worker killed by the pool (SIGKILL) cannot kill its tesseract child; that child is
bounded by one page (we cap the rendered size at `MAX_PIXELS`), finishes it within
seconds and exits: nothing is left running for long.

Nothing happens at import time: the engines are imported and probed only when used.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from archive import cachefiles
from indexer.scan import sha256_of

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

#: Tesseract languages: all three archive languages at once, so a bilingual scan is read
#: whole; the detector decides the language of the text afterwards. The order matters
#: (the first model leads): with `deu+eng+fra` French lost its accents (`à` -> `a`,
#: `sûre` -> `süre`; word recall 0.972), with French first it is 0.997 while German
#: (0.995 vs 0.996) and English (1.000 vs 0.998) stay as good (bench/README.md, "OCR").
DEFAULT_LANGUAGES = "fra+deu+eng"
#: Tesseract's recommended resolution for body text; it is also what keeps small print and
#: low-resolution scans legible. 200 dpi is ~20% faster, no better on clean pages, worse
#: on the real low-resolution scan of the corpus (bench/README.md, "OCR").
DEFAULT_DPI = 300
#: A page with fewer letters than this in its text layer is OCRed. A full page of text
#: has thousands; a scan may still carry a few (a copier's stamp, a page number, a
#: title added by the scanning software), which must not hide the picture of the page.
NEEDS_OCR_BELOW_LETTERS = 50
#: Renders larger than this (a poster at 300 dpi) are scaled down: it bounds the time
#: and memory of one tesseract run, and so the life of a tesseract orphaned by a kill.
MAX_PIXELS = 40_000_000
#: A rendered page with no pixel darker than this is blank: no need to run tesseract.
BLANK_ABOVE = 200
#: Bump when rendering or post-processing changes, to invalidate cached results.
RECIPE = "1"

_INSTALL = "apt-get install tesseract-ocr tesseract-ocr-deu tesseract-ocr-fra"
_APT_LANG = {"deu": "tesseract-ocr-deu", "fra": "tesseract-ocr-fra", "eng": "tesseract-ocr"}


class OcrError(Exception):
    """OCR could not be done for a reason other than time (engine missing or failing)."""


class OcrDeadline(OcrError, TimeoutError):
    """The deadline passed before all pages were recognised.

    `done` holds the pages finished (and cached) before it passed, so a caller may keep
    them; `missing` the pages not recognised.
    """

    def __init__(self, done: dict[int, str], missing: list[int]):
        super().__init__(f"OCR deadline passed with {len(missing)} page(s) left")
        self.done = done
        self.missing = missing


def needs_ocr(page_text: str) -> bool:
    """True when a page's text layer is empty or too thin to be the page's text."""
    return sum(ch.isalpha() for ch in page_text) < NEEDS_OCR_BELOW_LETTERS


def available(languages: str = DEFAULT_LANGUAGES) -> str | None:
    """None when OCR can run; else a one-line reason for the notice ("tesseract is not
    installed (apt-get install ...)"). Probes the tesseract program (~50 ms): call once
    per run, not per file."""
    try:
        import pypdfium2  # noqa: F401
        import pytesseract
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install {exc.name})"
    if not shutil.which(pytesseract.pytesseract.tesseract_cmd):
        return f"tesseract is not installed ({_INSTALL})"
    try:
        installed = set(pytesseract.get_languages())
    except (OSError, pytesseract.TesseractNotFoundError) as exc:
        return f"tesseract does not run ({exc})"
    missing = [lang for lang in languages.split("+") if lang not in installed]
    if missing:
        names = ", ".join(f"'{lang}'" for lang in missing)
        packages = " ".join(_APT_LANG.get(lang, f"tesseract-ocr-{lang}") for lang in missing)
        return f"tesseract has no {names} language data (apt-get install {packages})"
    if engine_version() == "unknown":
        return "tesseract does not report its version"
    return None


@functools.cache
def engine_version() -> str:
    """`tesseract 5.3.0`: part of the cache key, so an upgraded engine reads pages afresh."""
    import subprocess

    try:
        import pytesseract

        out = subprocess.run(
            [pytesseract.pytesseract.tesseract_cmd, "--version"],
            capture_output=True,
            timeout=30,
            check=True,
        )
    except (ImportError, OSError, subprocess.SubprocessError):
        return "unknown"
    lines = (out.stdout or out.stderr).decode("utf-8", "replace").splitlines()
    return lines[0].strip() if lines else "unknown"


def render_page(document, index: int, dpi: int = DEFAULT_DPI) -> Image:
    """Grey-scale picture of page `index` (0-based) of an open pypdfium2 document."""
    page = document[index]
    try:
        width, height = page.get_size()  # points, rotation applied
        scale = dpi / 72
        pixels = width * height * scale * scale
        if pixels > MAX_PIXELS:
            scale *= (MAX_PIXELS / pixels) ** 0.5
        bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=True)
        return bitmap.to_pil()
    finally:
        page.close()


def recognise(image: Image, languages: str = DEFAULT_LANGUAGES, timeout: float = 0) -> str:
    """Text Tesseract reads in `image`; `timeout` seconds (0: none) before it is killed.

    Raises TimeoutError when the time ran out (tesseract is killed), OcrError when
    tesseract failed. The one place tesseract runs: tests wrap it to count runs.
    """
    import pytesseract

    # Read by pytesseract at each call (it passes os.environ to the subprocess); setdefault
    # leaves an operator's explicit choice alone.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        text = pytesseract.image_to_string(image, lang=languages, timeout=timeout)
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise TimeoutError("tesseract ran out of time") from None
        raise OcrError(f"tesseract failed: {exc}") from None
    except (OSError, pytesseract.TesseractError) as exc:
        raise OcrError(f"tesseract failed: {exc}") from None
    return tidy(text)


_HYPHENATED = re.compile(r"(\w)-\n(?=[a-zà-öø-ÿœ])")


def tidy(text: str) -> str:
    """Drop the page break tesseract appends and join words hyphenated at a line end
    (`Einbre-\\nchern` -> `Einbrechern`) so they can be found; a hyphen before a capital
    (`Debian-\\nRichtlinien`) is kept, as the text-layer extractor keeps it."""
    text = text.replace("\x0c", "\n")
    return _HYPHENATED.sub(r"\1", text).strip()


def _is_blank(image: Image) -> bool:
    lowest, _highest = image.getextrema()
    return lowest > BLANK_ABOVE


def ocr_pages(
    pdf_path: Path,
    pages: Sequence[int],
    *,
    languages: str = DEFAULT_LANGUAGES,
    dpi: int = DEFAULT_DPI,
    deadline: float | None = None,
    cache: OcrCache | None = None,
    sha256: str | None = None,
) -> dict[int, str]:
    """Text of the given 1-based pages, rendered and recognised, in page order.

    With `cache`, pages already read (same file content, languages, dpi, engine) come
    from it and new ones are stored as soon as each is done; `sha256` is the file's hash
    (computed when not given). When `time.monotonic()` passes `deadline` (checked before
    each page and enforced on tesseract as a timeout) it raises OcrDeadline, which holds
    the pages done so far; those are cached, so a later attempt resumes. Raises OcrError
    when the PDF cannot be rendered or tesseract fails.
    """
    pdf_path = Path(pdf_path)
    wanted = list(dict.fromkeys(pages))
    done: dict[int, str] = {}
    if cache is not None:
        sha256 = sha256 or sha256_of(pdf_path)
        for number in wanted:
            hit = cache.get(sha256, number, languages=languages, dpi=dpi)
            if hit is not None:
                done[number] = hit
    todo = [n for n in wanted if n not in done]
    if not todo:
        return {n: done[n] for n in wanted}

    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(pdf_path)
    except pypdfium2.PdfiumError as exc:
        raise OcrError(f"cannot render the PDF: {exc}") from None
    try:
        count = len(document)
        for position, number in enumerate(todo):
            if not 1 <= number <= count:
                raise ValueError(f"page {number} is not in a PDF of {count} pages")
            if deadline is not None and time.monotonic() >= deadline:
                raise OcrDeadline(done, todo[position:])
            try:
                image = render_page(document, number - 1, dpi)
            except pypdfium2.PdfiumError as exc:
                raise OcrError(f"cannot render page {number}: {exc}") from None
            if _is_blank(image):
                text = ""
            else:
                timeout = 0.0
                if deadline is not None:
                    timeout = deadline - time.monotonic()
                    if timeout <= 0:
                        raise OcrDeadline(done, todo[position:])
                try:
                    text = recognise(image, languages, timeout)
                except TimeoutError:
                    raise OcrDeadline(done, todo[position:]) from None
            done[number] = text
            if cache is not None and sha256:
                cache.put(sha256, number, text, languages=languages, dpi=dpi)
    finally:
        document.close()
    return {n: done[n] for n in wanted}


class OcrCache:
    """OCR results by content hash, one small UTF-8 file per page.

    The key is the sha256 of the PDF bytes, the page number, and a variant (languages,
    dpi, tesseract version, `RECIPE`), so moving or renaming a file keeps its OCR, and a
    new engine or setting reads pages afresh. Files live in `folder/<sha[:2]>/`; each is
    written to a temporary file in the same folder, flushed to disk, then renamed over
    the target (os.replace), so concurrent workers writing the same page (same content)
    and readers never see half a file. An empty file is a page that is blank or had no
    text: it is not read again either. Put the folder beside the index generations (the
    index folder's `ocr-cache/`) so `archive index --full` keeps it.
    """

    SUFFIX = ".txt"

    def __init__(self, folder: Path, *, languages: str = DEFAULT_LANGUAGES, dpi: int = DEFAULT_DPI):
        self.folder = Path(folder)
        self.languages = languages
        self.dpi = dpi

    def _variant(self, languages: str | None, dpi: int | None) -> str:
        key = f"{RECIPE}|{engine_version()}|{languages or self.languages}|{dpi or self.dpi}"
        return hashlib.sha256(key.encode()).hexdigest()[:12]

    def path(
        self, sha256: str, page: int, *, languages: str | None = None, dpi: int | None = None
    ) -> Path:
        """Where the text of one page is (or would be) stored."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        name = f"{sha256}-{int(page)}-{self._variant(languages, dpi)}{self.SUFFIX}"
        return self.folder / sha256[:2] / name

    def get(
        self, sha256: str, page: int, *, languages: str | None = None, dpi: int | None = None
    ) -> str | None:
        """The stored text of a page, or None when it was never recognised."""
        try:
            data = self.path(sha256, page, languages=languages, dpi=dpi).read_bytes()
            return data.decode("utf-8")  # bytes, not read_text: no newline translation
        except (OSError, UnicodeDecodeError):
            return None

    def put(
        self,
        sha256: str,
        page: int,
        text: str,
        *,
        languages: str | None = None,
        dpi: int | None = None,
    ) -> None:
        """Store the text of a page atomically (a cache that cannot be written is skipped:
        OCR results are worth keeping, never worth failing a file for)."""
        target = self.path(sha256, page, languages=languages, dpi=dpi)
        cachefiles.keep(target, text.encode("utf-8"))

    def prune(self, keep: Iterable[str]) -> int:
        """Remove the pages of files no longer in the archive (hashes not in `keep`) and
        temporary files left by killed workers; returns how many files were removed."""
        keep = set(keep)
        return cachefiles.prune(self.folder, self.SUFFIX, lambda n: n[:64] not in keep)
