"""A bench-only app: the method scenario's whitelisted function (not installed on real sites)."""
