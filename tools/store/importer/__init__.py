"""Importing CSV exports: the mapping language, parsers, staging, upsert and the report."""
