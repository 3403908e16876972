"""The README's serve command starts a real server that answers on loopback."""

from __future__ import annotations

import json
import urllib.request


def test_served_publisher_answers(live_server: str) -> None:
    assert live_server.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(live_server + "/health", timeout=5) as response:
        body = json.load(response)
    assert response.status == 200
    assert body["status"] == "ok" and body["triples"] > 2000
