"""The Telegram face of Nudge: one python-telegram-bot Application, served by webhook or polling.

Modules: intents (what a message asks for), render (HTML + splitting), actions (core calls that
return replies), handlers (PTB callbacks), app (the Application), webhook (FastAPI route),
dedup (DynamoDB update_id claims), polling (`nudge bot`).
"""
