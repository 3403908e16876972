"""The WSGI fast path stays bounded when clients cycle Host headers."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from server.headers import FASTPATH, FastPath


def test_fast_path_memory_is_bounded_across_hosts(app: Flask, client: FlaskClient) -> None:
    fast: FastPath = app.extensions[FASTPATH]
    saved = fast.max_bytes
    first = client.get("/id/org/microsoft.ttl", headers={"Host": "h0.example"})
    assert first.status_code == 200
    fast.max_bytes = 3 * len(first.data)
    try:
        for n in range(1, 20):
            response = client.get("/id/org/microsoft.ttl", headers={"Host": f"h{n}.example"})
            assert response.status_code == 200
            assert f"h{n}.example".encode() in response.data  # rewritten to that origin
            assert fast.bytes <= fast.max_bytes
        # Repeats are still answered (from the table or through Flask), identically.
        again = client.get("/id/org/microsoft.ttl", headers={"Host": "h19.example"})
        assert again.data == response.data
    finally:
        fast.max_bytes = saved
