"""The services one API process holds on `app.state.services`: one engine, one Temporal client, the stores."""

from dataclasses import dataclass
from typing import Any

from api.services.replay import ReplayPool
from api.services.temporal import TemporalGateway
from config import Settings
from store.access_log import AccessLog
from store.archive import HistoryArchive
from store.cases import CaseReadModel
from store.checkpoints import CheckpointStore
from store.event_store import EventStore
from store.idempotency import IdempotencyKeys
from store.identity import ActiveJourneys
from store.inbox import IntegrationInbox
from store.journey_keys import JourneyKeys
from store.keyring import KeyringFile
from store.pii import PiiVault
from store.read_model import JourneyReadModel
from store.reference import ReferenceData
from store.reports import Reports
from store.worklist import Worklist
from workflows.client import codec_for


@dataclass
class Services:
    """Everything a service function needs, built once in the app's lifespan."""

    settings: Settings
    engine: Any
    temporal: TemporalGateway
    read_model: Any
    events: Any
    identity: Any
    vault: Any
    inbox: Any
    reference: Any
    idempotency: Any
    cases: Any
    archive: Any = None
    checkpoints: Any = None
    keyring: Any = None
    replays: ReplayPool | None = None
    access_log: Any = None
    journey_keys: Any = None
    reports: Any = None
    worklist: Any = None

    def close(self) -> None:
        """Stops what the services started besides the engine and the Temporal client."""
        if self.replays is not None:
            self.replays.close()


def build_services(
    settings: Settings, engine: Any, temporal: TemporalGateway, replay_processes: int | None = None
) -> Services:
    """Wire the store's classes to one engine. Replays run in `replay_processes` child processes
    (`PMI_AUDIT_REPLAY_PROCESSES` unless given)."""
    keys = JourneyKeys(engine, codec_for(settings).keyring)
    return Services(
        settings=settings,
        engine=engine,
        temporal=temporal,
        read_model=JourneyReadModel(engine),
        events=EventStore(engine),
        identity=ActiveJourneys(engine),
        vault=PiiVault(engine, settings.pii_key),
        inbox=IntegrationInbox(engine),
        reference=ReferenceData(engine),
        idempotency=IdempotencyKeys(engine),
        cases=CaseReadModel(engine),
        archive=HistoryArchive(engine, keys),
        checkpoints=CheckpointStore(engine),
        access_log=AccessLog(engine),
        journey_keys=keys,
        reports=Reports(engine),
        worklist=Worklist(engine),
        keyring=KeyringFile(settings.audit_keyring_path, create=settings.env != "production"),
        replays=ReplayPool(
            codec_for(settings),
            replay_processes or settings.audit_replay_processes,
            settings.audit_replay_timeout_seconds,
        ),
    )
