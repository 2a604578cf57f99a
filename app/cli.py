"""The `lenswalk` command."""

import argparse
import getpass
import sys
from typing import Any

from sqlmodel import Session

from app.db import make_engine, scrub_deleted, transaction
from app.errors import DomainError
from app.events.retention import apply_retention, purge_event, sweep
from app.facilitators import service as facilitators
from app.settings import Settings, get_settings
from app.setup import load_content, migrate, prepare

# uvicorn's websocket settings, for `lenswalk serve` and for the servers of the tests and benchmarks.
WEBSOCKET_OPTIONS: dict[str, Any] = {
    "ws_max_size": 16 * 1024,
    # Each message is framed once and the same bytes go to every connection (app/realtime/frames.py);
    # per-connection deflate would compress it again for each of them and keep a compressor per socket.
    "ws_per_message_deflate": False,
}


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    workers = args.workers
    if problem := workers_problem(settings, workers):
        print(problem, file=sys.stderr)
        return 2
    if settings.prepare and not args.no_prepare:
        prepare(settings)
    host = args.host or settings.host
    port = args.port or settings.port
    options: dict[str, Any] = {
        # No access log: it would record participants' IP addresses beside their requests.
        "access_log": False,
        "server_header": False,
        **proxy_options(settings),
        **WEBSOCKET_OPTIONS,
        "timeout_graceful_shutdown": 5,
    }
    if workers > 1:
        from app import workers as processes

        # N processes, each with its app and its own socket on the port (app/workers.py); each room
        # is shared between them through the broker, as between instances.
        print(f"Lenswalk is starting {workers} processes on http://{host}:{port}", flush=True)
        return processes.run(workers, host, port, options)
    from app.workers import worker_app

    app = worker_app(settings)
    print(f"Lenswalk is ready on http://{host}:{port}", flush=True)
    uvicorn.run(app, host=host, port=port, **options)
    return 0


def workers_problem(settings: Settings, workers: int) -> str | None:
    """Why `serve --workers N` cannot run this way, or None."""
    if workers < 1:
        return "--workers must be at least 1."
    if workers == 1:
        return None
    if settings.is_sqlite:
        return (
            f"--workers {workers} needs PostgreSQL: SQLite takes one server process (it is fast enough for "
            "a room of hundreds). Serve with --workers 1, or set LENSWALK_DATABASE_URL to a "
            "postgresql+psycopg:// URL and LENSWALK_BROKER_URL to a redis:// URL."
        )
    if not settings.broker_url.startswith(("redis://", "rediss://")):
        return (
            f"--workers {workers} needs LENSWALK_BROKER_URL set to a redis:// URL: the processes share "
            "each room through it, and without it a phone on one process would not see what is "
            "written on another."
        )
    return None


def proxy_options(settings: Settings) -> dict[str, Any]:
    """Only a trusted proxy may name the client; anyone else's X-Forwarded-For changes nothing."""
    allowed = settings.forwarded_allow_ips.strip()
    if not allowed:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": allowed}


def facilitator_add(args: argparse.Namespace) -> int:
    settings = get_settings()
    migrate(settings)
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session, transaction(session):
            facilitators.add_facilitator(session, email=args.email, password=password)
    finally:
        engine.dispose()
    print(f"Facilitator {args.email} can now sign in.")
    return 0


def load_content_command(_args: argparse.Namespace) -> int:
    vignettes, maps = load_content(get_settings())
    print(f"Loaded {vignettes} vignettes and {maps} journey maps.")
    return 0


def retention_command(_args: argparse.Namespace) -> int:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session, transaction(session):
            done = apply_retention(session)
        deleted = sweep(engine, default_days=settings.retention_days)
    finally:
        engine.dispose()
    print(f"Unlinked authors from their words in {len(done)} event(s) past their retention period.")
    print(f"Deleted {deleted} event(s) whose delete-after date had come.")
    return 0


def purge_command(args: argparse.Namespace) -> int:
    if not args.yes:
        print(
            "This deletes the event and everything in it, for good. Add --yes to go ahead.", file=sys.stderr
        )
        return 2
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session, transaction(session):
            found = purge_event(session, args.event_id)
        with Session(engine) as session:
            scrub_deleted(session, everything=True, wait=True)
    finally:
        engine.dispose()
    if not found:
        print(f"There is no event {args.event_id}.", file=sys.stderr)
        return 1
    print(f"Event {args.event_id} and everything in it has been deleted.")
    return 0


def backup_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.backup import backup

    if args.keep is not None and args.keep < 1:
        print("--keep must be at least 1.", file=sys.stderr)
        return 2
    written = backup(get_settings().database_url, Path(args.file), keep=args.keep)
    print(f"Backed up the database to {written}.")
    return 0


def restore_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.backup import restore

    target = restore(get_settings().database_url, Path(args.file), replace=args.replace)
    print(f"Restored {args.file} into {target}. Start the app again.")
    return 0


def import_command(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from app.exports.archive import MAX_BYTES, import_archive, parse_archive
    from app.facilitators.models import Facilitator

    settings = get_settings()
    migrate(settings)
    try:
        with open(args.file, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror}.", file=sys.stderr)
        return 1
    if len(raw) > MAX_BYTES:
        print(
            f"{args.file} is larger than an archive can be ({MAX_BYTES // (1024 * 1024)} MiB).",
            file=sys.stderr,
        )
        return 1
    engine = make_engine(settings.database_url)
    try:
        archive = parse_archive(raw)
        with Session(engine, expire_on_commit=False) as session, transaction(session):
            email = args.facilitator.strip().lower()
            facilitator = session.exec(select(Facilitator).where(Facilitator.email == email)).first()
            if facilitator is None:
                print(
                    f"There is no facilitator account {email}: add it first with `lenswalk facilitator add`.",
                    file=sys.stderr,
                )
                return 1
            event = import_archive(session, archive, facilitator_id=facilitator.id or 0)
    finally:
        engine.dispose()
    print(
        f"Restored {event.title!r} as event {event.id} (closed; join code {event.join_code}), run by {email}."
    )
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    migrate(get_settings())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lenswalk", description="Run Trauma-Informed Lens Walkthroughs.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_serve = sub.add_parser("serve", help="migrate, load content and serve the app")
    p_serve.add_argument("--host")
    p_serve.add_argument("--port", type=int)
    p_serve.add_argument(
        "--no-prepare",
        action="store_true",
        help="serve only, the database is prepared beforehand (replicas; or LENSWALK_PREPARE=false)",
    )
    p_serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="serve from N processes on this machine, sharing each room through Redis "
        "(PostgreSQL and a redis:// LENSWALK_BROKER_URL needed when N > 1)",
    )
    p_serve.set_defaults(func=serve)

    sub.add_parser("migrate", help="apply pending database migrations").set_defaults(func=_migrate)
    sub.add_parser("load-content", help="load vignettes and journey-map templates").set_defaults(
        func=load_content_command
    )

    sub.add_parser(
        "retention", help="unlink authors from their words in events past their retention period"
    ).set_defaults(func=retention_command)
    p_purge = sub.add_parser("purge", help="delete an event and everything in it")
    p_purge.add_argument("event_id", type=int)
    p_purge.add_argument("--yes", action="store_true", help="confirm the deletion")
    p_purge.set_defaults(func=purge_command)

    p_backup = sub.add_parser("backup", help="copy the SQLite database, consistent while the app runs")
    p_backup.add_argument("file", help="the backup file, or a folder for dated backups")
    p_backup.add_argument("--keep", type=int, metavar="N", help="in that folder, keep only the newest N")
    p_backup.set_defaults(func=backup_command)
    p_restore = sub.add_parser("restore", help="put a backup in place of the SQLite database (app stopped)")
    p_restore.add_argument("file", help="a file written by `lenswalk backup`")
    p_restore.add_argument("--replace", action="store_true", help="overwrite the database that is there")
    p_restore.set_defaults(func=restore_command)

    p_import = sub.add_parser("import", help="restore an event from a JSON archive as a new, closed event")
    p_import.add_argument("file", help="an archive from the event's JSON export")
    p_import.add_argument("--facilitator", required=True, metavar="EMAIL", help="who will run the event")
    p_import.set_defaults(func=import_command)

    p_fac = sub.add_parser("facilitator", help="manage facilitator accounts")
    fac_sub = p_fac.add_subparsers(dest="action", required=True)
    p_add = fac_sub.add_parser("add", help="add a facilitator account")
    p_add.add_argument("email")
    p_add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p_add.set_defaults(func=facilitator_add)

    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DomainError as exc:
        # A refusal (a taken email, a missing backup, a bad archive) is said in plain words, once.
        print(exc.message, file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
