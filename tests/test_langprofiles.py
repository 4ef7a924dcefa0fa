"""langdetect's profiles from the user's cache folder: the same answers, and a damaged
copy is never used."""

from __future__ import annotations

import marshal

import pytest

from indexer import langprofiles

TEXTS = (
    "Die Städte arbeiten gemeinsam an der Vorbeugung von Gewalt und Radikalisierung.",
    "Les villes travaillent ensemble à la prévention de la violence et de la radicalisation.",
    "Cities work together on preventing violence and radicalisation in their streets.",
    "De steden werken samen aan het voorkomen van geweld en radicalisering.",
)


def _answers(factory) -> list[list[tuple[str, float]]]:
    found = []
    for text in TEXTS:
        detector = factory.create()
        detector.append(text)
        found.append([(r.lang, round(r.prob, 6)) for r in detector.get_probabilities()])
    return found


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "archive"


def test_the_copy_gives_the_answers_of_langdetects_own_files(cache):
    first = langprofiles.factory()  # from langdetect's JSON files; makes the copy
    copies = list(cache.glob("langdetect-*.marshal"))
    assert len(copies) == 1
    stamp = copies[0].stat().st_mtime_ns
    second = langprofiles.factory()  # from the copy, which stays as it was
    assert copies[0].stat().st_mtime_ns == stamp
    assert second.langlist == first.langlist and len(first.langlist) == 55
    assert second.word_lang_prob_map == first.word_lang_prob_map
    answers = _answers(second)
    assert answers == _answers(first)
    assert [a[0][0] for a in answers] == ["de", "fr", "en", "nl"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: b"",
        lambda data: bytes(len(data)),
        lambda data: marshal.dumps(({"ab": [0.5]}, ["de", "en"])),  # not langdetect's shape
        lambda data: marshal.dumps(["not", "a", "table"]),
    ],
)
def test_a_damaged_copy_is_made_again(cache, damage):
    expected = _answers(langprofiles.factory())
    (copy,) = cache.glob("langdetect-*.marshal")
    copy.write_bytes(damage(copy.read_bytes()))
    assert _answers(langprofiles.factory()) == expected
    assert langprofiles._read(copy) is not None  # made again, whole


def test_no_cache_folder_still_detects(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("not a folder")
    assert _answers(langprofiles.factory())[0][0][0] == "de"
