"""What the console suggests for the codes a form asks for (a P3MI, a job order, a destination, a
clinic, a training centre, a mission), from the reference data. The inputs stay text and the API
still checks what is sent: a person picks from what exists instead of remembering codes. Read at
most once a minute per process: the reference data changes by an admin's hand."""

import time
from typing import Any

Choices = dict[str, list[tuple[str, str]]]
SECONDS = 60.0
_cache: dict[int, tuple[float, Choices]] = {}


async def suggestions(services: Any) -> Choices:
    """Form field name (its last part: `job_order_id`, `clinic_id`) -> (code, what it is)."""
    key = id(services.reference)
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < SECONDS:
        return hit[1]
    reference = services.reference
    p3mis, _ = await reference.list_p3mi(500)
    jobs, _ = await reference.list_job_orders(500, None, status="open")
    found: Choices = {
        "p3mi_id": [(p["p3mi_id"], p["name"]) for p in p3mis if p.get("licence_status") == "active"],
        "job_order_id": [
            (j["job_order_id"], f"{j['employer_name']} · {j['destination_country']} · {j['occupation']}") for j in jobs
        ],
        "destination_country": [
            (c["code"], c["name"]) for c in await reference.list_countries() if c["status"] == "open"
        ],
        "clinic_id": [(c["clinic_id"], c["name"]) for c in await reference.list_clinics()],
        "institution_id": [(c["centre_id"], c["name"]) for c in await reference.list_training_centres()],
        "mission": [(m["mission_id"], m["name"]) for m in await reference.list_missions()],
    }
    _cache[key] = (time.monotonic(), found)
    return found
