"""The HTTP faces of the core (ingest and lock apps) and the bits they share: bearer auth, size
limits and JSON errors. Named `api`, not `http`, so it can never shadow the standard library."""
