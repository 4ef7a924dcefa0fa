"""Interface languages: catalogs, the choice of language per request, names and formats.

The catalogs are the `.po` files under `web/locales`. They are compiled in memory
when the app is built, so no `.mo` file is committed or can fall out of step with
its `.po`. Templates get their `_()`/`ngettext()` from the render context (the
`ui` variable), never from state shared between threads: waitress serves many
requests at once with one Jinja environment.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from babel.units import format_unit
from jinja2 import Environment, FileSystemLoader, pass_context

from archive.languages import DEFAULT_LANGUAGE, LANGUAGES

WEB_DIR = Path(__file__).resolve().parent
LOCALES_DIR = WEB_DIR / "locales"
TEMPLATES_DIR = WEB_DIR / "templates"
DOMAIN = "messages"

#: Interface languages: the archive's languages, German first when nothing else decides.
UI_LANGUAGES: tuple[str, ...] = tuple(LANGUAGES)
FALLBACK_UI = DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in UI_LANGUAGES else UI_LANGUAGES[0]

#: Longest Accept-Language header we read; browsers send a few dozen bytes.
MAX_ACCEPT_LANGUAGE = 500


def N_(message: str) -> str:
    """Mark `message` for extraction only; it is translated where the language is known."""
    return message


#: Kinds of documents the indexer assigns, as staff call them; other kinds show as they are.
KIND_LABELS: dict[str, str] = {
    "declaration": N_("Declaration"),
    "flyer": N_("Flyer"),
    "paper": N_("Event paper"),
    "report": N_("Report"),
    "document": N_("Document"),
}

#: Where a link between language versions comes from (see archive.document.Translation).
LINK_SOURCES: dict[str, str] = {
    "explicit": N_("linked by the archive staff"),
    "name": N_("linked by the file names"),
    "automatic": N_("found automatically"),
}

#: File types by MIME type, for the metadata table and the download button.
FILE_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "text/html": "HTML",
    "text/plain": N_("Text file"),
}


def catalog_path(code: str, locales_dir: Path = LOCALES_DIR) -> Path:
    return locales_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_catalogs(locales_dir: Path = LOCALES_DIR) -> dict[str, NullTranslations]:
    """Every interface language's catalog, compiled from its `.po` file.

    Fuzzy entries are left out, as `msgfmt` does. A language without a catalog
    shows the English message ids rather than refusing to start; the catalog
    test fails for it.
    """
    catalogs: dict[str, NullTranslations] = {}
    for code in UI_LANGUAGES:
        path = catalog_path(code, locales_dir)
        if not path.is_file():
            catalogs[code] = NullTranslations()
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=code, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        catalogs[code] = Translations(buffer, domain=DOMAIN)
    return catalogs


def parse_accept_language(header: str) -> list[str]:
    """Language tags of an Accept-Language header, most wanted first (q=0 dropped)."""
    ranked = []
    for position, part in enumerate(header[:MAX_ACCEPT_LANGUAGE].split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or not re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", tag):
            continue
        weight = 1.0
        found = re.search(r"q\s*=\s*([0-9.]+)", params)
        if found:
            try:
                weight = float(found.group(1))
            except ValueError:
                weight = 0.0
        if weight > 0:
            ranked.append((-weight, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def choose_language(explicit: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The interface language: explicit switch, then the cookie, then the browser, then German."""
    for candidate in (explicit, cookie):
        if candidate in UI_LANGUAGES:
            return candidate
    preferred = parse_accept_language(accept_language or "")
    if preferred:
        try:
            locale = Locale.negotiate(preferred, UI_LANGUAGES, sep="-")
        except (ValueError, UnknownLocaleError):
            locale = None
        if locale is not None and locale.language in UI_LANGUAGES:
            return locale.language
    return FALLBACK_UI


def capitalised(text: str) -> str:
    """First letter upper-case, the rest untouched ("français" -> "Français")."""
    return text[:1].upper() + text[1:]


def own_name(code: str) -> str:
    """A language's name in that language ("Deutsch", "English", "Français")."""
    try:
        name = Locale.parse(code).languages.get(code)
    except (ValueError, UnknownLocaleError):
        name = None
    return capitalised(name) if name else code


@dataclass(frozen=True)
class Ui:
    """The interface language of one request: its messages, names, dates and numbers."""

    code: str
    translations: NullTranslations
    locale: Locale = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "locale", Locale.parse(self.code))

    # -- messages --------------------------------------------------------------------

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    # -- names -----------------------------------------------------------------------

    def language(self, code: str) -> str:
        """A language's name in the interface language, as used inside a sentence."""
        return self.locale.languages.get(code) or code

    def language_title(self, code: str) -> str:
        """A language's name in the interface language, as a label ("Französisch")."""
        return capitalised(self.language(code))

    def kind(self, kind: str) -> str:
        label = KIND_LABELS.get(kind)
        return self.gettext(label) if label else kind

    def file_type(self, mime: str) -> str:
        label = FILE_TYPES.get(mime)
        return self.gettext(label) if label else mime

    # -- formats ---------------------------------------------------------------------

    def date(self, iso: str | None, style: str = "long") -> str:
        """An ISO date as people here write it; unreadable dates are shown as they are."""
        if not iso:
            return ""
        return _date(iso, style, self.locale)

    def number(self, value: int | float) -> str:
        return _number(value, self.locale)

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self.locale)

    def link_source(self, source: str | None) -> str:
        """Where a translation link comes from, in words staff and visitors understand."""
        label = LINK_SOURCES.get(source or "")
        return self.gettext(label) if label else ""

    def file_size(self, size: int) -> str:
        if size < 1000:
            return format_unit(size, "digital-byte", length="short", locale=self.locale)
        if size < 1_000_000:
            return format_unit(
                round(size / 1000), "digital-kilobyte", length="short", locale=self.locale
            )
        return format_unit(
            round(size / 1_000_000, 1), "digital-megabyte", length="short", locale=self.locale
        )


# Babel reads its locale patterns on every call (about 0.1 ms); a results page shows
# dozens of counts and dates, and the same ones again and again.
@functools.lru_cache(maxsize=4096)
def _number(value: int | float, locale: Locale) -> str:
    return format_decimal(value, locale=locale)


@functools.lru_cache(maxsize=4096)
def _date(iso: str, style: str, locale: Locale) -> str:
    try:
        value = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return format_date(value, format=style, locale=locale)


@pass_context
def _context_gettext(context, message: str) -> str:
    return context["ui"].gettext(message)


@pass_context
def _context_ngettext(context, singular: str, plural: str, n: int) -> str:
    return context["ui"].ngettext(singular, plural, n)


def build_environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """The one Jinja environment: autoescaping, and gettext that reads the render's `ui`."""
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_context_gettext, _context_ngettext, newstyle=True)
    env.globals["own_name"] = own_name
    return env
