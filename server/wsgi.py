"""The WSGI entry point for production servers: `server.wsgi:app`."""

from . import create_app

app = create_app()
