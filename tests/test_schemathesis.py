"""Property-based run of the OpenAPI document at /api: no 5xx, responses match the schema."""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance, response_schema_conformance)

from planmap.api.app import create_app  # noqa: E402
from planmap.config import DEFAULT_GPKG  # noqa: E402
from planmap.store import LayerStore  # noqa: E402

_app = create_app(LayerStore.from_gpkg(DEFAULT_GPKG))
schema = schemathesis.openapi.from_asgi("/api", _app)


# Everything but /projects/import, which would write into the committed GeoPackage.
@schema.include(path_regex=r"^/(conformance|collections.*|export.*|query/.*|analysis/(siting|zonal)|"
                          r"stats/projects|rasters.*|indicators)?$").parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_api(case):
    # no 5xx, and every answer matches the documented schema and content type. (405 answers
    # and their Allow header are checked in test_api_core.py.)
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance,
                                   content_type_conformance])
