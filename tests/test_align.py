"""Automatic translation groups: real documents in de/en/fr whose names reveal nothing."""

from __future__ import annotations

import csv
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import pytest

from indexer.align import AlignDoc, align, drift, features_of, score_pairs
from indexer.align_dates import find_dates
from indexer.align_features import ShapeSequence, fold, profile, shape_similarity
from indexer.align_glossary import concepts
from indexer.align_memo import PairMemo
from indexer.detect import detect_segments, document_languages
from indexer.extract import extract
from indexer.names import name_group
from indexer.sidecar import read_sidecar

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def read(path: Path, doc_id: str, lang: str | None = None) -> AlignDoc:
    """A document as the indexer sees it: extracted text, language detected unless given."""
    extracted = extract(path)
    segments = detect_segments(extracted.segments)
    detected, _ = document_languages(segments)
    return AlignDoc(
        id=doc_id,
        path=doc_id,
        lang=lang or detected,
        text="\n\n".join(s.text for s in segments),
        title=extracted.title or "",
        pages=extracted.pages,
        date=extracted.date,
        mime=extracted.mime,
    )


@pytest.fixture(scope="module")
def corpus() -> tuple[dict[str, AlignDoc], dict[str, str]]:
    """The 45 documents of ../shared/corpus under their opaque names, and their true groups."""
    if not (CORPUS / "manifest.tsv").is_file():
        pytest.skip(f"the shared corpus is not beside the repository ({CORPUS})")
    with open(CORPUS / "manifest.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    docs = {r["file"]: read(CORPUS / "files" / r["file"], r["file"], r["lang"]) for r in rows}
    return docs, {r["file"]: r["group"] for r in rows}


@pytest.fixture(scope="module")
def corpus_alignment(corpus):
    docs, _groups = corpus
    return align(list(docs.values()))


def pairs_of(groups) -> set[frozenset[str]]:
    return {frozenset(p) for group in groups for p in combinations(group, 2)}


def paragraphs(doc: AlignDoc, count: int, skip: int = 0) -> str:
    blocks = [b for b in doc.text.split("\n\n") if len(b) > 80]
    return "\n\n".join(blocks[skip : skip + count])


# -- pairs that must link ------------------------------------------------------------


def test_every_language_version_in_the_shared_corpus_is_found(corpus, corpus_alignment):
    _docs, groups = corpus
    truth = {
        frozenset((a, b)) for a, b in combinations(sorted(groups), 2) if groups[a] == groups[b]
    }
    assert pairs_of(corpus_alignment.groups) == truth


def test_html_chapter_links_to_its_translations_and_not_to_the_book(corpus_alignment):
    # c010-c012: the FAQ chapter "basic-defs" in en, de, fr; the books c001-c009 contain it too
    assert ("c010.html", "c011.html", "c012.html") in corpus_alignment.groups


def test_pdf_book_links_to_the_pdf_translation_not_the_plain_text_edition(corpus_alignment):
    linked = pairs_of(corpus_alignment.groups)
    assert frozenset(("c001.pdf", "c002.pdf")) in linked
    assert frozenset(("c002.pdf", "c007.txt")) not in linked


def test_every_link_carries_a_confidence_and_evidence_a_person_can_check(corpus_alignment):
    assert corpus_alignment.links
    for link in corpus_alignment.links:
        assert link.a < link.b
        assert 0.8 <= link.confidence <= 1.0
        assert any("shared" in reason for reason in link.evidence)


def test_no_group_holds_two_versions_in_one_language(corpus, corpus_alignment):
    docs, _groups = corpus
    for group in corpus_alignment.groups:
        langs = [docs[d].lang for d in group]
        assert len(langs) == len(set(langs))


def test_blocking_scores_fewer_pairs_than_all_pairs(corpus, corpus_alignment):
    n = len(corpus[0])
    assert 0 < corpus_alignment.scored_pairs < n * (n - 1) // 2


def test_profiles_kept_from_an_earlier_run_give_the_same_alignment(corpus, corpus_alignment):
    docs, _groups = corpus
    cached = [replace(d, text="", features=features_of(d)) for d in docs.values()]
    again = align(cached)
    assert again.groups == corpus_alignment.groups
    assert again.links == corpus_alignment.links


# -- near misses that must not link --------------------------------------------------

HEADER = {
    "de": "Forum der Städte für urbane Sicherheit · Ausgabe 18.03.2024 · www.forum.example/serie",
    "en": "Forum of Cities for Urban Security · Issue 18 March 2024 · www.forum.example/serie",
}
FOOTER = "Kontakt / Contact: info@forum.example · +33 3 88 00 00 00 · Notruf / Emergency 112"


def flyer(doc: AlignDoc, lang: str, new_id: str) -> AlignDoc:
    """A one-page flyer of a series: the series' header and footer around real paragraphs."""
    text = f"{HEADER[lang]}\n\n{paragraphs(doc, 8)}\n\n{FOOTER}"
    return replace(
        doc, id=new_id, path=new_id, text=text, title="", pages=1, mime="application/pdf"
    )


def test_two_flyers_of_one_series_with_the_same_date_and_layout_do_not_link(corpus):
    docs, _groups = corpus
    # two different FAQ chapters, dressed as flyers of one series, in two languages
    choosing_en = flyer(docs["c013.html"], "en", "flyer-choosing.en")
    compatibility_de = flyer(docs["c017.html"], "de", "flyer-compatibility.de")
    background = [d for name, d in docs.items() if name.endswith(".pdf")]
    alignment = align([choosing_en, compatibility_de, *background])
    assert frozenset((choosing_en.id, compatibility_de.id)) not in pairs_of(alignment.groups)


def test_a_flyer_links_to_its_translation_not_to_the_next_flyer_of_the_series(corpus):
    docs, _groups = corpus
    choosing_en = flyer(docs["c013.html"], "en", "flyer-choosing.en")
    choosing_de = flyer(docs["c014.html"], "de", "flyer-choosing.de")
    compatibility_de = flyer(docs["c017.html"], "de", "flyer-compatibility.de")
    alignment = align([choosing_en, choosing_de, compatibility_de])
    assert alignment.groups == [("flyer-choosing.de", "flyer-choosing.en")]


def test_a_revised_edition_in_the_same_language_never_links(corpus):
    docs, _groups = corpus
    original = docs["c016.html"]
    revised = replace(
        original, id="c016-revised.html", text=original.text.replace("2", "3") + "\n\nRevised."
    )
    alignment = align([original, revised])
    assert alignment.groups == [] and alignment.suggestions == []


def test_a_lightly_revised_edition_is_never_linked_in_place_of_the_original(corpus):
    docs, _groups = corpus
    original = docs["c016.html"]
    revised = replace(
        original,
        id="c016-revised.html",
        text=original.text.replace("2", "7").replace("Debian", "Debian GNU/Hurd"),
    )
    html = [d for name, d in docs.items() if name.endswith(".html")]
    alignment = align([*html, revised])
    assert not any("c016-revised.html" in group for group in alignment.groups)
    offered = pairs_of(alignment.groups) | {frozenset((s.a, s.b)) for s in alignment.suggestions}
    assert frozenset(("c016.html", "c018.html")) in offered


def test_a_chapter_does_not_link_to_a_different_chapter_when_its_translation_is_missing(corpus):
    docs, _groups = corpus
    html = [d for name, d in docs.items() if name.endswith(".html")]
    without = [d for d in html if d.id != "c014.html"]  # no German "choosing" chapter
    alignment = align(without)
    assert not any("c013.html" in group and len(group) == 3 for group in alignment.groups)
    for group in alignment.groups:
        assert "c013.html" not in group or set(group) <= {"c013.html", "c015.html"}


HELP_PAGE = """<html><head><title>{title}</title></head><body>
<header id="TopLeftHeader"><a href="{lang}/index.html">{help}</a></header>
<div id="DisplayArea"><a name="{bookmark}"></a><h1 id="hd_{bookmark}">{title}</h1>
<p id="par_{first}">{body}</p>
<p id="par_{second}"><img src="media/icon-themes/cmd/{icon}" alt="">{title}</p></div>
<footer id="Footer">{help}</footer></body></html>"""
HELP = {"de": "Hilfe", "en": "Help", "fr": "Aide"}
ZOOM_IN = {
    "de": ("Maßstab vergrößern", "Vergrößert die Bildschirmanzeige des Dokuments."),
    "en": ("Zoom In", "Enlarges the screen display of the document."),
    "fr": ("Zoom avant", "Agrandit l'affichage du document à l'écran."),
}
ZOOM_OUT = {"de": ("Maßstab verkleinern", "Verkleinert die Bildschirmanzeige des Dokuments.")}


def help_page(tmp_path: Path, name: str, lang: str, texts, ids: tuple[str, ...], icon: str):
    """A short help page as a help system exports it: ids and icons kept in every language."""
    title, body = texts[lang]
    page = tmp_path / f"{name}.{lang}.html"
    html = HELP_PAGE.format(
        title=title,
        body=body,
        lang=lang,
        help=HELP[lang],
        bookmark=ids[0],
        first=ids[1],
        second=ids[2],
        icon=icon,
    )
    page.write_text(html, encoding="utf-8")
    extracted = extract(page)
    return AlignDoc(
        id=page.name,
        path=page.name,
        lang=lang,
        text="\n\n".join(s.text for s in extracted.segments),
        title=extracted.title or "",
        mime=extracted.mime,
        marks=extracted.marks,
    )


PRINT = {
    "en": ("Print", "Prints the current document, the selection, or the pages you specify."),
    "fr": ("Imprimer", "Imprime le document actif, la sélection ou les pages que vous indiquez."),
}
SAVE = {
    "en": ("Save", "Saves the current document."),
    "fr": ("Enregistrer", "Enregistre le document actif."),
}


def help_site(tmp_path: Path) -> list[AlignDoc]:
    """Zoom In in three languages, Zoom Out in German only, Print and Save in en and fr."""
    pages = [
        help_page(
            tmp_path,
            "zoom-in",
            lang,
            ZOOM_IN,
            ("id3148491", "id3145069", "id3155854"),
            "sc_zoomin.svg",
        )
        for lang in ("de", "en", "fr")
    ]
    pages.append(
        help_page(
            tmp_path,
            "zoom-out",
            "de",
            ZOOM_OUT,
            ("id3159096", "id3150398", "id3153192"),
            "sc_zoomout.svg",
        )
    )
    for lang in ("en", "fr"):
        pages.append(
            help_page(
                tmp_path,
                "print",
                lang,
                PRINT,
                ("id3154100", "id3156027", "id3150127"),
                "sc_print.svg",
            )
        )
        pages.append(
            help_page(
                tmp_path, "save", lang, SAVE, ("id3147543", "id3153255", "id3152551"), "sc_save.svg"
            )
        )
    return pages


def test_short_help_pages_link_by_the_anchors_their_translations_keep(tmp_path):
    # Without the marks, "Maßstab vergrößern" shares no number, name or word with "Zoom In".
    alignment = align(help_site(tmp_path))
    assert ("zoom-in.de.html", "zoom-in.en.html", "zoom-in.fr.html") in alignment.groups
    german = next(lk for lk in alignment.links if "zoom-in.de.html" in (lk.a, lk.b))
    assert any("anchors and images: " in r and "#par_id3145069" in r for r in german.evidence)


def test_a_help_page_without_translation_stays_alone_despite_the_sites_template(tmp_path):
    alignment = align(help_site(tmp_path))
    assert not any("zoom-out.de.html" in group for group in alignment.groups)
    without_marks = align([replace(d, marks=()) for d in help_site(tmp_path)])
    assert ("zoom-in.de.html", "zoom-in.en.html", "zoom-in.fr.html") not in without_marks.groups


def marked_page(tmp_path: Path, name: str, lang: str, title: str, paragraphs) -> AlignDoc:
    """A help page whose paragraphs carry the ids its translations keep."""
    body = "".join(f'<p id="{par_id}">{text}</p>' for par_id, text in paragraphs)
    page = tmp_path / f"{name}.{lang}.html"
    page.write_text(f"<html><head><title>{title}</title></head><body>{body}</body></html>")
    extracted = extract(page)
    text = "\n\n".join(s.text for s in extracted.segments)
    return AlignDoc(
        page.name, page.name, lang, text, title, mime="text/html", marks=extracted.marks
    )


def test_a_sibling_page_embedding_half_of_a_page_scores_far_below_its_translation(tmp_path):
    kept = "Zeilen mit geschützten Zellen bleiben erhalten, und eine Meldung nennt die erste davon."
    key = "Um nur den Inhalt einer Zelle zu löschen, drücken Sie Entf oder die Rücktaste."
    english = marked_page(
        tmp_path,
        "delete-rows",
        "en",
        "Delete Rows",
        [
            ("par_id3149514", "Deletes the selected rows from the table."),
            ("par_id3153091", "Choose Table - Delete - Rows."),
            (
                "par_id3145069",
                "Rows that contain protected cells are kept, and a message names the first.",
            ),
            ("par_id3147299", "To delete only the contents of a cell, press Delete or Backspace."),
        ],
    )
    german = marked_page(
        tmp_path,
        "delete-rows",
        "de",
        "Zeilen löschen",
        [
            ("par_id3149514", "Löscht die ausgewählten Zeilen aus der Tabelle."),
            ("par_id3153091", "Wählen Sie Tabelle – Löschen – Zeilen."),
            ("par_id3145069", kept),
            ("par_id3147299", key),
        ],
    )
    sibling = marked_page(
        tmp_path,
        "delete-columns",
        "de",
        "Spalten löschen",
        [
            ("par_id3159266", "Löscht die ausgewählten Spalten aus der Tabelle."),
            ("par_id3153092", "Wählen Sie Tabelle – Löschen – Spalten."),
            ("par_id3145069", kept),
            ("par_id3147299", key),
        ],
    )
    others = [
        marked_page(
            tmp_path,
            f"other{n}",
            "en" if n % 2 else "fr",
            f"Page {n}",
            [
                (f"par_id31{n}0001", f"Other text number {n} about something."),
                (f"par_id31{n}0002", f"Another paragraph {n}."),
                (f"par_id31{n}0003", "Third."),
            ],
        )
        for n in range(6)
    ]
    pairs, _scored = score_pairs([english, german, sibling, *others])
    score = {frozenset((p.a, p.b)): p.score for p in pairs}
    translation = score[frozenset((english.id, german.id))]
    # it shares half of the marks: 2.5 times below without the MARKS_FLOOR factor
    assert score[frozenset((english.id, sibling.id))] < translation / 3


# -- staff decisions and existing groups ---------------------------------------------


def test_a_rejected_pair_is_neither_linked_nor_suggested(corpus):
    docs, _groups = corpus
    rejected = {frozenset(("c010.html", "c011.html"))}
    alignment = align([docs[n] for n in ("c010.html", "c011.html", "c012.html")], rejected)
    shown = pairs_of(alignment.groups) | {frozenset((s.a, s.b)) for s in alignment.suggestions}
    assert frozenset(("c010.html", "c011.html")) not in shown


def test_an_untagged_version_joins_an_existing_group_that_lacks_its_language(corpus):
    docs, _groups = corpus
    en = replace(docs["c010.html"], group="explicit:basic-defs")
    de = replace(docs["c011.html"], group="explicit:basic-defs")
    alignment = align([en, de, docs["c012.html"]])
    assert len(alignment.groups) == 1 and "c012.html" in alignment.groups[0]
    assert set(alignment.groups[0]) - {"c012.html"} <= {"c010.html", "c011.html"}


def test_an_existing_group_with_that_language_already_blocks_the_link(corpus):
    docs, _groups = corpus
    tagged = [replace(docs[n], group="name:basic-defs") for n in ("c010.html", "c011.html")]
    other_fr = replace(docs["c012.html"], id="c012-copy.html", group="name:basic-defs")
    alignment = align([*tagged, other_fr, docs["c012.html"]])
    assert alignment.groups == []


# -- the sample archive, ignoring its names ------------------------------------------


def test_sample_archive_groups_are_found_without_names_or_sidecars():
    docs, known = [], {}
    for path in sorted((REPO / "documents").rglob("*")):
        if path.suffix not in {".pdf", ".txt", ".html"}:
            continue
        rel = path.relative_to(REPO / "documents").as_posix()
        sidecar = read_sidecar(path)
        named = name_group(rel)
        known[rel] = (sidecar.group if sidecar and sidecar.group else None) or (
            named[0] if named else None
        )
        docs.append(read(path, rel))
    alignment = align(docs)
    truth = {
        frozenset((a, b)) for a, b in combinations(known, 2) if known[a] and known[a] == known[b]
    }
    linked = pairs_of(alignment.groups)
    offered = linked | {frozenset((s.a, s.b)) for s in alignment.suggestions}
    assert linked and linked <= truth
    # every named or tagged group is at least suggested to staff
    for group in {g for g in known.values() if g}:
        members = {frozenset(p) for p in combinations([d for d in known if known[d] == group], 2)}
        assert members & offered, group


# -- evidence that survives translation ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "18.03.2024",
        "18. März 2024",
        "18 March 2024",
        "March 18, 2024",
        "18 mars 2024",
        "2024-03-18",
    ],
)
def test_one_date_written_in_three_languages_is_one_date(text):
    assert [iso for _s, _e, iso in find_dates(fold(text))] == ["2024-03-18"]


def test_commands_paths_urls_and_addresses_are_features_in_every_language():
    bag = profile(
        "Rufen Sie dpkg-buildpackage auf, bearbeiten Sie debian/control, siehe "
        "https://www.debian.org/doc/ oder schreiben Sie an presse@forum.example (Abschnitt 4.2.1)."
    ).bag
    for feature in (
        "c:dpkg-buildpackage",
        "c:debian/control",
        "u:debian.org/doc",
        "e:presse@forum.example",
        "s:4.2.1",
    ):
        assert feature in bag


def test_a_window_is_one_concept_in_three_languages():
    de = profile("Wählen Sie das Fenster und klicken Sie auf Speichern.", lang="de").bag
    en = profile("Choose the window and click Save.", lang="en").bag
    fr = profile("Choisissez la fenêtre et cliquez sur Enregistrer.", lang="fr").bag
    for concept in ("x:choose", "x:window", "x:click", "x:save"):
        assert concept in de and concept in en and concept in fr, concept


def test_german_compounds_are_looked_up_by_their_parts():
    assert set(concepts("spezialfilter", "de")) == {"special", "filter"}
    assert "security" in concepts("sicherheitsfenster", "de")


def test_without_a_language_no_glossary_concept_is_claimed():
    assert not any(f.startswith("x:") for f in profile("Choose the window.").bag)


def test_folding_drops_accents_and_case_in_any_script_we_meet():
    assert fold("Sécurité À L'ÉCOLE, Straße, ﬁn") == "securite a l'ecole, strasse, fin"


def test_paragraph_shape_is_the_same_whether_pooled_ahead_or_not():
    a, b = (120, 40, 300, 80, 500), (108, 36, 268, 71, 446)  # German, English
    assert shape_similarity(a, b, 1.12) == shape_similarity(
        ShapeSequence.of(a), ShapeSequence.of(b), 1.12
    )
    assert shape_similarity(a, b, 1.12) > 0.9 > shape_similarity(a, tuple(reversed(b)), 1.12)


def test_grammar_words_shared_by_two_languages_are_no_evidence():
    assert not any(f in profile("die Stadt, in der wir leben").bag for f in ("w:die", "w:in"))


# -- drift ---------------------------------------------------------------------------


def test_versions_that_disagree_on_dates_and_numbers_are_flagged(corpus):
    docs, _groups = corpus
    en = replace(
        docs["c016.html"], text=docs["c016.html"].text + "\n\nValid from 1 April 2025, fee 250."
    )
    de = replace(
        docs["c017.html"], text=docs["c017.html"].text + "\n\nGültig ab 1. April 2024, Gebühr 200."
    )
    warnings = drift([en, de])
    assert any("dates differ" in w for w in warnings)
    assert any("250" in w and "200" in w for w in warnings)


def test_versions_that_agree_raise_no_drift_warning():
    en = AlignDoc(
        "a", "a.pdf", "en", "Article 1\n\nArticle 2\n\nAdopted on 18 March 2024, 120 cities."
    )
    fr = AlignDoc(
        "b", "b.pdf", "fr", "Article 1\n\nArticle 2\n\nAdoptée le 18 mars 2024, 120 villes."
    )
    assert drift([en, fr]) == []


def test_a_missing_article_is_flagged():
    en = AlignDoc("a", "a.pdf", "en", "Article 1 Scope\n\nArticle 2 Aims\n\nArticle 3 Budget")
    de = AlignDoc("b", "b.pdf", "de", "Artikel 1 Geltung\n\nArtikel 2 Ziele")
    assert any("article count" in w for w in drift([en, de]))


def test_pair_factors_kept_from_an_earlier_run_give_the_same_alignment(corpus):
    docs, _groups = corpus
    keyed = [replace(d, key=f"{d.id}@1") for d in docs.values()]
    memo = PairMemo()
    first = align(keyed, memo=memo)
    assert first == align(keyed)
    assert memo.misses > 0 and memo.hits == 0
    # Four fewer: every IDF weight moves, and some features cross the rare/common line.
    fewer = [d for d in keyed if d.id not in {"c001.pdf", "c007.txt", "c010.html", "c013.html"}]
    again = align(fewer, memo=memo)
    assert again == align(fewer)
    assert memo.hits > 0
    fresh = PairMemo()
    align(fewer, memo=fresh)
    assert memo.values == fresh.values  # every factor kept is the one the formula gives


def test_the_best_per_group_are_those_a_plain_sort_picks():
    """`_top_per_group` (rounds over arrays) against sorting each group in Python."""
    import random

    import numpy as np

    from indexer.align import _top_per_group

    rng = random.Random(7)
    for _case in range(30):
        groups = [rng.randrange(12) for _ in range(rng.randrange(1, 200))]
        values = [rng.choice([0.0, 0.25, 0.5, 0.75, 1.0, rng.random()]) for _ in groups]
        ties = list(range(len(groups)))
        rng.shuffle(ties)  # distinct within every group, as the other document's number is
        keep = rng.randrange(1, 6)
        order, rank = _top_per_group(np.array(groups), np.array(values), np.array(ties), keep)
        expected = []
        for g in sorted(set(groups)):
            members = sorted(
                (k for k in range(len(groups)) if groups[k] == g),
                key=lambda k: (-values[k], -ties[k]),
            )
            expected += [(k, r) for r, k in enumerate(members[:keep])]
        assert list(zip(order.tolist(), rank.tolist(), strict=True)) == expected


def test_cosines_are_those_of_the_idf_formula(corpus):
    """The sparse products give each pair the cosine written out term by term."""
    import math

    from indexer.align import KIND_WEIGHTS

    docs = [d for name, d in sorted(corpus[0].items()) if name.endswith((".txt", ".html"))]
    pairs, _scored = score_pairs(docs)
    assert pairs
    bags = {}
    for d in docs:
        bag = dict(features_of(d).bag)
        if d.date:
            bag["m:" + d.date[:10]] = 1
        bags[d.id] = bag
    df = {}
    for bag in bags.values():
        for f in bag:
            df[f] = df.get(f, 0) + 1
    n = len(docs)

    def vector(doc_id):
        return {
            f: (1 + math.log(tf)) * math.log((n + 1) / df[f]) * KIND_WEIGHTS[f[0]]
            for f, tf in bags[doc_id].items()
        }

    for pair in pairs[:40]:
        a, b = vector(pair.a), vector(pair.b)
        dot = sum(w * b.get(f, 0.0) for f, w in a.items())
        norm_a = math.sqrt(sum(w * w for w in a.values()))
        norm_b = math.sqrt(sum(w * w for w in b.values()))
        assert pair.cosine == pytest.approx(dot / (norm_a * norm_b), rel=1e-9)


def test_confidence_over_arrays_is_the_confidence_of_each_pair():
    import numpy as np

    from indexer.align import _confidences, confidence

    rng = np.random.default_rng(1)
    scores, rivals = rng.random(5000) ** 3, rng.random(5000) ** 3
    scores[:100], rivals[100:200] = 0.0, 0.0
    expected = [confidence(s, r) for s, r in zip(scores.tolist(), rivals.tolist(), strict=True)]
    assert np.abs(_confidences(scores, rivals) - np.array(expected)).max() < 1e-12
