"""Realistic, fictional workers and evidence for `pmi demo`.

Weights follow the ministry's published 2023 figures (DOMAIN.md): provinces of origin
(East Java, Central Java, West Java, West Nusa Tenggara lead), destinations (Taiwan,
Malaysia, Hong Kong, South Korea) and schemes (about 80% through a P3MI, about 5% G2G).
Every name, NIK and phone number is generated; none belongs to a real person.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

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


def officer_evidence(
    step: str, journey: dict, rng: random.Random, today: date, job_order_id: str | None
) -> dict | None:
    """Evidence a case officer records for `step`, or None when the step is not the officer's to complete."""
    country = journey.get("destination_country", "TW")
    jid = journey["journey_id"][-6:].upper()
    province = journey.get("worker", {}).get("province_code", "33")
    contract_start = today + timedelta(days=30)
    salary, currency = SALARY.get(country, (1_000, "USD"))
    employer = INDEPENDENT_EMPLOYERS.get(country, ("Employer", "worker", "formal"))[0]
    match step:
        case "family_consent":
            return {"consent_ref": f"FC-{today.year}-{jid}", "village": rng.choice(VILLAGES)}
        case "job_selection":
            if journey.get("scheme") == "INDEPENDENT":
                return {"employer_name": employer, "offer_ref": f"OFFER-{jid}"}
            return {"job_order_id": job_order_id}
        case "placement_agreement":
            return {"agreement_no": f"PP-{today.year}-{jid}", "signed_at": today.isoformat()}
        case "competency_training":
            return {
                "certificate_no": f"LSP-{today.year}-{jid}",
                "institution_id": TRAINING.get(province, "LPK-3374-01"),
                "issued_at": today.isoformat(),
            }
        case "employment_contract":
            return {
                "contract_no": f"PK-{today.year}-{jid}",
                "employer_name": employer,
                "start_date": contract_start.isoformat(),
                "duration_months": 24,
                "monthly_salary": salary,
                "currency": currency,
            }
        case "work_visa":
            visa_no = f"V{rng.randint(10_000_000, 99_999_999)}"
            return {"visa_no": visa_no, "expires_at": _years(contract_start, 3)}
        case "document_verification":
            return {}
        case "pre_departure_orientation":
            return {"attended_at": today.isoformat()}
    return None


def emitted_event(step: str, journey: dict, now_iso: str, today: date) -> dict | None:
    """The simulator `/_emit` body that makes a government system report `step`, or None."""
    country = journey.get("destination_country", "TW")
    province = journey.get("worker", {}).get("province_code", "33")
    target = {"journey_id": journey["journey_id"]}
    match step:
        case "medical_check":
            clinic = CLINIC.get(province, "CLN-3374-01")
            data = {"clinic_id": clinic, "result": "fit", "examined_at": today.isoformat()}
            return {"source": "clinic", "type": "medical.result", **target, "data": data}
        case "departure":
            port, flight = PORT.get(province, "CGK"), FLIGHT.get(country, "GA 1")
            data = {"departed_at": now_iso, "port": port, "flight_no": flight}
            return {"source": "imigrasi", "type": "departure.recorded", **target, "data": data}
        case "arrival_report":
            data = {"reported_at": now_iso, "mission": MISSION.get(country, "KBRI-SGP")}
            return {"source": "embassy", "type": "arrival.reported", **target, "data": data}
    return None


def _years(d: date, years: int) -> str:
    try:
        return d.replace(year=d.year + years).isoformat()
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28).isoformat()


VILLAGES = [
    "Sumberejo", "Karangrejo", "Tanjungsari", "Sukamaju", "Wonosari", "Mekarsari", "Sidomulyo",
    "Pringgasela", "Masbagik", "Kedungwungu", "Jatisari", "Ciledug Wetan",
]  # fmt: skip
