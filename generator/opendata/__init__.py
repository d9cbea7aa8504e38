"""Open data in and out: a CRTE's projects in the national schema of projects of collectivities in ecological
transition, the subsidies of a convention in the SCDL « subventions » schema (`python build.py exporter`,
`python build.py importer`; docs/donnees-ouvertes.md). The published schemas are stored in `schemas/`."""
