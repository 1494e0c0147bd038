"""llm_service: llama.cpp models behind an OpenAI-compatible HTTP subset (ECS on AWS, loopback here).

Standalone on purpose: its container installs only llm_service/requirements.txt, not the core.
"""

from llm_service.app import create_app

__all__ = ["create_app"]
