"""The bare-Temporal baseline: the journey's message shape with none of its work.

It takes the same updates (`step_action`) and signals (`integration_event`) a journey takes,
but an update only appends its payload to a list and returns the list's length, a signal is only
recorded, and there are no activities. It completes once it has seen `expected_signals` signals.
Defined in its own module with nothing but `temporalio` imported, so the default workflow
sandbox loads it as is.
"""

from typing import Any

from temporalio import workflow


@workflow.defn(name="BenchBareWorkflow")
class BareWorkflow:
    def __init__(self) -> None:
        self._items: list[dict[str, Any]] = []
        self._signals: list[dict[str, Any]] = []

    @workflow.run
    async def run(self, expected_signals: int) -> int:
        await workflow.wait_condition(lambda: len(self._signals) >= expected_signals)
        return len(self._items)

    @workflow.update
    def step_action(self, item: dict[str, Any]) -> int:
        self._items.append(item)
        return len(self._items)

    @workflow.signal
    def integration_event(self, event: dict[str, Any]) -> None:
        self._signals.append(event)
