"""Optional metadata beside a document: `NAME.pdf.toml`.

TOML because staff edit these by hand: no quotes around keys, comments allowed,
and a clear error with a line number when something is off.
"""

from __future__ import annotations

import datetime as dt
import errno
import tomllib
from dataclasses import dataclass
from pathlib import Path

from archive.errors import ArchiveError
from indexer.scan import sidecar_path

#: key -> (type, help); the README's sidecar table is checked against this by a test.
FIELDS: dict[str, tuple[type, str]] = {
    "title": (str, "title shown in results instead of the one found in the file"),
    "date": (str, 'publication date, "YYYY-MM-DD" (or "YYYY")'),
    "kind": (str, "declaration, flyer, paper, ... (overrides the folder)"),
    "lang": (str, "language code (de, en, fr, ...) when detection should not decide"),
    "group": (str, "translation group: files with the same group are language versions"),
    "summary": (str, "one or two sentences shown in results and searched with a boost"),
    "not_translations": (list, "paths of documents that are NOT versions of this one"),
}


class SidecarError(ArchiveError):
    """A sidecar exists but cannot be used; the document is indexed without it."""


@dataclass(frozen=True)
class Sidecar:
    title: str | None = None
    date: str | None = None
    kind: str | None = None
    lang: str | None = None
    group: str | None = None
    summary: str | None = None
    not_translations: tuple[str, ...] = ()


def read_sidecar(document: Path) -> Sidecar | None:
    path = sidecar_path(document)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:  # a name this long leaves no room for ".toml"
            return None
        raise SidecarError(f"{path.name}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SidecarError(f"{path.name}: {exc}") from None
    return parse_sidecar(data, path.name)


def parse_sidecar(data: dict, name: str = "sidecar") -> Sidecar:
    """Validate the keys and values; unknown keys are an error so typos do not go unseen."""
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise SidecarError(
            f"{name}: unknown key(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}"
        )
    values = {}
    for key, value in data.items():
        if isinstance(value, dt.date):
            value = value.isoformat()[:10]
        if key == "date" and isinstance(value, int):
            value = str(value)
        if key == "not_translations":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SidecarError(f'{name}: {key} must be a list of paths, e.g. ["flyers/a.pdf"]')
            values[key] = tuple(v.strip().lstrip("/") for v in value if v.strip())
            continue
        if not isinstance(value, FIELDS[key][0]):
            raise SidecarError(f"{name}: {key} must be text, not {type(value).__name__}")
        values[key] = value.strip()
    if values.get("date"):
        values["date"] = normalise_date(values["date"], name)
    if values.get("lang"):
        values["lang"] = values["lang"].lower()
        if not values["lang"].isalpha() or len(values["lang"]) not in (2, 3):
            raise SidecarError(f"{name}: lang must be a language code such as de, en or fr")
    return Sidecar(**{k: v or (() if k == "not_translations" else None) for k, v in values.items()})


def normalise_date(value: str, name: str) -> str:
    """Accept `2024-03-18`, `2024-03` or `2024`; store a full ISO date."""
    parts = value.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        return dt.date(year, month, day).isoformat()
    except (ValueError, IndexError):
        raise SidecarError(f"{name}: date must look like 2024-03-18, not {value!r}") from None
