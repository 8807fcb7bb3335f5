"""Test app for the document tests: one DocType per naming rule, every field type, hooks."""
