"""Who is calling: API keys, password sessions, bearer tokens, passwords, throttling."""
