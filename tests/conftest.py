"""Fixtures: small content folders written from Python data, and readers of produced documents."""

from __future__ import annotations

import copy
import os
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml
from hypothesis import HealthCheck, settings

# Property tests are deterministic in CI (CI=true): the same examples on every run, bounded in number; a local
# run may explore with fresh random examples: HYPOTHESIS_PROFILE=explore python -m pytest tests/test_fuzz.py
settings.register_profile("ci", derandomize=True, max_examples=100, deadline=None, database=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("explore", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev"))

ROOT = Path(__file__).resolve().parent.parent
REAL_CONTENT = ROOT / "content"
SEEDS = ROOT.parent / "shared" / "seeds"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# Amounts written by the fixtures stay exact decimals in the YAML they write.
yaml.SafeDumper.add_representer(Decimal, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:float", str(value)))


def fiche(intitule: str, depenses: dict[int, int], *, recettes: dict[int, int] | None = None,
          numero_publie: str | None = None, **extra) -> dict:
    """Return the data of a consistent fiche: its declared figures equal what the engine computes."""
    recettes = recettes or {}
    total_dep, total_rec = sum(depenses.values()), sum(recettes.values())
    data = {
        "numero_publie": numero_publie,
        "intitule": intitule,
        "maitre_ouvrage": "CALL",
        "libelle_maquette": intitule.capitalize(),
        "description": "Une **description** avec un [lien](https://example.org) et le 1^{er} essai.",
        "date_mise_a_jour": "2021-06-12",
        "localisation": "AGGLOMERATION",
        "budget": "Principal",
        "annee_lancement": 2021,
        "investissement": {
            "depenses": [{"libelle": "Travaux", "montant": total_dep}],
            "recettes": [{"libelle": "Etat", "montant": total_rec}] if total_rec else [],
            "total_publie": {"depenses": total_dep, "recettes": total_rec},
        },
        "echeancier": {
            "depenses": {"investissement": depenses},
            "recettes": {"investissement": recettes},
            "publie": {
                "depenses": {"total": total_dep, **depenses},
                "recettes": {"total": total_rec, **recettes},
                "totaux": {"depenses_investissement": total_dep, "recettes_investissement": total_rec},
            },
        },
        "operations": "- première opération\n- seconde opération\n",
        "financements": {"lignes": [{"partenaire": "Etat", "montant": total_rec}], "total_publie": total_rec},
    }
    if numero_publie is None:
        del data["numero_publie"]
    data.update(extra)
    return data


def contract_data() -> dict:
    """Return the files of a small, consistent CRTE: rel path → data (dict for YAML, str for Markdown)."""
    files: dict[str, object] = {
        "contrat.yaml": {
            "type": "crte",
            "titre": "CONTRAT DE RELANCE ET DE TRANSITION ECOLOGIQUE",
            "territoire": "Essai",
            "couverture": {"annee": 2021, "titre": "CONTRAT D'ESSAI", "autorite": ["PRÉFET"],
                           "devise": ["Liberté"], "collectivite": ["CAE"]},
            "projet": ["projet/intro.md"],
            "axes": [
                {"code": "TRAVAILLER", "titre": "Créer des emplois", "texte": "axes/1.md",
                 "fiches": ["emploi", "formation"]},
                {"code": "BOUGER", "titre": "Mobilité", "texte": "axes/2.md", "fiches": ["velo"]},
            ],
            "parties": [
                {"id": "etat", "nom": "L'Etat", "representant": {"civilite": "Monsieur", "nom": "Jean DUPONT",
                                                                  "qualite": "Préfet"},
                 "signature": ["Le Préfet,"]},
                {"id": "cae", "nom": "La Communauté d'essai", "feminin": True, "sigle": "CAE",
                 "representant": {"civilite": "Mme", "nom": "Anne MARTIN", "qualite": "sa Présidente",
                                  "qualite_avant_nom": True},
                 "habilitation": {"organe": "conseil communautaire", "date": "2017-06-01", "numero": "2017-1234"},
                 "signature": ["La Présidente,"]},
            ],
            "preambule": "contrat/preambule.md",
            "articles": ["articles/objet.md", "articles/plan.md"],
            "signature": {"lieu": "Lens", "date": "2021-07-09", "exemplaires": 3},
            "annexes": {"avertissement": "annexes/avertissement.md"},
            "annees": [2021, 2022, 2023],
            "maquette": {"titre": "MAQUETTE D'ESSAI", "periode": "2021-2023"},
        },
        "projet/intro.md": "# Le projet\n\nUn texte **gras** et *italique*.\n\n> ### Encadré 1 : Le territoire\n>\n> Dans l'encadré.\n",
        "axes/1.md": "Objectifs :\n\n1. premier\n2. second\n\nPlan :\n\n1. alpha\n2. beta\n    - imbriqué\n",
        "axes/2.md": "Texte de l'axe 2.\n",
        "contrat/preambule.md": "Le préambule du contrat.\n",
        "articles/objet.md": "# Objet du contrat\n\nLe contrat a pour objet l'essai.\n",
        "articles/plan.md": "# Le plan d'action\n\nIntroduction.\n\n## Intégration\n\nTexte 2.1.\n\n## Validation\n\nTexte 2.2.\n",
        "annexes/avertissement.md": "La présente programmation est indicative.\n",
        "fiches/emploi.yaml": fiche("SOUTENIR L'EMPLOI", {2021: 100000, 2022: 50000}, recettes={2021: 20000}),
        "fiches/formation.yaml": fiche("DEVELOPPER LA FORMATION", {2022: 30000}),
        "fiches/velo.yaml": fiche("DEVELOPPER LE VELO", {2021: 12345, 2023: 1000}),
    }
    files["maquette-publiee.yaml"] = {
        "titre": "MAQUETTE D'ESSAI",
        "lignes": [
            {"enjeu": "TRAVAILLER", "numero": "1.1", "maitre_ouvrage": "CALL", "annee": 2021,
             "cout_2021": 100000, "cout_2022": 50000, "cout_total": 150000},
            {"enjeu": "TRAVAILLER", "numero": "1.2", "maitre_ouvrage": "CALL", "annee": 2021,
             "cout_2022": 30000, "cout_total": 30000},
            {"enjeu": "BOUGER", "numero": "2.1", "maitre_ouvrage": "CALL", "annee": 2021,
             "cout_2021": 12345, "cout_total": 13345},
        ],
    }
    return files


def write_contract(root: Path, files: dict[str, object]) -> Path:
    """Write a contract folder from `contract_data()`-like data; return its root."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture
def contract_files() -> dict[str, object]:
    return copy.deepcopy(contract_data())


@pytest.fixture
def contract_dir(tmp_path, contract_files) -> Path:
    """A small, consistent CRTE in `tmp_path/content/essai`."""
    return write_contract(tmp_path / "content" / "essai", contract_files)


def main_document(written: list[Path]) -> Path:
    """Return the contract itself among the files a build wrote (a CRTE also gives its annexes)."""
    [path] = [p for p in written if p.name == "contrat.docx" and p.parent.name.startswith("avenant-") is False]
    return path


def docx_paragraphs(path_or_bytes) -> list[str]:
    """Return the text of every paragraph of a .docx body (tables included), in order."""
    source = path_or_bytes if isinstance(path_or_bytes, (str, Path)) else __import__("io").BytesIO(path_or_bytes)
    with zipfile.ZipFile(source) as z:
        root = ET.fromstring(z.read("word/document.xml"))
    return ["".join(t.text or "" for t in p.iter(W + "t")) for p in root.iter(W + "p")]


def docx_xml(path_or_bytes, member: str = "word/document.xml") -> str:
    source = path_or_bytes if isinstance(path_or_bytes, (str, Path)) else __import__("io").BytesIO(path_or_bytes)
    with zipfile.ZipFile(source) as z:
        return z.read(member).decode("utf-8")
