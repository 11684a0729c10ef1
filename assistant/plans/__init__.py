"""Drafted account and territory plans: the narrative over the tools' facts, and the Markdown."""
