"""The hybrid retriever as a LangChain ``BaseRetriever``, for callers who compose chains.

Kept out of ``retrieval.py`` so that nothing imports LangChain until it is asked for
(``from borderqa.retrieval import LangChainRetriever`` still works).
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from borderqa.config import SearchMode
from borderqa.retrieval import Retriever
from borderqa.types import Hit


def hit_to_langchain(hit: Hit) -> LCDocument:
    p = hit.passage
    return LCDocument(
        page_content=p.text,
        id=p.id,
        metadata={"id": p.id, "document": p.document, "section": p.section, "paragraph": p.paragraph,
                  "page": p.page, "locator": p.locator, "score": hit.score},
    )


class LangChainRetriever(BaseRetriever):
    """The hybrid pipeline as a LangChain retriever: ``retriever.invoke("question")`` -> Documents."""

    retriever: Retriever
    k: int = 5
    mode: SearchMode = "hybrid"
    documents: list[str] | None = None  # only these document ids

    model_config = ConfigDict(arbitrary_types_allowed=True)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        hits = self.retriever.search(query, k=self.k, mode=self.mode, documents=self.documents)
        return [hit_to_langchain(h) for h in hits]
