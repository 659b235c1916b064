"""Logging for every process (STYLE 8): structlog, configured once, personal data masked.

JSON lines on stdout when stdout is not a terminal (or `PMI_LOG_FORMAT=json`), a
console renderer in a terminal. The standard library's loggers (uvicorn, temporalio,
sqlalchemy) go through the same processor chain, so their lines are masked and
shaped like ours. `request_id` and `journey_id` bound with
`structlog.contextvars.bind_contextvars` appear on every line of that context, and with tracing on
(`tracing.py`) the current `trace_id` and `span_id`.
"""

import logging
import sys
from collections.abc import Mapping
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from domain.pii import mask_nik, mask_passport, mask_phone, mask_text
from tracing import add_trace_context

_configured = False

_KEY_MASKS = {"nik": mask_nik, "phone": mask_phone, "passport_no": mask_passport}
_STDLIB_LEVELS = {
    "sqlalchemy": logging.WARNING,
    "sqlalchemy.engine": logging.WARNING,
    "httpx": logging.WARNING,
}


def _mask_value(key: str | None, value: Any, depth: int = 0) -> Any:
    if depth > 6:
        return value
    if key is not None:
        for name, mask in _KEY_MASKS.items():
            if (key == name or key.endswith("_" + name)) and isinstance(value, str):
                return mask(value)
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: _mask_value(str(k), v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(None, v, depth + 1) for v in value]
    return value


def mask_personal_data(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: no NIK, phone or passport number leaves in the clear."""
    return {k: _mask_value(k, v) for k, v in event_dict.items()}


def _drop_color_message(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    # uvicorn passes an ANSI-coloured copy of its message as an extra; the renderer colours on its own.
    event_dict.pop("color_message", None)
    return event_dict


def _add_process(process: str) -> Processor:
    def add(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("process", process)
        return event_dict

    return add


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever `sys.stdout` is now (test runners swap it), not the one at configuration."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _use_json(settings: Any) -> bool:
    fmt = getattr(settings, "log_format", "auto")
    if fmt == "json":
        return True
    if fmt == "console":
        return False
    return not sys.stdout.isatty()


def configure_logging(settings: Any, process: str, *, force: bool = False) -> None:
    """Configure structlog and the standard library's logging for this process (once)."""
    global _configured
    if _configured and not force:
        return
    level = getattr(logging, str(getattr(settings, "log_level", "INFO")).upper(), logging.INFO)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_process(process),
        add_trace_context,
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if _use_json(settings)
        else structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Tracebacks become text before masking, so exception messages are masked too.
            structlog.processors.format_exc_info,
            mask_personal_data,
            renderer,
        ],
    )
    handler = _StdoutHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # uvicorn installs its own handlers; route its loggers through ours instead.
    for name in ("uvicorn", "uvicorn.error", "temporalio"):
        lg = logging.getLogger(name)
        lg.handlers = []
        lg.propagate = True
    # uvicorn's access line repeats, as prose, the `request` event `api.middleware` logs for every
    # request (with its request id, route and duration): off, whatever uvicorn's flags say (the app
    # factory runs after uvicorn set up its loggers, so routing this one through ours turned it on).
    access = logging.getLogger("uvicorn.access")
    access.handlers = []
    access.propagate = False
    for name, lvl in _STDLIB_LEVELS.items():
        logging.getLogger(name).setLevel(max(lvl, level))
    _configured = True
