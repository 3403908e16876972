"""The Multistakeholder Manifesto on Cybercrime linked-data publisher."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import config as config_mod
from .publication import open_publication


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application: config -> data and store -> blueprints -> error handlers.

    Refuses to start (DataNotValid) when the data does not conform to the shapes.
    """
    app = Flask(__name__)
    app.config.update(config_mod.from_environment())
    if test_config:
        app.config.update(test_config)
        config_mod.check(app.config)
    app.extensions["mcm"] = open_publication(app.config)

    # Imported here, not at module level: importing the package must not build anything.
    from . import errorhandlers, headers, home, reconcile, resources, sparql
    from .linking import web as linking_web

    for blueprint in (home.bp, resources.bp, sparql.bp, linking_web.bp, reconcile.bp):
        app.register_blueprint(blueprint)
    headers.register(app)
    errorhandlers.register(app)
    return app
