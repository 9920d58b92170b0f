"""JSON responses written with orjson, shared by every router."""
from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response

JSON = "application/json"


def json_response(body: Any, media_type: str = JSON, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(body), media_type=media_type, headers=headers)
