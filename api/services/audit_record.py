"""The published audit record (API.md, Audit): signed checkpoints of chain heads and the public keys
that check them (`store.checkpoints`, `store.keyring`).

Auditors and admins list every checkpoint. Officers and supervisors list those of one stream, a
journey or a case in their region; a stream outside it answers 404, as if it did not exist. The keys
are public: any authenticated caller reads them.
"""

import re

import structlog

from api.auth import Caller
from api.schemas import MAX_INT32
from api.schemas.audit_record import AuditKey, AuditKeyList, Checkpoint, CheckpointPage
from api.services.container import Services
from api.services.errors import forbidden, invalid, not_found
from api.services.journey_access import find_in_store
from store.keyring import KeyringMissing
from store.pagination import decode_cursor, encode_cursor

log = structlog.get_logger(__name__)
CASE_ID = re.compile(r"^c_[0-9A-Za-z]{1,64}$")


async def check_stream_region(services: Services, caller: Caller, stream_id: str) -> None:
    """404 unless the stream is a journey or a case the caller's region covers."""
    if stream_id.startswith("j_"):
        await find_in_store(services, caller, stream_id)
        return
    case = await services.cases.get(stream_id) if CASE_ID.match(stream_id) else None
    if case is None or not caller.covers(case.get("province_code")):
        raise not_found("Stream not found")


def _after(cursor: str | None) -> int:
    """The checkpoint id a cursor stands for (0: from the start); 422 for one we did not issue."""
    try:
        after = int(decode_cursor(cursor) or 0)
    except ValueError:
        after = -1
    if not 0 <= after <= MAX_INT32:
        raise invalid(["cursor"], "The cursor is not valid")
    return after


async def list_checkpoints(
    services: Services, caller: Caller, stream_id: str | None, limit: int, cursor: str | None
) -> CheckpointPage:
    """Checkpoints oldest first, of `stream_id` or (auditors, admins) of every stream."""
    if not caller.all_regions:
        if stream_id is None:
            raise forbidden("Officers and supervisors list the checkpoints of one stream of their region (stream_id)")
        await check_stream_region(services, caller, stream_id)
    items, next_after = await services.checkpoints.list(stream_id, _after(cursor), limit)
    return CheckpointPage(
        items=[Checkpoint(**item) for item in items],
        next_cursor=encode_cursor(str(next_after)) if next_after is not None else None,
    )


async def list_keys(services: Services) -> AuditKeyList:
    """Every public key, oldest first: the keyring's (current and retired) and any catalogued in the
    database alone (a keyring file replaced by hand still leaves what its keys signed checkable)."""
    keys = {k["key_id"]: (k["created_at"], AuditKey(**k)) for k in await services.checkpoints.keys()}
    try:
        ring = services.keyring.load()
    except KeyringMissing:
        log.warning("audit_keyring_missing")
    else:
        for key in ring.keys:
            keys[key.key_id] = (key.created_at, AuditKey(**key.as_api()))
    ordered = sorted(keys.items(), key=lambda item: (item[1][0], item[0]))
    return AuditKeyList(items=[key for _, (_, key) in ordered])
