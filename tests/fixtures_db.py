"""Database fixtures (embedded Postgres + pgvector)."""
