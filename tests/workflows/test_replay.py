"""Old journeys must still replay on today's code (STYLE 12). Recorded histories live in
`tests/workflows/histories/`; a change that alters a workflow's commands without
`workflow.patched` makes this fail. Record new ones with `python -m scripts.record_histories`; before
that, rename the current files after what they still cover:

- `*_remote_quota.json`: before the `quota-local-activity` patch (the job-order unit as a remote activity);
- `*_before_employment_sms.json`, `*_before_no_sms_about_a_death.json`: before those SMS patches;
- `*_before_rules_5.json`: journeys under rules 4 (patch `journey-rules-5`: employment changes re-check
  what depends on them) and closed before `release-nik-on-close` (the NIK freed by the read model);
- `*_before_rules_4.json`: journeys under rules 3 (patch `journey-rules-4`: follow-ups recorded as tasks);
- `*_before_rules_3.json`: journeys under rules 2 (patch `journey-rules-3`: documents that lapse, flags
  told to the office, the placement's standing, the job order kept);
- `*_before_rules_2.json` and `legacy_*.json`: journeys and cases under the legacy rules (`domain.rules`,
  patches `journey-rules-2` / `case-rules-2`). The `legacy_*` ones were recorded on the code of commit
  0f40d65 in the situations rules 2 change: a reopened registration, a reopened step with dependents, a
  case resolved while waiting, a signal during the unfit window, a departure recorded after the lapse."""

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from config import Settings
from scripts.record_histories import NAMES
from workflows.case import ProtectionCaseWorkflow
from workflows.client import data_converter
from workflows.journey import JourneyWorkflow
from workflows.registry import SANDBOX, WORKFLOWS

HISTORIES = Path(__file__).parent / "histories"
RECORDED = sorted(HISTORIES.glob("*.json"))
LOADED = {p.stem: WorkflowHistory.from_json(p.stem, json.loads(p.read_text())) for p in RECORDED}


@pytest.mark.parametrize("name", sorted(LOADED))
async def test_a_recorded_journey_replays_on_the_current_code(name: str):
    history = LOADED[name]
    # The engine's converter, codec included: histories recorded before the codec still replay through it.
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter(Settings()), workflow_runner=SANDBOX)
    await replayer.replay_workflow(history)


def test_every_scenario_and_every_long_lived_workflow_has_a_recorded_history():
    """Replay proves nothing about a workflow with no recording: each scenario the recording script runs
    has its file, every recorded history is of a workflow the worker runs, and the journey and case
    workflows (the ones whose runs last years) are both among them."""
    missing = sorted(set(NAMES) - set(LOADED))
    assert not missing, f"record them with `python -m scripts.record_histories`: {missing}"
    types = {name: _workflow_type(path) for name, path in zip(LOADED, RECORDED, strict=True)}
    registered = {w.__name__ for w in WORKFLOWS}
    assert set(types.values()) <= registered, types
    assert {JourneyWorkflow.__name__, ProtectionCaseWorkflow.__name__} <= set(types.values())


def _workflow_type(path: Path) -> str:
    first = json.loads(path.read_text())["events"][0]
    return first["workflowExecutionStartedEventAttributes"]["workflowType"]["name"]
