"""Tables of the live CRM connection: sync watermarks and proposed changes awaiting a yes.

``crm_sync_state`` holds, per source (``salesforce``, ``hubspot``) and object, the latest
modification stamp a committed sync has seen (``SystemModstamp``, ``hs_lastmodifieddate``): the
next run asks only for what changed since. It is written in the same transaction as the data, so
a failed run leaves both the data and the watermark as the last good run left them.

``crm_changes`` holds every change the assistant proposed: the record (its local id and the CRM's
id), the CRM field, the value read when it was proposed (``old``, as text) and the value asked for
(``new``), who asked and its state: ``proposed`` → ``applied`` (written through the connector
after the proposer confirmed), ``cancelled``, ``refused`` (the record changed since, or the CRM
refused the write; ``detail`` says why). Nothing moves a change out of ``proposed`` except the
proposer's own confirmation or cancellation. ``details`` (JSON) holds what a proposal needs beyond
one value: the call, meeting, email or note to log (``kind`` ``activity``), or a next step's due date.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tools.store.schema import Base
from tools.store.types import UTCDateTime


class SyncState(Base):
    """The watermark of one object of one CRM source, as of the last committed sync."""

    __tablename__ = "crm_sync_state"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    object: Mapped[str] = mapped_column(String(60), primary_key=True)
    watermark: Mapped[str] = mapped_column(String(40))
    synced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ProposedChange(Base):
    """A change to one field of one CRM record, waiting for the proposer's confirmation."""

    __tablename__ = "crm_changes"
    __table_args__ = (Index("ix_crm_changes_user_state", "user_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    #: ``opportunity`` (a field of a deal) or ``activity`` (a call, meeting or email to log on it).
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    record_name: Mapped[str] = mapped_column(String(300))
    external_id: Mapped[str] = mapped_column(String(120))
    field: Mapped[str] = mapped_column(String(60))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
    #: JSON: the activity to log, or a next step's due date (see the module docstring).
    details: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
