"""Language detection per segment: deterministic, neighbours fill gaps, never a guess."""

from archive.document import Segment
from indexer.detect import detect_one, detect_segments, document_languages, fill_gaps, override
from indexer.extract import RawSegment

DE = (
    "Die Bürgermeisterinnen und Bürgermeister verpflichten sich, die Prävention von "
    "Radikalisierung in ihren Städten gemeinsam mit der Zivilgesellschaft zu stärken."
)
EN = (
    "The mayors commit themselves to strengthening the prevention of radicalisation in "
    "their cities together with civil society and local partners."
)
FR = (
    "Les maires s'engagent à renforcer la prévention de la radicalisation dans leurs "
    "villes avec la société civile et les partenaires locaux."
)


def test_each_language_is_recognised():
    assert [detect_one(t) for t in (DE, EN, FR)] == ["de", "en", "fr"]


def test_detection_is_deterministic():
    assert {detect_one(EN[:60]) for _ in range(20)} == {detect_one(EN[:60])}


def test_short_segments_take_their_neighbours_language():
    segments = detect_segments([RawSegment(DE), RawSegment("Seite 2"), RawSegment(DE)])
    assert [s.lang for s in segments] == ["de"]  # merged into one German segment


def test_leading_short_segment_takes_the_next_language():
    assert fill_gaps([None, "en", None, "fr"]) == ["en", "en", "en", "fr"]


def test_bilingual_text_keeps_both_languages_in_order():
    segments = detect_segments([RawSegment(DE, 1), RawSegment(EN, 2)])
    assert [(s.lang, s.page) for s in segments] == [("de", 1), ("en", 2)]
    assert document_languages(segments) == ("de", ["de", "en"]) or document_languages(segments) == (
        "en",
        ["en", "de"],
    )


def test_text_too_thin_to_judge_is_undetermined():
    segments = detect_segments([RawSegment("Nr. 12"), RawSegment("S. 3")])
    assert document_languages(segments) == ("und", [])


def test_minor_language_share_is_not_listed():
    segments = [Segment(DE * 20, "de"), Segment("OK", "en")]
    assert document_languages(segments) == ("de", ["de"])


def test_sidecar_language_relabels_a_one_language_text():
    segments, lang, languages = override([Segment(EN, "en")], "fr")
    assert (lang, languages, segments[0].lang) == ("fr", ["fr"], "fr")


def test_sidecar_language_keeps_a_bilingual_text_bilingual():
    _, lang, languages = override([Segment(DE, "de"), Segment(EN, "en")], "en")
    assert (lang, languages) == ("en", ["en", "de"])


def test_one_paragraph_in_another_language_inside_a_window_keeps_its_language():
    """Paragraphs are judged in windows; a German paragraph among English ones stays German."""
    raw = [RawSegment(EN, 1)] * 3 + [RawSegment(DE, 1)] + [RawSegment(EN, 1)] * 3
    segments = detect_segments(raw)
    assert [s.lang for s in segments] == ["en", "de", "en"]


def _counting_calls(monkeypatch) -> list:
    import indexer.detect as detect

    calls = []
    ranked = detect._ranked
    monkeypatch.setattr(detect, "_ranked", lambda text: calls.append(text) or ranked(text))
    return calls


def test_a_window_whose_stopwords_leave_no_doubt_needs_no_langdetect(monkeypatch):
    calls = _counting_calls(monkeypatch)
    segments = detect_segments([RawSegment(FR, 1) for _ in range(8)])
    assert [s.lang for s in segments] == ["fr"]
    assert calls == []


def test_a_window_with_few_stopwords_costs_one_detection(monkeypatch):
    calls = _counting_calls(monkeypatch)
    nouns = (
        "Sicherheitskonferenz Stadtverwaltung Kriminalprävention Bürgerbeteiligung "
        "Nachbarschaftshilfe Quartiersmanagement Straßenbeleuchtung Jugendförderung"
    )
    segments = detect_segments([RawSegment(nouns, 1) for _ in range(8)])
    assert [s.lang for s in segments] == ["de"]
    assert len(calls) == 1  # 8 paragraphs of ~110 letters fit one window


def test_spanish_is_not_taken_for_french_by_its_stopwords():
    from indexer.detect import cued

    spanish = (
        "Los alcaldes se comprometen a reforzar la prevención de la radicalización en sus "
        "ciudades junto con la sociedad civil y los socios locales, porque la seguridad "
        "urbana es una tarea que compartimos con todos los vecinos de la ciudad y que "
        "requiere el trabajo de las instituciones públicas en cada barrio."
    )
    assert cued([spanish, spanish]) is None
    assert cued([FR] * 8) == "fr"
    assert {s.lang for s in detect_segments([RawSegment(spanish, 1)] * 4)} == {"es"}
