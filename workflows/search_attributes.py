"""Custom search attributes of a journey. None carries personal data."""

from typing import TYPE_CHECKING

from temporalio.common import SearchAttributeKey

if TYPE_CHECKING:
    from temporalio.client import Client

JOURNEY_STATUS = SearchAttributeKey.for_keyword("PmiStatus")
JOURNEY_PHASE = SearchAttributeKey.for_keyword("PmiPhase")
JOURNEY_SCHEME = SearchAttributeKey.for_keyword("PmiScheme")
PROVINCE = SearchAttributeKey.for_keyword("PmiProvince")
DESTINATION = SearchAttributeKey.for_keyword("PmiDestination")
P3MI = SearchAttributeKey.for_keyword("PmiP3mi")

ALL = (JOURNEY_STATUS, JOURNEY_PHASE, JOURNEY_SCHEME, PROVINCE, DESTINATION, P3MI)


def dev_server_args() -> list[str]:
    """`--search-attribute Name=Keyword` flags for `temporal server start-dev`."""
    args: list[str] = []
    for key in ALL:
        args += ["--search-attribute", f"{key.name}=Keyword"]
    return args


async def register(client: "Client") -> None:
    """Register the keys on a server that lacks them (the time-skipping test server, a fresh cluster)."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest

    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={k.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for k in ALL},
        )
    )
