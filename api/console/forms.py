"""Forms built from the models the API validates with: a step's evidence model, an employment
event's data model, the start of a journey. Each field gets an input of its type, its label, its
required mark and, after a refusal, the error the API named it with and what the person typed.

What a form sends back is turned into the JSON the API takes (`read_fields`): a local time typed in
the province's zone becomes an instant with that zone, check boxes become a list, a list of text one
item per line. Validation stays the API's: nothing here decides whether a value is good.
"""

import dataclasses
import secrets
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, Literal, Union

from pydantic import BaseModel


def N_(message: str) -> str:
    """Marks text for the catalog that is translated where it is shown (`_()` in the templates)."""
    return message


# Labels of the fields of every form (the models name them in English, snake case).
LABELS = {
    "registration_no": N_("Registration number"),
    "consent_ref": N_("Consent reference"),
    "village": N_("Village"),
    "job_order_id": N_("Job order"),
    "employer_name": N_("Employer"),
    "offer_ref": N_("Offer reference"),
    "agreement_no": N_("Agreement number"),
    "signed_at": N_("Signed at"),
    "clinic_id": N_("Clinic"),
    "result": N_("Result"),
    "examined_at": N_("Examined at"),
    "certificate_no": N_("Certificate number"),
    "institution_id": N_("Institution"),
    "issued_at": N_("Issued at"),
    "passport_no": N_("Passport number"),
    "expires_at": N_("Expires at"),
    "contract_no": N_("Contract number"),
    "start_date": N_("Start date"),
    "duration_months": N_("Duration (months)"),
    "monthly_salary": N_("Monthly salary"),
    "currency": N_("Currency"),
    "membership_no": N_("Membership number"),
    "covered_until": N_("Covered until"),
    "visa_no": N_("Visa number"),
    "attended_at": N_("Attended at"),
    "departed_at": N_("Departed at"),
    "port": N_("Port"),
    "flight_no": N_("Flight number"),
    "reported_at": N_("Reported at"),
    "mission": N_("Mission"),
    "arrived_at": N_("Arrived at"),
    "reason": N_("Reason"),
    "needs": N_("Needs"),
    "programs": N_("Programmes (one per line)"),
    "new_end_date": N_("New end date"),
    "family_consent_ref": N_("Family consent reference"),
    "contract_ref": N_("Contract reference"),
    "checked_at": N_("Checked at"),
    "status": N_("Status"),
    "note": N_("Note"),
    "amount": N_("Amount"),
    "period": N_("Period"),
    "reached": N_("Worker reached"),
    "employed": N_("Employed"),
    "business_running": N_("Business running"),
    "needs_help": N_("Needs help"),
    "nik": N_("NIK"),
    "full_name": N_("Full name"),
    "birth_date": N_("Birth date"),
    "gender": N_("Gender"),
    "phone": N_("Phone"),
    "family_phone": N_("Family's phone"),
    "province_code": N_("Province code"),
    "regency_code": N_("Regency code"),
    "scheme": N_("Scheme"),
    "p3mi_id": N_("P3MI"),
    "destination_country": N_("Destination country (ISO code)"),
    "occupation": N_("Occupation"),
    "sector": N_("Sector"),
    "case_type": N_("Case type"),
    "description": N_("What happened"),
    "reported_via": N_("Reported via"),
}

Widget = Literal["text", "textarea", "lines", "number", "date", "datetime", "select", "checkboxes", "checkbox"]


@dataclass
class FormField:
    name: str  # the input's name: the JSON path, dotted (`evidence.passport_no`)
    label: str
    widget: Widget
    required: bool
    options: tuple[str, ...] = ()
    value: Any = None  # what the person typed, shown again after a refusal
    error: str | None = None

    @property
    def id(self) -> str:
        return self.name.replace(".", "-")


def form_token() -> str:
    """A fresh id for one rendered form: sent again with it, it makes a double submission one change
    (it is the workflow update's id, or the start's request id)."""
    return secrets.token_urlsafe(16)


@dataclass
class ActionForm:
    """One action offered on a page: what it does (`action`, and the `step`, employment `kind` or
    follow-up `number` it is about), its fields, and after a refusal what was typed and why."""

    action: str
    fields: list[FormField]
    title: str
    step: str | None = None
    kind: str | None = None
    number: int | None = None
    error: str | None = None
    token: str = field(default_factory=form_token)

    @property
    def key(self) -> str:
        return key_of(self.action, self.step or self.kind or self.number)

    @property
    def id(self) -> str:
        return self.key.replace(":", "-").rstrip("-")


def key_of(action: Any, about: Any) -> str:
    """What tells one form of a page from the others: its action and what it is about."""
    return f"{action}:{about or ''}"


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without `Annotated` and `| None`, and whether None was allowed."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional


def _widget(annotation: Any) -> tuple[Widget, tuple[str, ...]]:
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return "select", tuple(str(a) for a in typing.get_args(annotation))
    if origin is list:
        item, _ = _unwrap(typing.get_args(annotation)[0])
        if typing.get_origin(item) is Literal:
            return "checkboxes", tuple(str(a) for a in typing.get_args(item))
        return "lines", ()
    if annotation is bool:
        return "checkbox", ()
    if annotation is datetime:
        return "datetime", ()
    if annotation is date:
        return "date", ()
    if annotation in (int, float, Decimal):
        return "number", ()
    return "text", ()


def fields_of(model: type[BaseModel], prefix: str = "", skip: frozenset[str] = frozenset()) -> list[FormField]:
    """The form fields of `model`'s fields, in its order (nested models flattened: `worker.nik`)."""
    out: list[FormField] = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        annotation, _ = _unwrap(info.annotation)
        path = f"{prefix}{name}"
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out.extend(fields_of(annotation, f"{path}.", skip))
            continue
        widget, options = _widget(annotation)
        if name == "note" or name == "description":
            widget = "textarea"
        out.append(
            FormField(path, LABELS.get(name, name.replace("_", " ").capitalize()), widget, info.is_required(), options)
        )
    return out


def read_fields(fields: list[FormField], form: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """The JSON the API takes, from what the form sent for `fields`: nested by the dotted names, an
    empty input left out (the API then names a required one as missing)."""
    out: dict[str, Any] = {}
    for f in fields:
        raw = form.get(f.name)
        value: Any
        if f.widget == "checkbox":
            value = raw not in (None, "", [])
        elif f.widget == "checkboxes":
            value = [raw] if isinstance(raw, str) and raw else list(raw or [])
            if not value:
                continue
        elif raw is None:
            continue  # not sent at all (a browser sends an empty input as "")
        elif isinstance(raw, list):
            value = raw[-1]
        else:
            value = raw
        if isinstance(value, str):
            value = value.strip() if f.widget not in ("textarea", "lines") else value
            if value == "":
                continue
            if f.widget == "lines":
                value = [line.strip() for line in value.splitlines() if line.strip()]
            elif f.widget == "datetime":
                value = _with_zone(value, zone)
        _put(out, f.name.split("."), value)
    return out


def _with_zone(value: str, zone: tzinfo) -> str:
    """`2026-05-01T09:30` typed in the province's time -> `2026-05-01T09:30:00+07:00`; text that is not
    a local time goes on as it is (the API names the field)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()


def _put(out: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        out = out.setdefault(part, {})
    out[path[-1]] = value


def copy(fields: list[FormField]) -> list[FormField]:
    """Fresh fields to fill in (a refusal marks its form's fields)."""
    return [dataclasses.replace(x) for x in fields]


def kept(fields: list[FormField], form: dict[str, Any], err: Any) -> list[FormField]:
    """`fields` with what the person typed and, on each field the API's refusal `err` named (its
    `fields` paths), the error: "required" where pydantic said it was missing."""
    types = {e["field"]: e.get("type") or "" for e in err.extra.get("errors") or [] if "field" in e}
    errors = err.extra.get("fields") or []
    for fld in fields:
        fld.value = form.get(fld.name)
        named = [path for path in errors if path == fld.name or path.startswith(fld.name + ".")]
        if named:
            missing = any(types.get(path) == "missing" for path in named)
            fld.error = N_("This field is required") if missing else N_("Check this field")
    return fields


def explain(err: Any) -> str:
    """What the person is told about a refusal, in words (the API's code picks them)."""
    return {
        "VERSION_CONFLICT": N_(
            "Someone else changed this meanwhile. It is shown as it is now; "
            "what you typed is kept: check it and send it again."
        ),
        "VALIDATION_ERROR": N_("Some fields need correcting: see the marks below."),
        "INVALID_TRANSITION": N_("This action is not possible in the current state."),
        "RULE_VIOLATION": N_("A rule of the journey refuses this action."),
        "FORBIDDEN": N_("Your role does not allow this action."),
        "UNAVAILABLE": N_("The engine is unavailable just now; try again in a moment."),
        "ACTIVE_JOURNEY_EXISTS": N_("This worker already has an active journey."),
    }.get(err.code, N_("The action was refused."))


@dataclass
class Shown:
    """How a page shows a refusal of one of its forms: its status, the refusal's words when the
    refused form is not on the page any more (the step was done meanwhile), and its notice."""

    status: int = 200
    refusal: str | None = None
    notice: str | None = None


def refusal_shown(
    offered: list[ActionForm], refused: tuple[str, dict[str, Any], Any] | None, notice: str | None
) -> Shown:
    """Mark the refused form of `offered` (`refused`: its key, what was sent, the API's error) with
    what was typed and why; a `VERSION_CONFLICT` is the page's notice. No refusal: `notice` as it is."""
    if refused is None:
        return Shown(notice=notice)
    key, sent, err = refused
    notice = "conflict" if err.code == "VERSION_CONFLICT" else notice
    for form in offered:
        if form.key == key:
            kept(form.fields, sent, err)
            form.error = explain(err)
            return Shown(err.status, None, notice)
    return Shown(err.status, explain(err), notice)


def submitted_token(form: dict[str, Any]) -> str:
    """The token the form was rendered with (a fresh one if it came without)."""
    return str(form.get("token") or "")[:64] or form_token()


def expected_version(form: dict[str, Any]) -> int | None:
    """The version the page showed when the form was rendered (None: not sent, or not a version)."""
    raw = str(form.get("expected_version") or "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None
