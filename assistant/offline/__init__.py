"""The built-in offline planner: a chat model that needs no API key or network."""

from assistant.offline.planner import OfflinePlanner

__all__ = ["OfflinePlanner"]
