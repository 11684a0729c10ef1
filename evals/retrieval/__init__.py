"""Labelled questions for the playbook retrieval evaluation (see :mod:`knowledge.evaluation`)."""

from pathlib import Path

#: The default question set: questions a rep or manager asks, each with the citations that answer it.
QUESTIONS_FILE = Path(__file__).resolve().parent / "questions.yaml"
