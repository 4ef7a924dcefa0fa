"""Translation groups and kinds from file names and folders."""

import pytest

from indexer.names import kind_from_path, name_group


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("flyers/burglary.de.pdf", "flyers/burglary.en.pdf"),
        ("declarations/data_DE.pdf", "declarations/data_FR.pdf"),
        ("declarations/data-de.pdf", "declarations/data-EN.pdf"),
        ("declarations/nightlife/de/declaration.pdf", "declarations/nightlife/fr/declaration.pdf"),
    ],
)
def test_language_versions_by_name_share_a_group(a, b):
    assert name_group(a)[0] == name_group(b)[0]
    assert name_group(a)[1] != name_group(b)[1]


def test_names_give_the_language_they_state():
    assert name_group("x/report.fr.pdf")[1] == "fr"
    assert name_group("x/report_DE.pdf")[1] == "de"
    assert name_group("x/en/report.html")[1] == "en"


def test_same_name_in_other_folders_is_another_document():
    assert name_group("flyers/a.de.pdf")[0] != name_group("papers/a.en.pdf")[0]


@pytest.mark.parametrize("path", ["flyers/helpline.pdf", "papers/programme.html", "decode.pdf"])
def test_names_without_a_language_make_no_group(path):
    assert name_group(path) is None


def test_kind_comes_from_the_top_level_folder():
    assert kind_from_path("declarations/nightlife/de/declaration.pdf") == "declaration"
    assert kind_from_path("flyers/x.pdf") == "flyer"
    assert kind_from_path("minutes/x.pdf") == "minutes"
    assert kind_from_path("x.pdf") == "document"
