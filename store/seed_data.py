"""Reference data seeded into every new database (`ReferenceData.seed`).

Province codes are the Kemendagri/BPS two-digit codes that also open every NIK (3374... is
Central Java); Papua's 2022 split gave 93-96. P3MI, employers and licence numbers are fictional.
"""

PROVINCES = [
    ("11", "Aceh"), ("12", "Sumatera Utara"), ("13", "Sumatera Barat"), ("14", "Riau"), ("15", "Jambi"),
    ("16", "Sumatera Selatan"), ("17", "Bengkulu"), ("18", "Lampung"), ("19", "Kepulauan Bangka Belitung"),
    ("21", "Kepulauan Riau"), ("31", "DKI Jakarta"), ("32", "Jawa Barat"), ("33", "Jawa Tengah"),
    ("34", "DI Yogyakarta"), ("35", "Jawa Timur"), ("36", "Banten"), ("51", "Bali"),
    ("52", "Nusa Tenggara Barat"), ("53", "Nusa Tenggara Timur"), ("61", "Kalimantan Barat"),
    ("62", "Kalimantan Tengah"), ("63", "Kalimantan Selatan"), ("64", "Kalimantan Timur"),
    ("65", "Kalimantan Utara"), ("71", "Sulawesi Utara"), ("72", "Sulawesi Tengah"),
    ("73", "Sulawesi Selatan"), ("74", "Sulawesi Tenggara"), ("75", "Gorontalo"), ("76", "Sulawesi Barat"),
    ("81", "Maluku"), ("82", "Maluku Utara"), ("91", "Papua"), ("92", "Papua Barat"),
    ("93", "Papua Selatan"), ("94", "Papua Tengah"), ("95", "Papua Pegunungan"), ("96", "Papua Barat Daya"),
]  # fmt: skip

# Middle-East destinations are closed under the 2015 moratorium on placements there.
COUNTRIES = [
    ("TW", "Taiwan", "open"), ("MY", "Malaysia", "open"), ("HK", "Hong Kong", "open"),
    ("KR", "South Korea", "open"), ("SG", "Singapore", "open"), ("JP", "Japan", "open"),
    ("BN", "Brunei Darussalam", "open"), ("PL", "Poland", "open"), ("DE", "Germany", "open"),
    ("IT", "Italy", "open"), ("TR", "Türkiye", "open"), ("SA", "Saudi Arabia", "closed"),
    ("AE", "United Arab Emirates", "closed"), ("QA", "Qatar", "closed"), ("KW", "Kuwait", "closed"),
    ("OM", "Oman", "closed"), ("JO", "Jordan", "closed"), ("SY", "Syria", "closed"),
]  # fmt: skip

P3MI_FIELDS = ("p3mi_id", "name", "licence_no", "licence_status", "province_code", "licence_valid_until")
# A SIP3MI licence runs five years from its decree.
P3MI = [
    dict(zip(P3MI_FIELDS, row, strict=True))
    for row in [
        ("P3MI-0003", "PT Bina Karya Mandiri", "KEP.0003/2019", "active", "35", "2029-03-31"),
        ("P3MI-0005", "PT Cahaya Insan Sejahtera", "KEP.0005/2020", "active", "32", "2030-06-30"),
        ("P3MI-0007", "PT Sinar Harapan Jaya", "KEP.0007/2021", "active", "33", "2031-01-31"),
        ("P3MI-0011", "PT Mitra Tenaga Nusantara", "KEP.0011/2018", "suspended", "52", "2028-09-30"),
        ("P3MI-0013", "PT Duta Samudra Abadi", "KEP.0013/2017", "revoked", "31", "2027-11-30"),
    ]
]

JOB_ORDER_FIELDS = (
    "job_order_id", "scheme", "p3mi_id", "employer_name", "destination_country", "occupation", "sector",
    "quota", "status",
)  # fmt: skip
# JO-2026-0099 has a quota of one: two journeys racing for it show the quota rule at work.
JOB_ORDERS = [
    {**dict(zip(JOB_ORDER_FIELDS, row, strict=True)), "filled": 0}
    for row in [
        (
            "JO-2026-0042",
            "P3MI",
            "P3MI-0007",
            "Lin Family Household, Taichung",
            "TW",
            "caregiver",
            "informal",
            50,
            "open",
        ),
        (
            "JO-2026-0043",
            "P3MI",
            "P3MI-0007",
            "Formosa Precision Parts Co.",
            "TW",
            "factory_operator",
            "formal",
            120,
            "open",
        ),
        (
            "JO-2026-0051",
            "P3MI",
            "P3MI-0003",
            "Wong Household, Kowloon",
            "HK",
            "domestic_worker",
            "informal",
            80,
            "open",
        ),
        (
            "JO-2026-0058",
            "P3MI",
            "P3MI-0005",
            "Ladang Sawit Sabah Sdn Bhd",
            "MY",
            "plantation_worker",
            "formal",
            200,
            "open",
        ),
        (
            "JO-2026-0064",
            "P3MI",
            "P3MI-0003",
            "Kaigo Sakura Care Home",
            "JP",
            "care_worker",
            "formal",
            30,
            "open",
        ),
        (
            "JO-2026-0070",
            "P3MI",
            "P3MI-0005",
            "Lion City Marine Pte Ltd",
            "SG",
            "welder",
            "formal",
            15,
            "closed",
        ),
        (
            "JO-2026-0099",
            "P3MI",
            "P3MI-0007",
            "Chen Family Household, Taipei",
            "TW",
            "caregiver",
            "informal",
            1,
            "open",
        ),
        (
            "JO-G2G-KR-2026",
            "G2G",
            None,
            "EPS Korea manufacturing employers",
            "KR",
            "manufacturing_operator",
            "formal",
            500,
            "open",
        ),
        (
            "JO-G2G-JP-2026",
            "G2G",
            None,
            "IM Japan technical intern programme",
            "JP",
            "technical_intern",
            "formal",
            100,
            "open",
        ),
    ]
]

PLACE_FIELDS = ("name", "province_code", "regency_code")
CLINICS = [
    {"clinic_id": cid, **dict(zip(PLACE_FIELDS, row, strict=True))}
    for cid, *row in [
        ("CLN-3374-01", "Klinik Sehat Migran Semarang", "33", "3374"),
        ("CLN-3578-01", "Klinik Utama Pekerja Surabaya", "35", "3578"),
        ("CLN-3273-01", "Klinik Medika Bandung", "32", "3273"),
        ("CLN-5271-01", "Klinik Husada Mataram", "52", "5271"),
        ("CLN-3171-01", "Klinik Pratama Jakarta Pusat", "31", "3171"),
    ]
]

TRAINING_CENTRES = [
    {"centre_id": cid, **dict(zip(PLACE_FIELDS, row, strict=True))}
    for cid, *row in [
        ("LPK-3374-01", "BLK Luar Negeri Semarang", "33", "3374"),
        ("LPK-3578-01", "LPK Bina Kerja Surabaya", "35", "3578"),
        ("LPK-3273-01", "LPK Bahasa dan Keterampilan Bandung", "32", "3273"),
        ("LPK-5271-01", "BLK Mataram", "52", "5271"),
    ]
]

# KBRI: embassy; KJRI: consulate; KDEI: the Indonesian Economic and Trade Office in Taipei.
MISSION_FIELDS = ("mission_id", "name", "kind", "country_code", "city")
MISSIONS = [
    dict(zip(MISSION_FIELDS, row, strict=True))
    for row in [
        ("KDEI-TPE", "KDEI Taipei", "kdei", "TW", "Taipei"),
        ("KJRI-HKG", "KJRI Hong Kong", "consulate", "HK", "Hong Kong"),
        ("KBRI-KUL", "KBRI Kuala Lumpur", "embassy", "MY", "Kuala Lumpur"),
        ("KJRI-KCH", "KJRI Kuching", "consulate", "MY", "Kuching"),
        ("KBRI-SEL", "KBRI Seoul", "embassy", "KR", "Seoul"),
        ("KBRI-SGP", "KBRI Singapura", "embassy", "SG", "Singapore"),
        ("KBRI-TYO", "KBRI Tokyo", "embassy", "JP", "Tokyo"),
        ("KJRI-OSA", "KJRI Osaka", "consulate", "JP", "Osaka"),
        ("KBRI-BSB", "KBRI Bandar Seri Begawan", "embassy", "BN", "Bandar Seri Begawan"),
        ("KBRI-RUH", "KBRI Riyadh", "embassy", "SA", "Riyadh"),
        ("KJRI-JED", "KJRI Jeddah", "consulate", "SA", "Jeddah"),
        ("KBRI-WAW", "KBRI Warsawa", "embassy", "PL", "Warsaw"),
        ("KBRI-BER", "KBRI Berlin", "embassy", "DE", "Berlin"),
    ]
]

# Indonesia's national public holidays for 2026 and 2027, after the joint decree (SKB) of the three
# ministers; the lunar ones (Idul Fitri, Idul Adha, ...) as announced ahead and corrected by admins
# (`/v1/holidays`) when the government moves them. Collective leave (cuti bersama) is not included.
HOLIDAYS = [
    ("2026-01-01", "Tahun Baru Masehi"),
    ("2026-01-16", "Isra Mikraj Nabi Muhammad SAW"),
    ("2026-02-17", "Tahun Baru Imlek 2577 Kongzili"),
    ("2026-03-19", "Hari Suci Nyepi, Tahun Baru Saka 1948"),
    ("2026-03-20", "Hari Raya Idul Fitri 1447 H"),
    ("2026-03-21", "Hari Raya Idul Fitri 1447 H"),
    ("2026-04-03", "Wafat Yesus Kristus"),
    ("2026-04-05", "Kebangkitan Yesus Kristus (Paskah)"),
    ("2026-05-01", "Hari Buruh Internasional"),
    ("2026-05-14", "Kenaikan Yesus Kristus"),
    ("2026-05-27", "Hari Raya Idul Adha 1447 H"),
    ("2026-05-31", "Hari Raya Waisak 2570 BE"),
    ("2026-06-01", "Hari Lahir Pancasila"),
    ("2026-06-16", "Tahun Baru Islam 1448 H"),
    ("2026-08-17", "Hari Proklamasi Kemerdekaan RI"),
    ("2026-08-25", "Maulid Nabi Muhammad SAW"),
    ("2026-12-25", "Hari Raya Natal"),
    ("2027-01-01", "Tahun Baru Masehi"),
    ("2027-01-05", "Isra Mikraj Nabi Muhammad SAW"),
    ("2027-02-06", "Tahun Baru Imlek 2578 Kongzili"),
    ("2027-03-09", "Hari Suci Nyepi, Tahun Baru Saka 1949"),
    ("2027-03-10", "Hari Raya Idul Fitri 1448 H"),
    ("2027-03-11", "Hari Raya Idul Fitri 1448 H"),
    ("2027-03-26", "Wafat Yesus Kristus"),
    ("2027-03-28", "Kebangkitan Yesus Kristus (Paskah)"),
    ("2027-05-01", "Hari Buruh Internasional"),
    ("2027-05-06", "Kenaikan Yesus Kristus"),
    ("2027-05-17", "Hari Raya Idul Adha 1448 H"),
    ("2027-05-20", "Hari Raya Waisak 2571 BE"),
    ("2027-06-01", "Hari Lahir Pancasila"),
    ("2027-06-06", "Tahun Baru Islam 1449 H"),
    ("2027-08-15", "Maulid Nabi Muhammad SAW"),
    ("2027-08-17", "Hari Proklamasi Kemerdekaan RI"),
    ("2027-12-25", "Hari Raya Natal"),
]
