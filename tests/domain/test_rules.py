"""The rules object (`domain.rules.rules_of`): each version's behaviour asked by name."""

import dataclasses

import pytest

from domain.rules import CURRENT, LEGACY, V2, V3, V4, rules_of

VERSION_3 = {"documents_lapse", "flags_notify_office", "placement_standing", "job_order_kept"}
VERSION_4 = {"follow_ups_recorded"}
VERSION_5 = {"employment_rechecks"}


def test_legacy_journeys_and_cases_keep_every_old_behaviour_and_current_ones_get_every_new_one():
    legacy, current = rules_of(LEGACY), rules_of(CURRENT)
    features = [f.name for f in dataclasses.fields(legacy) if f.name != "version"]
    assert len(features) == 19
    assert not any(getattr(legacy, name) for name in features)
    assert all(getattr(current, name) for name in features)
    assert (legacy.version, current.version) == (1, 5)


def test_version_2_has_its_own_features_and_none_of_version_3s():
    v2 = rules_of(V2)
    on = {f.name for f in dataclasses.fields(v2) if f.name != "version" and getattr(v2, f.name)}
    off = {f.name for f in dataclasses.fields(v2) if f.name != "version" and not getattr(v2, f.name)}
    assert off == VERSION_3 | VERSION_4 | VERSION_5
    assert len(on) == 13
    assert all(getattr(rules_of(V3), name) for name in VERSION_3)


def test_version_4_lacks_only_version_5s_features():
    v4 = rules_of(V4)
    off = {f.name for f in dataclasses.fields(v4) if f.name != "version" and not getattr(v4, f.name)}
    assert off == VERSION_5


def test_the_rules_are_read_from_a_state_or_a_version_and_an_unknown_version_is_refused():
    class State:
        rules = CURRENT

    assert rules_of(State()) is rules_of(CURRENT)
    with pytest.raises(KeyError):
        rules_of(6)
