"""Plans on the demo data and the Maven export (the offline planner's worlds), and on the hand-built CRM."""

from __future__ import annotations

from tests.assistant.conftest import make_service, scripted
from tests.offline.conftest import demo, maven

__all__ = ["demo", "make_service", "maven", "scripted"]
