"""`pmi audit archive`: run the history-archive sweep now, from this shell (the worker's Schedule runs
the same sweep every `PMI_AUDIT_SWEEP_MINUTES`), and report the runs it copied."""

import asyncio
from typing import Any

from rich.console import Console

from config import Settings


def run(args: Any, settings: Settings) -> int:
    from activities.audit_sweep import resume_point, sweep_archive
    from store.archive import HistoryArchive
    from store.db import create_engine
    from store.journey_keys import JourneyKeys
    from workflows.client import codec_for, connect

    console = Console()

    async def sweep():
        engine = create_engine(settings.db_url, timeout_seconds=settings.database_timeout_seconds)
        try:
            archive = HistoryArchive(engine, JourneyKeys(engine, codec_for(settings).keyring))
            since = None if args.all else (args.since or await resume_point(archive))
            console.print(f"archiving closed runs {'since ' + since if since else '(all Temporal holds)'}")
            client = await connect(settings)
            with console.status("copying") as status:
                return await sweep_archive(
                    client,
                    archive,
                    settings.task_queue,
                    since,
                    progress=lambda r: status.update(f"copied {r.archived}"),
                )
        finally:
            await engine.dispose()

    try:
        report = asyncio.run(sweep())
    except Exception as exc:  # Temporal or the database unreachable, or runs that could not be copied
        console.print(f"[bold red]archive sweep failed[/]: {exc}")
        return 1
    for run_name in report.archived_runs:
        console.print(f"  archived {run_name}")
    console.print(
        f"{report.archived} runs archived, {report.already_archived} already in the archive, "
        f"{report.failed} gone from Temporal before they could be copied"
    )
    return 1 if report.failed else 0
