"""The rules object (`domain.rules.rules_of`): each version's behaviour asked by name."""

import dataclasses

import pytest

from domain.rules import CURRENT, LEGACY, rules_of


def test_legacy_journeys_and_cases_keep_every_old_behaviour_and_current_ones_get_every_new_one():
    legacy, current = rules_of(LEGACY), rules_of(CURRENT)
    features = [f.name for f in dataclasses.fields(legacy) if f.name != "version"]
    assert len(features) == 13
    assert not any(getattr(legacy, name) for name in features)
    assert all(getattr(current, name) for name in features)
    assert (legacy.version, current.version) == (1, 2)


def test_the_rules_are_read_from_a_state_or_a_version_and_an_unknown_version_is_refused():
    class State:
        rules = CURRENT

    assert rules_of(State()) is rules_of(CURRENT)
    with pytest.raises(KeyError):
        rules_of(3)
