from typing import Any

import pytest


@pytest.fixture
async def site(staff: Any) -> str:
    """The clinic's one site, where the test's staff work."""
    [main] = (await staff.admin.get("/api/sites")).json()
    return str(main["id"])
