"""Open what the server publishes: the dataset (validated or refused) and its store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, request

from . import dataset as dataset_mod
from .dataset import Dataset
from .errors import DataNotValid
from .store import EmbeddedStore, Store
from .validation import read_record, validate_and_record


@dataclass
class Publication:
    """Everything a request needs: the dataset, the store, and the settings they came from."""

    dataset: Dataset
    store: Store
    root: Path
    validation: dict[str, Any]


def open_publication(config: Mapping[str, Any]) -> Publication:
    """Load and check the data, then open the store over it.

    Validation runs at build time (`mcm build`) and is recorded; here the record is trusted
    when it is for this exact data version, and validation runs only when it is missing.
    """
    root = Path(config["DATA_ROOT"]) if config.get("DATA_ROOT") else dataset_mod.project_root()
    data = dataset_mod.load(root, base=config["BASE_IRI"])
    record = read_record(root, data.version)
    if record is None:
        report = validate_and_record(root, data)
        record = read_record(root, data.version) or {}
        if not report.conforms:
            raise DataNotValid("The data does not conform to the shapes; not publishing it.\n"
                               + report.text())
    elif not record.get("conforms"):
        raise DataNotValid(f"The build record {root / 'build/validation.json'} says the data "
                           "does not conform; run `make validate` for the report.")
    store: Store
    if config.get("STORE") == "remote":
        # Not imported otherwise: an embedded server needs neither SPARQLWrapper nor this.
        from .store_remote import open_remote

        store = open_remote(config, data.base, data.version)  # checks the release it holds
    else:
        store = EmbeddedStore(data)
    return Publication(dataset=data, store=store, root=root, validation=record)


def publication() -> Publication:
    """The publication of the current Flask app."""
    pub: Publication = current_app.extensions["mcm"]
    return pub


def served_iri(iri: str) -> str:
    """The IRI as this server answers it: on the request's origin when REWRITE_TO_ORIGIN is on,
    so that links stay followable on a local or staging server; other IRIs unchanged."""
    base = publication().dataset.base
    if current_app.config.get("REWRITE_TO_ORIGIN") and iri.startswith(base):
        return request.url_root + iri[len(base):]
    return iri
