"""Old journeys must still replay on today's code (STYLE 12). Recorded histories live in
`tests/workflows/histories/`; a change that alters a workflow's commands without
`workflow.patched` makes this fail. Record new ones with `PMI_RECORD_HISTORIES=1`; before that,
rename the current files after what they still cover:

- `*_remote_quota.json`: before the `quota-local-activity` patch (the job-order unit as a remote activity);
- `*_before_employment_sms.json`, `*_before_no_sms_about_a_death.json`: before those SMS patches;
- `*_before_rules_2.json` and `legacy_*.json`: journeys and cases under the legacy rules (`domain.rules`,
  patches `journey-rules-2` / `case-rules-2`). The `legacy_*` ones were recorded on the code of commit
  0f40d65 in the situations rules 2 change: a reopened registration, a reopened step with dependents, a
  case resolved while waiting, a signal during the unfit window, a departure recorded after the lapse."""

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from config import Settings
from tests.workflows.journeys import drive_to_departure, drive_to_reintegration, iso, send, start, wait_step
from tests.workflows.test_protection_cases import act_on_case, open_case
from worker import SANDBOX, WORKFLOWS
from workflows.client import codec_for, data_converter
from workflows.codec import history_in_the_clear

HISTORIES = Path(__file__).parent / "histories"
RECORDED = sorted(HISTORIES.glob("*.json"))
LOADED = {p.stem: WorkflowHistory.from_json(p.stem, json.loads(p.read_text())) for p in RECORDED}


@pytest.mark.parametrize("name", sorted(LOADED))
async def test_a_recorded_journey_replays_on_the_current_code(name: str):
    history = LOADED[name]
    # The engine's converter, codec included: histories recorded before the codec still replay through it.
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter(Settings()), workflow_runner=SANDBOX)
    await replayer.replay_workflow(history)


def test_histories_are_recorded():
    assert len(RECORDED) >= 2, "record histories with PMI_RECORD_HISTORIES=1"


@pytest.mark.skipif(not os.environ.get("PMI_RECORD_HISTORIES"), reason="records new histories on request only")
async def test_record_histories(wf_stack):
    """A journey with a protection case, through departure and arrival; writes its and the case's history."""
    handle = await start(wf_stack, "P3MI")
    await drive_to_departure(wf_stack, handle, "P3MI")
    case_id = await open_case(handle, "unpaid_wages")
    await act_on_case(wf_stack, case_id, "verify")
    now = await wf_stack.env.get_current_time()
    await send(handle, "embassy", "arrival.reported", {"reported_at": iso(now), "mission": "KDEI-TPE"})
    await wait_step(handle, "arrival_report")
    await wf_stack.env.sleep(timedelta(days=6))
    await write_history(wf_stack, handle.id, "journey_p3mi_to_arrival")
    await write_history(wf_stack, case_id, "case_unpaid_wages_escalated")

    # A G2G journey through its contract's end, the return and the end of its follow-ups.
    handle = await start(wf_stack, "G2G")
    await drive_to_reintegration(wf_stack, handle, "G2G")
    await wf_stack.env.sleep(timedelta(days=366))
    await handle.result()
    await write_history(wf_stack, handle.id, "journey_g2g_through_contract_end")

    # A worker who dies abroad: the death case repatriates her remains and ends the journey.
    handle = await start(wf_stack, "G2G")
    await drive_to_departure(wf_stack, handle, "G2G")
    case_id = await open_case(handle, "death", "embassy")
    await act_on_case(wf_stack, case_id, "verify")
    await act_on_case(wf_stack, case_id, "repatriate", note="remains flown to SUB")
    await handle.result()
    await write_history(wf_stack, handle.id, "journey_g2g_death")


async def write_history(stack, workflow_id: str, name: str) -> None:
    """The history with its payloads decrypted: the session's data keys are thrown away with it, and a
    history in the clear replays on any machine (as those recorded before the codec do)."""
    history = await stack.client.get_workflow_handle(workflow_id).fetch_history()
    clear = await history_in_the_clear(history, codec_for(Settings()))
    (HISTORIES / f"{name}.json").write_text(json.dumps(clear.to_json_dict(), indent=1))
