"""The warehouse database: the embedded cluster for a checkout, and connections to it."""
