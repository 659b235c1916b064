"""Composition root of the Temporal worker: settings, logging, clients, activities, Worker. No logic."""

import asyncio
import signal
from datetime import timedelta

import httpx
import prometheus_client
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker

from activities.audit_sweep import ArchiveActivities
from activities.bpjs import BpjsActivities
from activities.checkpoints import CheckpointActivities
from activities.dukcapil import DukcapilActivities
from activities.event_store import EventStoreActivities
from activities.identity import IdentityActivities
from activities.imigrasi import ImigrasiActivities
from activities.job_orders import JobOrderActivities
from activities.notify import NotifyActivities
from activities.siskop2mi import Siskop2miActivities
from activities.standing import StandingActivities
from config import Settings, get_settings
from store.archive import HistoryArchive
from store.cases import CaseReadModel
from store.checkpoints import CheckpointStore
from store.event_store import EventStore
from store.identity import ActiveJourneys
from store.journey_keys import JourneyKeys
from store.keyring import KeyringFile
from store.pii import PiiVault
from store.read_model import JourneyReadModel
from store.reference import ReferenceData
from workflows.client import codec_for
from workflows.registry import SANDBOX, WORKFLOWS


def activities_for(settings: Settings, engine: AsyncEngine, http: httpx.AsyncClient) -> list:
    """Every activity the workflows call, bound to this process's engine and HTTP client."""
    vault = PiiVault(engine, settings.pii_key)
    keys = JourneyKeys(engine, codec_for(settings).keyring)
    checkpoints = CheckpointActivities(CheckpointStore(engine), keyring_for(settings))
    event_store = EventStoreActivities(
        EventStore(engine),
        JourneyReadModel(engine),
        CaseReadModel(engine),
        checkpoints=checkpoints,
        keys=keys,
    )
    reference = ReferenceData(engine)
    job_orders = JobOrderActivities(reference)
    standing = StandingActivities(reference, JourneyReadModel(engine))
    dukcapil = DukcapilActivities(http, vault.get)
    siskop2mi = Siskop2miActivities(http)
    notify = NotifyActivities(http, vault.get)
    bpjs = BpjsActivities(http)
    return [
        event_store.append_events,
        job_orders.take_quota,
        job_orders.release_quota,
        IdentityActivities(ActiveJourneys(engine)).release_nik,
        standing.standing_page,
        dukcapil.verify_nik,
        siskop2mi.register_worker,
        siskop2mi.issue_epmi,
        ImigrasiActivities(http).request_passport_recommendation,
        bpjs.request_enrolment,
        bpjs.file_death_claim,
        notify.send_sms,
        notify.post_channel,
        ArchiveActivities(HistoryArchive(engine, keys), settings.task_queue).archive_closed_runs,
        checkpoints.sign_checkpoints,
    ]


def keyring_for(settings: Settings) -> KeyringFile:
    """The audit signing keys; created on first use except in production, where it must be provided."""
    return KeyringFile(settings.audit_keyring_path, create=settings.env != "production")


def create_worker(
    client: Client,
    settings: Settings,
    *,
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    graceful_shutdown: timedelta = timedelta(0),
) -> Worker:
    """The worker; on shutdown its running activities get `graceful_shutdown` to finish before they
    are cancelled."""
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        activities=activities_for(settings, engine, http),
        workflow_runner=SANDBOX,
        max_cached_workflows=settings.worker_max_cached_workflows,
        graceful_shutdown_timeout=graceful_shutdown,
    )


def simulator_client(settings: Settings) -> httpx.AsyncClient:
    """The client every call to an external system goes through: `PMI_HTTP_TIMEOUT_SECONDS` bounds each
    call (connecting, at most 3 s of it: a system that does not accept is down, not slow)."""
    seconds = settings.http_timeout_seconds
    timeout = httpx.Timeout(seconds, connect=min(3.0, seconds))
    return httpx.AsyncClient(base_url=settings.simulator_base_url, timeout=timeout)


def temporal_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime exporting the SDK's own metrics (workflow and activity task latencies,
    slots, sticky cache) for Prometheus on `PMI_TEMPORAL_METRICS_PORT`; None: the default runtime."""
    if settings.temporal_metrics_port is None:
        return None
    address = f"{settings.metrics_host}:{settings.temporal_metrics_port}"
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))


async def main() -> None:
    from logs import configure_logging
    from store.db import create_engine
    from tracing import configure_tracing
    from workflows.client import connect
    from workflows.schedules import ensure_audit_sweep_schedule

    settings = get_settings()
    configure_logging(settings, "worker")
    configure_tracing(settings, "worker")  # before the clients: the httpx one is traced from its creation
    engine = create_engine(settings.db_url, timeout_seconds=settings.database_timeout_seconds)
    if settings.worker_metrics_port is not None:
        # The journeys' counts (`metrics.py`) and the process's own, for Prometheus to scrape.
        prometheus_client.start_http_server(settings.worker_metrics_port, addr=settings.metrics_host)
    client = await connect(settings, runtime=temporal_runtime(settings))
    await ensure_audit_sweep_schedule(client, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with simulator_client(settings) as http:
        # SIGTERM (a deploy, a scale-in): the running activities get this long to finish, so an event
        # append is not cut off halfway (Temporal would retry it, but it holds the store meanwhile).
        grace = timedelta(seconds=settings.worker_graceful_shutdown_seconds)
        worker = create_worker(client, settings, engine=engine, http=http, graceful_shutdown=grace)
        async with worker:
            await stop.wait()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
