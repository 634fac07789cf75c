# syntax=docker/dockerfile:1
# Vigil: multi-stage build — the dashboard with Node, then a slim Python runtime.

FROM node:20-bookworm-slim AS frontend
WORKDIR /build/frontend
COPY frontend/package.json frontend/package-lock.json ./
# npm ci wants every workspace named in package.json (the API-types generator).
COPY frontend/tools/gen-api/package.json tools/gen-api/
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    VIGIL_ENV=production \
    VIGIL_FRONTEND_DIST=/app/frontend/dist \
    VIGIL_AUDIT_KEY_FILE=/var/lib/vigil/keys/audit-keys.json \
    VIGIL_MFA_KEY_FILE=/var/lib/vigil/keys/mfa-keys.json \
    VIGIL_AUDIT_ANCHOR_FILE=/var/lib/vigil/anchors/audit-anchors.jsonl
# The audit and MFA keys and the audit anchors live outside the database (docs/security.md); volumes mounted
# on these folders inherit their owner.
RUN pip install --no-cache-dir uv==0.13.9 \
    && groupadd --system --gid 10001 vigil \
    && useradd --system --uid 10001 --gid vigil --home /app vigil \
    && install -d -o vigil -g vigil -m 0700 /var/lib/vigil/keys /var/lib/vigil/anchors
WORKDIR /app
# Dependencies first: this layer is reused until uv.lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app/ app/
COPY migrations/ migrations/
COPY alembic.ini ./
RUN uv sync --frozen --no-dev
COPY --from=frontend /build/frontend/dist frontend/dist
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# Migrations are an explicit step (`vigil migrate`, see docker-compose.yml); `serve` applies
# them too, which is a no-op once they are in place.
CMD ["vigil", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
