"""What an indexing run reports: counts, failures, where the time went.

Apart from the pipeline, so that a run with nothing to do (indexer/unchanged.py)
reports the same way without loading the indexer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.document import Failure

#: The report's `timing` entries of every run (grouping only when translations were made).
TIMING = ("extract", "detect", "analyse", "write", "pages", "text_mb", "cached")


@dataclass
class RunReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    touched: int = 0
    failed: list[Failure] = field(default_factory=list)
    warnings: list[Failure] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    full: bool = False
    generation: str = ""
    finished: str = ""
    #: Where the time went (seconds summed over workers for extract/detect), and how much text.
    timing: dict = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)  # one-line remarks, e.g. OCR is off

    @property
    def ok(self) -> bool:
        return not self.failed and not self.warnings

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "touched": self.touched,
            "failed": [
                {"path": f.path, "reason": f.reason, "detail": f.detail} for f in self.failed
            ],
            "warnings": [{"path": f.path, "reason": f.reason} for f in self.warnings],
            "unsupported": self.unsupported,
            "skipped": [{"path": f.path, "reason": f.reason} for f in self.skipped],
            "seconds": round(self.seconds, 3),
            "full": self.full,
            "generation": self.generation,
            "finished": self.finished,
            "timing": {k: round(v, 3) for k, v in self.timing.items()},
            "notices": self.notices,
        }
