"""The HTML pages without a browser: every asset local, the preview maps' districts served."""
from __future__ import annotations

import json
import re

import pytest


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("path", ["/api.html", "/?f=html", "/collections/projects/items?f=html"])
def test_pages_load_only_the_services_own_assets(client, path):
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    urls = _asset_urls(r.text)
    assert urls
    for url in urls:
        assert url.startswith("http://testserver/static/"), url
        assert client.get(url).status_code == 200, url


def test_api_explorer_reads_the_services_openapi_and_never_the_validator(client):
    page = client.get("/api.html").text
    assert "swagger-ui-bundle.js" in page and '"http://testserver/api"' in page
    assert "validatorUrl: null" in page
    # Without JavaScript the operations are still listed.
    assert "<code>/analysis/siting</code>" in page


def test_preview_maps_get_the_district_outlines_from_the_service(client):
    page = client.get("/collections/wetlands?f=html").text
    url = json.loads(re.search(r"PlanPages\.configure\((\{.*?\})\)", page).group(1))["districts_url"]
    topo = client.get(url).json()
    assert len(topo["objects"]["districts"]["geometries"]) == 16
    assert len(client.get(url).content) < 100_000  # small enough for every page view
