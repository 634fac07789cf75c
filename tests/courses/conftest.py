import pytest

from tests import factories


@pytest.fixture(autouse=True)
async def no_minimum_recovery(staff):  # type: ignore[no-untyped-def]
    # Six infusions in a test: no minimum recovery time to wait out.
    await factories.edit_protocol(staff.admin, "iv-ketamine", min_recovery_minutes=0)
