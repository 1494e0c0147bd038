"""Nudge: a private assistant for WhatsApp messages.

The core shared by the CLI, every Lambda and the llm_service clients.
"""

__version__ = "0.1.0"
