"""Admin-managed catalogues (API.md, Reference data): the P3MI registry, clinics, training centres and
missions. One description per catalogue, one set of queries (keyset pages, get, create, patch) for all.

A catalogue's API names its fields as API.md does (`institution_id`, `mission`, `country`); the table
keeps its own column names (`centre_id`, `mission_id`, `country_code`), so `fields` maps the one to the
other, the id first.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import write_tx
from store.errors import AlreadyExists
from store.pagination import keyset_page
from store.tables import clinics, missions, p3mi, public_holidays, training_centres


@dataclass(frozen=True)
class Catalogue:
    kind: str  # for messages: "clinic"
    table: Table
    fields: dict[str, str]  # API field -> column; the id first
    defaults: dict[str, Any] = field(default_factory=dict)  # columns a new entry may leave out

    @property
    def key(self) -> str:
        return next(iter(self.fields))

    @property
    def key_column(self) -> Any:
        return self.table.c[self.fields[self.key]]

    def document(self, row: Any) -> dict[str, Any]:
        mapping = row._mapping
        return {name: mapping[column] for name, column in self.fields.items()}

    def columns(self, values: dict[str, Any]) -> dict[str, Any]:
        return {self.fields[name]: value for name, value in values.items()}


P3MI = Catalogue(
    "P3MI",
    p3mi,
    {n: n for n in ("p3mi_id", "name", "licence_no", "licence_status", "province_code", "licence_valid_until")},
)
CLINICS = Catalogue(
    "clinic",
    clinics,
    {"clinic_id": "clinic_id", "name": "name", "province_code": "province_code", "regency_code": "regency_code"},
)
TRAINING_CENTRES = Catalogue(
    "training centre",
    training_centres,
    {"institution_id": "centre_id", "name": "name", "province_code": "province_code", "regency_code": "regency_code"},
)
MISSIONS = Catalogue(
    "mission",
    missions,
    {"mission": "mission_id", "name": "name", "country": "country_code", "kind": "kind", "city": "city"},
    defaults={"kind": "embassy", "city": ""},
)

HOLIDAYS = Catalogue("public holiday", public_holidays, {"date": "holiday_date", "name": "name"})


class Catalogues:
    """Reads for every role and admin writes, for any `Catalogue`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def list(self, cat: Catalogue, limit: int = 50, cursor: str | None = None) -> tuple[list[dict], str | None]:
        """One page by id, and the next cursor (None on the last page); ValueError for a bad cursor."""
        rows, next_cursor = await keyset_page(self._engine, select(cat.table), cat.key_column, limit, cursor)
        return [cat.document(r) for r in rows], next_cursor

    async def get(self, cat: Catalogue, code: str) -> dict | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(cat.table).where(cat.key_column == code))).first()
        return cat.document(row) if row else None

    async def exists(self, cat: Catalogue, code: str) -> bool:
        async with self._engine.connect() as conn:
            return (await conn.execute(select(cat.key_column).where(cat.key_column == code))).first() is not None

    async def create(self, cat: Catalogue, item: dict[str, Any]) -> dict:
        """Insert an entry; AlreadyExists if its id is taken."""
        values = {**cat.defaults, **{k: v for k, v in item.items() if v is not None}}
        code = values[cat.key]
        async with write_tx(self._engine) as conn:
            if (await conn.execute(select(cat.key_column).where(cat.key_column == code))).first():
                raise AlreadyExists(code)
            try:
                await conn.execute(cat.table.insert().values(**cat.columns(values)))
            except IntegrityError as exc:
                raise ValueError(f"{cat.kind} refused by the table's rules: {exc.orig}") from exc
        return await self.get(cat, code)  # type: ignore[return-value]

    async def delete(self, cat: Catalogue, code: str) -> bool:
        """Remove an entry (a public holiday moved by decree); False if there was none."""
        async with write_tx(self._engine) as conn:
            return (await conn.execute(cat.table.delete().where(cat.key_column == code))).rowcount == 1

    async def holidays_between(self, first: date, last: date) -> tuple[date, ...]:
        """The public holidays from `first` to `last`, both included, in order."""
        column = HOLIDAYS.key_column
        query = select(column).where(column >= first.isoformat(), column <= last.isoformat()).order_by(column)
        async with self._engine.connect() as conn:
            return tuple(date.fromisoformat(day) for day in (await conn.execute(query)).scalars())

    async def patch(self, cat: Catalogue, code: str, changes: dict[str, Any]) -> dict | None:
        """Change fields of an entry (never its id); None if there is none."""
        if cat.key in changes or set(changes) - set(cat.fields):
            raise ValueError("fields that cannot be changed")
        if changes:
            async with write_tx(self._engine) as conn:
                try:
                    await conn.execute(cat.table.update().where(cat.key_column == code).values(**cat.columns(changes)))
                except IntegrityError as exc:
                    raise ValueError(f"change refused by the table's rules: {exc.orig}") from exc
        return await self.get(cat, code)
