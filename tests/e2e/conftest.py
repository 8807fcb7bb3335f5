"""One real server per backend per module for the third-party client tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS, require_backend
from tests.servers import ServedSite, served_site


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedSite]:
    """A uvicorn subprocess serving a freshly migrated site on each backend."""
    backend: str = request.param
    require_backend(request, backend)
    with served_site(backend, tmp_path_factory.mktemp(f"e2e-{backend}")) as site:
        yield site
