"""`POST /v1/integrations/{source}/events`: signed webhooks from government systems (no bearer token)."""

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from api.deps import ServicesDep
from api.schemas.integrations import IntegrationAnswer, IntegrationEventIn
from api.services import integrations

router = APIRouter(prefix="/v1/integrations", tags=["integrations"])


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
                        "medical": {"value": IntegrationEventIn.model_config["json_schema_extra"]["examples"][0]}
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
        401: {"description": "BAD_SIGNATURE (checked before the body is parsed)"},
        404: {"description": "NOT_FOUND: unknown source, or no journey matches"},
        422: {"description": "VALIDATION_ERROR: malformed body, unknown type, or type not sent by this source"},
    },
)
async def receive_event(
    source: str,
    request: Request,
    services: ServicesDep,
    signature: Annotated[str | None, Header(alias="X-PMI-Signature")] = None,
) -> JSONResponse:
    # The raw bytes are what was signed: read them before anything parses the body.
    raw = await request.body()
    status, answer = await integrations.receive_event(services, source, raw, signature)
    return JSONResponse(answer, status_code=status)
