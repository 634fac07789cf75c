"""The `vigil` commands an operator runs (the Dockerfile and docker-compose.yml use them)."""

import os
import subprocess
import sys
from pathlib import Path

VIGIL = Path(sys.executable).parent / "vigil"


def vigil(*args: str, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {"VIGIL_DATABASE_URL": f"sqlite+aiosqlite:///{db}"} | env
    return subprocess.run(
        [VIGIL, *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_migrate_create_user_and_check_config(tmp_path: Path) -> None:
    db = tmp_path / "ops" / "vigil.db"
    migrated = vigil("migrate", db=db)
    assert migrated.returncode == 0, migrated.stderr
    assert "up to date" in migrated.stdout
    created = vigil(
        "create-user",
        "--username",
        "chief",
        "--role",
        "admin",
        "--password",
        "a-long-password",
        db=db,
    )
    assert created.returncode == 0, created.stderr
    assert "Created admin 'chief'" in created.stdout
    again = vigil(
        "create-user",
        "--username",
        "chief",
        "--role",
        "admin",
        "--password",
        "a-long-password",
        db=db,
    )
    assert again.returncode != 0
    weak = vigil("create-user", "--username", "x2", "--role", "nurse", "--password", "short", db=db)
    assert weak.returncode != 0
    assert "at least 12 characters" in weak.stderr
    checked = vigil("check-config", db=db)
    assert checked.returncode == 0, checked.stderr
    assert "Database: reachable." in checked.stdout
    assert "development default" in checked.stdout  # the built-in secret is called out


def test_check_config_refuses_production_without_a_secret(tmp_path: Path) -> None:
    result = vigil("check-config", db=tmp_path / "v.db", VIGIL_ENV="production")
    assert result.returncode == 2
    assert "VIGIL_SECRET_KEY must be set" in result.stderr


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    result = vigil("serve", "--workers", "2", db=tmp_path / "v.db")
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr
