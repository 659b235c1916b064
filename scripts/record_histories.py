"""Record the workflow histories that `tests/workflows/test_replay.py` replays on every change.

    .venv/bin/python -m scripts.record_histories [--out tests/workflows/histories]

Runs each scenario of `SCENARIOS` on the time-skipping test server with the real worker and activities,
and writes each history with its payloads decrypted (the keys of this run are thrown away, and a
history in the clear replays on any machine). Before recording over the current files, rename them
after what they still cover (see the docstring of `test_replay.py`), so the old shapes keep replaying.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

HISTORIES = Path(__file__).resolve().parent.parent / "tests" / "workflows" / "histories"


async def journey_p3mi_to_arrival(stack) -> dict[str, str]:
    """A P3MI journey with a protection case, through departure and arrival."""
    from tests.workflows.journeys import drive_to_departure, iso, send, start, wait_step
    from tests.workflows.test_protection_cases import act_on_case, open_case

    handle = await start(stack, "P3MI")
    await drive_to_departure(stack, handle, "P3MI")
    case_id = await open_case(handle, "unpaid_wages")
    await act_on_case(stack, case_id, "verify")
    now = await stack.env.get_current_time()
    await send(handle, "embassy", "arrival.reported", {"reported_at": iso(now), "mission": "KDEI-TPE"})
    await wait_step(handle, "arrival_report")
    await stack.env.sleep(timedelta(days=6))
    return {"journey_p3mi_to_arrival": handle.id, "case_unpaid_wages_escalated": case_id}


async def journey_g2g_through_contract_end(stack) -> dict[str, str]:
    """A G2G journey through its contract's end, the return and its three follow-ups, recorded."""
    from domain.contracts import RecordFollowUp
    from tests.workflows.journeys import OFFICER, drive_to_reintegration, start

    handle = await start(stack, "G2G")
    await drive_to_reintegration(stack, handle, "G2G")
    for number, days in ((1, 95), (2, 110), (3, 190)):  # the second is recorded late, after its flag
        await stack.env.sleep(timedelta(days=days))
        cmd = RecordFollowUp(number=number, reached=True, employed=number > 1, actor=OFFICER)
        await handle.execute_update("record_follow_up", cmd, result_type=dict)
    await handle.result()
    return {"journey_g2g_through_contract_end": handle.id}


async def journey_g2g_death(stack) -> dict[str, str]:
    """A worker who dies abroad: the death case repatriates her remains and ends the journey."""
    from tests.workflows.journeys import drive_to_departure, start
    from tests.workflows.test_protection_cases import act_on_case, open_case

    handle = await start(stack, "G2G")
    await drive_to_departure(stack, handle, "G2G")
    case_id = await open_case(handle, "death", "embassy")
    await act_on_case(stack, case_id, "verify")
    await act_on_case(stack, case_id, "repatriate", note="remains flown to SUB")
    await handle.result()
    return {"journey_g2g_death": handle.id}


async def journey_p3mi_standing(stack) -> dict[str, str]:
    """Rules 3: a licence suspended and reinstated, a medical check lapsing (the office told), a closed
    destination waived by a supervisor, departure, and an overdue arrival report."""
    from domain.contracts import StandingChange, WaiveRule
    from tests.polling import eventually
    from tests.workflows.journeys import SUPERVISOR, act, drive_to_departure, fit_result, iso, start, view, wait_step

    handle = await start(stack, "P3MI")
    await wait_step(handle, "registration")
    licence = StandingChange(kind="p3mi_licence", key="P3MI-0007", status="suspended")
    await handle.signal("standing_changed", licence)
    await handle.signal("standing_changed", licence.model_copy(update={"status": "active"}))
    await drive_to_departure(stack, handle, "P3MI", depart=False)
    await stack.env.sleep(timedelta(days=100))
    await wait_step(handle, "medical_check", states=("expired",))
    await act(handle, "medical_check", fit_result(await stack.env.get_current_time()))
    await handle.signal("standing_changed", StandingChange(kind="destination", key="TW", status="closed"))
    await eventually(lambda: view(handle), lambda j: "destination_closed" in j["flags"])
    waiver = WaiveRule(rule="destination_closed", reason="visa issued, ministry consent", actor=SUPERVISOR)
    await handle.execute_update("waive_rule", waiver, result_type=dict)
    now = await stack.env.get_current_time()
    await act(handle, "departure", {"departed_at": iso(now), "port": "CGK", "flight_no": "CI762"})
    await stack.env.sleep(timedelta(days=40))  # the arrival report is overdue: flagged, the office told
    return {"journey_p3mi_standing": handle.id}


async def journey_p3mi_employment_changes(stack) -> dict[str, str]:
    """Rules 5: a contract extended past the BPJS cover (a flag, a task, the office told), the cover
    extended (the task done, the flag cleared), and a change of employer with its new contract."""
    from domain.contracts import RecordEmploymentEvent
    from tests.workflows.journeys import OFFICER, drive_to_departure, start, view

    handle = await start(stack, "P3MI")
    await drive_to_departure(stack, handle, "P3MI")
    end = date.fromisoformat((await view(handle))["contract_end"])
    new_end = end + timedelta(days=365)
    for kind, data in (
        ("contract_extended", {"new_end_date": new_end.isoformat(), "family_consent_ref": "FC-2"}),
        ("social_security_extended", {"covered_until": (new_end + timedelta(days=31)).isoformat()}),
        ("employer_changed", {"employer_name": "Lin Family", "contract_ref": "CT-2", "reason": "transfer"}),
    ):
        cmd = RecordEmploymentEvent(kind=kind, data=data, actor=OFFICER)
        await handle.execute_update("record_employment_event", cmd, result_type=dict)
    await stack.env.sleep(timedelta(days=1))
    return {"journey_p3mi_employment_changes": handle.id}


# Each scenario returns {history name: workflow id}; the names are the files test_replay.py requires.
# The first sleeps after nothing else ran: once a case closes after its journey's run has moved on, the
# test server keeps time locked, and a later sleep waits for its RPC deadline.
SCENARIOS: list[Callable[..., Awaitable[dict[str, str]]]] = [
    journey_p3mi_standing,
    journey_p3mi_to_arrival,
    journey_g2g_through_contract_end,
    journey_g2g_death,
    journey_p3mi_employment_changes,
]
NAMES = (
    "journey_p3mi_to_arrival",
    "case_unpaid_wages_escalated",
    "journey_g2g_through_contract_end",
    "journey_g2g_death",
    "journey_p3mi_standing",
    "journey_p3mi_employment_changes",
)


async def record(out: Path) -> list[Path]:
    from temporalio.testing import WorkflowEnvironment

    from config import Settings
    from tests.workflows.conftest import workflow_stack
    from workflows import search_attributes
    from workflows.client import codec_for, data_converter
    from workflows.codec import history_in_the_clear

    server = Path(sys.executable).parent / "temporal-test-server"
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(server), data_converter=data_converter(Settings())
    )
    written = []
    try:
        await search_attributes.register(env.client)
        with tempfile.TemporaryDirectory(prefix="pmi-record-") as directory:
            async with workflow_stack(env, Path(directory)) as stack:
                for scenario in SCENARIOS:
                    for name, workflow_id in (await scenario(stack)).items():
                        history = await stack.client.get_workflow_handle(workflow_id).fetch_history()
                        clear = await history_in_the_clear(history, codec_for(Settings()))
                        path = out / f"{name}.json"
                        path.write_text(json.dumps(clear.to_json_dict(), indent=1))
                        written.append(path)
    finally:
        await env.shutdown()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HISTORIES, help=f"where to write them (default {HISTORIES})")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    # Keys for this run only: the histories are written decrypted.
    keys = Path(tempfile.mkdtemp(prefix="pmi-record-keys-")) / "data-keyring.json"
    os.environ["PMI_DATA_KEYRING_FILE"] = str(keys)
    for path in asyncio.run(record(args.out)):
        print(f"recorded {path}")


if __name__ == "__main__":
    main()
