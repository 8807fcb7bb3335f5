"""A test app for the database layer: slow statements on purpose, and a held connection."""
