"""Fuzzing: every text field of a contract filled with arbitrary Unicode still gives documents that open."""

import copy
import shutil
import subprocess

from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.pipeline import build

from .conftest import main_document, contract_data, write_contract

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

# Any character a UTF-8 file can hold (surrogates cannot), control characters and right-to-left text included.
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
extremes = st.sampled_from([
    "x" * 20000,                                             # a 20,000-character word
    "\u202eعربي עברית\u202c mixte",                          # right-to-left text and direction overrides
    "👩‍⚖️📜✍️ contrat 🇫🇷",                                    # emoji, with joiners and flags
    "\x00\x0b\x0c\x1f\ufffe",                                # characters XML forbids
    "\n\n".join(f"Paragraphe {i}." for i in range(3000)),   # thousands of paragraphs
    "**gras ouvert _ [lien]( `code ^{ # ---",                # broken Markdown
    "{{ contrat }} {% if %} {_{ ]]> <w:p/> &amp;",            # template and XML syntax
])
texts = st.one_of(any_text, extremes)


def fill(files: dict, values) -> dict:
    """Put a generated text in every text field of the fixture contract."""
    files = copy.deepcopy(files)
    contrat = files["contrat.yaml"]
    contrat["titre"] = next(values)
    contrat["couverture"]["titre"] = next(values)
    contrat["couverture"]["autorite"] = [next(values)]
    for axe in contrat["axes"]:
        axe["titre"] = next(values)
    for partie in contrat["parties"]:
        partie["nom"] = next(values)
        partie["representant"]["nom"] = next(values)
        partie["signature"] = [next(values)]
    for rel in [r for r in files if r.endswith(".md")]:
        files[rel] = next(values)
    for rel in [r for r in files if r.startswith("fiches/")]:
        fiche = files[rel]
        for field in ("intitule", "libelle_maquette", "description", "localisation", "budget", "operations"):
            fiche[field] = next(values)
        for ligne in fiche["investissement"]["depenses"]:
            ligne["libelle"] = next(values)
        for ligne in fiche["financements"]["lignes"]:
            ligne["partenaire"] = next(values)
    return files


converted = []


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(texts, min_size=60, max_size=60))
def test_any_text_gives_documents_that_open(tmp_path_factory, values):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    root = write_contract(tmp_path / "content" / "fuzz", fill(contract_data(), iter(values)))
    path = main_document(build([root], tmp_path / "out"))
    Document(str(path))  # python-docx opens it
    if SOFFICE and len(converted) < 2:  # a sample goes through LibreOffice too
        result = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                                 "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(path)],
                                capture_output=True, text=True, timeout=300)
        pdf = tmp_path / "pdf" / "contrat.pdf"
        assert result.returncode == 0 and pdf.read_bytes().startswith(b"%PDF"), result.stderr
        converted.append(pdf)
