"""Every error the HTTP API returns, in the OpenAI shape that SDKs parse:
``{"error": {"message", "type", "param", "code"}}``.

Internal failures answer 500 with a generic message: exception text (SQL, tenant
prefixes, paths) is logged, never sent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from resonant.errors import InvalidTurnError, ResonantError

log = logging.getLogger(__name__)

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    405: "invalid_request_error",
    411: "invalid_request_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    503: "service_unavailable",
}
INTERNAL_ERROR = "the server failed to handle this request; it has been logged"


def error_body(
    status: int, message: str, *, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": ERROR_TYPES.get(status, "invalid_request_error"),
            "param": param,
            "code": code,
        }
    }


def error_response(
    status: int,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(status, message, param=param, code=code), status, dict(headers or {})
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer HTTPException, validation errors, bad turns and crashes in the OpenAI shape."""

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = [str(part) for part in first.get("loc", ()) if part not in ("body", "path")]
        param = ".".join(where) or None
        message = f"{param}: {first.get('msg')}" if param else str(first.get("msg", "invalid"))
        return error_response(400, message, param=param, code="invalid_value")

    @app.exception_handler(InvalidTurnError)
    async def invalid_turn(_request: Request, exc: InvalidTurnError) -> JSONResponse:
        return error_response(400, str(exc), code="invalid_value")

    @app.exception_handler(ResonantError)
    async def unavailable(_request: Request, exc: ResonantError) -> JSONResponse:
        return error_response(503, str(exc))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, INTERNAL_ERROR)
