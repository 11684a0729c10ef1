"""The playbook knowledge base: the sales playbook (``playbook/*.md``) and its hybrid retrieval.

:class:`knowledge.base.KnowledgeBase` is the entry point (``ingest``, ``search``). Modules, in the
order data flows through them: ``documents`` (files and front matter), ``markdown`` (anchors and
plain text), ``chunking`` (sections, citation ids, windows), ``embeddings`` (local MiniLM or
OpenAI), ``index`` (Chroma), ``stemming``/``glossary``/``bm25`` (the lexical index), ``ingest``
(idempotent indexing), ``retriever`` (reciprocal rank fusion), ``passages`` (what a search
returns) and ``evaluation`` (recall@k and MRR on labelled questions).

Importing this package is cheap: the embedding model, Chroma and BM25 load on first use. It
depends on nothing above it (only ``tools.errors`` for the error types).
"""
