"""What both services share: error answers that never echo input, health, metrics, the page's headers."""

from __future__ import annotations

import base64
import hashlib
import inspect
import logging
import re
import time
from typing import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse

from emoshield.errors import EmoshieldError

#: One line per request: method, path (never the query string) and status; uvicorn's own access log, which
#: adds the client's address and the full query, is off.
ACCESS_LOG = logging.getLogger("uvicorn.error")


class Metrics:
    """Prometheus counters and latency per route and status (a registry per app), as ASGI middleware."""

    def __init__(self, app, routes: tuple[str, ...]) -> None:
        # prometheus_client: the serve extra, only when a service starts
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.app = app
        self.routes = routes
        self.registry = CollectorRegistry()
        self.requests = Counter("emoshield_requests", "Requests by route and status", ["route", "status"], registry=self.registry)
        self.latency = Histogram("emoshield_request_seconds", "Time to answer", ["route"], registry=self.registry,
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10))
        self.utterances = Counter("emoshield_utterances", "Utterances decided", registry=self.registry)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        route = scope["path"] if scope["path"] in self.routes else "other"
        status = 500
        start = time.perf_counter()

        async def observed(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            self.requests.labels(route, str(status)).inc()
            self.latency.labels(route).observe(time.perf_counter() - start)
            ACCESS_LOG.info("%s %s %d", scope["method"], scope["path"], status)  # no query, no address

    def exposition(self) -> bytes:
        # prometheus_client: the serve extra, only when a service starts
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


def new_app(title: str, ready: Callable[[], bool | Awaitable[bool]], lifespan=None, docs: bool = False) -> FastAPI:
    """A FastAPI app with the shared error handlers, ``/healthz`` and ``/readyz``; the interactive docs and the
    OpenAPI schema only with ``docs`` (their page loads scripts from a CDN)."""
    app = FastAPI(title=title, version="1", lifespan=lifespan, docs_url="/docs" if docs else None, redoc_url=None,
                  openapi_url="/openapi.json" if docs else None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # location and message only: pydantic's "input" would send the request back
        kind = request.headers.get("content-type", "")
        if not kind.startswith("application/json"):
            return JSONResponse({"detail": f"send the body as JSON with Content-Type: application/json (got {kind[:60] or 'none'!r})"}, status_code=415)
        errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "invalid"))} for e in exc.errors()[:20]]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(EmoshieldError)
    async def _refused(request: Request, exc: EmoshieldError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        ok = ready()
        if inspect.isawaitable(ok):
            ok = await ok
        return JSONResponse({"ready": ok}, status_code=200 if ok else 503)

    return app


def add_metrics(app: FastAPI, metrics: Metrics) -> None:
    @app.get("/metrics", include_in_schema=False)
    async def _metrics() -> PlainTextResponse:
        return PlainTextResponse(metrics.exposition(), media_type="text/plain; version=0.0.4")


def page_security_headers(html: str) -> dict[str, str]:
    """A strict Content-Security-Policy for a page whose only script and style are inline in ``html`` (allowed
    by their SHA-256), never framed by another site."""
    def hashes(tag: str) -> str:
        bodies = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)
        return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in bodies)

    policy = (f"default-src 'none'; script-src {hashes('script')}; style-src {hashes('style')}; connect-src 'self'; "
              "img-src 'self'; media-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return {"content-security-policy": policy, "x-frame-options": "DENY", "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer"}
