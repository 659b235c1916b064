"""Realistic, fictional workers and evidence for `pmi demo`.

Weights follow the ministry's published 2023 figures (DOMAIN.md): provinces of origin
(East Java, Central Java, West Java, West Nusa Tenggara lead), destinations (Taiwan,
Malaysia, Hong Kong, South Korea) and schemes (about 80% through a P3MI, about 5% G2G).
Every name, NIK and phone number is generated; none belongs to a real person.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from cli.journey_driver import REPORTED_BY, REQUESTED_BY_THE_ENGINE, Complete, Journey, Report, move

# Province code -> (2023 departures, regencies with a BPS code). Smaller provinces: rough shares.
PROVINCES: dict[str, tuple[int, list[str]]] = {
    "35": (68_069, ["3507", "3522", "3504", "3505", "3578"]),  # Malang, Bojonegoro, Tulungagung, Blitar, Sby
    "33": (59_009, ["3301", "3329", "3302", "3374"]),  # Cilacap, Brebes, Banyumas, Semarang
    "32": (52_961, ["3212", "3209", "3205", "3273"]),  # Indramayu, Cirebon, Garut, Bandung
    "52": (33_949, ["5203", "5202", "5201", "5271"]),  # Lombok Timur, Lombok Tengah, Lombok Barat, Mataram
    "18": (21_000, ["1804", "1802"]),  # Lampung Timur, Lampung Tengah
    "12": (9_000, ["1207", "1271"]),  # Deli Serdang, Medan
    "36": (5_000, ["3603", "3602"]),  # Tangerang, Lebak
    "51": (4_500, ["5108", "5171"]),  # Buleleng, Denpasar
    "53": (4_000, ["5310", "5371"]),  # Sikka, Kupang
    "13": (816, ["1371", "1306"]),  # Padang, Padang Pariaman
}

DESTINATIONS = {"TW": 83_216, "MY": 72_260, "HK": 65_916, "KR": 12_580}
SCHEMES = {"P3MI": 80, "G2G": 5, "INDEPENDENT": 15}

# Share of women by destination: domestic and care work dominate Taiwan and Hong Kong.
FEMALE_SHARE = {"TW": 0.75, "HK": 0.98, "MY": 0.45, "KR": 0.08}

FEMALE_GIVEN = [
    "Siti", "Sri", "Dewi", "Nur", "Rina", "Lilis", "Yuliana", "Eka", "Tri", "Wati", "Kartini", "Ani",
    "Sumiati", "Rohmah", "Fitri", "Lestari", "Maryam", "Suryani", "Nining", "Puji", "Endang", "Ratna",
]  # fmt: skip
MALE_GIVEN = [
    "Agus", "Budi", "Joko", "Ahmad", "Muhammad", "Dedi", "Slamet", "Eko", "Hendra", "Bambang", "Rizki",
    "Wahyu", "Andi", "Sugeng", "Yusuf", "Imam", "Hadi", "Supriyadi", "Arif", "Fajar",
]  # fmt: skip
FAMILY = [
    "Rahayu", "Wahyuni", "Lestari", "Aini", "Suryani", "Marlina", "Puspitasari", "Wulandari", "Santoso",
    "Hartono", "Susilo", "Fauzi", "Kurniawan", "Riyadi", "Prasetyo", "Gunawan", "Hidayat", "Saputra",
    "Setiawan", "Nugroho", "Handayani", "Anggraini", "Permatasari", "Kusuma", "Sulistyowati",
]  # fmt: skip
# Regional first names where they are distinctive (Bali, Lombok's Sasak nobility titles).
REGIONAL_GIVEN = {
    "51": {"F": ["Ni Made", "Ni Ketut"], "M": ["I Wayan", "I Made"]},
    "52": {"F": [], "M": ["Lalu"]},
}

SALARY = {"TW": (20_000, "TWD"), "HK": (4_990, "HKD"), "MY": (1_700, "MYR"), "KR": (2_100_000, "KRW")}
MISSION = {"TW": "KDEI-TPE", "HK": "KJRI-HKG", "MY": "KBRI-KUL", "KR": "KBRI-SEL"}
FLIGHT = {"TW": "CI 762", "HK": "CX 798", "MY": "MH 710", "KR": "GA 878"}
# Seeded designated clinics and training centres by province; others fall back to Central Java's.
CLINIC = {"33": "CLN-3374-01", "35": "CLN-3578-01", "32": "CLN-3273-01", "52": "CLN-5271-01"}
TRAINING = {"33": "LPK-3374-01", "35": "LPK-3578-01", "32": "LPK-3273-01", "52": "LPK-5271-01"}
PORT = {"35": "SUB", "52": "LOP", "51": "DPS", "12": "KNO"}  # everyone else leaves from Jakarta (CGK)
INDEPENDENT_EMPLOYERS = {
    "TW": ("Hsu Family Household, Tainan", "caregiver", "informal"),
    "HK": ("Lam Household, Sha Tin", "domestic_worker", "informal"),
    "MY": ("Kilang Perabot Muar Sdn Bhd", "furniture_worker", "formal"),
    "KR": ("Gimhae Metal Works Co.", "manufacturing_operator", "formal"),
}


def weighted(rng: random.Random, weights: dict[str, int | float]) -> str:
    """One key, drawn with probability proportional to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass(frozen=True)
class Person:
    """A generated prospective worker (personal data that goes only to `POST /v1/journeys`)."""

    nik: str
    full_name: str
    birth_date: date
    gender: str
    phone: str
    province_code: str
    regency_code: str


def make_person(rng: random.Random, destination: str, today: date) -> Person:
    """A worker aged 21-40 from a weighted province, with a NIK that encodes regency and birth date."""
    province = weighted(rng, {code: w for code, (w, _) in PROVINCES.items()})
    regency = rng.choice(PROVINCES[province][1])
    gender = "F" if rng.random() < FEMALE_SHARE[destination] else "M"
    regional = REGIONAL_GIVEN.get(province, {}).get(gender) or []
    given = rng.choice(regional) if regional and rng.random() < 0.6 else None
    given = given or rng.choice(FEMALE_GIVEN if gender == "F" else MALE_GIVEN)
    full_name = f"{given} {rng.choice(FAMILY)}"
    birth = today - timedelta(days=rng.randint(21 * 365, 40 * 365))
    # NIK: regency (4) + district (2) + DDMMYY with 40 added to the day for women + serial (4).
    day = birth.day + (40 if gender == "F" else 0)
    district = f"{rng.randint(1, 20):02d}"
    serial = f"{rng.randint(1, 9998):04d}"  # the simulated Dukcapil rejects NIKs ending in 9999
    nik = f"{regency}{district}{day:02d}{birth:%m%y}{serial}"
    phone = "+628" + "".join(str(rng.randint(0, 9)) for _ in range(rng.choice((9, 10))))
    return Person(nik, full_name, birth, gender, phone, province, regency)


def demo_journey(journey: dict, rng: random.Random | None, now: datetime, job_order_id: str | None) -> Journey:
    """What the demo's journey looks like to the journey driver (`cli.journey_driver`): the worker's
    province picks the clinic, the training centre and the port, the destination the employer, the
    salary, the mission and the flight. The clinic, Imigrasi and the embassy report their steps through
    the simulator's `/_emit`; the passport and the cover come from the simulator's own webhooks."""
    country = journey.get("destination_country", "TW")
    province = journey.get("worker", {}).get("province_code", "33")
    return Journey(
        scheme=journey.get("scheme", "P3MI"),
        now=now,
        job_order_id=job_order_id,
        employer_name=INDEPENDENT_EMPLOYERS.get(country, ("Employer", "worker", "formal"))[0],
        offer_ref=f"OFFER-{journey['journey_id'][-6:].upper()}",
        village=rng.choice(VILLAGES) if rng else VILLAGES[0],
        clinic_id=CLINIC.get(province, "CLN-3374-01"),
        institution_id=TRAINING.get(province, "LPK-3374-01"),
        mission=MISSION.get(country, "KBRI-SGP"),
        port=PORT.get(province, "CGK"),
        flight_no=FLIGHT.get(country, "GA 1"),
        salary=SALARY.get(country, (1_000, "USD")),
        contract_start=now.date() + timedelta(days=30),
        reported=frozenset({"medical_check", "departure", "arrival_report"}),
        registries_answer=True,
        refs=f"{now.year}-{journey['journey_id'][-6:].upper()}",
    )


def officer_evidence(
    step: str, journey: dict, rng: random.Random, today: date, job_order_id: str | None
) -> dict | None:
    """Evidence a case officer records for `step`, or None when the step is not the officer's to complete."""
    if step in _ENGINE_STEPS:
        return None
    found = move(step, demo_journey(journey, rng, datetime.combine(today, time(9), UTC), job_order_id))
    return found.evidence if isinstance(found, Complete) else None


def emitted_event(step: str, journey: dict, now_iso: str, today: date) -> dict | None:
    """The simulator `/_emit` body that makes a government system report `step`, or None."""
    if step not in REPORTED_BY:
        return None
    found = move(step, demo_journey(journey, None, datetime.fromisoformat(now_iso), None))
    if not isinstance(found, Report):
        return None
    return {"source": found.source, "type": found.type, "journey_id": journey["journey_id"], "data": found.data}


# The engine's own steps, and those its requests complete: nobody records them by hand.
_ENGINE_STEPS = {"registration", "employment", *REQUESTED_BY_THE_ENGINE}


VILLAGES = [
    "Sumberejo", "Karangrejo", "Tanjungsari", "Sukamaju", "Wonosari", "Mekarsari", "Sidomulyo",
    "Pringgasela", "Masbagik", "Kedungwungu", "Jatisari", "Ciledug Wetan",
]  # fmt: skip
