"""`archive` command line: translates options into one call on the Archive facade.

Library errors become messages and exit codes here, at the edge, and nowhere else.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from archive import (
    Archive,
    ArchiveError,
    ConfigError,
    DocumentNotFound,
    IndexLocked,
    IndexMissing,
    QueryError,
    SchemaMismatch,
)
from archive.config import SETTINGS
from archive.languages import LANGUAGES

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 75

#: Error type -> exit code; the README's exit-code table states the same.
EXIT_CODES: dict[type[ArchiveError], int] = {
    IndexLocked: EXIT_LOCKED,
    ConfigError: EXIT_USAGE,
    SchemaMismatch: EXIT_USAGE,
    IndexMissing: EXIT_USAGE,
    QueryError: EXIT_USAGE,
    DocumentNotFound: EXIT_USAGE,
}


def _add_location(parser: argparse.ArgumentParser) -> None:
    for setting in SETTINGS:
        parser.add_argument(
            f"--{setting.name}",
            metavar="DIR",
            help=f"{setting.help} (default: ${setting.env} or ./{setting.default})",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archive", description="Multilingual document archive: index, search and serve."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="bring the index up to date with the documents folder")
    _add_location(p)
    p.add_argument(
        "--full",
        action="store_true",
        help="rebuild from scratch beside the old index, then swap it in",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="worker processes for extraction and text analysis (default: all cores)",
    )
    p.add_argument(
        "--wait", action="store_true", help="wait for a running indexer instead of exiting with 75"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="time limit per file (default: 120)",
    )
    p.add_argument(
        "--memory-mb",
        type=int,
        default=1024,
        metavar="MB",
        help="memory cap per worker process (default: 1024)",
    )
    p.add_argument(
        "--no-ocr",
        action="store_true",
        help="do not recognise text on scanned pages (on when Tesseract is installed)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary, only problems")

    p = sub.add_parser("search", help="search the index")
    _add_location(p)
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--lang", choices=sorted(LANGUAGES), help="only documents in this language")
    p.add_argument("--kind", help="only documents of this kind (declaration, flyer, ...)")
    p.add_argument("--year", help="only documents of this year")
    p.add_argument(
        "--limit", type=int, default=10, metavar="N", help="results to show (default 10)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("list", help="every document with its languages and translations")
    _add_location(p)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser(
        "translations", help="language versions: groups, missing versions, drift, suggestions"
    )
    _add_location(p)
    p.add_argument(
        "--suggestions",
        action="store_true",
        help="also list possible versions found with less certainty, with evidence",
    )
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("status", help="documents per language and kind, last run, failures")
    _add_location(p)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("serve", help="serve the web interface (indexes first if needed)")
    _add_location(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--threads", type=int, default=8, help="threads per process (default 8)")
    p.add_argument(
        "--processes",
        type=int,
        default=1,
        help="server processes sharing the port; one per core serves most (default 1)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    archive = Archive(args.documents, args.index)
    try:
        return COMMANDS[args.command](archive, args)
    except ArchiveError as exc:
        print(f"archive: {exc}", file=sys.stderr)
        return next(
            (code for kind, code in EXIT_CODES.items() if isinstance(exc, kind)), EXIT_USAGE
        )
    except KeyboardInterrupt:
        print("archive: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `archive list | head`: the reader has all it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (no flush error at exit)
        return EXIT_OK
    except OSError as exc:  # disk full, read-only or vanished folders: say which, not how
        where = f" ({exc.filename})" if exc.filename else ""
        print(
            f"archive: {exc.strerror or exc}{where}; the index was left as it was", file=sys.stderr
        )
        return EXIT_USAGE


# -- commands -------------------------------------------------------------------------


def cmd_index(archive: Archive, args) -> int:
    if args.jobs < 0 or args.timeout <= 0 or args.memory_mb < 0:
        raise ConfigError("--jobs, --timeout and --memory-mb must be positive")
    show_progress = sys.stderr.isatty() and not args.quiet and not args.json
    full = args.full
    if not full and archive.has_index():
        try:
            archive.check_index()
        except SchemaMismatch:
            # The index is derived data: after an upgrade the nightly run rebuilds it
            # (the old one keeps serving until the new one is complete) and says so once.
            print(
                "note: the index was built by another version of the archive; "
                "rebuilding it in full",
                file=sys.stderr,
            )
            full = True
    report = archive.index(
        full=full,
        jobs=args.jobs,
        wait=args.wait,
        timeout=args.timeout,
        memory_mb=args.memory_mb,
        ocr=not args.no_ocr,
        progress=_progress_bar if show_progress else None,
    )
    if show_progress:
        sys.stderr.write("\r\033[K")
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    elif sys.stdout.isatty() and not args.quiet:
        print(
            f"{report.added} added, {report.updated} updated, {report.removed} removed, "
            f"{report.unchanged + report.touched} unchanged, {len(report.failed)} failed "
            f"({report.seconds:.1f} s)"
        )
    for failure in report.failed:
        detail = f" ({failure.detail})" if failure.detail else ""
        print(f"failed: {shown(failure.path)}: {failure.reason}{shown(detail)}", file=sys.stderr)
    for warning in report.warnings:
        print(
            f"warning: {shown(warning.path)}: {warning.reason}: {shown(warning.detail)}",
            file=sys.stderr,
        )
    scanned = any(f.reason.startswith("no text layer") for f in report.failed)
    if scanned or (sys.stderr.isatty() and not args.quiet and not args.json):
        for notice in report.notices:  # only where it explains a failure, so cron stays quiet
            print(f"note: {notice}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILURES


def shown(text: object) -> str:
    """Text from files (names, titles) with control characters escaped.

    A newline in a file name must not forge a `failed:` line in cron's mail, and an
    escape sequence in a PDF title must not reach the admin's terminal.
    """
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in str(text)
    )


def _progress_bar(done: int, total: int, path: str) -> None:
    width = 30
    filled = width * done // max(total, 1)
    name = path if len(path) <= 40 else "…" + path[-39:]
    sys.stderr.write(f"\r\033[K[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name}")
    sys.stderr.flush()


def cmd_search(archive: Archive, args) -> int:
    if not 1 <= args.limit <= 100:
        raise ConfigError("--limit must be between 1 and 100")
    results = archive.search(
        args.query, lang=args.lang, kind=args.kind, year=args.year, per_page=args.limit
    )
    if args.json:
        print(json.dumps(results.to_dict(), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{results.total} hit(s) for {args.query!r}")
    if results.suggestion:
        print(f"did you mean: {results.suggestion}")
    for n, hit in enumerate(results.results, start=1):
        doc = hit.document
        facts = f"{', '.join(doc.languages)} · {shown(doc.kind)} · {doc.date or '-'}"
        print(f"\n{n}. {shown(doc.title)}  [{facts}]")
        print(f"   {shown(doc.path)}  (id {doc.id})")
        print(f"   {shown(' '.join(hit.snippet.split()))}")
        if doc.translations:
            print(
                "   also in: " + ", ".join(f"{t.lang}: {shown(t.path)}" for t in doc.translations)
            )
    return EXIT_OK


def cmd_list(archive: Archive, args) -> int:
    docs = archive.all_documents()
    if args.json:
        print(json.dumps([d.summary_dict() for d in docs], indent=2, ensure_ascii=False))
        return EXIT_OK
    for doc in docs:
        versions = ",".join(sorted({doc.lang, *(t.lang for t in doc.translations)}))
        print(
            f"{doc.id}  {doc.lang:3} {','.join(doc.languages):8} {shown(doc.kind):12} "
            f"{doc.date or '-':10}  versions:{versions:9} {shown(doc.path)}  {shown(doc.title)}"
        )
    return EXIT_OK


def cmd_translations(archive: Archive, args) -> int:
    report = archive.translations_report()
    if not args.suggestions:
        report.pop("suggestions")
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{len(report['groups'])} group(s) of language versions:")
    for group in report["groups"]:
        members = "  ·  ".join(f"{d['lang']}: {shown(d['path'])}" for d in group["documents"])
        print(f"  [{group['source']}] {members}")
    for lang, works in report["missing"].items():
        if works:
            print(f"\nno {lang} version ({len(works)}):")
            for work in works:
                print(f"  {shown(work)}")
    for item in report["drift"]:
        paths = ", ".join(shown(d.get("path", d["id"])) for d in item["documents"])
        print(f"\nversions may disagree ({paths}):")
        for warning in item["warnings"]:
            print(f"  {shown(warning)}")
    for s in report.get("suggestions", []):
        a, b = shown(s["a"].get("path")), shown(s["b"].get("path"))
        print(f"\nsuggestion ({s['confidence']:.2f}): {a} ↔ {b}")
        for evidence in s["evidence"]:
            print(f"  {shown(evidence)}")
    return EXIT_OK


def cmd_status(archive: Archive, args) -> int:
    status = archive.status()
    if args.json:
        print(json.dumps(status.to_dict(), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(
        f"index:        {status.index} ({status.generation}, schema {status.schema_version}, "
        f"{status.index_bytes / 1e6:.1f} MB)"
    )
    print(f"documents:    {status.documents} in {status.documents_root}")
    print("per language: " + ", ".join(f"{k} {v}" for k, v in status.per_language.items()))
    print("per kind:     " + ", ".join(f"{k} {v}" for k, v in status.per_kind.items()))
    last = status.last_run
    if last:
        print(
            f"last run:     {last['finished']} ({last['seconds']} s): {last['added']} added, "
            f"{last['updated']} updated, {last['removed']} removed, {len(last['failed'])} failed"
        )
        for path in last.get("unsupported", []):
            print(f"unsupported:  {shown(path)}")
    for failure in status.failures:
        print(f"failed:       {shown(failure['path'])}: {failure['reason']}")
    return EXIT_OK


def cmd_serve(archive: Archive, args) -> int:
    from web.serve import serve

    full = False
    try:
        archive.check_index()
    except IndexMissing:
        print("archive: no index yet, indexing the documents first…", file=sys.stderr)
    except SchemaMismatch:
        print("archive: the index was built by another version, rebuilding it…", file=sys.stderr)
        full = True
    else:
        full = None
    if full is not None:
        report = archive.index(full=full)
        for failure in report.failed:
            print(f"failed: {shown(failure.path)}: {failure.reason}", file=sys.stderr)
    if args.threads < 1 or args.processes < 1:
        raise ConfigError("--threads and --processes must be 1 or more")
    serve(archive, host=args.host, port=args.port, threads=args.threads, processes=args.processes)
    return EXIT_OK


COMMANDS = {
    "index": cmd_index,
    "search": cmd_search,
    "list": cmd_list,
    "translations": cmd_translations,
    "status": cmd_status,
    "serve": cmd_serve,
}

if __name__ == "__main__":
    sys.exit(main())
