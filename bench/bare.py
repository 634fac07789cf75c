"""The baseline: a FastAPI endpoint at the reading route that does nothing.

Served by the same uvicorn settings as `vigil serve` (uvloop, httptools, no access log, proxy
headers, WARNING), so "Vigil / bare" is what authentication, validation, alert evaluation and
the event write cost on this machine. Run: `python -m bench.bare --port P`.
"""

import argparse

import uvicorn
from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.put("/api/sessions/{session_id}/readings/{reading_id}", status_code=201)
    async def put_reading(session_id: str, reading_id: str) -> dict[str, str]:
        return {"id": reading_id}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        "bench.bare:create_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        log_config=None,
        proxy_headers=True,
        access_log=False,
    )


if __name__ == "__main__":
    main()
