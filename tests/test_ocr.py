"""OCR of scanned PDFs: scans are made here from the sample archive's real text PDFs.

Each flyer's page is rendered to a grey picture, saved as JPEG inside an image-only PDF
(what a scanner's scan-to-PDF gives), and must be read back in its language. Needs
tesseract with deu, eng and fra data (`apt-get install tesseract-ocr tesseract-ocr-deu
tesseract-ocr-fra`); without it the tests skip, unless REQUIRE_OCR=1 (CI) makes that a
failure.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import re
import shutil
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from archive import Archive
from archive.errors import ExtractionError
from archive.store import TEXT_CACHE
from indexer import ocr
from indexer.detect import detect_segments
from indexer.extract import RawSegment, extract
from indexer.scan import sha256_of

REPO = Path(__file__).resolve().parents[1]
FLYERS = REPO / "documents" / "flyers"
#: A word of each flyer's first page that only a real reading of the picture gives.
WORDS = {"de": "Einbruch", "en": "burglary", "fr": "cambriolage"}
SCAN_DPI = 200


def _require_ocr() -> None:
    reason = ocr.available()
    if reason is None:
        return
    if os.environ.get("REQUIRE_OCR"):
        pytest.fail(f"OCR is required here (REQUIRE_OCR) but cannot run: {reason}")
    pytest.skip(f"OCR cannot run: {reason}")


@pytest.fixture(scope="module", autouse=True)
def ocr_ready():
    _require_ocr()


def make_scan(source: Path, target: Path, pages: list[int] | None = None) -> Path:
    """An image-only PDF of the given pages (1-based; all by default) of a text PDF."""
    import pypdfium2
    from PIL import Image

    document = pypdfium2.PdfDocument(source)
    numbers = pages or list(range(1, len(document) + 1))
    images = []
    for number in numbers:
        picture = document[number - 1].render(scale=SCAN_DPI / 72, grayscale=True).to_pil()
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=75)
        images.append(Image.open(io.BytesIO(buffer.getvalue())))
    document.close()
    images[0].save(target, "PDF", resolution=SCAN_DPI, save_all=True, append_images=images[1:])
    return target


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


def layer_text(path: Path, page: int) -> str:
    from pypdf import PdfReader

    from indexer.pdftext import page_text

    return page_text(PdfReader(path).pages[page - 1])


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> dict[str, Path]:
    """First page of each burglary-prevention flyer, scanned."""
    folder = tmp_path_factory.mktemp("scans")
    return {
        lang: make_scan(FLYERS / f"burglary-prevention.{lang}.pdf", folder / f"{lang}.pdf", [1])
        for lang in WORDS
    }


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ocr-cache")


@pytest.fixture(scope="module")
def recognised(scans, cache_dir) -> dict[str, str]:
    """OCR text of page 1 of each scan, read once through the cache."""
    cache = ocr.OcrCache(cache_dir)
    return {lang: ocr.ocr_pages(path, [1], cache=cache)[1] for lang, path in scans.items()}


@pytest.fixture
def engine_runs(monkeypatch) -> list[int]:
    """Counts the times tesseract runs in this process."""
    runs: list[int] = []
    real = ocr.recognise

    def counting(*args, **kwargs):
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ocr, "recognise", counting)
    return runs


# -- what needs OCR ---------------------------------------------------------------------


def test_a_page_with_no_or_few_letters_needs_ocr_and_a_page_of_text_does_not():
    assert ocr.needs_ocr("")
    assert ocr.needs_ocr("  3 \n iii ")
    assert ocr.needs_ocr("Scanned by KX-2040 on 2024-03-01")
    assert not ocr.needs_ocr(layer_text(FLYERS / "burglary-prevention.de.pdf", 1))


def test_the_scans_have_no_text_layer(scans):
    for path in scans.values():
        with pytest.raises(ExtractionError) as failure:
            extract(path)
        assert failure.value.reason == "no text layer (scanned?)"


def test_available_gives_a_one_line_reason_when_tesseract_or_a_language_is_missing(monkeypatch):
    assert ocr.available() is None
    reason = ocr.available("deu+xyz")
    assert reason and "'xyz'" in reason and "\n" not in reason
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    reason = ocr.available()
    assert reason and reason.startswith("tesseract is not installed") and "\n" not in reason


# -- reading scans in three languages ---------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_ocr_reads_the_scanned_page_and_its_language_is_detected(lang, recognised):
    text = recognised[lang]
    assert WORDS[lang].lower() in text.lower()
    original = words(layer_text(FLYERS / f"burglary-prevention.{lang}.pdf", 1))
    found = sum((words(text) & original).values())
    assert found / sum(original.values()) > 0.9  # word recall against the text layer
    segments = detect_segments([RawSegment(text, 1)])
    assert [s.lang for s in segments] == [lang]


def test_german_umlauts_and_french_accents_are_read(recognised):
    assert "schützen" in recognised["de"]
    assert "sécurité" in recognised["fr"]


# -- the cache ---------------------------------------------------------------------------


def test_second_read_comes_from_the_cache_without_running_tesseract(
    scans, recognised, cache_dir, engine_runs
):
    cache = ocr.OcrCache(cache_dir)
    sha = sha256_of(scans["en"])
    assert cache.get(sha, 1) == recognised["en"]
    assert cache.path(sha, 1).is_file()
    again = ocr.ocr_pages(scans["en"], [1], cache=cache, sha256=sha)
    assert again == {1: recognised["en"]}
    assert engine_runs == []
    # Another language setting is another result: not served from this entry.
    assert cache.get(sha, 1, languages="eng") is None


def test_cache_stores_empty_text_and_leaves_no_temporary_files(tmp_path):
    cache = ocr.OcrCache(tmp_path / "c")
    sha = "ab" * 32
    assert cache.get(sha, 1) is None
    cache.put(sha, 1, "")
    cache.put(sha, 2, "Straße, sécurité")
    assert cache.get(sha, 1) == ""
    assert cache.get(sha, 2) == "Straße, sécurité"
    assert sorted(p.name.startswith(".tmp-") for p in (tmp_path / "c").rglob("*.txt")) == [
        False,
        False,
    ]
    assert cache.prune({sha}) == 0
    assert cache.prune(set()) == 2
    assert cache.get(sha, 2) is None


def _put_many(folder: str, text: str) -> None:
    cache = ocr.OcrCache(Path(folder))
    for _ in range(200):
        cache.put("cd" * 32, 7, text)


def test_concurrent_writers_never_leave_half_a_file(tmp_path):
    text = "Einbruchschutz " * 5000
    ctx = mp.get_context("fork")
    writers = [ctx.Process(target=_put_many, args=(str(tmp_path), text)) for _ in range(4)]
    for writer in writers:
        writer.start()
    cache = ocr.OcrCache(tmp_path)
    seen = set()
    while any(w.is_alive() for w in writers):
        value = cache.get("cd" * 32, 7)
        seen.add(None if value is None else len(value))
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    assert seen <= {None, len(text)}
    assert cache.get("cd" * 32, 7) == text
    assert [p.name for p in tmp_path.rglob(".tmp-*")] == []


# -- time limits and processes ----------------------------------------------------------


def test_a_passed_deadline_stops_before_any_work(scans, engine_runs):
    with pytest.raises(ocr.OcrDeadline) as stopped:
        ocr.ocr_pages(scans["de"], [1], deadline=time.monotonic() - 1)
    assert stopped.value.done == {} and stopped.value.missing == [1]
    assert engine_runs == []


def test_deadline_kills_tesseract_mid_page_and_keeps_the_pages_done(tmp_path):
    scan = make_scan(FLYERS / "burglary-prevention.de.pdf", tmp_path / "two.pdf")
    cache = ocr.OcrCache(tmp_path / "cache")
    sha = sha256_of(scan)
    cache.put(sha, 1, "Seite eins aus dem Cache")  # page 1 done by an earlier attempt
    started = time.monotonic()
    with pytest.raises(ocr.OcrDeadline) as stopped:
        ocr.ocr_pages(scan, [1, 2], deadline=started + 0.3, cache=cache)
    # A full page takes tesseract seconds; it was killed at the deadline (pytesseract
    # allows it one second to terminate).
    assert time.monotonic() - started < 2.5
    assert stopped.value.done == {1: "Seite eins aus dem Cache"}
    assert stopped.value.missing == [2]
    assert cache.get(sha, 2) is None
    assert _tesseract_children(os.getpid()) == []


def _tesseract_children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if name == "tesseract" and int(fields[1]) == parent and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _ocr_in_worker(path: str) -> None:
    ocr.ocr_pages(Path(path), [1])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_killed_worker_leaves_no_tesseract_running_for_long(scans):
    """The pool kills a worker over its time limit with SIGKILL; its tesseract child
    cannot be told, but it only has one page to finish, so it exits within seconds."""
    import tempfile

    leftovers = Path(tempfile.gettempdir()).glob
    before = set(leftovers("tess_*"))
    ctx = mp.get_context("fork")
    worker = ctx.Process(target=_ocr_in_worker, args=(str(scans["de"]),))
    worker.start()
    try:
        children: list[int] = []
        limit = time.monotonic() + 30
        while not children and time.monotonic() < limit and worker.is_alive():
            children = _tesseract_children(worker.pid)
            time.sleep(0.05)
        assert children, "tesseract never started"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.join()
    limit = time.monotonic() + 60
    while any(_running(pid) for pid in children) and time.monotonic() < limit:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in children)
    # pytesseract's temporary picture of the page stays behind: a killed worker cannot
    # clean up (about 1 MB per kill).
    for path in set(leftovers("tess_*")) - before:
        path.unlink(missing_ok=True)


def test_tesseract_runs_with_one_thread(monkeypatch):
    from PIL import Image

    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    ocr.recognise(Image.new("L", (200, 60), 255))
    assert os.environ["OMP_THREAD_LIMIT"] == "1"


def test_a_blank_page_is_not_sent_to_tesseract(tmp_path, engine_runs):
    from PIL import Image

    blank = tmp_path / "blank.pdf"
    Image.new("L", (1654, 2339), 250).save(blank, "PDF", resolution=200)
    assert ocr.ocr_pages(blank, [1]) == {1: ""}
    assert engine_runs == []


def test_a_page_outside_the_pdf_is_an_error(scans):
    with pytest.raises(ValueError):
        ocr.ocr_pages(scans["en"], [2])


# -- through the whole archive --------------------------------------------------------


def test_scanned_flyers_are_found_in_their_language(tmp_path, scans):
    documents = tmp_path / "documents"
    (documents / "flyers").mkdir(parents=True)
    for lang, path in scans.items():
        shutil.copy(path, documents / "flyers" / f"scanned-burglary.{lang}.pdf")
    archive = Archive(documents, tmp_path / "index")
    report = archive.index(jobs=2)
    assert report.failed == []
    for lang, word in WORDS.items():
        hits = archive.search(word, lang=lang).results
        found = {hit.document.path: hit.document for hit in hits}
        doc = found[f"flyers/scanned-burglary.{lang}.pdf"]
        assert doc.lang == lang
        assert doc.ocr_pages == [1]  # the document records that its text came from OCR

    # Recognised text is kept in the OCR cache only, never half-read in the text cache.
    assert not list((tmp_path / "index" / TEXT_CACHE).glob("??/*.pickle"))

    # A full reindex of unchanged files reads OCR from the cache: every page tesseract
    # reads is written to the cache, so no cache file may be written again.
    cached = _cache_files(tmp_path / "index")
    assert len(cached) == len(scans)
    report = archive.index(full=True, jobs=2)
    assert report.failed == []
    assert _cache_files(tmp_path / "index") == cached
    assert archive.search(WORDS["de"], lang="de").total >= 1

    # The document page tells visitors the text was recognised automatically.
    from webtest import TestApp

    from web.app import create_app

    doc_id = archive.search(WORDS["fr"], lang="fr").results[0].document.id
    page = TestApp(create_app(archive)).get(f"/documents/{doc_id}", params={"ui": "fr"})
    assert "Texte reconnu automatiquement" in page.text


def _cache_files(folder: Path) -> dict[str, int]:
    """Every OCR cache entry under `folder`, with the time it was written."""
    entry = re.compile(r"[0-9a-f]{64}-\d+-[0-9a-f]{12}\.txt")
    return {p.name: p.stat().st_mtime_ns for p in folder.rglob("*.txt") if entry.fullmatch(p.name)}
