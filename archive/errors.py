"""A small tree of errors: the CLI maps them to exit codes, the web to status pages."""


class ArchiveError(Exception):
    """Anything the archive reports to a person instead of crashing."""


class ConfigError(ArchiveError):
    """A setting or path is wrong (CLI exit code 2)."""


class UnsupportedFormat(ArchiveError):
    """No extractor handles this file type; listed in the status, not counted as failure."""


class ExtractionError(ArchiveError):
    """A file could not be read; `reason` is the short phrase staff see (`encrypted`, `empty`)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason + (f": {detail}" if detail else ""))
        self.reason = reason
        self.detail = detail


class QueryError(ArchiveError):
    """A search request is invalid (bad page, unknown language...): HTTP 400."""


class DocumentNotFound(ArchiveError):
    """No document has this id: HTTP 404."""


class IndexMissing(ArchiveError):
    """No index has been built yet: run `archive index`."""


class SchemaMismatch(ArchiveError):
    """The index on disk was built with another schema: run `archive index --full`."""


class IndexLocked(ArchiveError):
    """Another indexing run holds the write lock (CLI exit code 75)."""
