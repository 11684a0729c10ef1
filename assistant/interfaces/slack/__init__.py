"""The Slack app (Bolt for Python): mentions, direct messages, ``/salesplan`` and the daily digest."""
