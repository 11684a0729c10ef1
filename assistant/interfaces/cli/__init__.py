"""The ``salesplan`` command line."""

from assistant.interfaces.cli.app import app, main

__all__ = ["app", "main"]
