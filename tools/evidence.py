"""How every figure a tool returns explains itself: value, formula, filters and the records behind it.

Records are referred to by their internal id (``opportunity/42``: stable within this database,
what citations and the audit log hold). People see them by their name and the id the source CRM
gives them (``external_id``, e.g. a Salesforce id), and, when ``SALESPLAN_CRM_RECORD_URL`` is
set, with a link into that CRM: a result model holding a record declares ``external_id`` and
``url`` (:data:`ExternalId`, :data:`RecordUrl`), and :func:`attach_sources` fills them in the
viewer's scope.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from tools.store.types import to_money

if TYPE_CHECKING:
    from sqlalchemy import Select

    from tools.store.repository import Repository, ViewerLike

#: At most this many record ids are listed per figure; ``record_count`` always has the full count.
MAX_RECORD_IDS = 50
#: The kinds of record a citation can name, and the shapes of record and playbook citation ids.
RECORD_KINDS = "account|account_product|opportunity|user|contact|activity|territory|product|quota"
RECORD_ID = re.compile(rf"^({RECORD_KINDS})/[\w:.-]+$")
PLAYBOOK_ID = re.compile(r"^[\w./-]+\.md#[\w-]+$")


class Unit(StrEnum):
    USD = "usd"
    COUNT = "count"
    RATIO = "ratio"
    DAYS = "days"
    KM = "km"


def record_id(kind: str, key: int | str) -> str:
    """A stable record reference such as ``opportunity/42`` or ``account/7``."""
    return f"{kind}/{key}"


ExternalId = Annotated[
    str | None, Field(description="The record's id in the source CRM (e.g. its Salesforce or Maven id).")
]
RecordUrl = Annotated[
    str | None,
    Field(description="The record in the source CRM, when a record URL template is configured."),
]
#: The names a record URL template may use.
URL_FIELDS = ("external_id", "kind", "id")
#: Records looked up per query (well under any database's limit on bound parameters).
LOOKUP_BATCH = 500


def template_fields(template: str) -> list[str]:
    """The ``{names}`` a record URL template uses; a ``ValueError`` for a malformed or unknown one."""
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    for name in names:
        if name not in URL_FIELDS:
            raise ValueError(f"the template may use {{external_id}}, {{kind}} and {{id}}, not {{{name}}}")
    return names


def record_url(template: str | None, reference: str, external_id: str | None) -> str | None:
    """The link to a record in the source CRM: ``template`` with ``{external_id}``, ``{kind}`` and
    ``{id}`` filled in (URL-quoted); ``None`` without a template, or when it needs an external id
    the record does not have."""
    if not template:
        return None
    kind, _, key = reference.partition("/")
    values = {"external_id": external_id, "kind": kind, "id": key}
    if any(values[name] is None for name in template_fields(template)):
        return None
    return template.format(**{name: quote(str(v), safe="") for name, v in values.items() if v is not None})


class RecordSource(BaseModel):
    """A record as people see it: its name, its id in the source CRM and a link there."""

    id: str = Field(description="The internal record reference, e.g. `opportunity/42`.")
    name: str | None
    external_id: ExternalId = None
    url: RecordUrl = None

    @property
    def label(self) -> str:
        """``Acme - Core (#006A1)`` (see :func:`source_label`)."""
        return source_label(self.name or self.external_id or self.id.partition("/")[0], self.external_id)


def source_label(name: str, external_id: str | None) -> str:
    """``Acme - Core (#006A1)``: a record's name and, after ``#``, its id in the source CRM, which is
    left out when the name already holds it (the Maven export keys accounts and people by name)."""
    if external_id and external_id not in name:
        return f"{name} (#{external_id})"
    return name


def _lookups(repo: Repository, viewer: ViewerLike) -> dict[str, Callable[[list[int]], Select[Any]]]:
    """Per record kind, the scoped select of (id, name, external id) for some ids."""
    from tools.store.schema import Account, Activity, Contact, Opportunity, Product, Territory, User

    def of(select: Callable[..., Select[Any]], table: Any, name: Any) -> Callable[[list[int]], Select[Any]]:
        return lambda ids: select(viewer, table.id, name, table.external_id).where(table.id.in_(ids))

    return {
        "opportunity": of(repo.opportunities, Opportunity, Opportunity.name),
        "account": of(repo.accounts, Account, Account.name),
        "user": of(repo.users, User, User.name),
        "territory": of(repo.territories, Territory, Territory.name),
        "contact": of(repo.contacts, Contact, Contact.name),
        "activity": of(repo.activities, Activity, Activity.subject),
        "product": of(lambda _viewer, *columns: repo.products(*columns), Product, Product.name),
    }


def describe_records(
    repo: Repository, viewer: ViewerLike, references: Iterable[str]
) -> dict[str, RecordSource]:
    """Name, source id and link of each record the viewer may see (others are left out), by reference.

    Kinds without a source id (account products, quotas) and references that are not
    ``kind/number`` are left out too.
    """
    wanted: dict[str, set[int]] = defaultdict(set)
    for reference in references:
        kind, _, key = reference.partition("/")
        if key.isdigit():
            wanted[kind].add(int(key))
    lookups = _lookups(repo, viewer) if wanted else {}
    batches = [
        (kind, lookups[kind], sorted(keys)[start : start + LOOKUP_BATCH])
        for kind, keys in wanted.items()
        if kind in lookups
        for start in range(0, len(keys), LOOKUP_BATCH)
    ]
    found: dict[str, RecordSource] = {}
    with repo.connect() as connection:
        for kind, lookup, batch in batches:
            for key, name, external in connection.execute(lookup(batch)):
                reference = record_id(kind, key)
                found[reference] = RecordSource(
                    id=reference,
                    name=None if name is None else str(name),
                    external_id=external,
                    url=record_url(repo.record_url, reference, external),
                )
    return found


Result = TypeVar("Result", bound=BaseModel)


def attach_sources(repo: Repository, viewer: ViewerLike, result: Result) -> Result:
    """``result`` with ``external_id`` and ``url`` filled in on every model in it that declares them.

    A model's record is its ``id`` field (``source_field`` on the class names another, e.g.
    ``rep_id``). Records outside the viewer's scope keep ``None``.
    """
    holders: list[tuple[BaseModel, str]] = []
    _collect(result, holders)
    if not holders:
        return result
    sources = describe_records(repo, viewer, {reference for _, reference in holders})
    for model, reference in holders:
        source = sources.get(reference)
        if source is not None:
            model.external_id = source.external_id  # type: ignore[attr-defined]
            model.url = source.url  # type: ignore[attr-defined]
    return result


def _collect(value: Any, holders: list[tuple[BaseModel, str]]) -> None:
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        if "external_id" in fields and "url" in fields:
            reference = getattr(value, getattr(type(value), "source_field", "id"), None)
            if isinstance(reference, str) and RECORD_ID.match(reference):
                holders.append((value, reference))
        for name in fields:
            _collect(getattr(value, name), holders)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, holders)
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect(item, holders)


class Figure(BaseModel):
    """One number, with how it was computed."""

    name: str
    value: Decimal | float | int | None
    unit: Unit
    formula: str = Field(description="How the value is computed, e.g. 'sum(amount) of open opportunities'.")
    filters: list[str] = Field(default_factory=list, description="The filters applied to the records.")
    record_ids: list[str] = Field(default_factory=list, description="The records behind the value (capped).")
    record_count: int = 0
    estimated: Decimal | None = Field(
        default=None,
        description="The part of an amount that is estimated (deals whose amount the import filled "
        "in, e.g. from the product's list price); absent when none is.",
    )

    @model_serializer(mode="wrap")
    def _drop_unestimated(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        data: dict[str, object] = handler(self)
        if data.get("estimated") is None:
            data.pop("estimated", None)
        return data

    def with_estimate(self, part: Decimal | float | int | None) -> Figure:
        """This figure, saying how much of it is estimated (nothing when ``part`` is zero or None)."""
        if not part:
            return self
        return self.model_copy(update={"estimated": to_money(part)})

    @classmethod
    def of(
        cls,
        name: str,
        value: Decimal | float | int | None,
        unit: Unit,
        formula: str,
        filters: Iterable[str] = (),
        records: Iterable[str] = (),
        count: int | None = None,
    ) -> Figure:
        """A figure; ``count`` is the number of records behind it when ``records`` lists only some."""
        ids = list(records)
        return cls(
            name=name,
            value=value,
            unit=unit,
            formula=formula,
            filters=list(filters),
            record_ids=ids[:MAX_RECORD_IDS],
            record_count=len(ids) if count is None else count,
        )

    def display(self) -> str:
        """The value formatted for people: $1,234, 37.5%, 42 days, 12; "$1,234 (estimated)"."""
        shown = format_value(self.value, self.unit)
        part = self.estimated
        return mark_estimated(shown, self.value, part, format_value(part, self.unit) if part else "")


def mark_estimated(text: str, value: Decimal | float | int | None, part: object, shown_part: str) -> str:
    """``text`` (an amount as shown) saying how much of ``value`` is estimated: "(estimated)" when
    all of it, "(of which ``shown_part`` estimated)" when some; unchanged when none or unknown.
    The one wording of estimates, for the tools' evidence and every answer."""
    if not part or value is None:
        return text
    if Decimal(str(part)) >= Decimal(str(value)):
        return f"{text} (estimated)"
    return f"{text} (of which {shown_part} estimated)"


def format_value(value: Decimal | float | int | None, unit: Unit) -> str:
    if value is None:
        return "n/a"
    if unit is Unit.USD:
        return f"${Decimal(value):,.0f}"
    if unit is Unit.RATIO:
        return f"{float(value) * 100:.1f}%"
    if unit is Unit.DAYS:
        return f"{float(value):,.0f} days"
    if unit is Unit.KM:
        return f"{float(value):,.0f} km"
    return f"{value:,}"
