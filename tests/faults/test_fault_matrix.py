"""The fault matrix (issue 6) on the real stack: each scenario breaks one dependency, checks the answers
meanwhile (503 `UNAVAILABLE` with Retry-After within its deadline, database reads still served), repairs
it, and checks exactly-once effects and a verifying chain. The scenarios are in `scenarios.py`;
`bench/faults_soak.py` repeats them for longer."""

from pathlib import Path

from tests.api.stack import Stack, running_stack
from tests.faults import scenarios
from tests.faults.devserver import KillableDevServer
from tests.faults.probes import FAULT_SETTINGS
from tests.faults.tcp_proxy import TcpProxy


async def test_an_action_no_worker_takes_is_503_and_its_retry_is_the_one_action(fault_stack: Stack):
    await scenarios.worker_killed_mid_action(fault_stack)


async def test_a_government_system_failing_delays_registration_until_it_recovers_then_registers_once(
    fault_stack: Stack,
):
    await scenarios.government_system_failing_then_recovering(fault_stack, "siskop2mi")


async def test_one_webhook_delivered_three_times_at_once_is_accepted_once_and_applied_once(fault_stack: Stack):
    await scenarios.webhook_replayed_three_times_concurrently(fault_stack)


async def test_temporal_killed_and_restarted_answers_503_meanwhile_and_loses_nothing(
    killable_server: KillableDevServer, tmp_path: Path
):
    client = await killable_server.connect()
    async with running_stack(client, f"sqlite+aiosqlite:///{tmp_path / 'pmi.db'}", tmp_path, FAULT_SETTINGS) as s:
        await scenarios.temporal_killed_and_restarted(s, killable_server)


async def test_a_database_outage_answers_503_within_its_deadline_and_retries_apply_once(
    pg_behind_proxy: tuple[Stack, TcpProxy],
):
    stack, proxy = pg_behind_proxy
    await scenarios.database_unavailable(stack, proxy)


async def test_the_whole_stack_restarted_on_its_data_carries_the_journey_on(
    killable_server: KillableDevServer, tmp_path: Path
):
    await scenarios.whole_stack_restart(killable_server, f"sqlite+aiosqlite:///{tmp_path / 'pmi.db'}", tmp_path)
