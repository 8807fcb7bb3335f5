"""A test app for auth: a password-reset hook and rate-limited functions."""
