"""A run that no longer replays is reported with its workflow, its run and the first diverging event."""

import json
from pathlib import Path

from temporalio.client import WorkflowHistory

from api.services.replay import replay, run_id_of

HISTORY = Path(__file__).parents[1] / "workflows" / "histories" / "journey_p3mi_to_arrival.json"


def _history(workflow_id: str, tamper_nth_activity: int | None = None) -> tuple[WorkflowHistory, int | None]:
    data = json.loads(HISTORY.read_text())
    tampered = None
    if tamper_nth_activity is not None:
        scheduled = [e for e in data["events"] if "activityTaskScheduledEventAttributes" in e]
        event = scheduled[tamper_nth_activity]
        event["activityTaskScheduledEventAttributes"]["activityType"]["name"] = "no.such.activity"
        tampered = int(event["eventId"])
    return WorkflowHistory.from_json(workflow_id, data), tampered


async def test_a_run_that_replays_reports_nothing():
    history, _ = _history("j_ok")
    report = await replay([history])
    assert (report.runs, report.divergences) == (1, [])


async def test_a_diverging_run_is_named_with_the_first_event_the_code_does_not_produce():
    for nth in (0, 4):
        good, _ = _history("j_good")
        bad, tampered_event = _history("j_bad", tamper_nth_activity=nth)
        report = await replay([good, bad])
        assert report.runs == 2 and len(report.divergences) == 1
        divergence = report.divergences[0]
        assert (divergence.workflow_id, divergence.run_id) == ("j_bad", run_id_of(bad))
        assert divergence.run_id and divergence.event_id == tampered_event
        assert "Nondeterminism" in divergence.message
