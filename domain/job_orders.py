"""Which job orders a journey may name (DOMAIN.md, job_selection): one of its own P3MI (or of the G2G
programme for a G2G journey), for its destination, open. The store applies this when it takes a unit
(with the quota, atomically); the API applies it when a journey starts naming a job order."""

from collections.abc import Mapping
from typing import Any


def job_order_refusal(
    job_order: Mapping[str, Any], scheme: str | None, p3mi_id: str | None, destination: str | None
) -> tuple[str, str] | None:
    """(rule, message) if the journey may not name `job_order`, else None. `None` arguments are not checked."""
    jo_id = job_order["job_order_id"]
    if job_order["status"] != "open":
        return "job_order_closed", f"job order {jo_id} is closed"
    if destination is not None and destination != job_order["destination_country"]:
        return "job_order_destination_mismatch", f"job order {jo_id} is for {job_order['destination_country']}"
    if scheme is not None and scheme != job_order["scheme"]:
        return "job_order_scheme_mismatch", f"job order {jo_id} is a {job_order['scheme']} job order"
    if scheme == "P3MI" and p3mi_id is not None and job_order.get("p3mi_id") != p3mi_id:
        return "job_order_not_of_p3mi", f"job order {jo_id} is not one of {p3mi_id}'s"
    return None
