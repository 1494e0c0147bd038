"""Storage: Postgres + pgvector through psycopg 3 (schema in migrations/, plain SQL)."""

from nudge.store.db import connect, open_database
from nudge.store.migrate import apply_migrations
from nudge.store.users import ensure_user

__all__ = ["apply_migrations", "connect", "ensure_user", "open_database"]
