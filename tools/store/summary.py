"""A whole-dataset summary for operators (row counts, territories, open pipeline)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import Engine, case, func, select

from tools.store.bulk import INSERT_ORDER
from tools.store.schema import Account, DatasetMeta, Opportunity, Role, Territory, User


class TerritoryLine(BaseModel):
    name: str
    accounts: int
    reps: int
    open_deals: int
    open_pipeline: Decimal


class DatasetSummary(BaseModel):
    meta: dict[str, str]
    rows: dict[str, int]
    roles: dict[str, int]
    territories: list[TerritoryLine]
    won: int
    lost: int
    open: int


def summarize(engine: Engine) -> DatasetSummary:
    with engine.connect() as db:
        rows = {t.name: db.execute(select(func.count()).select_from(t)).scalar_one() for t in INSERT_ORDER}
        roles = dict(db.execute(select(User.role, func.count()).group_by(User.role)).all())
        meta = dict(db.execute(select(DatasetMeta.key, DatasetMeta.value)).all())
        won, lost, open_ = db.execute(
            select(
                func.coalesce(func.sum(case((Opportunity.is_won, 1), else_=0)), 0),
                func.coalesce(func.sum(case((Opportunity.is_closed & ~Opportunity.is_won, 1), else_=0)), 0),
                func.coalesce(func.sum(case((~Opportunity.is_closed, 1), else_=0)), 0),
            )
        ).one()
        accounts = dict(
            db.execute(select(Account.territory_id, func.count()).group_by(Account.territory_id)).all()
        )
        reps = dict(
            db.execute(
                select(User.territory_id, func.count())
                .where(User.role == Role.REP)
                .group_by(User.territory_id)
            ).all()
        )
        pipeline = {
            tid: (count, amount)
            for tid, count, amount in db.execute(
                select(Account.territory_id, func.count(), func.coalesce(func.sum(Opportunity.amount), 0))
                .join(Account, Opportunity.account_id == Account.id)
                .where(~Opportunity.is_closed)
                .group_by(Account.territory_id)
            )
        }
        lines = [
            TerritoryLine(
                name=name,
                accounts=accounts.get(tid, 0),
                reps=reps.get(tid, 0),
                open_deals=pipeline.get(tid, (0, 0))[0],
                open_pipeline=Decimal(pipeline.get(tid, (0, 0))[1] or 0),
            )
            for tid, name in db.execute(select(Territory.id, Territory.name).order_by(Territory.name))
        ]
    return DatasetSummary(
        meta=meta, rows=rows, roles=roles, territories=lines, won=won, lost=lost, open=open_
    )
