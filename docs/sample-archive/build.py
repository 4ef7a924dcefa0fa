"""Build the sample archive PDFs in ``documents/`` from the text sources.

Why: the archive needs realistic multilingual PDFs for tests and demos, but binary
files cannot be reviewed in a diff. The texts live as UTF-8 files in ``sources/``
(format: see README.md) and this script renders them with a fixed creation date and
no other clock or random input, so every rebuild gives byte-identical files.

Usage: ``python docs/sample-archive/build.py [--check]`` (--check: verify, write nothing).
"""

import hashlib
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
OUTPUT = HERE.parent.parent / "documents"
FONT_DIR = Path(os.environ.get("DEJAVU_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
# A Unicode TTF is required: the PDF core fonts cannot encode „…“, « », ß or œ.
FONTS = {
    ("Sans", ""): "DejaVuSans.ttf",
    ("Sans", "B"): "DejaVuSans-Bold.ttf",
    ("Serif", ""): "DejaVuSerif.ttf",
    ("Serif", "I"): "DejaVuSerif-Italic.ttf",
}

# Source file (in sources/) -> output path (relative to documents/). The output
# paths deliberately mix several translation naming conventions (see README).
DOCUMENTS: dict[str, str] = {
    "mayors-declaration.en.txt": "declarations/mayors-declaration-radicalisation.en.pdf",
    "mayors-declaration.de.txt": "declarations/mayors-declaration-radicalisation.de.pdf",
    "safer-nightlife.de.txt": "declarations/safer-nightlife/de/declaration.pdf",
    "safer-nightlife.en.txt": "declarations/safer-nightlife/en/declaration.pdf",
    "safer-nightlife.fr.txt": "declarations/safer-nightlife/fr/declaration.pdf",
    "data-prevention.de.txt": "declarations/data-prevention_DE.pdf",
    "data-prevention.en.txt": "declarations/data-prevention_EN.pdf",
    "data-prevention.fr.txt": "declarations/data-prevention_FR.pdf",
    "burglary-prevention.de.txt": "flyers/burglary-prevention.de.pdf",
    "burglary-prevention.en.txt": "flyers/burglary-prevention.en.pdf",
    "burglary-prevention.fr.txt": "flyers/burglary-prevention.fr.pdf",
    "night-cycling.de.txt": "flyers/night-cycling.de.pdf",
    "night-cycling.en.txt": "flyers/night-cycling.en.pdf",
    "helpline-bilingual.de-en.txt": "flyers/helpline-bilingual.pdf",
    "sicherheitsspaziergang.de.txt": "flyers/sicherheitsspaziergang-einladung.pdf",
}

META_LINE = re.compile(r"^([a-z]+):\s*(.*)$")
UNWRAP = re.compile(r"[ \t]*\n[ \t]*")  # joins wrapped source lines with one space
RGB = tuple[int, int, int]
Font = tuple[str, str, float]  # family, style, size in pt
BODY: Font = ("Serif", "", 10.5)
ACCENT: RGB = (0, 84, 140)  # dark blue for rules and headings
# kind -> (font, line height, colour, space before, space after); lengths in mm
STYLES: dict[str, tuple[Font, float, RGB, float, float]] = {
    "title": (("Sans", "B", 18), 8.5, (0, 0, 0), 0, 0),
    "subtitle": (("Serif", "I", 12), 6, (0, 0, 0), 1.5, 0),
    "ref": (("Sans", "", 9), 5, (90, 90, 90), 1.5, 0),
    "heading": (("Sans", "B", 12.5), 6.5, ACCENT, 2.5, 1.5),
    "bullet": (BODY, 5.4, (0, 0, 0), 0, 1.2),
    "para": (BODY, 5.4, (0, 0, 0), 0, 3),
}


Block = tuple[str, str]  # (kind, text); kind: para, heading, bullet or pagebreak


def parse(path: Path) -> tuple[str, dict[str, str], list[Block]]:
    """Parse the blank-line-separated format into (title, metadata, blocks); fail loudly."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith("# "):
        raise SystemExit(f"{path}: the first line must be '# Title'")
    meta: dict[str, str] = {}
    blocks: list[Block] = []
    i = 1
    while i < len(lines) and (m := META_LINE.match(lines[i])):
        meta[m[1]] = m[2].strip()
        i += 1
    for chunk in re.split(r"\n[ \t]*\n", "\n".join(lines[i:])):
        chunk = chunk.strip("\n\t ")  # not str.strip(): that would eat no-break spaces too
        if chunk == "---":
            blocks.append(("pagebreak", ""))
        elif chunk.startswith("## "):
            blocks.append(("heading", chunk[3:].strip()))
        elif chunk.startswith("- "):
            items = re.split(r"^- ", chunk, flags=re.MULTILINE)
            blocks += [("bullet", UNWRAP.sub(" ", it.strip())) for it in items if it.strip()]
        elif chunk:
            blocks.append(("para", UNWRAP.sub(" ", chunk)))
    return lines[0][2:].strip(), meta, blocks


class ArchivePDF(FPDF):
    """A4 page with a thin accent rule on top and 'author · page n/N' in the footer."""

    def __init__(self, footer_label: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_label = footer_label
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(auto=True, margin=22)
        for (family, style), filename in FONTS.items():
            self.add_font(family, style, str(FONT_DIR / filename))

    def header(self) -> None:
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.8)
        self.line(self.l_margin, 12, self.w - self.r_margin, 12)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Sans", size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, f"{self.footer_label}  ·  {self.page_no()}/{{nb}}", align="C")

    def block(self, kind: str, text: str) -> None:
        """Write one block left-aligned: fpdf2 justifies by default, which gaps short lines."""
        font, height, color, before, after = STYLES[kind]
        self.ln(before)
        self.set_font(*font)
        self.set_text_color(*color)
        if kind == "bullet":
            self.set_x(self.l_margin + 2)
            self.cell(5, height, "•")
        self.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT", align="L")
        self.ln(after)


def render(title: str, meta: dict[str, str], blocks: list[Block]) -> bytes:
    """Lay out one parsed source and return the PDF bytes (deterministic for a given input)."""
    pdf = ArchivePDF(meta.get("author", ""))
    pdf.set_title(title)
    pdf.set_author(meta.get("author", ""))
    pdf.set_subject(meta.get("subject", ""))
    pdf.set_keywords(meta.get("keywords", ""))
    pdf.set_creator("docs/sample-archive/build.py")
    if "lang" in meta:  # left out for bilingual documents: /Lang takes only one language
        pdf.set_lang(meta["lang"])
    # A fixed date (from the source) instead of "now" is what makes rebuilds byte-identical.
    pdf.set_creation_date(
        datetime.fromisoformat(meta.get("date", "2024-01-01")).replace(tzinfo=UTC)
    )
    pdf.add_page()
    pdf.block("title", title)
    for key in ("subtitle", "ref"):
        if key in meta:
            pdf.block(key, meta[key])
    pdf.ln(3)
    pdf.set_draw_color(180, 180, 180)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(5)
    previous = ""
    for kind, text in blocks:
        if kind == "pagebreak" or (kind == "heading" and pdf.get_y() > pdf.page_break_trigger - 30):
            pdf.add_page()  # explicit break, or keep a heading together with its text
        if kind == "para" and previous == "bullet":
            pdf.ln(1.8)  # a paragraph after a list needs air, or it reads as the last item
        if kind != "pagebreak":
            pdf.block(kind, text)
        previous = kind
    return bytes(pdf.output())


def main(argv: list[str]) -> int:
    """Build every document in DOCUMENTS; with --check, only verify and report."""
    missing = [name for name in FONTS.values() if not (FONT_DIR / name).is_file()]
    if missing:  # an actionable message instead of an fpdf2 traceback
        raise SystemExit(
            f"Missing DejaVu font(s) in {FONT_DIR}: {', '.join(missing)}. Install fonts-dejavu-core"
            " and fonts-dejavu-extra, or set DEJAVU_FONT_DIR to a directory that contains them."
        )
    check = "--check" in argv
    unlisted = sorted({p.name for p in SOURCES.glob("*.txt")} - DOCUMENTS.keys())
    if unlisted:
        print(f"warning: sources not in DOCUMENTS: {', '.join(unlisted)}", file=sys.stderr)
    problems = 0
    for source_name, out_name in DOCUMENTS.items():
        data, target = render(*parse(SOURCES / source_name)), OUTPUT / out_name
        if not check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            print(f"{hashlib.sha256(data).hexdigest()[:16]}  documents/{out_name}")
        elif data != render(*parse(SOURCES / source_name)):  # catches clock or randomness
            print(f"NOT REPRODUCIBLE: documents/{out_name}")
            problems += 1
        elif not target.is_file() or target.read_bytes() != data:
            print(f"OUTDATED (run build.py): documents/{out_name}")
            problems += 1
    if check:
        print(f"{problems} problem(s)" if problems else "all PDFs up to date and reproducible")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
