"""The core's view of the LLM: an HTTP client (light, Lambdas import it) and model preparation.

Submodules: `client` (httpx only), `models` (GGUF paths, conversion cache), `bert_gguf` (the
converter), `local` (llm_service on loopback). Nothing heavy is imported here.
"""

EMBEDDING_DIM = 384  # all-MiniLM-L6-v2; the messages.embedding column is vector(384)

__all__ = ["EMBEDDING_DIM"]
