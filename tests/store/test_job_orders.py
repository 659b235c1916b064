"""Job-order quota: atomic, idempotent per journey, given back exactly once; plus the seed."""

import asyncio

import pytest

from store.errors import AlreadyExists
from store.reference import ReferenceData


@pytest.fixture
async def reference(engine) -> ReferenceData:
    data = ReferenceData(engine)
    await data.seed()
    return data


async def test_seed_loads_the_reference_data_and_can_run_again(reference):
    counts = await reference.seed()
    assert counts["provinces"] == 38
    provinces = {p["code"]: p["name"] for p in await reference.list_provinces()}
    assert len(provinces) == 38 and provinces["33"] == "Jawa Tengah" and provinces["96"] == "Papua Barat Daya"
    countries = {c["code"]: c["status"] for c in await reference.list_countries()}
    assert countries["TW"] == "open" and countries["SA"] == "closed"
    assert (await reference.get_p3mi("P3MI-0007"))["licence_status"] == "active"
    assert "suspended" in {p["licence_status"] for p in (await reference.list_p3mi(limit=100))[0]}
    assert any(c["clinic_id"] == "CLN-3374-01" for c in await reference.list_clinics())
    assert {"KDEI-TPE", "KJRI-HKG", "KBRI-KUL", "KBRI-SEL"} <= {
        m["mission_id"] for m in await reference.list_missions()
    }
    assert await reference.list_training_centres()
    jo = await reference.get_job_order("JO-2026-0042")
    assert (jo["p3mi_id"], jo["destination_country"], jo["sector"], jo["quota"]) == (
        "P3MI-0007",
        "TW",
        "informal",
        50,
    )


async def test_seeding_again_keeps_admin_changes_and_filled_units(reference):
    await reference.patch_p3mi("P3MI-0007", {"licence_status": "suspended"})
    assert (await reference.take_quota("j_1", "JO-2026-0042")).taken
    await reference.seed()
    assert (await reference.get_p3mi("P3MI-0007"))["licence_status"] == "suspended"
    assert (await reference.get_job_order("JO-2026-0042"))["filled"] == 1


async def test_two_journeys_racing_for_the_last_unit_one_wins(reference):
    results = await asyncio.gather(
        reference.take_quota("j_a", "JO-2026-0099", "TW", "P3MI"),
        reference.take_quota("j_b", "JO-2026-0099", "TW", "P3MI"),
    )
    assert sorted(r.taken for r in results) == [False, True]
    assert [r.rule for r in results if not r.taken] == ["job_order_quota_exhausted"]
    jo = await reference.get_job_order("JO-2026-0099")
    assert jo["filled"] == jo["quota"] == 1


async def test_many_journeys_never_overfill_a_job_order(reference):
    await reference.patch_job_order("JO-2026-0064", {"quota": 3})
    results = await asyncio.gather(*(reference.take_quota(f"j_{i}", "JO-2026-0064") for i in range(8)))
    assert sum(r.taken for r in results) == 3
    assert (await reference.get_job_order("JO-2026-0064"))["filled"] == 3


async def test_taking_quota_twice_for_one_journey_takes_one_unit(reference):
    first, again = await asyncio.gather(
        reference.take_quota("j_same", "JO-2026-0042"), reference.take_quota("j_same", "JO-2026-0042")
    )
    third = await reference.take_quota("j_same", "JO-2026-0042")
    assert first.taken and again.taken and third.taken
    # Exactly one of the calls took the unit; the others say it was held already.
    assert sorted([first.already_held, again.already_held, third.already_held]) == [False, True, True]
    assert (await reference.get_job_order("JO-2026-0042"))["filled"] == 1
    other = await reference.take_quota("j_same", "JO-2026-0043")
    assert (other.taken, other.rule) == (False, "job_order_already_held")


async def test_release_gives_the_unit_back_exactly_once(reference):
    assert (await reference.take_quota("j_r", "JO-2026-0099")).taken
    assert await asyncio.gather(reference.release_quota("j_r"), reference.release_quota("j_r")) in (
        [True, False],
        [False, True],
    )
    assert await reference.release_quota("j_r") is False
    assert (await reference.get_job_order("JO-2026-0099"))["filled"] == 0
    assert (await reference.take_quota("j_next", "JO-2026-0099")).taken


@pytest.mark.parametrize(
    ("job_order_id", "destination", "scheme", "p3mi_id", "rule"),
    [
        ("JO-NOPE", None, None, None, "job_order_not_found"),
        ("JO-2026-0070", None, None, None, "job_order_closed"),
        ("JO-2026-0042", "HK", None, None, "job_order_destination_mismatch"),
        ("JO-G2G-KR-2026", "KR", "P3MI", None, "job_order_scheme_mismatch"),
        ("JO-2026-0042", "TW", "P3MI", "P3MI-0003", "job_order_not_of_p3mi"),
    ],
)
async def test_refusals_name_their_rule_and_take_nothing(reference, job_order_id, destination, scheme, p3mi_id, rule):
    result = await reference.take_quota("j_x", job_order_id, destination, scheme, p3mi_id)
    assert (result.taken, result.rule) == (False, rule)
    assert result.message
    assert await reference.release_quota("j_x") is False


async def test_quota_cannot_go_below_filled(reference):
    for i in range(2):
        await reference.take_quota(f"j_{i}", "JO-2026-0064")
    with pytest.raises(ValueError):
        await reference.patch_job_order("JO-2026-0064", {"quota": 1})
    with pytest.raises(ValueError):
        await reference.patch_job_order("JO-2026-0064", {"filled": 0})
    assert (await reference.patch_job_order("JO-2026-0064", {"quota": 2, "status": "closed"}))["quota"] == 2
    assert await reference.patch_job_order("JO-NOPE", {"quota": 5}) is None


async def test_admin_creates_and_pages_p3mi_and_job_orders(reference):
    new = {"p3mi_id": "P3MI-0099", "name": "PT Baru", "licence_no": "KEP.0099/2026",
           "licence_status": "active", "province_code": "33"}  # fmt: skip
    assert await reference.create_p3mi(new) == {**new, "licence_valid_until": None}
    with pytest.raises(AlreadyExists):
        await reference.create_p3mi(new)
    jo = {"job_order_id": "JO-2026-0100", "scheme": "P3MI", "p3mi_id": "P3MI-0099", "employer_name": "Tan",
          "destination_country": "SG", "occupation": "caregiver", "sector": "informal", "quota": 5,
          "status": "open"}  # fmt: skip
    assert (await reference.create_job_order(jo))["filled"] == 0
    with pytest.raises(AlreadyExists):
        await reference.create_job_order(jo)
    with pytest.raises(ValueError):
        await reference.create_job_order({**jo, "job_order_id": "JO-X", "p3mi_id": "P3MI-NONE"})

    seen, cursor = [], None
    while True:
        items, cursor = await reference.list_p3mi(limit=2, cursor=cursor)
        seen += [p["p3mi_id"] for p in items]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == 6
    tw, _ = await reference.list_job_orders(limit=50, destination_country="TW", status="open")
    assert {j["job_order_id"] for j in tw} == {"JO-2026-0042", "JO-2026-0043", "JO-2026-0099"}


async def test_the_catalogues_are_paged_created_and_patched_and_the_seed_keeps_what_admins_changed(reference):
    from store.catalogues import CLINICS, MISSIONS

    cats = reference.catalogues
    first, cursor = await cats.list(CLINICS, limit=2)
    assert [c["clinic_id"] for c in first] == ["CLN-3171-01", "CLN-3273-01"] and cursor
    rest, end = await cats.list(CLINICS, limit=100, cursor=cursor)
    assert "CLN-3374-01" in {c["clinic_id"] for c in rest} and end is None
    made = await cats.create(MISSIONS, {"mission": "KJRI-KHH", "name": "KJRI Kaohsiung", "country": "TW"})
    assert made == {"mission": "KJRI-KHH", "name": "KJRI Kaohsiung", "country": "TW", "kind": "embassy", "city": ""}
    with pytest.raises(AlreadyExists):
        await cats.create(MISSIONS, {"mission": "KJRI-KHH", "name": "again", "country": "TW"})
    assert (await cats.patch(CLINICS, "CLN-3374-01", {"name": "Klinik Baru"}))["name"] == "Klinik Baru"
    assert await cats.patch(CLINICS, "CLN-0000-00", {"name": "x"}) is None
    with pytest.raises(ValueError):
        await cats.patch(CLINICS, "CLN-3374-01", {"clinic_id": "CLN-9"})
    assert (await reference.set_country_status("TW", "closed"))["status"] == "closed"
    assert await reference.set_country_status("ZZ", "closed") is None

    await reference.seed()
    assert (await reference.get_country("TW"))["status"] == "closed"
    assert (await cats.get(CLINICS, "CLN-3374-01"))["name"] == "Klinik Baru"
    assert await cats.exists(MISSIONS, "KJRI-KHH") and not await cats.exists(MISSIONS, "KJRI-XXX")
