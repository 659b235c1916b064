"""The simulator's own control surface (underscore paths): ledger, fault settings, emitted events,
complaints from the hotline and embassies, channel messages, health.

Tests and the demo use these to inject outages, count effects and play the systems that
only ever push events (clinics, embassies, immigration exit records, the hotline).
"""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field, model_validator

from domain.contracts import IntegrationSource
from simulator.complaints import DESCRIPTIONS, ComplaintRequest, draw_case_type
from simulator.config import SYSTEMS, SystemConfig
from simulator.ledger import CallRecord
from simulator.state import ChannelPost, Simulator
from simulator.webhooks import Delivery, OutgoingEvent, new_event_id, utc_now

router = APIRouter()


def _sim(request: Request) -> Simulator:
    return request.app.state.simulator


class SystemConfigChange(BaseModel):
    """`PUT /_config/{system}`: only the fields given change."""

    latency_ms: int | None = Field(default=None, ge=0)
    failure_rate: float | None = Field(default=None, ge=0.0, le=1.0)
    fail_next: int | None = Field(default=None, ge=0)


class WebhookConfigChange(BaseModel):
    """`PUT /_config/webhooks`: switch result webhooks on/off or change their delay."""

    enabled: bool | None = None
    delay_seconds: float | None = Field(default=None, ge=0.0)


class EmitRequest(BaseModel):
    """An integration event to sign and send to the engine as if `source` had sent it."""

    source: IntegrationSource
    type: str
    journey_id: str | None = None
    nik: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    delay_seconds: float = Field(default=0.0, ge=0.0)
    event_id: str | None = None
    occurred_at: datetime | None = None
    # Deliver before answering and report the engine's status (only without delay).
    wait: bool = False

    @model_validator(mode="after")
    def _one_target(self) -> "EmitRequest":
        if (self.journey_id is None) == (self.nik is None):
            raise ValueError("exactly one of journey_id and nik is required")
        if self.wait and self.delay_seconds:
            raise ValueError("wait cannot be combined with delay_seconds")
        return self


class EmitResult(BaseModel):
    event_id: str
    delivery: Delivery | None = None


class ComplaintsFiled(BaseModel):
    """The events `POST /_complaints` sent, in order, with the case type of each."""

    event_ids: list[str]
    case_types: list[str]
    deliveries: list[Delivery] | None = None


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/_calls")
async def list_calls(
    request: Request, system: str | None = None, idempotency_key: str | None = None
) -> list[CallRecord]:
    return _sim(request).ledger.calls(system=system, idempotency_key=idempotency_key)


@router.delete("/_calls", status_code=204)
async def reset_calls(request: Request) -> None:
    """Forget calls, first responses, effects and channel messages (fault settings are kept)."""
    sim = _sim(request)
    sim.ledger.reset()
    sim.channel_posts.clear()


@router.get("/_effects")
async def count_effects(request: Request, system: str | None = None) -> dict[str, dict[str, int]]:
    """`{system: {idempotency_key: effects}}`."""
    return _sim(request).ledger.effects(system=system)


@router.get("/_config")
async def read_config(request: Request) -> dict[str, Any]:
    sim = _sim(request)
    return {
        "systems": {name: cfg.model_dump() for name, cfg in sim.systems.items()},
        "webhooks": {"enabled": sim.webhooks_enabled, "delay_seconds": sim.webhook_delay_seconds},
    }


@router.put("/_config/webhooks")
async def change_webhooks(change: WebhookConfigChange, request: Request) -> dict[str, Any]:
    sim = _sim(request)
    if change.enabled is not None:
        sim.webhooks_enabled = change.enabled
    if change.delay_seconds is not None:
        sim.webhook_delay_seconds = change.delay_seconds
    return {"enabled": sim.webhooks_enabled, "delay_seconds": sim.webhook_delay_seconds}


class MismatchNiks(BaseModel):
    """`PUT /_config/dukcapil-mismatches`: the NIKs Dukcapil answers `match: false` for (besides *9999)."""

    niks: list[str] = Field(default_factory=list)


@router.put("/_config/dukcapil-mismatches")
async def change_mismatches(change: MismatchNiks, request: Request) -> dict[str, int]:
    """Replaces the set (a registry record corrected, or broken); answers its size, never the NIKs."""
    sim = _sim(request)
    sim.mismatch_niks = frozenset(change.niks)
    return {"mismatch_niks": len(sim.mismatch_niks)}


@router.put("/_config/{system}")
async def change_system(system: str, change: SystemConfigChange, request: Request) -> SystemConfig:
    sim = _sim(request)
    if system not in SYSTEMS:
        raise HTTPException(status_code=404, detail=f"unknown system {system!r}")
    current = sim.systems[system]
    for name, value in change.model_dump(exclude_none=True).items():
        setattr(current, name, value)
    return current


@router.get("/_webhooks")
async def list_deliveries(request: Request) -> list[Delivery]:
    """Outcome of every event sent to the engine (no bodies: they may carry a NIK)."""
    return _sim(request).sender.deliveries()


@router.post("/_emit")
async def emit(body: EmitRequest, request: Request) -> EmitResult:
    """Sign and send one integration event; by default in the background, like a real system."""
    sim = _sim(request)
    event = OutgoingEvent(
        event_id=body.event_id or new_event_id(body.source),
        type=body.type,
        journey_id=body.journey_id,
        nik=body.nik,
        occurred_at=body.occurred_at or utc_now(),
        data=body.data,
    )
    if body.wait:
        return EmitResult(event_id=event.event_id, delivery=await sim.sender.send_now(body.source, event))
    sim.sender.schedule(body.source, event, body.delay_seconds)
    return EmitResult(event_id=event.event_id)


@router.post("/_complaints")
async def file_complaints(body: ComplaintRequest, request: Request) -> ComplaintsFiled:
    """Play the hotline or an embassy: send `count` signed `complaint.filed` events to the engine."""
    sim = _sim(request)
    events = []
    for _ in range(body.count):
        case_type = body.case_type or draw_case_type(sim.rng)
        events.append(
            OutgoingEvent(
                event_id=new_event_id(body.source),
                type="complaint.filed",
                journey_id=body.journey_id,
                nik=body.nik,
                occurred_at=utc_now(),
                data={"case_type": case_type, "description": body.description or DESCRIPTIONS[case_type]},
            )
        )
    deliveries = None
    if body.wait:
        deliveries = [await sim.sender.send_now(body.source, event) for event in events]
    else:
        for event in events:
            sim.sender.schedule(body.source, event, 0.0)
    return ComplaintsFiled(
        event_ids=[e.event_id for e in events],
        case_types=[e.data["case_type"] for e in events],
        deliveries=deliveries,
    )


@router.get("/_channel")
async def list_channel(request: Request, channel: str | None = None) -> list[ChannelPost]:
    """Messages posted through `POST /notify/v1/channel`, oldest first; `channel` filters."""
    return [p for p in _sim(request).channel_posts if channel is None or p.channel == channel]
