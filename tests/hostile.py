"""Bad inputs, generated here: what an archive fed by many hands meets sooner or later.

`build(root)` writes a documents folder of hostile files and returns one `Case` per
file (or folder) saying what must become of it: indexed and found by its own word,
reported as failed with a reason, or passed over by the scan with a reason. Nothing
is downloaded: damaged copies are made of the sample archive's PDFs and, when it is
beside the repository, of ../shared/corpus/files/c00[1-6].pdf; everything else is
written byte by byte below. The same seed gives the same files.

Also here, for the tests that attack over HTTP: `served()`, a real `archive serve`
process on a free loopback port.
"""

from __future__ import annotations

import io
import os
import random
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfWriter

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLE_PDFS = sorted((REPO / "documents").rglob("*.pdf"))
SHARED_PDFS = [SHARED / "corpus" / "files" / f"c00{n}.pdf" for n in range(1, 7)]

INDEXED, FAILED, SKIPPED, EITHER = "indexed", "failed", "skipped", "indexed or failed"

#: What a file may be reported as: the README's list (the pool adds details in brackets).
REASONS = (
    "empty",
    "not a PDF",
    "encrypted",
    "damaged",
    "no text layer (scanned?)",
    "no usable text",
    "unreadable",
    "timeout",
    "too large (memory limit reached)",
    "crashed (out of memory?)",
)

GERMAN = (
    "Die Stadt stellt neue Laternen in allen Parks auf und schützt damit die Bürger. "
    "Der Gemeinderat hat die Maßnahme nach einer Befragung der Anwohner beschlossen."
)
FRENCH = "La sécurité des quartiers est l’affaire de tous : la mairie écoute les habitants."
#: Terminal control sequences (set the window title, clear the screen) in a name or title.
ESCAPES = "\x1b]0;owned\x07\x1b[2J"
#: A name that, printed as it is, adds a line of its own to the failures cron mails.
FORGED = "forged\nfailed: control/laternen.de.txt: damaged"


@dataclass(frozen=True)
class Case:
    """One hostile file and what must become of it."""

    path: str  # relative to the documents root (as the scan reports it)
    family: str  # its row in docs/reliability.md
    expect: str  # INDEXED, FAILED, SKIPPED or EITHER
    reason: str = ""  # the reason (its beginning) when failed or skipped
    word: str = ""  # when indexed: a word of its own that a search must find
    absent: str = ""  # a word in a hidden part (script, comment) no search may find
    unprivileged: bool = False  # holds only for a reader without root's override


def nonce(n: int) -> str:
    """A made-up word no analyzer changes and no other file contains: `qzvab`, `qzvac`..."""
    letters = ""
    n += 27
    while n:
        n, rest = divmod(n, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[rest] + letters
    return f"qzv{letters}"


# -- a minimal PDF writer, for the files pypdf would refuse to write ------------------------

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
A4 = b"[0 0 595 842]"


def pdf_string(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("cp1252", "replace") + b")"


def text_content(lines: Iterable[str]) -> bytes:
    """A content stream that shows `lines` one below the other in Helvetica."""
    ops = [b"BT /F1 11 Tf 50 800 Td 14 TL"]
    ops += [pdf_string(line) + b" Tj T*" for line in lines]
    ops.append(b"ET")
    return b"\n".join(ops)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), entries, data)


def page(parent: int, contents: int, mediabox: bytes = A4) -> bytes:
    return (
        b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources << /Font << /F1 3 0 R >> >> "
        b"/Contents %d 0 R >>" % (parent, mediabox, contents)
    )


def raw_pdf(objects: dict[int, bytes], *, xref: str = "good", info: int | None = None) -> bytes:
    """A PDF from numbered object bodies; object 1 is the catalog.

    `xref`: "good", "shifted" (every offset wrong), "missing" (no table, a startxref
    into nowhere) or "beyond" (startxref past the end of the file).
    """
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, objects[number]))
    start = out.tell()
    size = max(objects) + 1
    if xref != "missing":
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            if number not in offsets:
                out.write(b"0000000000 65535 f \n")
                continue
            offset = offsets[number]
            if xref == "shifted":
                offset = (offset * 7 + 13) % start
            out.write(b"%010d 00000 n \n" % offset)
    pointer = {"beyond": start + 10_000, "missing": start + 3}.get(xref, start)
    extra = b"/Info %d 0 R " % info if info else b""
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (size, extra))
    out.write(b"startxref\n%d\n%%%%EOF\n" % pointer)
    return out.getvalue()


def text_pdf(
    pages: list[list[str]],
    *,
    mediabox: bytes = A4,
    xref: str = "good",
    title: str | None = None,
    count: bytes | None = None,
) -> bytes:
    """A well-formed PDF with one content stream per page (objects 10, 11, 12, ...)."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: FONT}
    kids = []
    for n, lines in enumerate(pages):
        kids.append(b"%d 0 R" % (10 + 2 * n))
        objects[10 + 2 * n] = page(2, 11 + 2 * n, mediabox)
        objects[11 + 2 * n] = stream(text_content(lines))
    count = count or b"%d" % len(pages)
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %s >>" % (b" ".join(kids), count)
    if title is not None:
        objects[4] = b"<< /Title %s /CreationDate (D:20240318120000Z) >>" % pdf_string(title)
    return raw_pdf(objects, xref=xref, info=4 if title is not None else None)


def inflating_zeros(size: int) -> bytes:
    """A zlib stream of ~size/1000 bytes that inflates to `size` zero bytes.

    Built from one compressed megabyte repeated (a full flush makes each block
    independent), so gigabytes cost milliseconds to build and never exist in memory.
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    megabyte = b"\0" * (1 << 20)
    first = deflate.compress(megabyte) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(megabyte) + deflate.flush(zlib.Z_FULL_FLUSH)
    blocks = size >> 20
    last = deflate.compress(megabyte) + deflate.flush()
    adler = ((size % 65521) << 16) | 1  # Adler-32 of `size` zero bytes
    return b"\x78\xda" + first + block * (blocks - 2) + last + adler.to_bytes(4, "big")


def encrypted_copy(data: bytes, algorithm: str, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated(data: bytes, fraction: float) -> bytes:
    return data[: int(len(data) * fraction)]


def bit_flipped(data: bytes, flips: int, seed: str) -> bytes:
    rng = random.Random(seed)
    damaged = bytearray(data)
    for _ in range(flips):
        damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
    return bytes(damaged)


# -- the corpus ------------------------------------------------------------------------------


class _Builder:
    def __init__(self, root: Path):
        self.root = root
        self.cases: list[Case] = []
        self.count = 0

    def word(self) -> str:
        self.count += 1
        return nonce(self.count)

    def text(self, word: str) -> str:
        return f"{GERMAN} Das Stichwort lautet {word}."

    def file(self, rel: str, data: bytes, case: Case) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.cases.append(case)
        return path

    def add(self, rel: str, family: str, data: bytes, expect: str, reason: str = "", **kw) -> Path:
        return self.file(rel, data, Case(rel, family, expect, reason, **kw))


def build(root: Path, *, shared: bool = True) -> list[Case]:
    """Write the hostile documents folder under `root`; one Case per file or folder."""
    root.mkdir(parents=True, exist_ok=True)
    b = _Builder(root)
    _control(b)
    _damaged_pdfs(b, shared)
    _not_pdfs(b)
    _encrypted_pdfs(b)
    _malformed_pdfs(b)
    _html(b)
    _text(b)
    _empty(b)
    _permissions(b)
    _links(b)
    _names(b)
    _special(b)
    _sidecars(b)
    return b.cases


def _control(b: _Builder) -> None:
    """A normal file in the same run: it must be searchable whatever happened around it."""
    word = b.word()
    b.add("control/laternen.de.txt", "control", b.text(word).encode(), INDEXED, word=word)


def _damaged_pdfs(b: _Builder, shared: bool) -> None:
    family = "truncated and bit-flipped real PDFs"
    for source in SAMPLE_PDFS[:6]:
        data = source.read_bytes()
        for fraction in (0.3, 0.7, 0.995):
            b.add(
                f"pdf-damaged/{source.stem}-cut-{fraction}.pdf",
                family,
                truncated(data, fraction),
                EITHER,
            )
        for flips in (8, 64):
            b.add(
                f"pdf-damaged/{source.stem}-flip-{flips}.pdf",
                family,
                bit_flipped(data, flips, f"{source.name}-{flips}"),
                EITHER,
            )
    for source in SHARED_PDFS if shared else []:
        if not source.is_file():
            continue
        data = source.read_bytes()
        b.add(f"pdf-damaged/{source.stem}-cut-0.5.pdf", family, truncated(data, 0.5), EITHER)
        b.add(f"pdf-damaged/{source.stem}-cut-0.995.pdf", family, truncated(data, 0.995), EITHER)
        b.add(
            f"pdf-damaged/{source.stem}-flip-32.pdf",
            family,
            bit_flipped(data, 32, source.name),
            EITHER,
        )


def _not_pdfs(b: _Builder) -> None:
    family = "random bytes named .pdf"
    rng = random.Random("not-pdf")
    noise = bytes(rng.randrange(256) for _ in range(8192))
    b.add("pdf-random/noise.pdf", family, noise, FAILED, "not a PDF")
    b.add("pdf-random/page.html.pdf", family, b"<html><p>Hallo</p></html>", FAILED, "not a PDF")
    b.add("pdf-random/header-only.pdf", family, b"%PDF-1.7\n", FAILED)
    b.add("pdf-random/header-then-noise.pdf", family, b"%PDF-1.4\n" + noise, FAILED)


def _encrypted_pdfs(b: _Builder) -> None:
    family = "encrypted PDFs (AES-256, AES-128, RC4)"
    for algorithm in ("AES-256", "AES-256-R5", "AES-128", "RC4-128", "RC4-40"):
        word = b.word()
        plain = text_pdf([[GERMAN[:80], f"Stichwort {word} und weitere Worte dazu."]])
        b.add(
            f"pdf-encrypted/{algorithm}-no-user-password.pdf",
            family,
            encrypted_copy(plain, algorithm, ""),
            INDEXED,
            word=word,
        )
        b.add(
            f"pdf-encrypted/{algorithm}-user-password.pdf",
            family,
            encrypted_copy(plain, algorithm, "geheim"),
            FAILED,
            "encrypted",
        )


def _lines(word: str) -> list[str]:
    return [GERMAN[:90], GERMAN[90:], f"Das Stichwort lautet {word}."]


def _malformed_pdfs(b: _Builder) -> None:
    family = "malformed PDFs"
    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    body = stream(text_content(_lines("zyklisch")))
    b.add(
        "pdf-malformed/cyclic-kids.pdf",
        family,
        raw_pdf(
            {
                1: catalog,
                2: b"<< /Type /Pages /Kids [2 0 R 10 0 R] /Count 2 >>",
                3: FONT,
                10: page(2, 11),
                11: body,
            }
        ),
        FAILED,
        "damaged",
    )
    b.add(
        "pdf-malformed/cyclic-parents.pdf",
        family,
        raw_pdf(
            {
                1: catalog,
                2: b"<< /Type /Pages /Kids [5 0 R] /Count 1 /Parent 5 0 R >>",
                3: FONT,
                5: b"<< /Type /Pages /Kids [2 0 R 10 0 R] /Count 1 /Parent 2 0 R >>",
                10: page(5, 11),
                11: body,
            }
        ),
        FAILED,
        "damaged",
    )
    b.add(
        "pdf-malformed/self-referencing-resources.pdf",
        family,
        raw_pdf(
            {
                1: catalog,
                2: b"<< /Type /Pages /Kids [10 0 R] /Count 1 >>",
                3: FONT,
                5: b"5 0 R",
                10: page(2, 11).replace(b"<< /Font << /F1 3 0 R >> >>", b"5 0 R"),
                11: body,
            }
        ),
        EITHER,
    )

    for depth, expect, reason in ((50, INDEXED, ""), (5000, FAILED, "damaged")):
        word = b.word() if expect == INDEXED else ""
        objects = {1: b"<< /Type /Catalog /Pages 100 0 R >>", 3: FONT}
        for level in range(depth):
            parent = b"/Parent %d 0 R" % (99 + level) if level else b""
            objects[100 + level] = b"<< /Type /Pages /Kids [%d 0 R] /Count 1 %s >>" % (
                101 + level,
                parent,
            )
        objects[100 + depth] = page(99 + depth, 11)
        objects[11] = stream(text_content(_lines(word or "tief")))
        b.add(
            f"pdf-malformed/page-tree-{depth}-deep.pdf",
            family,
            raw_pdf(objects),
            expect,
            reason,
            word=word,
        )

    for xref in ("shifted", "missing", "beyond"):
        word = b.word()
        b.add(
            f"pdf-malformed/xref-{xref}.pdf",
            family,
            text_pdf([_lines(word)], xref=xref),
            INDEXED,
            word=word,
        )

    for count in (b"2147483647", b"-3"):
        word = b.word()
        b.add(
            f"pdf-malformed/page-count-{count.decode()}.pdf",
            family,
            text_pdf([_lines(word)], count=count),
            INDEXED,
            word=word,
        )
    b.add("pdf-malformed/no-page-tree.pdf", family, raw_pdf({1: b"<< /Type /Catalog >>"}), FAILED)

    family = "decompression bombs (2 GiB from 2 MB)"
    bomb = stream(inflating_zeros(2 << 30), b"/Filter /FlateDecode ")
    b.add(
        "pdf-bomb/bomb.pdf",
        family,
        raw_pdf(
            {
                1: catalog,
                2: b"<< /Type /Pages /Kids [10 0 R] /Count 1 >>",
                3: FONT,
                10: page(2, 11),
                11: bomb,
            }
        ),
        FAILED,
    )
    word = b.word()
    b.add(
        "pdf-bomb/bomb-before-a-page-of-text.pdf",
        family,
        raw_pdf(
            {
                1: catalog,
                2: b"<< /Type /Pages /Kids [10 0 R 12 0 R] /Count 2 >>",
                3: FONT,
                10: page(2, 11),
                11: bomb,
                12: page(2, 13),
                13: stream(text_content(_lines(word))),
            }
        ),
        INDEXED,
        word=word,
    )

    word = b.word()
    side = 50_000  # a 2.3 GiB picture, for whoever renders it (OCR)
    picture = stream(
        inflating_zeros(side * side),
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode " % (side, side),
    )
    scan = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im0 12 0 R >> >> /Contents 11 0 R >>"
    )
    b.add(
        "pdf-bomb/picture-bomb-before-a-page-of-text.pdf",
        family,
        raw_pdf(
            {
                1: catalog,
                2: b"<< /Type /Pages /Kids [10 0 R 13 0 R] /Count 2 >>",
                3: FONT,
                10: scan,
                11: stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
                12: picture,
                13: page(2, 14),
                14: stream(text_content(_lines(word))),
            }
        ),
        INDEXED,
        word=word,
    )

    family = "thousands of pages, huge pages"
    word = b.word()
    pages = [[f"Seite {n}: {GERMAN[:70]}"] for n in range(1, 5001)]
    pages[0] = _lines(word)
    b.add("pdf-big/5000-pages.pdf", family, text_pdf(pages), EITHER, word=word)
    word = b.word()
    b.add(
        "pdf-big/huge-mediabox.pdf",
        family,
        text_pdf([_lines(word)], mediabox=b"[0 0 2000000000 2000000000]"),
        INDEXED,
        word=word,
    )
    word = b.word()
    b.add(
        "pdf-big/zero-mediabox.pdf",
        family,
        text_pdf([_lines(word)], mediabox=b"[0 0 0 0]"),
        INDEXED,
        word=word,
    )
    word = b.word()
    b.add(
        "pdf-big/one-long-page.pdf",
        family,
        text_pdf([_lines(word) + [GERMAN[:90]] * 4000]),
        INDEXED,
        word=word,
    )
    word = b.word()
    b.add(
        "pdf-big/escapes-in-title.pdf",
        family,
        text_pdf([_lines(word)], title=ESCAPES + "<script>alert(1)</script>"),
        INDEXED,
        word=word,
    )


def _html(b: _Builder) -> None:
    family = "HTML: scripts, comments, broken markup, odd encodings"

    def page_with(word: str, head: str = "", extra: str = "") -> bytes:
        return (
            f"<!doctype html><html><head>{head}<title>Seite {word}</title></head>"
            f"<body><p>{b.text(word)}</p>{extra}</body></html>"
        ).encode()

    word, hidden = b.word(), b.word()
    hidden_parts = (
        f"<script>var {hidden} = 1; document.write('<p>{hidden}</p>')</script>"
        f"<style>.{hidden} {{ color: red }}</style><!-- {hidden} -->"
        f"<noscript>{hidden}</noscript><template><p>{hidden}</p></template>"
        f"<svg><text>{hidden}</text></svg>"
    )
    b.add(
        "html/scripts-styles-comments.html",
        family,
        page_with(word, extra=hidden_parts),
        INDEXED,
        word=word,
        absent=hidden,
    )
    word, hidden = b.word(), b.word()
    b.add(
        "html/unclosed-script.html",
        family,
        page_with(word, extra=f"<script>{hidden} und so weiter"),
        INDEXED,
        word=word,
        absent=hidden,
    )
    word = b.word()
    broken = (
        f"<p<p>{GERMAN}<a href='x' <b>{word}</a></p></div></div></ <//x><table><td>"
        "<![CDATA[ cdata ]]><!><?php echo 1 ?>&#99999999999;&#x110000;&#0;&amp&lt"
    )
    b.add("html/broken-markup.html", family, broken.encode(), INDEXED, word=word)
    word = b.word()
    b.add(
        "html/unclosed-comment.html",
        family,
        f"<p>{b.text(word)}</p><!-- und hier endet nichts".encode(),
        INDEXED,
        word=word,
    )
    word = b.word()
    b.add(
        "html/deeply-nested.html",
        family,
        b"<div>" * 20000 + b.text(word).encode() + b"</div>" * 20000,
        INDEXED,
        word=word,
    )
    for charset in ("x-klingon", "undefined", "utf-16", "utf-7", "rot13", "idna"):
        word = b.word()
        b.add(
            f"html/charset-{charset}.html",
            family,
            page_with(word, head=f'<meta charset="{charset}">'),
            INDEXED,
            word=word,
        )
    word = b.word()
    b.add(
        "html/windows-1252-undeclared.html",
        family,
        f"<p>{FRENCH} {b.text(word)}</p>".encode("cp1252"),
        INDEXED,
        word=word,
    )
    word = b.word()
    b.add(
        "html/escapes-in-title.html",
        family,
        f"<title>{ESCAPES} {word}</title><p>{b.text(word)}</p>".encode(),
        INDEXED,
        word=word,
    )
    b.add(
        "html/only-scripts.html",
        family,
        b"<script>var x = 1;</script><style>p{}</style>",
        FAILED,
        "no usable text",
    )
    rng = random.Random("html-noise")
    b.add("html/noise.html", family, bytes(rng.randrange(256) for _ in range(4096)), EITHER)


def _text(b: _Builder) -> None:
    family = "text: Windows-1252, UTF-16, invalid UTF-8"
    word = b.word()
    b.add(
        "text/windows-1252.fr.txt", family, f"{FRENCH} {word}".encode("cp1252"), INDEXED, word=word
    )
    for name, encoded in (
        ("utf-16-le-bom", lambda t: b"\xff\xfe" + t.encode("utf-16-le")),
        ("utf-16-be-bom", lambda t: b"\xfe\xff" + t.encode("utf-16-be")),
        ("utf-16-odd-length", lambda t: b"\xff\xfe" + t.encode("utf-16-le") + b"\x00"),
        ("utf-16-lone-surrogate", lambda t: b"\xff\xfe" + t.encode("utf-16-le") + b"\x00\xd8"),
        ("utf-8-bom", lambda t: b"\xef\xbb\xbf" + t.encode()),
        ("invalid-utf-8", lambda t: t.encode() + b" \xff\xfe\xc3\x28 \x81\x8d\x8f\x90\x9d"),
        ("nul-bytes-inside", lambda t: t.replace(" ", "\x00 ").encode()),
    ):
        word = b.word()
        b.add(f"text/{name}.txt", family, encoded(b.text(word)), INDEXED, word=word)
    word = b.word()
    b.add(
        "text/escapes-in-first-line.txt",
        family,
        f"{ESCAPES}\x9b31m {word}\n\n{b.text(word)}".encode(),
        INDEXED,
        word=word,
    )
    word = b.word()
    b.add(
        "text/one-long-line.txt", family, (b.text(word) + " ").encode() * 2000, INDEXED, word=word
    )
    word = b.word()
    b.add(
        "text/markup.md",
        family,
        f"# <script>alert(1)</script> {word}\n\n{b.text(word)}\n".encode(),
        INDEXED,
        word=word,
    )
    b.add("text/only-nul-bytes.txt", family, b"\x00" * 512, FAILED, "no usable text")
    b.add(
        "text/only-control-characters.txt",
        family,
        bytes(range(1, 32)) * 8,
        FAILED,
        "no usable text",
    )


def _empty(b: _Builder) -> None:
    family = "zero-byte files"
    for name in ("empty.pdf", "empty.txt", "empty.html", "empty.md"):
        b.add(f"empty/{name}", family, b"", FAILED, "empty")
    b.add("empty/blanks.txt", family, b" \n\t\r\n  ", FAILED, "empty")
    b.add("empty/bom-only.txt", family, b"\xef\xbb\xbf", FAILED)


def _permissions(b: _Builder) -> None:
    family = "unreadable files and folders"
    for name in ("unreadable.txt", "unreadable.pdf"):
        word = b.word()
        path = b.add(
            f"permissions/{name}",
            family,
            b.text(word).encode(),
            FAILED,
            "unreadable",
            unprivileged=True,
        )
        path.chmod(0)
    locked = b.root / "permissions" / "locked-folder"
    (locked / "inside.txt").parent.mkdir(parents=True)
    (locked / "inside.txt").write_text(b.text(b.word()), encoding="utf-8")
    locked.chmod(0)
    b.cases.append(
        Case("permissions/locked-folder", family, SKIPPED, "cannot read folder", unprivileged=True)
    )


def _links(b: _Builder) -> None:
    family = "symbolic links out of the root, loops"
    folder = b.root / "links"
    folder.mkdir()
    outside = b.root.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text(f"{GERMAN} TOPSECRET", encoding="utf-8")

    def link(name: str, target: str | Path, expect: str, reason: str, word: str = "") -> None:
        os.symlink(target, folder / name)
        b.cases.append(Case(f"links/{name}", family, expect, reason, word=word))

    leaves = "link leading outside the documents folder"
    link("to-outside.txt", outside / "secret.txt", SKIPPED, leaves)
    link("relative-escape.txt", "../../outside/secret.txt", SKIPPED, leaves)
    link("to-etc-passwd.txt", "/etc/passwd", SKIPPED, leaves)
    link("to-dev-zero.txt", "/dev/zero", SKIPPED, leaves)
    link("to-outside-folder", outside, SKIPPED, "linked folder")
    link("to-parent-folder", "..", SKIPPED, "linked folder")
    link("loop-a.txt", "loop-b.txt", SKIPPED, "broken link")
    link("loop-b.txt", "loop-a.txt", SKIPPED, "broken link")
    link("self.txt", "self.txt", SKIPPED, "broken link")
    link("dangling.txt", "nowhere.txt", SKIPPED, "broken link")
    word = b.word()
    b.add("links/target.txt", family, b.text(word).encode(), INDEXED, word=word)
    link("to-a-file-inside.txt", "target.txt", INDEXED, "", word=word)


def _names(b: _Builder) -> None:
    family = "file names: blanks, newlines, quotes, non-Latin"
    names = [
        "with spaces.txt",
        "new\nline.txt",
        "tab\there.txt",
        "quotes \"double\" and 'single'.txt",
        "back\\slash.txt",
        "<img src=x onerror=alert(1)>.txt",
        "%2e%2e%2fencoded.txt",
        "-starts-with-dash.txt",
        "Ελληνικά.txt",
        "русский.txt",
        "中文文件.txt",
        "العربية.txt",
        "עברית.txt",
        "emoji 📄.txt",
        "cafe\u0301-decomposed.txt",
        "n" * 251 + ".txt",  # 255 bytes, the longest name Linux allows
    ]
    for name in names:
        word = b.word()
        b.add(f"names/{name}", family, b.text(word).encode(), INDEXED, word=word)
    word = b.word()
    b.add(f"names/{ESCAPES}{word}.txt", family, b.text(word).encode(), INDEXED, word=word)
    b.add(f"names/{FORGED}.pdf", family, b"no PDF", FAILED, "not a PDF")
    folder = os.fsencode(b.root / "names")
    with open(folder + b"/latin-1-caf\xe9.txt", "wb") as fh:
        fh.write(b.text(b.word()).encode())
    os.mkdir(folder + b"/ordner-\xfc")
    with open(folder + b"/ordner-\xfc/inside.txt", "wb") as fh:
        fh.write(b.text(b.word()).encode())
    for shown in ("names/latin-1-caf\\xe9.txt", "names/ordner-\\xfc"):
        b.cases.append(Case(shown, family, SKIPPED, "name is not valid UTF-8"))


def _special(b: _Builder) -> None:
    family = "special files (a FIFO named .txt)"
    (b.root / "special").mkdir()
    os.mkfifo(b.root / "special" / "fifo.txt")
    b.cases.append(Case("special/fifo.txt", family, SKIPPED, "not a regular file"))


def _sidecars(b: _Builder) -> None:
    family = "broken sidecars"
    rng = random.Random("sidecar")
    for name, sidecar in (
        ("garbage", bytes(rng.randrange(256) for _ in range(256))),
        ("wrong-types", b"title = 3\ndate = [1, 2]\n"),
        ("unknown-key", b'titel = "Tippfehler"\n'),
    ):
        word = b.word()
        path = b.add(f"sidecars/{name}.txt", family, b.text(word).encode(), INDEXED, word=word)
        path.with_name(path.name + ".toml").write_bytes(sidecar)
