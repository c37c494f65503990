"""The `consult` command: serve, work, migrate, and the secretariat's chores."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from consult.settings import Settings


def _settings() -> Settings:
    # Commands that write must queue search updates like the web app does.
    from consult.app import register_search_sources

    register_search_sources()
    return Settings.from_env()


def _fail(message: str) -> int:
    print(f"consult: {message}", file=sys.stderr)
    return 2


def cmd_migrate(args) -> int:
    from consult.db import migrate

    migrate(_settings())
    print("database is up to date")
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    from consult.app import create_app

    settings = _settings()
    app = create_app(settings, run_worker=not args.no_worker and settings.embedded_worker)
    uvicorn.run(
        app, host=args.host, port=args.port, workers=1, proxy_headers=True, log_level="info"
    )
    return 0


def cmd_worker(args) -> int:
    from consult.db import Database, keep_statistics
    from consult.mail.sender import make_sender, run_sender
    from consult.search.index import SearchIndex
    from consult.search.worker import run_indexer

    settings = _settings().ensure_secret_key()
    database = Database(settings)

    search_index = SearchIndex(settings.data_dir / "search")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print("worker: delivering the outbox and indexing", flush=True)
        await asyncio.gather(
            run_sender(database, make_sender(settings), stop),
            run_indexer(database, search_index, stop),
            keep_statistics(database, stop),
        )

    asyncio.run(main())
    return 0


def cmd_reindex(args) -> int:
    from consult.db import Database
    from consult.search.index import SearchIndex, expected_documents, rebuild

    settings = _settings()
    database = Database(settings)
    total = max(expected_documents(database), 1)

    def progress(kind: str, count: int) -> None:
        done = min(count / total, 1.0)
        bar = "#" * int(done * 30)
        line = f"\r[{bar:<30}] {done:4.0%} {count:>9,} documents ({kind})"
        print(line, end="", file=sys.stderr, flush=True)

    count = rebuild(database, SearchIndex(settings.data_dir / "search"), progress)
    print(f"\r[{'#' * 30}] 100% {count:>9,} documents indexed" + " " * 12, file=sys.stderr)
    return 0


def cmd_import_draft(args) -> int:
    from consult.db import Database
    from consult.drafts.parser import DraftParseError
    from consult.drafts.services import decode_draft, import_draft
    from consult.errors import ValidationError

    path = Path(args.file)
    if not path.is_file():
        return _fail(f"{path}: no such file")
    database = Database(_settings())
    try:
        with database.session(write=True) as session:
            draft = import_draft(
                session, decode_draft(path.read_bytes()), args.standard, args.version, path.name
            )
            count = len(draft_clause_keys(session, draft.id))
    except DraftParseError as error:
        return _fail(f"{path}: {error}; nothing was imported")
    except ValidationError as error:
        return _fail("; ".join(str(message) for message in error.errors.values()))
    print(f"imported {args.standard} {args.version}: {count} clauses")
    print(draft.id)
    return 0


def draft_clause_keys(session, draft_id: int) -> list[str]:
    from consult.drafts.services import clauses_of

    return [clause.key for clause in clauses_of(session, draft_id)]


def cmd_create_consultation(args) -> int:
    from consult.consultations.services import ConsultationInput, create_consultation, parse_instant
    from consult.db import Database
    from consult.errors import ValidationError

    database = Database(_settings())
    try:
        data = ConsultationInput(
            draft_id=args.draft,
            title=args.title,
            opens_at=parse_instant(args.opens, "opens"),
            closes_at=parse_instant(args.closes, "closes"),
            round_number=args.round,
            justification=args.justification or "",
            summary=args.summary or "",
            show_comments_during_period=not args.hide_comments,
        )
        with database.session(write=True) as session:
            consultation = create_consultation(session, data)
    except ValidationError as error:
        return _fail("; ".join(f"{field}: {message}" for field, message in error.errors.items()))
    print(f"created consultation “{consultation.title}”")
    print(consultation.slug)
    return 0


def cmd_create_staff(args) -> int:
    from consult.accounts.services import create_staff
    from consult.db import Database
    from consult.errors import ValidationError

    database = Database(_settings())
    try:
        with database.session(write=True) as session:
            user = create_staff(session, args.email, args.name or "")
    except ValidationError as error:
        return _fail(str(error))
    print(f"{user.email} is on the secretariat")
    return 0


def cmd_demo(args) -> int:
    from consult.db import Database
    from consult.demo import load_demo

    database = Database(_settings())
    with database.session(write=True) as session:
        print(load_demo(session))
    return 0


def cmd_seed_bench(args) -> int:
    from consult.benchdata import Plan, is_empty, seed, wipe
    from consult.db import Database

    try:
        plan = Plan.scaled(args.scale)
    except ValueError as error:
        return _fail(str(error))
    database = Database(_settings())
    try:
        if not is_empty(database) and not args.force:
            return _fail(
                "the database is not empty; seed-bench fills an empty database "
                "(--force deletes everything in it first)"
            )
        if args.force:
            print("deleting everything in the database (--force)", flush=True)
            wipe(database)
        made = seed(database, plan, args.seed)
        database.refresh_statistics()
    finally:
        database.dispose()
    counts = made["counts"]
    print(f"seeded in {made['seconds']} s (scale {args.scale:g}, seed {args.seed}):")
    for table, count in counts.items():
        if count:
            print(f"  {table:<24} {count:>8,}")
    print(f"consultation: /consultations/{made['consultation']}")
    print(f"busiest clause: /consultations/{made['consultation']}/clauses/{made['busiest_clause']}")
    print(f"open round: /consultations/{made['open_consultation']}")
    print("search: run `consult reindex` (or a worker rebuilds the index from the queue)")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="consult", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the web application")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--no-worker", action="store_true", help="do not deliver mail in this process"
    )
    serve.set_defaults(func=cmd_serve)

    commands.add_parser("worker", help="deliver queued mail").set_defaults(func=cmd_worker)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        func=cmd_migrate
    )
    commands.add_parser("demo", help="load demonstration data (once)").set_defaults(func=cmd_demo)
    commands.add_parser("reindex", help="rebuild the search index from the database").set_defaults(
        func=cmd_reindex
    )

    imp = commands.add_parser("import-draft", help="import a draft standard written in Markdown")
    imp.add_argument("file")
    imp.add_argument("--standard", required=True)
    imp.add_argument("--version", required=True)
    imp.set_defaults(func=cmd_import_draft)

    new = commands.add_parser("create-consultation", help="open a consultation round on a draft")
    new.add_argument("--draft", type=int, required=True)
    new.add_argument("--title", required=True)
    new.add_argument("--opens", required=True, help="ISO 8601 instant, e.g. 2026-03-01T09:00Z")
    new.add_argument("--closes", required=True, help="ISO 8601 instant")
    new.add_argument("--round", type=int, default=1)
    new.add_argument("--justification", help="why the round is shorter than the ISEAL minimum")
    new.add_argument("--summary", help="summary of the process (Markdown)")
    new.add_argument(
        "--hide-comments", action="store_true", help="publish comments only after closing"
    )
    new.set_defaults(func=cmd_create_consultation)

    bench = commands.add_parser(
        "seed-bench", help="fill an empty database with a large, realistic data set"
    )
    bench.add_argument(
        "--scale", type=float, default=1.0, help="1 = 20,000 comments; 0.01 for a quick one"
    )
    bench.add_argument("--seed", type=int, default=2026, help="the same seed, the same data")
    bench.add_argument(
        "--force", action="store_true", help="delete everything in the database first"
    )
    bench.set_defaults(func=cmd_seed_bench)

    staff = commands.add_parser("create-staff", help="make a secretariat account")
    staff.add_argument("email")
    staff.add_argument("--name")
    staff.set_defaults(func=cmd_create_staff)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
