"""The kinds of the other seeds: what each computes, read back from the rendered documents."""

import copy

from docx import Document

from generator.pipeline import build, read_and_compute

from ..conftest import docx_paragraphs, write_contract

PROGRAMME = {
    "contrat.yaml": {
        "type": "programme-travail", "date_edition": "2022-01-01", "titre": "PROGRAMME D'ESSAI",
        "avant_propos": "avant-propos.md",
        "gouvernance": {"titre": "Composition", "bureau": [
            {"fonction": "Président", "membres": [{"prenom": "Francis", "nom": "VERCAMER"}]},
            {"fonction": "Vice-Présidents", "membres": [
                {"prenom": "Antoine", "nom": "LEBEL", "representant": "l'Etat", "note": "par intérim"}]}],
            "conseil": [{"organisme": "ÉTAT", "membres": [
                {"nom": "LEBEL", "prenom": "Antoine", "service": "DDTM", "note": "par intérim"},
                {"libelle": "En attente de nomination"}]}]},
        "ambitions": ["ambitions/1.md", "ambitions/2.md"],
    },
    "avant-propos.md": "Un avant-propos.\n",
    "ambitions/1.md": "# Première ambition\n\nIntro.\n\n## Mission A\n\n- item\n\n## Mission B\n\n- item\n",
    "ambitions/2.md": "# Être un moteur\n\n## Mission C\n\n- item\n",
}

ANNEXE = {
    "contrat.yaml": {
        "type": "annexe-aap", "titre": "Annexe d'essai", "introduction": "introduction.md",
        "contacts": {
            "vd": {"nom": "Virginie DUPONT", "service": "Mission Emploi", "email": "vdupont@example.fr"},
            "pdv": {"nom": "Service Politique de la Ville", "email": "pdv@example.fr"},
        },
        "introduction_contacts": ["pdv"],
        "sections": [
            {"titre": "Emploi", "blocs": [{"titre": "Insertion", "texte": "sections/1.md", "contacts": ["vd"]}]},
            {"titre": "Culture", "blocs": [{"texte": "sections/2.md"}]},
        ],
        "tableau_contacts": {"titre": "Contacts", "lignes": [
            {"thematique": "Emploi", "sujets": [{"sujet": "Insertion", "contacts": ["vd"]},
                                                {"sujet": "Tout", "contacts": ["vd", "pdv"],
                                                 "liaisons": {"pdv": "et/ou"}}]}]},
    },
    "introduction.md": "Introduction.\n",
    "sections/1.md": "Texte emploi.\n",
    "sections/2.md": "Texte culture.\n",
}

ACCORD = {
    "contrat.yaml": {
        "type": "accord-cadre", "titre": ["ACCORD-CADRE"], "introduction": "Le présent accord est conclu entre :",
        "parties": [
            {"id": "region", "nom": "La Région Hauts-de-France", "feminin": True, "adresse": "151 avenue Hoover",
             "representant": {"civilite": "Monsieur", "nom": "Xavier BERTRAND", "qualite": "son Président"},
             "habilitation": {"numero": "2019-1", "organe": "la Commission Permanente", "date": "2019-06-27"}},
            {"id": "mel", "nom": "La Métropole Européenne de Lille", "feminin": True,
             "representant": {"civilite": "Monsieur", "nom": "Damien CASTELAIN", "qualite": "son Président"},
             "habilitation": {"numero": "19 C 0001", "organe": "le Conseil métropolitain", "date": "2019-06-28"},
             "signature": ["Le Président,"]},
        ],
        "designation_commune": "les parties",
        "visas": ["la délibération du 1^{er} juin 2017"],
        "preambule": "preambule.md",
        "articles": ["articles/objet.md", "articles/sans-titre.md", "articles/duree.md"],
        "signature": {"lieu": "Lille", "date": "2019-07-01", "exemplaires": 2},
    },
    "preambule.md": "Préambule.\n",
    "articles/objet.md": "# Objet\n\nL'objet.\n",
    "articles/sans-titre.md": "## B. Les engagements communs\n\n### ➤ Un engagement\n\nTexte.\n",
    "articles/duree.md": "# Durée\n\nSix ans.\n",
}


def build_one(tmp_path, files, name):
    root = write_contract(tmp_path / "content" / "essai", copy.deepcopy(files))
    [path] = build([root], tmp_path / "out")
    assert path.name == name
    return path


def test_missions_are_numbered_continuously_across_ambitions(tmp_path):
    text = docx_paragraphs(build_one(tmp_path, PROGRAMME, "programme.docx"))
    assert "1. PREMIÈRE AMBITION" in text and "2. ÊTRE UN MOTEUR" in text
    assert [t for t in text if t.startswith(("1 Mission", "2 Mission", "3 Mission"))] == [
        "1 Mission A", "2 Mission B", "3 Mission C"]
    assert "JANVIER 2022" in text
    assert "Antoine LEBEL, représentant l\u2019Etat (par intérim)" in text
    assert "DDTM\u00a0: LEBEL Antoine (par intérim)" in text


def test_real_programme_has_55_missions_numbered_once():
    crte = read_and_compute(__import__("tests.conftest", fromlist=["REAL_CONTENT"]).REAL_CONTENT
                            / "programme-travail-2022").computed
    numbers = [m.numero for a in crte["ambitions"] for m in a.missions]
    assert numbers == list(range(1, 56))


def contact_texts(path):
    text = docx_paragraphs(path)
    return [t for t in text if "@" in t]


def test_contacts_table_is_built_from_the_contact_records(tmp_path):
    path = build_one(tmp_path / "a", ANNEXE, "annexe.docx")
    lines = contact_texts(path)
    assert "Virginie DUPONT – Mission Emploi – vdupont@example.fr" in lines  # in its section
    assert lines.count("Virginie DUPONT – vdupont@example.fr") == 2        # twice in the table
    assert "et/ou Service Politique de la Ville – pdv@example.fr" in lines
    table = Document(str(path)).tables[0]
    assert [c.text for c in table.rows[1].cells][:2] == ["Emploi", "Insertion"]

    changed = copy.deepcopy(ANNEXE)
    changed["contrat.yaml"]["contacts"]["vd"]["email"] = "virginie.dupont@example.fr"
    lines = contact_texts(build_one(tmp_path / "b", changed, "annexe.docx"))
    assert not any("vdupont@" in line for line in lines)
    assert "Virginie DUPONT – Mission Emploi – virginie.dupont@example.fr" in lines
    assert lines.count("Virginie DUPONT – virginie.dupont@example.fr") == 2


def test_contact_emails_are_mailto_links(tmp_path):
    path = build_one(tmp_path, ANNEXE, "annexe.docx")
    document = Document(str(path))
    targets = {rel.target_ref for rel in document.part.rels.values() if rel.is_external}
    assert {"mailto:vdupont@example.fr", "mailto:pdv@example.fr"} <= targets


def test_unknown_contact_key_is_an_error(tmp_path):
    files = copy.deepcopy(ANNEXE)
    files["contrat.yaml"]["sections"][0]["blocs"][0]["contacts"] = ["inconnu"]
    root = write_contract(tmp_path / "c", files)
    [problem] = read_and_compute(root).problems
    assert "contact inconnu « inconnu »" in str(problem) and "contrat.yaml, ligne" in str(problem)


def test_accord_cadre_parties_visas_articles_and_signature_blocks(tmp_path):
    path = build_one(tmp_path, ACCORD, "accord-cadre.docx")
    text = docx_paragraphs(path)
    assert ("La Région Hauts-de-France, 151 avenue Hoover, représentée par Monsieur Xavier BERTRAND, son "
            "Président, agissant en vertu de la délibération n°\u00a02019-1 de la Commission Permanente du "
            "27 juin 2019.") in text
    assert any("du Conseil métropolitain du 28 juin 2019." in t for t in text)
    assert text.index("d\u2019une part,") < text.index("Et") < text.index("d\u2019autre part,")
    assert "Vu la délibération du 1er juin 2017," in text
    assert "Article 1er – Objet" in text and "Article 2" in text and "Article 3 – Durée" in text
    assert "➤ Un engagement" in text
    assert "Fait à Lille, le 1er juillet 2019, en 2 exemplaires" in text
    signatures = Document(str(path)).tables[-1]
    cells = [office.text + "\n" + room.text for office, room in zip(*(row.cells for row in signatures.rows))]
    assert len(cells) == 2  # side by side, one column per party
    assert cells[0].startswith("Pour la Région Hauts-de-France,") and cells[0].endswith("Xavier BERTRAND")
    assert "Le Président," in cells[1] and cells[1].endswith("Damien CASTELAIN")
    # a party without signature lines signs with its representative's office
    # the empty line is the top of the room to sign, marked for the PDF's signature field (issue 21)
    assert cells[0] == "Pour la Région Hauts-de-France,\nLe Président,\n\nXavier BERTRAND"
    assert text.count("Il est convenu ce qui suit\u00a0:") == 1


def test_accord_cadre_of_three_parties_and_a_preambule_that_ends_the_preamble(tmp_path):
    """With three parties, « d'une part / d'autre part » no longer fits: the parties are listed with « Et »;
    a préambule that ends with « Il est convenu ce qui suit : » is not followed by the line again."""
    files = copy.deepcopy(ACCORD)
    files["contrat.yaml"]["parties"].append(
        {"id": "etat", "nom": "L'État", "representant": {"civilite": "Madame", "nom": "Anne DURAND",
                                                         "qualite": "Préfète de la région Hauts-de-France"},
         "signature": []})
    files["preambule.md"] = "Préambule.\n\nIl est convenu ce qui suit :\n"
    text = docx_paragraphs(build_one(tmp_path, files, "accord-cadre.docx"))
    assert "d\u2019une part," not in text and "d\u2019autre part," not in text
    assert text.count("Et") == 2
    assert text.count("Il est convenu ce qui suit\u00a0:") == 1
    signatures = Document(str(build_one(tmp_path / "b", files, "accord-cadre.docx"))).tables[-1]
    assert signatures.rows[0].cells[2].text + "\n" + signatures.rows[1].cells[2].text == \
        "Pour l\u2019État,\nLa Préfète de la région Hauts-de-France,\n\nAnne DURAND"
