"""Saved territory scenarios: a rebalance's constraints and result, kept so a manager can compare
several and publish one.

A scenario lives in the database, not in a file under ``SALESPLAN_HOME``: the API and Slack
workers of a team share one PostgreSQL database but not one disk, and "compare my two scenarios"
asked in Slack must find what was created on the command line. A row holds the input (JSON of
the rebalance's typed input), the proposal (JSON, every move), who made it, when, and the data
stamp it was computed on (:meth:`~tools.store.repository.Repository.data_stamp`), so a scenario
made before the data changed is recognised as stale. ``created_by`` is not a foreign key:
regenerating or importing data replaces the users, and the scenario (stale from then on) stays
readable until it is deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, Index, Integer, String, Text, delete, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from tools.store.schema import Base, table_of
from tools.store.types import UTCDateTime


class ScenarioRow(Base):
    """One saved scenario."""

    __tablename__ = "territory_scenarios"
    __table_args__ = (Index("ix_territory_scenarios_created_by", "created_by"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: Territory ids (JSON list) the scenario covers: who may see it follows from them.
    territory_ids: Mapped[str] = mapped_column(Text)
    params: Mapped[str] = mapped_column(Text)
    proposal: Mapped[str] = mapped_column(Text)
    data_stamp: Mapped[str] = mapped_column(String(120))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[int | None] = mapped_column(Integer)
    #: Where it was published (the directory of its files), as the publisher's host saw it.
    published_to: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class StoredScenario:
    id: int
    name: str
    created_by: int
    created_at: dt.datetime
    territory_ids: str
    params: str
    proposal: str
    data_stamp: str
    published_at: dt.datetime | None
    published_by: int | None
    published_to: str | None


def save(
    engine: Engine,
    *,
    name: str,
    created_by: int,
    territory_ids: str,
    params: str,
    proposal: str,
    data_stamp: str,
    now: dt.datetime,
) -> int:
    """Store a new scenario; its id."""
    table = table_of(ScenarioRow)
    with engine.begin() as connection:
        found = connection.execute(
            insert(table)
            .values(
                name=name,
                created_by=created_by,
                created_at=now,
                territory_ids=territory_ids,
                params=params,
                proposal=proposal,
                data_stamp=data_stamp,
            )
            .returning(table.c.id)
        ).scalar_one()
    return int(found)


def every(engine: Engine) -> list[StoredScenario]:
    """Every scenario, oldest first (callers filter by who may see them)."""
    table = table_of(ScenarioRow)
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.created_at, table.c.id)).all()
    return [StoredScenario(**row._mapping) for row in rows]


def mark_published(engine: Engine, scenario_id: int, by: int, now: dt.datetime, where: str) -> None:
    table = table_of(ScenarioRow)
    with engine.begin() as connection:
        connection.execute(
            update(table)
            .where(table.c.id == scenario_id)
            .values(published_at=now, published_by=by, published_to=where)
        )


def remove(engine: Engine, scenario_id: int) -> None:
    table = table_of(ScenarioRow)
    with engine.begin() as connection:
        connection.execute(delete(table).where(table.c.id == scenario_id))
