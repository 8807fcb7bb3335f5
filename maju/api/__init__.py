"""URL behaviour: routes, request parameters, handlers and response envelopes."""
