"""Versions of the engine's own rules (not the ministry's policy values, which are `Policy`).

A journey or a case keeps the rules it started under: its first event (`JourneyStarted`,
`CaseOpened`) says which, so the workflow's replay and the auditor's fold of the events agree
whatever the code has learned since. Events recorded before rules were versioned carry none and
read as `LEGACY`. The workflows choose `CURRENT` for new journeys and cases through
`workflow.patched`, so a history recorded before replays as it ran.

Version 2 (2026-11):
- a reopened step locks again the steps waiting on it that are not done yet;
- a reopened registration asks the registries again;
- a departure made while the medical check was valid is accepted when recorded after its lapse;
- the minimum age is taken on the start date in the worker's province;
- the journey stores what arrives while it waits to be reopened after an unfit result, at once;
- a complaint that comes with the journey's start opens its case;
- a case's update records the deadlines that passed before it; a resolved case waits for nobody;
  a case is repatriated once; working days are the province's weekdays.
"""

LEGACY = 1
CURRENT = 2
