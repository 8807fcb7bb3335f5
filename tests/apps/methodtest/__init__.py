"""A test app for the method dispatcher: functions that write, fail, coerce and misbehave."""

import os  # noqa: F401 - `methodtest.os.system` must stay unreachable (M2)
