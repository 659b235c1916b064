"""The simulated government systems: Dukcapil, SISKOP2MI, Imigrasi, BPJS TK and the notification gateway.

Each route declares its body (so `/openapi.json` documents it) and hands its effect to
`Simulator.call`, which applies idempotency, latency, injected outages and the ledger.
Asynchronous results (a passport issued, a BPJS membership) come back as signed webhooks.
The notification gateway also carries channel messages (an office's or the rapid response
team's messaging channel), which `GET /_channel` lists so tests can see who was told.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from simulator.state import ChannelPost, Simulator, add_years
from simulator.webhooks import OutgoingEvent, new_event_id

router = APIRouter()

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
NOT_FOUND_REASON = "NIK not found in civil registry"


def _sim(request: Request) -> Simulator:
    return request.app.state.simulator


def _today() -> date:
    return datetime.now(UTC).date()


# Identifiers are ASCII digits: `\d` in a pattern is any script's decimal digit (full-width, Arabic-Indic...).
class NikCheck(BaseModel):
    nik: str = Field(pattern=r"^[0-9]{16}$")
    full_name: str = Field(min_length=1)
    birth_date: date


class RegistrationRequest(BaseModel):
    journey_id: str
    province_code: str = Field(pattern=r"^[0-9]{2}$")
    scheme: Literal["G2G", "P3MI", "INDEPENDENT"]


class JourneyRequest(BaseModel):
    journey_id: str


class PassportRecommendationRequest(BaseModel):
    journey_id: str
    destination_country: str = Field(pattern=r"^[A-Z]{2}$")


class EnrolmentRequest(BaseModel):
    journey_id: str
    covered_until: date | None = None
    contract_end: date | None = None  # the cover runs to it, and the return journey's month beyond


class SmsRequest(BaseModel):
    to: str = Field(pattern=r"^\+?[0-9]{8,15}$")
    template: str = Field(min_length=1)
    params: dict[str, str] = Field(default_factory=dict)


class ChannelRequest(BaseModel):
    channel: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=4000)
    case_id: str | None = None
    journey_id: str | None = None


class DeathClaimRequest(BaseModel):
    journey_id: str = Field(min_length=1)
    case_id: str = Field(min_length=1)


@router.post("/dukcapil/v1/nik/verify")
async def verify_nik(body: NikCheck, request: Request, key: IdempotencyKey = None) -> JSONResponse:
    """A mismatch is a 200 answer with `match: false`: the registry answered, it just said no."""
    sim = _sim(request)

    async def effect() -> dict[str, Any]:
        if body.nik.endswith("9999") or body.nik in sim.mismatch_niks:
            return {"match": False, "reason": NOT_FOUND_REASON}
        return {"match": True}

    return await sim.call("dukcapil", "nik/verify", key, effect)


@router.post("/siskop2mi/v1/registrations")
async def register(body: RegistrationRequest, request: Request, key: IdempotencyKey = None) -> JSONResponse:
    sim = _sim(request)

    async def effect() -> dict[str, Any]:
        return {"registration_no": sim.reference(f"SISKO-{body.province_code}-")}

    return await sim.call("siskop2mi", "registrations", key, effect)


@router.post("/siskop2mi/v1/epmi")
async def issue_epmi(body: JourneyRequest, request: Request, key: IdempotencyKey = None) -> JSONResponse:
    sim = _sim(request)

    async def effect() -> dict[str, Any]:
        return {"epmi_id": sim.reference("EPMI-")}

    return await sim.call("siskop2mi", "epmi", key, effect)


@router.post("/imigrasi/v1/passport-recommendations")
async def recommend_passport(
    body: PassportRecommendationRequest, request: Request, key: IdempotencyKey = None
) -> JSONResponse:
    """Acknowledges now; the passport itself arrives later as a signed `passport.issued` event."""
    sim = _sim(request)

    async def effect() -> dict[str, Any]:
        passport_no = sim.rng.choice("ABCE") + sim.digits(7)
        sim.push(
            "imigrasi",
            OutgoingEvent(
                event_id=new_event_id("imigrasi"),
                type="passport.issued",
                journey_id=body.journey_id,
                occurred_at=datetime.now(UTC),
                data={"passport_no": passport_no, "expires_at": add_years(_today(), 5).isoformat()},
            ),
        )
        return {"recommendation_no": sim.reference("REK-IMI-")}

    return await sim.call("imigrasi", "passport-recommendations", key, effect)


@router.post("/bpjs/v1/enrolments")
async def enrol(body: EnrolmentRequest, request: Request, key: IdempotencyKey = None) -> JSONResponse:
    """Acknowledges now; the membership arrives later as a signed `bpjs.enrolled` event."""
    sim = _sim(request)

    async def effect() -> dict[str, Any]:
        # Sized to the contract when the request says when it ends, with a month more for the return
        # (counted from today for a contract already over); else six years, the longest contract
        # (60 months) plus the pre-departure months.
        sized = max(body.contract_end, _today()) + timedelta(days=31) if body.contract_end else None
        covered_until = body.covered_until or sized or add_years(_today(), 6)
        sim.push(
            "bpjs",
            OutgoingEvent(
                event_id=new_event_id("bpjs"),
                type="bpjs.enrolled",
                journey_id=body.journey_id,
                occurred_at=datetime.now(UTC),
                data={"membership_no": sim.digits(11), "covered_until": covered_until.isoformat()},
            ),
        )
        return {"enrolment_id": sim.reference("BPJS-ENR-")}

    return await sim.call("bpjs", "enrolments", key, effect)


@router.post("/notify/v1/sms")
async def send_sms(body: SmsRequest, request: Request, key: IdempotencyKey = None) -> JSONResponse:
    sim = _sim(request)

    async def effect() -> dict[str, Any]:
        return {"message_id": sim.reference("SMS-", 12)}

    return await sim.call("notify", "sms", key, effect)


@router.post("/notify/v1/channel")
async def post_channel(body: ChannelRequest, request: Request, key: IdempotencyKey = None) -> JSONResponse:
    """Posts to a messaging channel; the post is kept once per key and listed by `GET /_channel`."""
    sim = _sim(request)

    async def effect() -> dict[str, Any]:
        message_id = sim.reference("CH-", 12)
        sim.channel_posts.append(
            ChannelPost(
                message_id=message_id,
                channel=body.channel,
                text=body.text,
                case_id=body.case_id,
                journey_id=body.journey_id,
                at=datetime.now(UTC),
            )
        )
        return {"message_id": message_id}

    return await sim.call("notify", "channel", key, effect)


@router.post("/bpjs/v1/death-claims")
async def file_death_claim(body: DeathClaimRequest, request: Request, key: IdempotencyKey = None) -> JSONResponse:
    """Files a BPJS TK death benefit claim for the worker's heirs; answers with the claim reference."""
    sim = _sim(request)

    async def effect() -> dict[str, Any]:
        return {"claim_ref": sim.reference("BPJS-DC-")}

    return await sim.call("bpjs", "death-claims", key, effect)
