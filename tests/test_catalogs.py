"""The interface catalogs: complete, not fuzzy, in step with the code and the template.

A message the code uses but a catalog lacks would show up in English on a
German or French page; these tests make that a failing build instead.
"""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from web.i18n import LOCALES_DIR, UI_LANGUAGES, WEB_DIR, catalog_path, load_catalogs


def _msgid(message_id) -> str:
    """The singular of a message id (plural messages have a tuple)."""
    return message_id[0] if isinstance(message_id, tuple | list) else message_id


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    """Every message id in the templates and Python sources, extracted afresh."""
    with open(WEB_DIR / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = {
        _msgid(message)
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(WEB_DIR), method_map, options_map
        )
    }
    found.discard("")
    assert len(found) > 50, "extraction found suspiciously few messages"
    return found


def read_catalog(path):
    with open(path, "rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module", params=UI_LANGUAGES)
def catalog(request):
    path = catalog_path(request.param)
    assert path.is_file(), f"the interface language {request.param} has no catalog at {path}"
    return read_catalog(path)


def test_no_catalog_has_an_empty_translation(catalog):
    empty = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            empty.append(_msgid(message.id))
    assert empty == [], f"untranslated in {catalog.locale}: {empty}"


def test_no_catalog_has_a_fuzzy_translation(catalog):
    fuzzy = [_msgid(m.id) for m in catalog if m.id and m.fuzzy]
    assert fuzzy == [], f"fuzzy in {catalog.locale}: {fuzzy}"


def test_every_message_of_the_code_is_in_every_catalog(catalog, extracted):
    present = {_msgid(m.id) for m in catalog if m.id}
    missing = sorted(extracted - present)
    assert missing == [], f"missing from {catalog.locale}: {missing}"


def test_catalogs_hold_no_message_the_code_no_longer_uses(catalog, extracted):
    present = {_msgid(m.id) for m in catalog if m.id}
    assert sorted(present - extracted) == []
    assert not catalog.obsolete, f"obsolete entries in {catalog.locale}"


def test_placeholders_of_each_translation_match_its_message(catalog):
    problems = [
        (_msgid(message.id), [str(e) for e in errors]) for message, errors in catalog.check()
    ]
    assert problems == []


def test_the_committed_template_matches_the_code(extracted):
    template = read_catalog(LOCALES_DIR / "messages.pot")
    assert {_msgid(m.id) for m in template if m.id} == extracted, (
        "run: pybabel extract -F web/babel.cfg -o web/locales/messages.pot web/"
    )


def test_catalogs_compile_and_translate():
    catalogs = load_catalogs()
    assert catalogs["de"].gettext("Search") == "Suchen"
    assert catalogs["fr"].gettext("Search") == "Rechercher"
    assert catalogs["en"].gettext("Search") == "Search"
    assert catalogs["de"].ngettext("%(num)s document", "%(num)s documents", 2) == (
        "%(num)s Dokumente"
    )
    assert catalogs["fr"].ngettext("%(num)s document", "%(num)s documents", 1) == (
        "%(num)s document"
    )
