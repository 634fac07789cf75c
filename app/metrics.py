"""Prometheus metrics. Per process: with several workers, scrape each or aggregate upstream."""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from app.deps import Admin

REQUESTS = Counter("vigil_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "vigil_http_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
READINGS = Counter("vigil_readings_recorded_total", "Readings stored (replays not counted)")
ALERTS = Counter("vigil_alerts_raised_total", "Alerts raised", ["priority"])
WEBSOCKETS = Gauge("vigil_websocket_connections", "Open live-stream websockets")
BUS_LAG = Histogram(
    "vigil_bus_lag_seconds",
    "Time from an event's commit to its hand-off to websocket queues",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
)

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response)
async def metrics(_admin: Admin) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
