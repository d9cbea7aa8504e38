"""The stored schemas: the published files, and the three adaptations the national schema needs to load."""

import json

from frictionless import Schema

from generator.opendata import schemas


def test_stored_files_are_the_published_versions():
    projets = json.loads(schemas.PROJETS_SCHEMA.read_text(encoding="utf-8"))
    assert projets["name"] == "projets-transition-ecologique" and projets["version"] == "v0.1.1"
    subventions = json.loads(schemas.SUBVENTIONS_SCHEMA.read_text(encoding="utf-8"))
    assert subventions["version"] == "2.0.1"
    assert [f["name"] for f in subventions["fields"]] == [
        "nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
        "idBeneficiaire", "objet", "montant", "nature", "conditionsVersement", "datesPeriodeVersement", "idRAE",
        "notificationUE", "pourcentageSubvention"]


def test_referentials_fifty_levers_and_the_m57_codes():
    assert len(schemas.leviers()) == 50
    assert schemas.leviers()[0] == "Gestion des forêts et produits bois" and "Vélo" in schemas.leviers()
    codes = schemas.competences()
    assert "90-21" in codes and "90-211" in codes and "90-89" in codes
    assert len(codes) == len(set(codes)) == 54 + 102


def test_the_national_schema_differs_from_the_published_file_only_by_the_three_adaptations():
    published = json.loads(schemas.PROJETS_SCHEMA.read_text(encoding="utf-8"))
    adapted = schemas.projets_descriptor()
    assert "foreignKeys" in published and "foreignKeys" not in adapted
    changed = []
    for before, after in zip(published["fields"], adapted["fields"]):
        if before != after:
            changed.append(before["name"])
    assert changed == ["createdAt", "updatedAt", "competences", "leviers"]
    assert adapted["fields"][1]["format"] == "default"
    assert adapted["fields"][17]["arrayItem"]["constraints"]["enum"] == list(schemas.leviers())
    Schema.from_descriptor(adapted)  # loads (the published file does not: its datetime format is no format)
    Schema.from_descriptor(schemas.descriptor(schemas.SUBVENTIONS_SCHEMA))  # loads as published
    Schema.from_descriptor(schemas.descriptor(schemas.FICHES_SCHEMA))
    Schema.from_descriptor(schemas.descriptor(schemas.MONTANTS_SCHEMA))
