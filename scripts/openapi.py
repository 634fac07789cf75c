"""Write the API contract, frontend/openapi.json, from the app itself (no server runs).

    uv run python scripts/openapi.py           # (re)write frontend/openapi.json
    uv run python scripts/openapi.py --check   # exit 1 when the file differs from the app's

`make api` runs this and then `npm run gen:api:ts`, which turns the JSON into
frontend/src/api-schema.d.ts. `make lint` runs both checks, so a change to a route or a
schema that is not regenerated fails the build.
"""

import argparse
import json
import sys
from pathlib import Path

from app.config import Settings
from app.main import create_app

TARGET = Path(__file__).resolve().parents[1] / "frontend" / "openapi.json"


def contract() -> str:
    # Development settings whatever the shell says: production refuses the built-in secret key,
    # and the document must not depend on the machine that writes it.
    schema = create_app(Settings(env="development")).openapi()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the file is out of date")
    args = parser.parse_args()
    text = contract()
    if args.check:
        if not TARGET.is_file() or TARGET.read_text(encoding="utf-8") != text:
            print(
                f"{TARGET.relative_to(TARGET.parents[1])} is out of date with the app: "
                "run `make api` and commit the result",
                file=sys.stderr,
            )
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
