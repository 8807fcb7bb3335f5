-- The create scenario: POST one ToDo as JSON (the Authorization header comes from wrk -H).
wrk.method = "POST"
wrk.body = '{"description": "Benchmark ToDo created by wrk", "priority": "High"}'
wrk.headers["Content-Type"] = "application/json"
