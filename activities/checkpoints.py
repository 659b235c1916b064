"""Signing checkpoints of chain heads (docs/audit.md): on the audit sweep's schedule, and when a
journey ends or a case closes (`sign_stream`, called by the event-store writer after its append).

The keyring file is re-read when it changes, so a key rotated by `pmi audit rotate-key` signs from
the next call on, without a restart.
"""

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.contracts import ActivityName, CheckpointReport
from store.checkpoints import CheckpointStore
from store.keyring import KeyringFile, KeyringMissing

log = structlog.get_logger(__name__)


class CheckpointActivities:
    def __init__(self, store: CheckpointStore, keyring: KeyringFile) -> None:
        self._store = store
        self._keyring = keyring

    @activity.defn(name=ActivityName.SIGN_CHECKPOINTS)
    async def sign_checkpoints(self) -> CheckpointReport:
        """The scheduled sweep: sign every chain head that moved since its latest checkpoint."""
        try:
            keyring = self._keyring.load()
        except KeyringMissing as exc:
            # Retrying cannot make the file appear: the operator has to provide it (production).
            raise ApplicationError(str(exc), type="KEYRING_MISSING", non_retryable=True) from exc
        signed = await self._store.sign_heads(keyring, progress=activity.heartbeat)
        log.info("checkpoints_signed", signed=signed, key_id=keyring.key_id)
        return CheckpointReport(signed=signed, key_id=keyring.key_id)

    async def sign_stream(self, stream_id: str) -> None:
        """Sign one stream's head now (a journey has ended, a case has closed), if it moved."""
        signed = await self._store.sign_heads(self._keyring.load(), [stream_id])
        if signed:
            log.info("checkpoint_signed", stream_id=stream_id)
