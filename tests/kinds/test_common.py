"""What the kinds share: every mistake of a contract of any kind named in one build (`read_dossier`)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    """Return the line (1-based) of the file where `needle` first stands."""
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                if needle in line)


# For each kind: its seed under content/, the mistakes put into it (file, text, its replacement), and what the
# build must say of each: the file, the text of the line it points at, and the message (all written by hand).
MISTAKES = {
    "accord-cadre-region-mel": (
        [("contrat.yaml", "designation_commune: les parties\n", ""),
         ("contrat.yaml", "date: 2019-06-27", "date: 2019-02-30"),
         ("contrat.yaml", "annexes/annexe-2.md", "annexes/annexe-3.md"),
         ("articles/litiges.md", "", "\nComme le prévoit l'article 12, voir [ce site](javascript:alert(1)).\n")],
        [("contrat.yaml", "type: accord-cadre", "champ obligatoire manquant : « designation_commune »"),
         ("contrat.yaml", "date: 2019-02-30", "date impossible « 2019-02-30 » : ce jour n'existe pas"),
         ("contrat.yaml", "annexes/annexe-3.md", "fichier Markdown introuvable : « annexes/annexe-3.md »"),
         ("articles/litiges.md", "l'article 12", "renvoi à l'article 12, qui n'existe pas (le contrat en compte 6)"),
         ("articles/litiges.md", "l'article 12", "lien « javascript:alert(1) » refusé : protocole « javascript: » "
                                                 "interdit")]),
    "communique-mel-caph": (
        [("contrat.yaml", "  fonction: Attachée de presse\n", ""),
         ("contrat.yaml", "date: 2020-02-11", "date: 2020-02-30"),
         ("contrat.yaml", "texte: a-propos.md", "texte: a-propos-mel.md"),
         ("contrat.yaml", "titre: \"La Métropole", "sous_titre: x\ntitre: \"La Métropole"),
         ("corps.md", "", "\n[Le texte signé](file:///etc/passwd)\n")],
        [("contrat.yaml", "  organisme: Métropole", "champ obligatoire manquant : « fonction »"),
         ("contrat.yaml", "date: 2020-02-30", "date impossible « 2020-02-30 » : ce jour n'existe pas"),
         ("contrat.yaml", "texte: a-propos-mel.md", "fichier Markdown introuvable : « a-propos-mel.md »"),
         ("contrat.yaml", "sous_titre: x", "champ inconnu « sous_titre »"),
         ("corps.md", "[Le texte signé]", "lien « file:///etc/passwd » refusé : protocole « file: » interdit")]),
    "crte-lens-lievin": (
        [("contrat.yaml", "territoire: Lens-Liévin\n", ""),
         ("contrat.yaml", "  date: 2021-07-09", "  date: 2021-06-31"),
         ("contrat.yaml", "preambule: contrat/preambule.md", "preambule: contrat/preambule-2021.md"),
         ("projet/preambule.md", "", "\n[Le site](javascript:void(0))\n"),
         ("fiches/1-incubateurs-innovation.yaml", "      montant: 333333", "      montant: 3,2 M€"),
         ("fiches/1-incubateurs-innovation.yaml", 'localisation: "AGGLOMÉRATION"\n', "")],
        [("contrat.yaml", "type: crte", "champ obligatoire manquant : « territoire »"),
         ("contrat.yaml", "  date: 2021-06-31", "date impossible « 2021-06-31 » : ce jour n'existe pas"),
         ("contrat.yaml", "preambule: contrat/preambule-2021.md",
          "fichier Markdown introuvable : « contrat/preambule-2021.md »"),
         ("projet/preambule.md", "[Le site]", "lien « javascript:void(0) » refusé"),
         ("fiches/1-incubateurs-innovation.yaml", "montant: 3,2 M€", "montant écrit comme du texte « 3,2 M€ » : "
                                                                    "écrivez 3200000"),
         ("fiches/1-incubateurs-innovation.yaml", "numero_publie:", "champ obligatoire manquant : « localisation »")]),
    "programme-travail-2022": (
        [("contrat.yaml", "titre: PROGRAMME DE TRAVAIL PARTENARIAL 2022\n", ""),
         ("contrat.yaml", "date_edition: 2022-01-01", "date_edition: 2022-13-01"),
         ("contrat.yaml", "ambitions/5-cooperations.md", "ambitions/5-cooperation.md"),
         ("contrat.yaml", "- fonction: Trésorier", "- fonctoin: Trésorier"),
         ("avant-propos.md", "", "\n[Le programme](vbscript:msgbox)\n")],
        [("contrat.yaml", "type: programme-travail", "champ obligatoire manquant : « titre »"),
         ("contrat.yaml", "date_edition: 2022-13-01", "date impossible « 2022-13-01 » : ce jour n'existe pas"),
         ("contrat.yaml", "ambitions/5-cooperation.md",
          "fichier Markdown introuvable : « ambitions/5-cooperation.md »"),
         ("contrat.yaml", "- fonctoin: Trésorier", "champ inconnu « fonctoin » — vouliez-vous dire « fonction » ?"),
         ("contrat.yaml", "- fonctoin: Trésorier", "champ obligatoire manquant : « fonction »"),
         ("avant-propos.md", "[Le programme]", "lien « vbscript:msgbox » refusé : protocole « vbscript: » interdit")]),
    "annexe-aap-contrat-de-ville": (
        [("contrat.yaml", "titre: \"Annexe 4 : Les modalités d'intervention de la Métropole Européenne de Lille\"\n",
          ""),
         ("contrat.yaml", "introduction: introduction.md", "introduction: intro.md"),
         ("contrat.yaml", "        contacts: [capaul]", "        contacts: [cpaul]"),
         ("contrat.yaml", "  mroger:\n    nom: Magali ROGER\n", "  mroger:\n    nom: [Magali, ROGER]\n"),
         ("sections/1-3-numerique.md", "", "\n[Écrire](data:text/html,<script>)\n")],
        [("contrat.yaml", "type: annexe-aap", "champ obligatoire manquant : « titre »"),
         ("contrat.yaml", "introduction: intro.md", "fichier Markdown introuvable : « intro.md »"),
         ("contrat.yaml", "contacts: [cpaul]", "contact inconnu « cpaul » : ajoutez-le à la liste « contacts »"),
         ("contrat.yaml", "nom: [Magali, ROGER]", "texte attendu"),
         ("sections/1-3-numerique.md", "[Écrire]", "lien « data:text/html,<script> » refusé")]),
}


@pytest.mark.parametrize("slug", sorted(MISTAKES))
def test_every_mistake_of_a_contract_of_any_kind_is_named_in_one_build(tmp_path, slug):
    """A contrat.yaml that breaks its schema (a missing field, an impossible date, a field misspelt) still has
    its prose files, their links, its contact keys and its references to its articles checked: one build
    names every mistake with its file and line, exits 1 and writes nothing."""
    mistakes, expected = MISTAKES[slug]
    root = tmp_path / "content" / slug
    shutil.copytree(ROOT / "content" / slug, root)
    for rel, old, new in mistakes:
        if old:
            _edit(root / rel, old, new)
        else:  # added at the end of the file
            (root / rel).write_text((root / rel).read_text(encoding="utf-8") + new, encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--contenu", str(tmp_path / "content"),
                             "--sortie", str(tmp_path / "out"), "construire", slug], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert f"{slug} : {len(expected)} problème(s), rien n'a été écrit pour ce contrat" in result.stderr
    lines = result.stderr.splitlines()
    for rel, needle, message in expected:
        place = f"{root / rel}, ligne {_line_of(root / rel, needle)}"
        assert any(line.strip().startswith(place) and message in line for line in lines), (place, message,
                                                                                             result.stderr)
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
