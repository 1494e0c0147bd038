"""LLM fixtures (the real tiny models through llm_service)."""
