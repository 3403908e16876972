"""The Wikidata links as an SSSOM mapping set (TSV with its YAML metadata block).

SSSOM (Simple Standard for Sharing Ontological Mappings) is what mapping tools and
aggregators read; each row says who mapped what to what, and why (mapping_justification).
Every link here was curated by hand from the evidence in data/wikidata/verified.csv, so the
justification is semapv:ManualMappingCuration and the evidence goes in the comment.
"""

from __future__ import annotations

import csv
import io

from .agents import Agent

MEDIA_TYPE = "text/tab-separated-values; charset=utf-8"
PATH = "linksets/wikidata.sssom.tsv"  # below the base IRI; the server answers it there
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
COLUMNS = ("subject_id", "subject_label", "subject_category", "predicate_id", "object_id",
           "object_label", "mapping_justification", "comment")


def _curie_map(base: str) -> dict[str, str]:
    return {
        "mcmid": base + "id/",
        "owl": "http://www.w3.org/2002/07/owl#",
        "semapv": "https://w3id.org/semapv/vocab/",
        "wikidata": "http://www.wikidata.org/entity/",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "org": "http://www.w3.org/ns/org#",
    }


def _comment(evidence: dict[str, str] | None) -> str:
    if not evidence:
        return "no verification evidence recorded"
    parts = [f"confidence {evidence.get('confidence') or 'unstated'}"]
    if evidence.get("how_verified"):
        parts.append(evidence["how_verified"])
    if evidence.get("ror"):
        parts.append(f"ROR {evidence['ror']}")
    return "; ".join(parts)


def mapping_set(agents: dict[str, Agent], verified: dict[str, dict[str, str]],
                object_labels: dict[str, str], base: str, version: str) -> str:
    """The SSSOM TSV for every owl:sameAs link of our organisations and people.

    base: the dataset's base IRI (subjects are CURIEs under {base}id/); version: the data
    version, so that a copy says which build it came from; object_labels: the Wikidata
    labels the link tool recorded (left empty where none was recorded: never guessed).
    """
    curies = _curie_map(base)
    out = io.StringIO()
    out.write("# curie_map:\n")
    for prefix, iri in curies.items():
        out.write(f"#   {prefix}: {iri}\n")
    out.write(f"# mapping_set_id: {base}{PATH}\n")
    out.write(f"# mapping_set_version: {version}\n")
    out.write("# mapping_set_title: Multistakeholder Manifesto on Cybercrime signatories "
              "to Wikidata\n")
    out.write("# mapping_set_description: Verified Wikidata items of the signatories, their "
              "parents and affiliations (the owl:sameAs links of the dataset).\n")
    out.write(f"# license: {LICENSE}\n")
    out.write(f"# subject_source: {base}\n")
    out.write("# object_source: https://www.wikidata.org/\n")
    out.write("# subject_type: owl named individual\n")
    out.write("# object_type: owl named individual\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    prefix = curies["mcmid"]
    for agent in agents.values():
        if not agent.wikidata or not agent.iri.startswith(prefix):
            continue
        writer.writerow([
            "mcmid:" + agent.iri[len(prefix):],
            agent.label,
            "foaf:Person" if agent.kind == "person" else "org:Organization",
            "owl:sameAs",
            "wikidata:" + agent.wikidata,
            object_labels.get(agent.wikidata, ""),
            "semapv:ManualMappingCuration",
            _comment(verified.get(agent.wikidata)),
        ])
    return out.getvalue()
