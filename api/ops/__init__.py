"""Operating the service rather than serving requests: the embedded PostgreSQL for development and
tests, and backup/restore. Nothing under api/db, api/services or api/routers imports from here."""
