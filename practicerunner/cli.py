"""The `practicerunner` command: run, migrate, seed the demo, create owners, verify the audit."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from practicerunner.core.settings import PROJECT_ROOT, get_settings


def _migrate() -> None:
    from practicerunner.core.schema import migrate

    migrate(get_settings().database_url)


def cmd_migrate(_args: argparse.Namespace) -> int:
    _migrate()
    print("Database is at the newest schema.")
    return 0


def cmd_seed_demo(_args: argparse.Namespace) -> int:
    from practicerunner.demo import seed_demo

    _migrate()
    created = seed_demo()
    print("Demo practice created." if created else "Demo practice already present.")
    return 0


def cmd_create_owner(args: argparse.Namespace) -> int:
    from practicerunner.core.db import session_scope
    from practicerunner.core.errors import ValidationFailed
    from practicerunner.practice.service import create_first_owner

    _migrate()
    password = args.password or os.environ.get("PR_OWNER_PASSWORD") or getpass.getpass("Password: ")
    try:
        with session_scope() as s:
            staff = create_first_owner(s, email=args.email, full_name=args.name, password=password)
    except ValidationFailed as exc:
        for field, message in exc.errors.items():
            print(f"{field}: {message}", file=sys.stderr)
        return 2
    print(f"Owner {staff.full_name} <{staff.email}> created.")
    return 0


def cmd_audit_verify(_args: argparse.Namespace) -> int:
    from practicerunner.core.audit import verify_chain
    from practicerunner.core.db import session_scope

    with session_scope() as s:
        count, problems = verify_chain(s)
    if problems:
        print(f"Audit log FAILED verification ({count} entries read):")
        for problem in problems:
            print(f"  entry {problem.seq}: {problem.problem}")
        return 1
    print(f"Audit log intact: {count} entries, every hash matches.")
    return 0


DEMO_PASSWORD = "demo-practice-2026"
OFFLINE_ENV = {
    "REFLEX_TELEMETRY_ENABLED": "false",
    "REFLEX_CHECK_LATEST_VERSION": "false",
    "REFLEX_USE_NPM": "1",
}


def cmd_run(_args: argparse.Namespace) -> int:
    from practicerunner.demo import DEMO_ACCOUNTS, seed_demo

    settings = get_settings()
    _migrate()
    if settings.environment != "production":
        seed_demo()
        print("\nDemo practice — sign in at", settings.public_url)
        print(f"  password for every account: {DEMO_PASSWORD}")
        for email, role in DEMO_ACCOUNTS:
            print(f"  {role:<28} {email}")
        print()
    os.chdir(PROJECT_ROOT)
    # Offline-safe whatever started us: no telemetry, no version checks, npm not bun.
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)
    reflex = Path(sys.executable).parent / "reflex"
    port = str(settings.port)
    os.execv(
        str(reflex),
        [str(reflex), "run", "--env", "prod", "--frontend-port", port, "--backend-port", port],
    )


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the job worker: reminders, the outbox and recurring-series horizons."""
    import logging

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from practicerunner.jobs import run_consumer

    run_consumer(workers=args.workers)
    return 0


def cmd_check_env(_args: argparse.Namespace) -> int:
    """Say which databases the test run will use."""
    url = os.environ.get("PR_TEST_POSTGRES_URL")
    if not url:
        print("PR_TEST_POSTGRES_URL is not set: service and integration tests run on SQLite only.")
        return 0
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        print("PostgreSQL reachable: service and integration tests run on SQLite and PostgreSQL.")
    except Exception as exc:  # report any failure to connect, then carry on with SQLite
        print(
            f"PostgreSQL at PR_TEST_POSTGRES_URL is not reachable ({type(exc).__name__}): "
            "running the SQLite half only."
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="practicerunner")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="migrate, seed the demo (outside production) and start the app")
    sub.add_parser("migrate", help="bring the database to the newest schema")
    sub.add_parser("seed-demo", help="create the demo practice (once)")
    owner = sub.add_parser("create-owner", help="create the first owner account")
    owner.add_argument("--email", required=True)
    owner.add_argument("--name", required=True)
    owner.add_argument("--password", help="or PR_OWNER_PASSWORD, or typed at the prompt")
    audit_cmd = sub.add_parser("audit", help="audit log tools")
    audit_sub = audit_cmd.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="recompute the hash chain and report tampering")
    worker = sub.add_parser("worker", help="run the job worker (reminders, outgoing mail)")
    worker.add_argument("--workers", type=int, default=1, help="worker threads (default 1)")
    sub.add_parser("check-env", help="say which databases the tests will use")
    args = parser.parse_args(argv)
    handlers = {
        "run": cmd_run,
        "migrate": cmd_migrate,
        "seed-demo": cmd_seed_demo,
        "create-owner": cmd_create_owner,
        "check-env": cmd_check_env,
        "worker": cmd_worker,
    }
    if args.command == "audit":
        return cmd_audit_verify(args)
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
