"""Per-deal figures derived from history and activities, stored on the opportunity for fast scans.

``opportunities.close_date_pushes`` (how many times the close date moved later) and
``opportunities.contacts_engaged`` (distinct contacts on the deal's activities) are what the
stalled-deal rules read. The generator writes them as it simulates; the importer and the
migration that introduced them recompute them with :data:`REFRESH_STATEMENTS`.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

REFRESH_STATEMENTS = (
    """
    UPDATE opportunities SET contacts_engaged = (
        SELECT count(DISTINCT a.contact_id) FROM activities a WHERE a.opportunity_id = opportunities.id
    )
    """,
    """
    UPDATE opportunities SET close_date_pushes = COALESCE((
        SELECT sum(CASE WHEN changes.close_date > changes.previous THEN 1 ELSE 0 END) FROM (
            SELECT h.close_date, LAG(h.close_date) OVER (ORDER BY h.changed_at, h.id) AS previous
            FROM opportunity_history h WHERE h.opportunity_id = opportunities.id
        ) changes
    ), 0)
    """,
)


def refresh_rollups(connection: Connection) -> None:
    """Recompute the derived deal columns from history and activities (all deals)."""
    for statement in REFRESH_STATEMENTS:
        connection.execute(text(statement))
