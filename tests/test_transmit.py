"""Transmission bundle for the contrôle de légalité: the act, its annexes and their @ctes metadata."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

from generator.errors import BuildFailed
from generator.pipeline import build_report
from generator.transmit import ACTES_NAMESPACE, Act, file_name, next_free_number, transmission

from .conftest import contract_data, write_contract

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
A = "{%s}" % ACTES_NAMESPACE
TRANSMISSION = {
    "collectivite": {"siren": "246200364", "departement": "062"},
    "matiere": "8.5",
    "classification_date": date(2021, 1, 1),
    "actes": {
        "contrat": {"numero": "2021_014", "date_decision": date(2021, 7, 9),
                    "objet": "Contrat de relance et de transition écologique du territoire d'essai"},
        "avenant-01": {"numero": "2022_003"},
    },
}
AVENANT = {"date": "2022-01-10", "lieu": "Lens", "objet": "Avenant n° 1 : suppression de la fiche 2.1",
           "expose": "Exposé.", "modifications": [{"fiche": "2.1", "supprimer": True}],
           "habilitations": {"cae": {"organe": "conseil communautaire", "date": "2021-12-15"}}}


def test_file_names_follow_the_standard():
    act = Act("2021_014", date(2021, 7, 9), "Objet", "8.5", date(2021, 1, 1), "246200364", "062")
    assert file_name(act, "99_CO", 1, ".pdf") == "99_CO-062-246200364-20210709-2021_014-CC-1-1_1.pdf"
    assert file_name(act, "", 0, ".xml") == "062-246200364-20210709-2021_014-CC-1-1_0.xml"


def test_the_register_restarts_each_year():
    assert next_free_number(["2021_014", "2021_002", "2022_001", "X_9"], 2021) == "2021_015"
    assert next_free_number(["2021_014"], 2023) == "2023_001"


def _content(tmp_path: Path, transmission_data: dict) -> Path:
    files = contract_data()
    files["avenants/01-suppression.yaml"] = AVENANT
    files["transmission.yaml"] = transmission_data
    return write_contract(tmp_path / "content" / "essai", files)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A small CRTE with an avenant, its transmission data, and its PDFs built."""
    base = tmp_path_factory.mktemp("transmission")
    root = _content(base, TRANSMISSION)
    report = build_report([root], base / "output", formats=("docx", "pdf"))
    assert not report.failed, report.failed
    return root, base / "output"


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent : apt-get install libreoffice-writer-nogui")
@pytest.mark.parametrize("avenant, act_pdf, annexes, number, decided, subject", [
    (None, "contrat.pdf", ["annexes.pdf"], "2021_014", "2021-07-09",
     "Contrat de relance et de transition écologique du territoire d'essai"),
    (1, "avenant-01/avenant.pdf", ["avenant-01/contrat.pdf", "avenant-01/annexes.pdf"], "2022_003", "2022-01-10",
     "Avenant n° 1 : suppression de la fiche 2.1"),
])
def test_the_bundle_of_the_contract_and_of_its_avenant(built, avenant, act_pdf, annexes, number, decided,
                                                       subject):
    root, output = built
    outputs = transmission(root, output, avenant=avenant)
    [archive] = [o for o in outputs if o.dest_path.suffix == ".zip"]
    with zipfile.ZipFile(__import__("io").BytesIO(archive.data)) as zipped:
        members = {name: zipped.read(name) for name in zipped.namelist()}
    stamp = decided.replace("-", "")
    document = f"99_CO-062-246200364-{stamp}-{number}-CC-1-1_1.pdf"
    annexe_names = [f"99_AU-062-246200364-{stamp}-{number}-CC-1-1_{n}.pdf" for n in range(2, 2 + len(annexes))]
    xml_name = f"062-246200364-{stamp}-{number}-CC-1-1_0.xml"
    assert sorted(members) == sorted([xml_name, document, *annexe_names])
    folder = output / "essai" / act_pdf
    assert members[document] == folder.read_bytes()
    for name, annexe in zip(annexe_names, annexes):
        assert members[name] == (output / "essai" / annexe).read_bytes()
    acte = ET.fromstring(members[xml_name])
    assert acte.tag == f"{A}Acte"
    assert acte.get(f"{A}NumeroInterne") == number and acte.get(f"{A}Date") == decided
    assert acte.get(f"{A}CodeNatureActe") == "4"
    assert [(e.tag, e.get(f"{A}CodeMatiere")) for e in acte if "CodeMatiere" in e.tag] == [
        (f"{A}CodeMatiere1", "8"), (f"{A}CodeMatiere2", "5")]
    assert acte.findtext(f"{A}Objet") == subject
    assert acte.findtext(f"{A}ClassificationDateVersion") == "2021-01-01"
    assert acte.findtext(f"{A}Document/{A}NomFichier") == document
    assert acte.find(f"{A}Annexes").get(f"{A}Nombre") == str(len(annexes))
    assert [e.text for e in acte.iter(f"{A}NomFichier")][1:] == annexe_names
    # the folder holds the same files as the zip
    folder_files = {o.dest_path.name: o.data for o in outputs if o.dest_path.suffix != ".zip"}
    assert folder_files == members


def test_four_mistakes_four_french_errors_and_nothing_written(tmp_path):
    wrong = yaml.safe_load(yaml.safe_dump(TRANSMISSION))
    wrong["actes"]["contrat"]["objet"] = "Convention " * 54 + "finale"  # 600 characters
    wrong["actes"]["contrat"]["numero"] = "2021-014"  # a hyphen
    other = write_contract(tmp_path / "content" / "autre", contract_data())
    (other / "transmission.yaml").write_text(yaml.safe_dump(
        {**TRANSMISSION, "actes": {"contrat": {"numero": "2022_003"}}}), encoding="utf-8")
    wrong["actes"]["avenant-01"]["numero"] = "2022_003"  # already the other contract's
    root = _content(tmp_path, wrong)
    output = tmp_path / "output" / "essai"
    output.mkdir(parents=True)
    (output / "contrat.pdf").write_bytes(b"%PDF-1.7\n")
    (output / "annexes.pdf").write_bytes(b"%PDF-1.7\n")
    with open(output / "annexes.pdf", "r+b") as big:  # sparse: 151 Mo without writing them
        big.truncate(151 * 1024 * 1024)
    problems = []
    for avenant in (None, 1):
        if avenant:
            (output / "avenant-01").mkdir(exist_ok=True)
            for name in ("avenant.pdf", "contrat.pdf", "annexes.pdf"):
                (output / "avenant-01" / name).write_bytes(b"%PDF-1.7\n")
        with pytest.raises(BuildFailed) as caught:
            transmission(root, tmp_path / "output", avenant=avenant)
        problems += [str(p) for p in caught.value.problems]
    assert len(problems) == 4, problems
    long_object, bad_number, too_big, duplicate = (
        next(p for p in problems if "trop long" in p), next(p for p in problems if "invalide" in p),
        next(p for p in problems if "volumineux" in p), next(p for p in problems if "déjà attribué" in p))
    assert "600 caractères, 499 au plus" in long_object and "transmission.yaml, ligne" in long_object
    assert "« 2021-014 » invalide" in bad_number and "par exemple « 2021_014 »" in bad_number
    assert "annexes.pdf" in too_big and "151.0 Mo" in too_big
    assert "« 2022_003 » déjà attribué" in duplicate and "autre/transmission.yaml, ligne" in duplicate
    assert sorted(p.name for p in output.rglob("*")) == sorted(
        ["contrat.pdf", "annexes.pdf", "avenant-01", "avenant.pdf", "contrat.pdf", "annexes.pdf"])


def test_an_act_without_number_is_told_the_next_free_one(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(TRANSMISSION))
    del data["actes"]["contrat"]["numero"]
    root = _content(tmp_path, data)
    with pytest.raises(BuildFailed) as caught:
        transmission(root, tmp_path / "output")
    numbering, *missing = sorted((str(p) for p in caught.value.problems), key=lambda p: "registre" not in p)
    assert "n'a pas de numéro : le suivant du registre pour 2021 serait « 2021_001 »" in numbering
    # nothing was built yet: each PDF is named, with the command that makes it
    assert [Path(m.split(" : ")[0]).name for m in missing] == ["contrat.pdf", "annexes.pdf"]
    assert all("python build.py --formats pdf construire" in m for m in missing)
