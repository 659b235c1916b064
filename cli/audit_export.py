"""`pmi audit export` and `pmi audit check-export` (docs/audit.md).

`export` writes a journey's signed bundle (the same document as `GET /v1/journeys/{id}/export`), in
canonical JSON: every byte of the file is content, so any change to it is detected. `check-export`
checks a bundle with nothing but the file and the installed code: no database, no server, no Temporal.
It prints one verdict per check and exits 1 when any check failed.
"""

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from config import Settings
from domain import audit_signing as signing
from domain.audit_bundle import Check, offline_checks


def export(args: Any, settings: Settings) -> int:
    from api.services.audit import export_bundle
    from cli.services import open_services
    from store.read_model import JourneyReadModel

    async def build() -> dict[str, Any] | None:
        async with open_services(settings) as services:
            if await JourneyReadModel(services.engine).get(args.journey_id) is None:
                return None
            return await export_bundle(services, args.journey_id)

    console = Console(stderr=True)
    bundle = asyncio.run(build())
    if bundle is None:
        console.print(f"no journey {args.journey_id}")
        return 2
    data = signing.canonical_bytes(bundle)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        return 0
    path = Path(args.output or f"{args.journey_id}.export.json")
    path.write_bytes(data)
    console.print(
        f"{path}: {len(bundle['events'])} events, {len(bundle['cases'])} cases, "
        f"{len(bundle['workflow_histories'])} workflow runs, signed with {bundle['signature']['key_id']}"
    )
    return 0


def trusted_keys(value: str | None) -> dict[str, str] | None:
    """`--public-key`: a base64 Ed25519 public key, or a file holding one, or the JSON of
    `GET /v1/audit/keys` (a list of keys or a page with `items`). None when not given."""
    if value is None:
        return None
    path = Path(value)
    text = path.read_text("utf-8").strip() if path.is_file() else value.strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        return {signing.key_id_of(text): text}
    items = parsed.get("items", []) if isinstance(parsed, dict) else parsed
    return {k["key_id"]: k["public_key"] for k in items if isinstance(k, dict) and "public_key" in k}


async def replay_check(bundle: dict[str, Any]) -> Check:
    """Each workflow history in the bundle replayed with Temporal's `Replayer` against the installed code."""
    from temporalio.client import WorkflowHistory

    from api.services.replay import replay

    try:
        histories = [WorkflowHistory.from_json(h["workflow_id"], h["history"]) for h in bundle["workflow_histories"]]
    except (KeyError, TypeError, ValueError) as exc:
        return Check("replay", "failed", f"a workflow history does not read: {type(exc).__name__}")
    if not histories:
        return Check("replay", "warning", "the bundle holds no workflow history")
    report = await replay(histories)
    if report.divergences:
        where = "; ".join(f"{d.workflow_id} run {d.run_id} at history event {d.event_id}" for d in report.divergences)
        return Check("replay", "failed", f"{len(report.divergences)} of {report.runs} runs diverge: {where}")
    if not bundle.get("histories_complete", False):
        return Check("replay", "warning", f"{report.runs} runs replay, but the engine knew of runs it could not export")
    return Check("replay", "ok", f"{report.runs} runs replay against the installed code")


def load_bundle(data: bytes) -> tuple[Any, Check | None]:
    """The parsed bundle, or the check that failed: the file must be JSON, in canonical form."""
    try:
        bundle = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, Check("format", "failed", f"the file is not JSON: {exc}")
    if data.rstrip(b"\n") != signing.canonical_bytes(bundle) or data.endswith(b"\n\n"):
        return None, Check("format", "failed", "the file is not the canonical JSON the engine writes (it was altered)")
    return bundle, None


async def check_bytes(data: bytes, public_key: str | None) -> list[Check]:
    """Every check of the bundle file's content `data`, the replay last."""
    bundle, failure = load_bundle(data)
    if failure is not None:
        return [failure]
    checks = offline_checks(bundle, trusted_keys(public_key))
    if checks[0].failed:
        return checks
    return [*checks, await replay_check(bundle)]


def check_export(args: Any, settings: Settings) -> int:
    console = Console()
    path = Path(args.file)
    if not path.is_file():
        Console(stderr=True).print(f"no file {path}")
        return 2
    checks = asyncio.run(check_bytes(path.read_bytes(), args.public_key))
    table = Table(title=f"{path.name}")
    table.add_column("check")
    table.add_column("verdict")
    table.add_column("detail")
    colours = {"ok": "green", "warning": "yellow", "failed": "bold red"}
    for check in checks:
        table.add_row(check.name, f"[{colours[check.verdict]}]{check.verdict}[/]", check.detail)
    console.print(table)
    failed = [c.name for c in checks if c.failed]
    console.print(f"FAILED: {', '.join(failed)}" if failed else "all checks passed")
    return 1 if failed else 0
