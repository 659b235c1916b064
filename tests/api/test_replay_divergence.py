"""A run that no longer replays is reported with its workflow, its run and the first diverging event,
whether replayed here or in the verify's child process (`ReplayPool`)."""

import asyncio
import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from api.services.replay import ReplayPool, ReplayUnavailable, replay, run_id_of

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


async def test_a_run_that_has_decided_nothing_yet_replays_at_once():
    """A run continued as new a moment ago holds only its start (and maybe a signal): the SDK's replayer
    would never return on it, so it is counted as replayed without being handed over."""
    history, _ = _history("j_new")
    just_started = WorkflowHistory("j_new", list(history.events[:1]))
    report = await asyncio.wait_for(replay([just_started, history]), 30)
    assert (report.runs, report.divergences) == (2, [])


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


async def test_the_pool_replays_in_a_child_process_with_the_same_findings():
    good, _ = _history("j_good")
    bad, tampered_event = _history("j_bad", tamper_nth_activity=4)
    pool = ReplayPool(None, processes=1, timeout_seconds=120)
    try:
        here = await replay([good, bad])
        there = await pool.replay([good, bad])
        assert there == here
        assert there.runs == 2 and [d.event_id for d in there.divergences] == [tampered_event]
        again = await pool.replay([good])  # the child stays and serves the next replay
        assert (again.runs, again.divergences) == (1, [])
    finally:
        pool.close()


async def test_a_replay_past_the_deadline_is_unavailable_and_the_next_one_starts_afresh():
    history, _ = _history("j_slow")
    pool = ReplayPool(None, processes=1, timeout_seconds=0.01)  # less than a child takes to start
    try:
        with pytest.raises(ReplayUnavailable):
            await pool.replay([history])
        pool.timeout_seconds = 120
        report = await pool.replay([history])
        assert (report.runs, report.divergences) == (1, [])
    finally:
        pool.close()


async def test_a_run_whose_payloads_do_not_decrypt_is_unavailable_within_the_deadline_not_a_hang(tmp_path):
    """The SDK's replayer retries a failing workflow task for ever: the pool's deadline ends it."""
    from temporalio.api.history.v1 import History

    from store.data_keys import DataKeyringFile
    from workflows.codec import EncryptionCodec, decode_payloads_in

    sealer = EncryptionCodec(DataKeyringFile(tmp_path / "keys.json"))

    class Seal:  # "decodes" by encrypting: seals every payload of a history in place
        async def decode(self, payloads):
            return await sealer.encode(payloads)

    sealed, _ = _history("j_sealed")
    message = History(events=sealed.events)
    await decode_payloads_in(message, Seal())
    sealed = WorkflowHistory("j_sealed", list(message.events))
    without_key = ReplayPool(None, processes=1, timeout_seconds=6)
    try:
        with pytest.raises(ReplayUnavailable):
            await without_key.replay([sealed])
    finally:
        without_key.close()
