"""The logging processor masks personal data in every event, ours and the standard library's."""

import json
import logging

import structlog

import logs
from config import Settings

NIK = "3374015501950002"


def test_personal_data_is_masked_by_key_and_inside_text():
    event = logs.mask_personal_data(
        None,
        "info",
        {
            "event": f"worker {NIK} called from +6281234567890, passport B1234567",
            "nik": NIK,
            "worker": {"phone": "081234567890", "passport_no": "C7654321", "items": [NIK]},
            "journey_id": "j_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A",
            "count": 1234567890123456,
        },
    )
    text = json.dumps(event)
    for secret in (NIK, "+6281234567890", "081234567890", "B1234567", "C7654321"):
        assert secret not in text
    assert "3374********0002" in text and event["journey_id"] == "j_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A"


def test_stdlib_and_structlog_lines_are_json_masked_and_carry_the_context(capsys):
    logs.configure_logging(Settings(log_format="json"), "test", force=True)
    structlog.contextvars.bind_contextvars(request_id="r-1", journey_id="j_X")
    try:
        structlog.get_logger("t").info("hello", nik=NIK)
        logging.getLogger("uvicorn.error").warning("stdlib line %s", NIK)
    finally:
        structlog.contextvars.clear_contextvars()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert {line["event"].split()[0] for line in lines} >= {"hello", "stdlib"}
    assert all(line["request_id"] == "r-1" and line["journey_id"] == "j_X" for line in lines)
    assert NIK not in json.dumps(lines)
