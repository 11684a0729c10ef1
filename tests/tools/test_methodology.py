"""Qualification methodology files and the manager views' playbook citations: every file loads,
names each letter once with evidence of one kind, and every passage cited exists in the playbook."""

from __future__ import annotations

import pytest

from knowledge.chunking import chunk_document
from knowledge.documents import PLAYBOOK_DIR, find_documents, read_document
from tools.errors import InputError
from tools.manager.forecast_call import PLAYBOOK as FORECAST_CALL
from tools.manager.methodology import Evidence, load_methodology, methodologies
from tools.manager.one_on_one import PASSAGES


@pytest.fixture(scope="module")
def citations() -> set[str]:
    return {
        chunk.citation
        for path in find_documents(PLAYBOOK_DIR)
        for chunk in chunk_document(read_document(path, PLAYBOOK_DIR))
    }


def test_the_packaged_methodologies_load(citations: set[str]) -> None:
    assert methodologies() == ["bant", "meddpicc"]
    meddpicc, bant = load_methodology("meddpicc"), load_methodology("BANT")
    assert "".join(letter.letter for letter in meddpicc.letters) == "MEDDPICC"
    assert "".join(letter.letter for letter in bant.letters) == "BANT"
    for method in (meddpicc, bant):
        assert method.playbook in citations
        assert len({letter.key for letter in method.letters}) == len(method.letters)
        for letter in method.letters:
            assert letter.playbook in citations, letter.playbook
            assert letter.evidence and letter.ask


def test_the_manager_views_cite_passages_that_exist(citations: set[str]) -> None:
    assert {*PASSAGES.values(), FORECAST_CALL} <= citations


def test_a_letter_is_found_by_its_name_key_or_initials() -> None:
    method = load_methodology("meddpicc")
    assert (
        method.find("Economic Buyer").key == method.find("EB").key == method.find("e").key == "economic_buyer"
    )
    assert method.find("paper_process").name == "Paper process"
    with pytest.raises(InputError, match="no letter 'c'"):
        method.find("c")  # Champion or Competition


def test_evidence_names_one_kind() -> None:
    with pytest.raises(ValueError, match="either contact_roles or a field"):
        Evidence(contact_roles=["Champion"], field="pain")
    with pytest.raises(ValueError, match="either contact_roles or a field"):
        Evidence()
