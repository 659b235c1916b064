"""`pmi`: run the engine locally, mint tokens, migrate and seed the store, play a demo.

Each subcommand reads the same `PMI_*` settings as the processes it starts, so a
token minted here is accepted by an API started by `pmi run` in the same shell.
"""

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from config import Settings, get_settings
from domain.contracts import PEOPLE_ROLES as ROLES


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    """Print a JWT for the given subject, role and region."""
    from api.auth import create_token

    ttl_seconds = int(args.ttl_hours * 3600)
    print(create_token(settings.jwt_secret, args.sub, args.role, args.region, ttl_seconds))
    return 0


async def _backfill_nik_hashes(settings: Settings) -> int:
    from store.db import create_engine
    from store.identity import nik_hash
    from store.pii import PiiVault

    engine = create_engine(settings.db_url, timeout_seconds=settings.database_timeout_seconds)
    try:
        vault = PiiVault(engine, settings.pii_key)
        return await vault.backfill_nik_hashes(lambda nik: nik_hash(nik, settings.nik_hash_key))
    finally:
        await engine.dispose()


def migrate(settings: Settings) -> int:
    """Bring the database to the newest schema, and the data to what it expects (the NIK hashes that
    let `POST /v1/journeys/search` find journeys that had ended before migration 0005); returns how
    many hashes were filled. `pmi migrate`, `pmi seed` and `pmi run` all start with it."""
    from store.migrate import upgrade

    upgrade(settings.db_url)
    return asyncio.run(_backfill_nik_hashes(settings))


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Bring the database to the newest schema (`migrate`)."""
    filled = migrate(settings)
    print(f"database migrated: {_safe_url(settings.db_url)}" + (f" ({filled} NIK hashes filled)" if filled else ""))
    return 0


async def _seed(settings: Settings) -> dict:
    from store.db import create_engine
    from store.reference import ReferenceData

    engine = create_engine(settings.db_url, timeout_seconds=settings.database_timeout_seconds)
    try:
        return await ReferenceData(engine).seed()
    finally:
        await engine.dispose()


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate, then load the reference data (idempotent) and print what it holds."""
    cmd_migrate(args, settings)
    counts = asyncio.run(_seed(settings))
    width = max((len(str(k)) for k in counts), default=0)
    for name, count in counts.items():
        print(f"  {str(name).ljust(width)}  {count}")
    return 0


def cmd_check_identifiers(args: argparse.Namespace, settings: Settings) -> int:
    """Report journeys whose NIK, phone, family phone or passport number in the vault is not ASCII."""
    from cli.check_identifiers import run_check

    return asyncio.run(run_check(settings.db_url, settings.pii_key, settings.database_timeout_seconds))


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """The whole engine: Temporal dev server, simulator, worker and API, supervised."""
    from cli.run import run

    return run(settings)


def _exec_module(module: str, *extra: str) -> int:
    # Replacing this process keeps signals and exit codes exactly those of the part itself.
    os.execv(sys.executable, [sys.executable, "-m", module, *extra])  # our own interpreter and module  # nosec B606
    return 0  # not reached


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Only the Temporal worker (production: one or more per host)."""
    return _exec_module("worker")


def cmd_api(args: argparse.Namespace, settings: Settings) -> int:
    """Only the HTTP API."""
    from cli.run import uvicorn_args

    host = args.host or settings.api_host
    return _exec_module("uvicorn", *uvicorn_args(host, args.port or settings.api_port, args.workers))


def cmd_simulator(args: argparse.Namespace, settings: Settings) -> int:
    """Only the simulator of the government systems."""
    return _exec_module("simulator")


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Start and progress N realistic journeys through the running engine."""
    from cli.demo import run_demo

    return asyncio.run(
        run_demo(
            settings,
            journeys=args.journeys,
            api_url=args.api or settings.engine_base_url,
            simulator_url=args.simulator or settings.simulator_base_url,
            concurrency=args.concurrency,
            timeout=args.timeout,
            seed=args.seed,
        )
    )


def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    """Verify many journeys: chains, folds and (unless --no-replay) replays; a table and a JSON report."""
    from cli.audit_verify import run

    return run(args, settings)


def cmd_audit_archive(args: argparse.Namespace, settings: Settings) -> int:
    """Run the history-archive sweep now and report the runs it copied."""
    from cli.audit_archive import run

    return run(args, settings)


def cmd_audit_rotate_key(args: argparse.Namespace, settings: Settings) -> int:
    """Replace the audit signing key; the old public key is kept so what it signed still verifies."""
    from cli.audit_keys import rotate_key

    return rotate_key(args, settings)


def cmd_keys_rotate(args: argparse.Namespace, settings: Settings) -> int:
    """A new active payload-encryption key; the old ones still decrypt."""
    from cli.data_keys import rotate

    return rotate(args, settings)


def cmd_keys_new(args: argparse.Namespace, settings: Settings) -> int:
    """Create the data keyring (production must have one before the engine starts)."""
    from cli.data_keys import new_keyring

    return new_keyring(args, settings)


def cmd_audit_new_keyring(args: argparse.Namespace, settings: Settings) -> int:
    """Create the audit signing keyring (production must have one before the engine starts)."""
    from cli.audit_keys import new_keyring

    return new_keyring(args, settings)


def cmd_audit_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write a journey's signed export bundle."""
    from cli.audit_export import export

    return export(args, settings)


def cmd_audit_check_export(args: argparse.Namespace, settings: Settings) -> int:
    """Check an export bundle offline: signature, chains, checkpoint, fold, replay."""
    from cli.audit_export import check_export

    return check_export(args, settings)


def _safe_url(url: str) -> str:
    """The database URL without its password, for printing."""
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    """The `pmi` argument parser (exposed for tests and `--help`)."""
    parser = argparse.ArgumentParser(
        prog="pmi", description="Run the PMI journey engine locally, mint tokens, migrate, seed, play a demo."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run Temporal, the simulator, the worker and the API, supervised")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("token", help="print a signed JWT")
    p.add_argument("--sub", required=True, help="the person or system, e.g. officer-17")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--region", required=True, help='province code such as 33, or "*" for all')
    p.add_argument("--ttl-hours", type=float, default=8.0, help="validity in hours (default 8)")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("migrate", help="alembic upgrade head")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("seed", help="migrate, then load provinces, countries, P3MI, job orders, clinics")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser(
        "check-identifiers",
        help="report journeys whose identifiers in the vault are not ASCII (exit 1 when any); prints ids only",
    )
    p.set_defaults(func=cmd_check_identifiers)

    audit = sub.add_parser("audit", help="auditors' tools").add_subparsers(dest="audit_command", required=True)
    p = audit.add_parser("verify", help="verify many journeys; exit 1 when any fails")
    p.add_argument("journey_ids", nargs="*", metavar="JOURNEY_ID")
    p.add_argument("--all", action="store_true", help="every journey in the store")
    p.add_argument("--since", help="journeys changed on or after this date (YYYY-MM-DD, UTC)")
    p.add_argument("--no-replay", action="store_true", help="chains and folds only; do not ask Temporal")
    p.add_argument("--concurrency", type=int, default=8, help="journeys verified at once (default 8)")
    p.add_argument("--report", default="verify-report.json", help="where the JSON report goes")
    p.set_defaults(func=cmd_audit_verify)

    p = audit.add_parser("archive", help="copy closed journey and case runs from Temporal into the archive now")
    p.add_argument("--all", action="store_true", help="every closed run Temporal holds, not only the recent ones")
    p.add_argument("--since", help="runs closed on or after this time (ISO 8601, UTC)")
    p.set_defaults(func=cmd_audit_archive)

    p = audit.add_parser("rotate-key", help="replace the audit signing key (old checkpoints still verify)")
    p.set_defaults(func=cmd_audit_rotate_key)

    p = audit.add_parser("new-keyring", help="create the audit signing keyring (refused when one exists)")
    p.add_argument("file", nargs="?", help="where (default PMI_AUDIT_KEYRING_FILE or .data/audit-keyring.json)")
    p.set_defaults(func=cmd_audit_new_keyring)

    p = audit.add_parser("export", help="write a journey's signed export bundle")
    p.add_argument("journey_id", metavar="JOURNEY_ID")
    p.add_argument("-o", "--output", help="the file to write (default JOURNEY_ID.export.json; - for stdout)")
    p.set_defaults(func=cmd_audit_export)

    p = audit.add_parser("check-export", help="check an export bundle offline; exit 1 when any check fails")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--public-key",
        help="the engine's published key to trust: base64, or a file (GET /v1/audit/keys JSON or the key itself)",
    )
    p.set_defaults(func=cmd_audit_check_export)

    keys = sub.add_parser("keys", help="the data keys that encrypt Temporal payloads").add_subparsers(
        dest="keys_command", required=True
    )
    p = keys.add_parser("rotate", help="add a new active data key (older keys still decrypt)")
    p.set_defaults(func=cmd_keys_rotate)
    p = keys.add_parser("new", help="create the data keyring (refused when one exists)")
    p.add_argument("file", nargs="?", help="where (default PMI_DATA_KEYRING_FILE or .data/data-keyring.json)")
    p.set_defaults(func=cmd_keys_new)

    p = sub.add_parser("demo", help="start and progress realistic journeys through the API")
    p.add_argument("--journeys", "-n", type=int, default=20)
    p.add_argument("--api", help="engine URL (default from PMI_API_PORT / PMI_ENGINE_URL)")
    p.add_argument("--simulator", help="simulator URL (default from PMI_SIMULATOR_PORT / PMI_SIMULATOR_URL)")
    p.add_argument("--concurrency", type=int, default=10, help="journeys progressed at once")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for all journeys")
    p.add_argument("--seed", type=int, help="random seed for reproducible workers")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("worker", help="run only the Temporal worker")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("api", help="run only the HTTP API")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=cmd_api)

    p = sub.add_parser("simulator", help="run only the government-systems simulator")
    p.set_defaults(func=cmd_simulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pmi` console script."""
    args = build_parser().parse_args(argv)
    return args.func(args, get_settings())


if __name__ == "__main__":
    sys.exit(main())
