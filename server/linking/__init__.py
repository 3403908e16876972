"""Wikidata links: the link tool (verify, propose), the snapshot and facts graph, SSSOM."""
