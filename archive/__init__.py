"""Multilingual document archive: the core (languages, model, schema, search facade)."""

from archive.errors import (
    ArchiveError,
    ConfigError,
    DocumentNotFound,
    ExtractionError,
    IndexLocked,
    IndexMissing,
    QueryError,
    SchemaMismatch,
    UnsupportedFormat,
)
from archive.facade import Archive

__all__ = [
    "Archive",
    "ArchiveError",
    "ConfigError",
    "DocumentNotFound",
    "ExtractionError",
    "IndexLocked",
    "IndexMissing",
    "QueryError",
    "SchemaMismatch",
    "UnsupportedFormat",
]
