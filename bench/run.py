"""`make bench`: time the clients pages and the calendar on a large generated practice.

For SQLite (always) and PostgreSQL (when PR_BENCH_POSTGRES_URL or PR_TEST_POSTGRES_URL is
set and reachable): generate the practice into a fresh database (bench.generate: 50
clinicians, 5,000 clients, 20,000 cases; bench.scheduling: 250,000 appointments over five
years), install it as the application's engine, then time the services the pages call,
server-side, each in its own session as a Reflex event handler runs them. A client or case
page load includes writing its audit entry. Then the calendar: week views, the conflict
check, the calendar feed and its 304 (bench.feeds), and the worker materialising 1,000
weekly series. Then billing, in a database of its own (bench.billing: 5,000 payers, 20,000
sessions in a week): the Friday's run and collection end to end, its repeat, and a payer's
ledger of 500 entries. Prints a table and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from bench import billing, documentation, scheduling
from bench.generate import Generated, generate
from practicerunner.core import db as core_db
from practicerunner.core.permissions import Actor
from practicerunner.core.settings import PROJECT_ROOT

RESULTS = Path(__file__).with_name("results.json")
WORK = PROJECT_ROOT / "var" / "bench"
PG_DATABASE = "pr_bench"
TARGETS_P95_MS = {
    "client_search": 30.0,
    "client_page": 50.0,
    "case_page": 50.0,
    **scheduling.TARGETS_P95_MS,
    **billing.TARGETS_P95_MS,
    **documentation.TARGETS_P95_MS,
}
LABELS = {
    "client_search": "Client search",
    "client_page": "Client page load",
    "case_page": "Case page load",
    **scheduling.LABELS,
    **billing.LABELS,
    **documentation.LABELS,
}


def _services() -> dict[str, Callable[..., Any]]:
    """The service functions the pages call (imported late: they are still being written)."""
    from practicerunner.clients.cases import get_case_view
    from practicerunner.clients.service import get_client_profile, search_clients

    return {
        "search_clients": search_clients,
        "get_client_profile": get_client_profile,
        "get_case_view": get_case_view,
    }


def _actors(engine: Engine, generated: Generated) -> tuple[Actor, Actor]:
    """The owner, and a clinician with an ordinary caseload."""
    from practicerunner.auth.service import actor_for
    from practicerunner.practice.models import Staff

    with Session(engine) as session:
        owner = session.get(Staff, generated.owner_id)
        clinician = session.get(Staff, generated.clinician_ids[-1])
        assert owner is not None and clinician is not None
        return actor_for(session, owner, ip="127.0.0.1"), actor_for(
            session, clinician, ip="127.0.0.1"
        )


def _own_queries(engine: Engine, clinician_id: int) -> list[str]:
    """Searches a clinician would type: prefixes of their own clients' names."""
    from practicerunner.clients.models import Client

    with Session(engine) as session:
        rows = session.exec(
            select(Client.first_name_key, Client.last_name_key)
            .where(col(Client.clinician_id) == clinician_id)
            .limit(20)
        ).all()
    return [last[:3] for _, last in rows[:10]] + [
        f"{first} {last[:2]}" for first, last in rows[10:]
    ]


def _time(calls: list[Callable[[Session], Any]], warmup: int) -> list[float]:
    """Run each call in a fresh session (as a page event does); milliseconds per call."""
    for call in calls[:warmup]:
        with core_db.session_scope() as session:
            call(session)
    samples: list[float] = []
    for call in calls:
        started = time.perf_counter()
        with core_db.session_scope() as session:
            call(session)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _summary(samples: list[float], target: float | None) -> dict[str, Any]:
    """Median, p95 and max; a row without a target is for information and always passes."""
    ordered = sorted(samples)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "samples": len(samples),
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(ordered[-1], 2),
        "target_p95_ms": target,
        "pass": target is None or p95 < target,
    }


def measure(engine: Engine, generated: Generated, samples: int, seed: int = 7) -> dict[str, Any]:
    """Time the three operations on ENGINE (installed as the application's engine)."""
    services = _services()
    owner, clinician = _actors(engine, generated)
    rng = random.Random(seed)
    own_clients = generated.caseload[clinician.staff_id]
    own_cases = generated.cases_by_clinician[clinician.staff_id]
    owner_queries = generated.sample_queries
    clinician_queries = _own_queries(engine, clinician.staff_id) + owner_queries[::4]
    search, profile, case_view = (
        services["search_clients"],
        services["get_client_profile"],
        services["get_case_view"],
    )

    def search_call(actor: Actor, query: str) -> Callable[[Session], Any]:
        return lambda s: search(s, actor, query)

    def profile_call(actor: Actor, client_id: int) -> Callable[[Session], Any]:
        return lambda s: profile(s, actor, client_id)

    def case_call(actor: Actor, case_id: int) -> Callable[[Session], Any]:
        return lambda s: case_view(s, actor, case_id)

    plan: dict[str, list[Callable[[Session], Any]]] = {
        "client_search": [],
        "client_page": [],
        "case_page": [],
    }
    for i in range(samples):
        as_owner = i % 2 == 0
        actor = owner if as_owner else clinician
        queries = owner_queries if as_owner else clinician_queries
        plan["client_search"].append(search_call(actor, queries[i % len(queries)]))
        plan["client_page"].append(
            profile_call(actor, rng.choice(generated.client_ids if as_owner else own_clients))
        )
        plan["case_page"].append(
            case_call(actor, rng.choice(generated.case_ids if as_owner else own_cases))
        )
    core_db.use_engine(engine)
    try:
        return {
            name: _summary(_time(calls, warmup=min(30, len(calls))), TARGETS_P95_MS[name])
            for name, calls in plan.items()
        }
    finally:
        core_db.use_engine(None)


def measure_documentation(engine: Engine, generated: Generated, samples: int) -> dict[str, Any]:
    """Write 10,000 notes for the benchmark's clinician, then time the note list, opening a
    note and diagnosis search."""
    _owner, clinician = _actors(engine, generated)
    started = time.perf_counter()
    note_ids = documentation.generate_notes(
        engine, clinician.staff_id, generated.cases_by_clinician[clinician.staff_id]
    )
    print(f"  generated {len(note_ids)} notes in {time.perf_counter() - started:.1f} s")
    plan = documentation.plan_calls(engine, clinician, note_ids, samples)
    core_db.use_engine(engine)
    try:
        return {
            name: _summary(_time(calls, warmup=min(30, len(calls))), TARGETS_P95_MS[name])
            for name, calls in plan.items()
        }
    finally:
        core_db.use_engine(None)


def measure_scheduling(
    engine: Engine, generated: Generated, data: scheduling.Schedule, samples: int
) -> dict[str, Any]:
    """Time the calendar on ENGINE; the series materialisation (it writes) comes last."""
    plan = scheduling.plan_calls(engine, generated, data, samples)
    core_db.use_engine(engine)
    try:
        results = {
            name: _summary(_time(calls, warmup=min(30, len(calls))), TARGETS_P95_MS.get(name))
            for name, calls in plan.items()
        }
    finally:
        core_db.use_engine(None)
    feeds = scheduling.feed_timings(engine, data)
    if feeds is None:
        print("  bench/feeds.py not found: calendar feed not timed.")
    else:
        for name, key, digits in (("feed_build", "build", 2), ("feed_304", "not_modified", 3)):
            p95 = feeds[f"{key}_p95_ms"]
            target = TARGETS_P95_MS[name]
            results[name] = {
                "samples": feeds.get(f"{key}_samples"),
                "median_ms": round(feeds[f"{key}_p50_ms"], digits),
                "p95_ms": round(p95, digits),
                "target_p95_ms": target,
                "pass": p95 < target,
                "events": feeds["events"],
                "bytes": feeds["bytes"],
            }
    results["series_materialise"] = scheduling.materialise_series(engine, data)
    return results


def _pg_url() -> str | None:
    raw = os.environ.get("PR_BENCH_POSTGRES_URL") or os.environ.get("PR_TEST_POSTGRES_URL")
    if not raw:
        return None
    return raw.replace("postgresql://", "postgresql+psycopg://", 1)


def _fresh_sqlite(name: str = "bench.db") -> Engine:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return core_db.make_engine(f"sqlite:///{path}")


def _fresh_postgres(admin_url: str, database: str = PG_DATABASE) -> Engine | None:
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
    except Exception as exc:  # an unreachable server only skips the PostgreSQL half
        print(f"PostgreSQL not reachable ({type(exc).__name__}): benchmarking SQLite only.")
        return None
    url = make_url(admin_url).set(database=database)
    return core_db.make_engine(url.render_as_string(hide_password=False))


def _drop_postgres(admin_url: str, database: str = PG_DATABASE) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()


def _server_version(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with engine.connect() as conn:
        return "PostgreSQL " + str(conn.execute(text("SHOW server_version")).scalar())


def bench_database(engine: Engine, samples: int, *, calendar: bool = True) -> dict[str, Any]:
    """Generate the practice into ENGINE's database and time it."""
    from practicerunner.auth.service import hash_password

    started = time.perf_counter()
    generated = generate(engine, hash_password("bench-password-not-used"))
    seconds = time.perf_counter() - started
    print(f"  generated {generated.counts} in {seconds:.1f} s")
    counts = dict(generated.counts)
    data = None
    schedule_seconds = 0.0
    if calendar:
        started = time.perf_counter()
        data = scheduling.generate_schedule(engine, generated)
        schedule_seconds = time.perf_counter() - started
        print(f"  generated {data.counts} in {schedule_seconds:.1f} s")
        counts.update(data.counts)
    # The app freezes what it loaded at start-up (practicerunner.py): do the same here, so the
    # collector's full passes do not rescan the generator's leftovers during the timings.
    gc.collect()
    gc.freeze()
    results = measure(engine, generated, samples)
    results.update(measure_documentation(engine, generated, samples))
    if data is not None:
        results.update(measure_scheduling(engine, generated, data, samples))
    return {
        "db": engine.dialect.name,
        "version": _server_version(engine),
        "generation_seconds": round(seconds, 1),
        "schedule_generation_seconds": round(schedule_seconds, 1),
        "counts": counts,
        "results": results,
    }


def bench_billing(
    engine: Engine,
    samples: int,
    *,
    profile: bool = False,
    scale: billing.Scale = billing.FULL,
    budget: float = billing.RUN_BUDGET_SECONDS,
) -> dict[str, Any]:
    """Generate the billing practice into ENGINE's database; time the Friday run and a ledger.

    With PROFILE, the first run is profiled: its statistics go to var/bench/ and the top 25
    functions by cumulative time are printed (that run's time then includes the profiler).
    """
    started = time.perf_counter()
    practice = billing.generate_billing(engine, scale)
    seconds = time.perf_counter() - started
    print(f"  generated billing {practice.counts} in {seconds:.1f} s")
    gc.collect()
    gc.freeze()
    where = WORK / f"billing-run-{engine.dialect.name}.prof" if profile else None
    results, top = billing.time_weekly_run(engine, practice, profile=where, budget=budget)
    if top:
        print(f"  cProfile of the weekly run ({where}), top 25 by cumulative time:\n{top}")
    calls = billing.ledger_calls(engine, practice, samples)
    core_db.use_engine(engine)
    try:
        for name, plan in calls.items():
            results[name] = _summary(_time(plan, warmup=min(30, len(plan))), TARGETS_P95_MS[name])
    finally:
        core_db.use_engine(None)
    return {
        "billing_generation_seconds": round(seconds, 1),
        "billing_counts": practice.counts,
        "results": results,
    }


def _machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        # The machine may be shared (other work running): the 1/5/15-minute load at the start.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _row(db: str, name: str, r: dict[str, Any]) -> str:
    verdict = "pass" if r["pass"] else "FAIL"
    if "seconds" in r:  # a total, not a per-call time
        how = r.get("how") or f"{r['sessions']} sessions"
        if r.get("projected"):
            how += f"; projected from {r['series']} series"
        return (
            f"{db:<12} {LABELS[name]:<24} {'total':>10} {format(r['seconds'], '.2f') + ' s':>9} "
            f"{'< ' + format(r['target_seconds'], 'g') + ' s':>9}  {verdict}"
            f"  ({how})"
        )
    target = r["target_p95_ms"]
    return (
        f"{db:<12} {LABELS[name]:<24} {r['median_ms']:>10.2f} {r['p95_ms']:>9.2f} "
        f"{'< ' + format(target, 'g') if target is not None else '-':>9}  "
        f"{verdict if target is not None else 'info'}"
    )


def print_table(runs: list[dict[str, Any]]) -> None:
    """The results as a plain-text table."""
    header = f"{'Database':<12} {'Operation':<24} {'median ms':>10} {'p95 ms':>9} {'target':>9}  "
    print("\n" + header + "result")
    print("-" * (len(header) + 6))
    for run in runs:
        for name, r in run["results"].items():
            print(_row(run["db"], name, r))
    print()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark on every available database; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--samples", type=int, default=300, help="timed calls per operation")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL bench database")
    parser.add_argument(
        "--no-calendar", action="store_true", help="time the clients pages only (no scheduling)"
    )
    parser.add_argument("--no-billing", action="store_true", help="skip the billing section")
    parser.add_argument(
        "--billing-only", action="store_true", help="the billing section alone (quick iteration)"
    )
    parser.add_argument(
        "--billing-profile",
        action="store_true",
        help="profile the weekly billing run (cProfile; its time then includes the profiler)",
    )
    args = parser.parse_args(argv)
    machine = _machine()
    runs: list[dict[str, Any]] = []

    def with_billing(run: dict[str, Any] | None, fresh: Callable[[], Engine | None]) -> bool:
        """Add the billing section (in its own database) to RUN, or as a run of its own.

        Returns whether a billing database was made (and so is there to drop)."""
        engine = None if args.no_billing else fresh()
        if engine is None:
            if run is not None:
                runs.append(run)
            return False
        try:
            found = bench_billing(engine, args.samples, profile=args.billing_profile)
            if run is None:
                run = {"db": engine.dialect.name, "version": _server_version(engine), "results": {}}
        finally:
            engine.dispose()
        run["results"].update(found.pop("results"))
        run.update(found)
        runs.append(run)
        return True

    print("SQLite: generating under var/bench/ …")
    sqlite_run = None
    if not args.billing_only:
        engine = _fresh_sqlite()
        try:
            sqlite_run = bench_database(engine, args.samples, calendar=not args.no_calendar)
        finally:
            engine.dispose()
    with_billing(sqlite_run, lambda: _fresh_sqlite("bench-billing.db"))

    admin_url = None if args.sqlite_only else _pg_url()
    if admin_url:
        print(f"PostgreSQL: generating into database {PG_DATABASE} …")
        pg_run = None
        pg = None if args.billing_only else _fresh_postgres(admin_url)
        if pg is not None:
            try:
                pg_run = bench_database(pg, args.samples, calendar=not args.no_calendar)
            finally:
                pg.dispose()
                if not args.keep:
                    _drop_postgres(admin_url)
        if pg is not None or args.billing_only:
            billing_db = f"{PG_DATABASE}_billing"
            made = with_billing(pg_run, lambda: _fresh_postgres(admin_url, billing_db))
            if made and not args.keep:
                _drop_postgres(admin_url, billing_db)
    else:
        print("PostgreSQL: skipped (set PR_BENCH_POSTGRES_URL or PR_TEST_POSTGRES_URL).")

    print_table(runs)
    passed = all(r["pass"] for run in runs for r in run["results"].values())
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "targets_p95_ms": TARGETS_P95_MS,
        "target_series_seconds": scheduling.TARGET_SERIES_SECONDS,
        "target_billing_seconds": billing.TARGETS_SECONDS,
        "runs": runs,
        "pass": passed,
    }
    # A billing-only run for iteration leaves the full results in bench/ alone.
    out = WORK / "results-billing.json" if args.billing_only else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    verdict = "all targets met" if passed else "TARGETS MISSED"
    print(f"Wrote {out.relative_to(PROJECT_ROOT)}: {verdict}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
