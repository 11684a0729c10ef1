"""Tables of the win score and the pipeline's past, kept beside :mod:`tools.store.schema` (on its
metadata, registered in :mod:`tools.store`).

- ``win_models``: the trained win-score model of a data set, keyed by the fingerprint of the data
  it was trained on (:mod:`tools.scoring.store`), with its backtest figures. The model is a pickled
  scikit-learn estimator written and read only by this application, from its own database.
- ``deal_scores``: the latest win score of every open deal, with its top factors (JSON), made by
  the model named by ``fingerprint``. The stalled-deal scan joins it to rank by money at stake.
- ``pipeline_snapshots``: one row per open deal per snapshot day (stage, amount, close date,
  forecast category, win score), the start and end of every "what changed" view.
- ``digest_items``: the deals a person's Slack digest listed on a day (with the rules they broke
  and their close date), so the next digest shows only what changed since.
- ``deal_snoozes``: a person's "snooze for 7 days" or "mark reviewed" on one of their flagged deals
  (one row per person and deal; the latest click wins), with what the deal looked like then (stage,
  amount, close date, the rules it broke), so the digest can tell when a reviewed deal changed.

No foreign keys to the CRM tables: replacing the data set clears these rows itself.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, Float, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tools.store.schema import Base
from tools.store.types import Money, UTCDateTime


class WinModel(Base):
    __tablename__ = "win_models"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    trained_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: The data set's ``as_of`` the model was trained for.
    as_of: Mapped[dt.date] = mapped_column(Date)
    #: "model" or "stage_probability" (what the scores use), and the backtest as JSON.
    used: Mapped[str] = mapped_column(String(20))
    report: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)


class DealScore(Base):
    __tablename__ = "deal_scores"

    opportunity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    probability: Mapped[float] = mapped_column(Float)
    stage_probability: Mapped[float] = mapped_column(Float)
    factors: Mapped[str] = mapped_column(Text)


class PipelineSnapshot(Base):
    __tablename__ = "pipeline_snapshots"
    __table_args__ = (Index("ix_pipeline_snapshots_opportunity_id", "opportunity_id", "day"),)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    close_date: Mapped[dt.date | None] = mapped_column(Date)
    forecast_category: Mapped[str | None] = mapped_column(String(20))
    probability: Mapped[float | None] = mapped_column(Float)


class DigestItem(Base):
    __tablename__ = "digest_items"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    #: The rules the deal broke, comma-separated.
    rules: Mapped[str] = mapped_column(String(200))
    close_date: Mapped[dt.date | None] = mapped_column(Date)


class DealSnooze(Base):
    __tablename__ = "deal_snoozes"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: "snoozed" (left out until ``until``) or "reviewed" (left out until the deal changes).
    kind: Mapped[str] = mapped_column(String(16))
    until: Mapped[dt.date | None] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    close_date: Mapped[dt.date | None] = mapped_column(Date)
    #: The rules the deal broke when it was marked, comma-separated.
    rules: Mapped[str] = mapped_column(String(200))
    marked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
