"""`POST /v1/integrations/{source}/events`: signed webhooks from government systems (no bearer token)."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

from api import rate_limits
from api.deps import ServicesDep
from api.schemas.errors import error_responses
from api.schemas.integrations import SOURCES, IntegrationAnswer, IntegrationEventIn
from api.services import integrations
from domain import signatures

router = APIRouter(prefix="/v1/integrations", tags=["integrations"])
# The signature is these endpoints' authentication, so the document declares it as their security scheme.
_SIGNATURE = APIKeyHeader(
    name=signatures.HEADER,
    scheme_name="WebhookSignature",
    description='`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; the source\'s secret '
    "comes from PMI_WEBHOOK_SECRETS, and several `v1=` may be given (rotation)",
    auto_error=False,
)


@router.post(
    "/{source}/events",
    status_code=202,
    response_model=IntegrationAnswer,
    summary="Receive a signed integration event",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": IntegrationEventIn.model_json_schema(),
                    "examples": {
                        name: {"value": example}
                        for name, example in zip(
                            ("medical", "medical_by_nik"),
                            IntegrationEventIn.model_config["json_schema_extra"]["examples"],
                            strict=True,
                        )
                    },
                }
            },
        }
    },
    responses={
        200: {
            "description": "`duplicate`: this source already sent this event_id",
            "model": IntegrationAnswer,
        },
        **error_responses(
            {
                401: "BAD_SIGNATURE (checked before the body is parsed)",
                429: "RATE_LIMITED: this source is over its rate, or this address failed too often",
                404: "NOT_FOUND: unknown source, or no journey matches",
                422: "VALIDATION_ERROR: malformed body, unknown type, or type not sent by this source",
                503: "UNAVAILABLE (Temporal or the database)",
            }
        ),
    },
)
async def receive_event(
    source: Annotated[
        str,
        # The sources are listed for clients; any other is answered 404 after the signature check, so
        # the path is not validated against them before it.
        Path(description="The sending system", examples=["clinic"], json_schema_extra={"enum": list(SOURCES)}),
    ],
    request: Request,
    services: ServicesDep,
    signature: Annotated[str | None, Security(_SIGNATURE)] = None,
) -> JSONResponse:
    # The raw bytes are what was signed: read them before anything parses the body.
    raw = await request.body()
    limits, address = rate_limits.of(request), rate_limits.client_address(request)
    status, answer = await integrations.receive_event(services, source, raw, signature, limits, address)
    return JSONResponse(answer, status_code=status)
