"""Test app for the fuzz test: one DocType with every D6 field type, and its child table."""
