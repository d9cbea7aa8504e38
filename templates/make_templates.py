"""Write the starting docx templates of Paraphe (run once; afterwards the .docx files are edited in Word).

    python templates/make_templates.py

The templates are docxtpl templates: Jinja tags in the text, `{%p … %}` around paragraphs, `{%tr … %}` around
table rows, `{%tc … %}` around table cells, `{{p … }}` for prose rendered as Word paragraphs. Every paragraph,
character and table uses a named style, so that a communications officer restyles the document in Word.
Rerunning this script overwrites the templates and loses the changes made in Word.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.french import typographie  # noqa: E402
from generator.wordml import (  # noqa: E402
    WordWriter, add_field, repeat_as_header_row, set_paragraph_border, set_table_style_borders)

_JINJA_TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})")


def typeset(text: str) -> str:
    """Apply French typography to the literal text of a template line, leaving its Jinja tags alone."""
    return "".join(part if _JINJA_TAG.fullmatch(part) else typographie(part) for part in _JINJA_TAG.split(text))

TEMPLATES = Path(__file__).resolve().parent


def add_styles(doc) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    styles["Body Text"].paragraph_format.space_after = Pt(6)
    styles["Body Text"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    h1 = styles["Heading 1"]
    h1.paragraph_format.page_break_before = True
    h1.font.size = Pt(18)
    for name in ("Heading 1", "Heading 2", "Heading 3", "Heading 4"):
        styles[name].font.color.rgb = RGBColor(0x1F, 0x3A, 0x68)

    def paragraph_style(name, base="Normal", **fmt):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base]
        for key, value in fmt.items():
            if key in ("bold", "size", "italic", "all_caps"):
                setattr(style.font, key, Pt(value) if key == "size" else value)
            else:
                setattr(style.paragraph_format, key, value)
        return style

    def character_style(style_name, **fmt):
        style = styles.add_style(style_name, WD_STYLE_TYPE.CHARACTER)
        for key, value in fmt.items():
            setattr(style.font, key, value)
        return style

    encadre = paragraph_style("Encadre", "Body Text", left_indent=Cm(0.3), right_indent=Cm(0.3))
    set_paragraph_border(encadre)
    encadre_titre = paragraph_style("Encadre titre", "Encadre", bold=True, keep_with_next=True)
    encadre_titre.font.color.rgb = RGBColor(0x1F, 0x3A, 0x68)
    character_style("Exposant", superscript=True)
    character_style("Code", name="DejaVu Sans Mono")
    link = character_style("Hyperlink", underline=True)
    link.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
    for level in (1, 2, 3):
        paragraph_style(f"toc {level}", left_indent=Cm(0.6 * (level - 1)), space_after=Pt(2))
    paragraph_style("Couverture annee", size=28, bold=True, alignment=WD_ALIGN_PARAGRAPH.CENTER,
                    space_before=Pt(120))
    paragraph_style("Couverture titre", size=24, bold=True, alignment=WD_ALIGN_PARAGRAPH.CENTER,
                    space_after=Pt(60))
    paragraph_style("Couverture bloc", size=12, alignment=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph_style("Couverture devise", "Couverture bloc", italic=True)
    paragraph_style("Fiche axe", "Heading 3", page_break_before=True)
    paragraph_style("Fiche label", bold=True, keep_with_next=True, space_before=Pt(6))
    paragraph_style("Fiche label saut", "Fiche label", page_break_before=True)
    paragraph_style("Fiche intitule", "Heading 4", keep_with_next=True)
    paragraph_style("Fiche champ", space_after=Pt(2))
    paragraph_style("Cellule", size=8)
    paragraph_style("Cellule entete", "Cellule", bold=True)
    paragraph_style("Cellule montant", "Cellule", alignment=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph_style("Titre tableau", bold=True, alignment=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(6))
    paragraph_style("Fait a", "Body Text", space_before=Pt(18))
    paragraph_style("Signature", alignment=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph_style("Dos", alignment=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph_style("Dos titre", "Dos", bold=True, page_break_before=True, space_before=Pt(200))
    paragraph_style("Pied de page", "Footer", alignment=WD_ALIGN_PARAGRAPH.CENTER)
    table = styles.add_style("Tableau Paraphe", WD_STYLE_TYPE.TABLE)
    table.base_style = styles["Normal Table"]
    set_table_style_borders(table)


class TemplateWriter:
    """Small helpers to write template paragraphs and tables."""

    def __init__(self, doc):
        self.doc = doc

    def p(self, text: str, style: str = "Body Text"):
        paragraph = self.doc.add_paragraph(style=style)
        if text:
            paragraph.add_run(typeset(text))
        return paragraph

    def tag(self, text: str):
        return self.p(text, "Normal")

    def table(self, rows: list[list[tuple[str, str]]]):
        cols = max(len(r) for r in rows)
        table = self.doc.add_table(rows=len(rows), cols=cols)
        table.style = self.doc.styles["Tableau Paraphe"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for r, row in enumerate(rows):
            for c, (text, style) in enumerate(row):
                paragraph = table.rows[r].cells[c].paragraphs[0]
                paragraph.style = self.doc.styles[style]
                if text:
                    paragraph.add_run(typeset(text))
        return table


H, C, M = "Cellule entete", "Cellule", "Cellule montant"


def budget_table(t: TemplateWriter, name: str, title: str) -> None:
    b = f"fiche.{name}"
    t.table([
        [(title, H), ("", H), ("", H), ("", H)],
        [("Dépenses HT", H), ("", H), ("Recettes HT", H), ("", H)],
        [("Libellé", H), ("Montant", H), ("Libellé", H), ("Montant", H)],
        [("{%tr for depense, recette in " + b + ".lignes %}", C)],
        [("{{ depense.libelle if depense else '' }}", C), ("{{ depense.montant|cellule if depense else '' }}", M),
         ("{{ recette.libelle if recette else '' }}", C), ("{{ recette.montant|cellule if recette else '' }}", M)],
        [("{%tr endfor %}", C)],
        [("Total", H), ("{{ " + b + ".total_depenses|cellule }}", M), ("Total", H),
         ("{{ " + b + ".total_recettes|cellule }}", M)],
    ])


def crte_template() -> None:
    doc = Document()
    add_styles(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Pied de page"]
    add_field(footer, "PAGE")

    body = doc.paragraphs[0] if doc.paragraphs else None
    t = TemplateWriter(doc)

    # Cover
    t.p("{{ couverture.annee }}", "Couverture annee")
    t.p("{{ couverture.titre }}", "Couverture titre")
    t.tag("{%p for ligne in couverture.autorite %}")
    t.p("{{ ligne }}", "Couverture bloc")
    t.tag("{%p endfor %}")
    t.tag("{%p for ligne in couverture.devise %}")
    t.p("{{ ligne }}", "Couverture devise")
    t.tag("{%p endfor %}")
    t.tag("{%p for ligne in couverture.collectivite %}")
    t.p("{{ ligne }}", "Couverture bloc")
    t.tag("{%p endfor %}")

    # Sommaire: a table of contents field, filled from the headings when the document is built
    t.p("SOMMAIRE", "TOC Heading").paragraph_format.page_break_before = None
    doc.styles["TOC Heading"].paragraph_format.page_break_before = True
    writer = WordWriter(doc)
    fragment = writer.new_fragment()
    fragment.toc((1, 3), {"Encadre titre": 3, "Fiche axe": 3})
    for element in fragment.build().elements:
        doc.element.body.insert(len(doc.element.body) - 1, element)

    # First part
    t.p("PREMIERE PARTIE – LE PROJET DE TERRITOIRE", "Heading 1")
    t.tag("{%p for texte in projet %}")
    t.tag("{{p texte|prose(1) }}")
    t.tag("{%p endfor %}")
    t.tag("{%p for axe in axes %}")
    t.p("{{ axe.numero }} {{ axe.separateur }} {{ axe.titre }} ({{ axe.code }})", "Heading 3")
    t.tag("{{p axe.texte|prose(3) }}")
    t.tag("{%p endfor %}")

    # Second part
    t.p("DEUXIEME PARTIE – LE CONTRAT", "Heading 1")
    t.p("Entre :")
    t.tag("{%p for partie in parties %}")
    t.p("{{ partie.nom }}{% if partie.sigle %} (ci-après désigné{{ 'e' if partie.feminin else '' }} "
        "« {{ partie.sigle }} »){% endif %}, représenté{{ 'e' if partie.feminin else '' }} par "
        "{% if partie.representant.qualite_avant_nom %}{{ partie.representant.qualite }}, "
        "{{ partie.representant.civilite }} {{ partie.representant.nom }}"
        "{% else %}{{ partie.representant.civilite }} {{ partie.representant.nom }}, "
        "{{ partie.representant.qualite }}{% endif %}"
        "{% if partie.habilitation %}, dûment habilité par délibération du {{ partie.habilitation.organe }}"
        "{% if partie.habilitation.numero %} n° {{ partie.habilitation.numero }}{% endif %}"
        " en date du {{ partie.habilitation.date|date_longue }}{% endif %}{{ '.' if loop.last else ',' }}",
        "List Bullet")
    t.tag("{%p endfor %}")
    t.p("Préambule", "Heading 2")
    t.tag("{{p preambule|prose(2) }}")
    t.tag("{%p for article in articles %}")
    t.p("Article {{ article.numero|numero_article }} – {{ article.titre }}", "Heading 2")
    t.tag("{{p article.corps|prose(2) }}")
    t.tag("{%p for sous in article.sous_articles %}")
    t.p("{{ sous.numero }}. {{ sous.titre }}", "Heading 3")
    t.tag("{{p sous.corps|prose(3) }}")
    t.tag("{%p endfor %}")
    t.tag("{%p endfor %}")
    t.p("Fait à {{ signature.lieu }} en {{ signature.exemplaires }} exemplaires, le "
        "{{ signature.date|date_longue }}", "Fait a")
    signatures = t.table([[("{%tc for partie in parties %}", "Signature"), ("", "Signature"),
                           ("{%tc endfor %}", "Signature")]])
    cell = signatures.rows[0].cells[1]
    cell.paragraphs[0].add_run("{%p for ligne in partie.signature %}")
    for text, style in (("{{ ligne }}", "Signature"), ("{%p endfor %}", "Signature"), ("", "Signature"),
                        ("", "Signature"), ("{{ partie.representant.nom }}", "Signature")):
        paragraph = cell.add_paragraph(style=doc.styles[style])
        if text:
            paragraph.add_run(text)
    signatures.style = doc.styles["Normal Table"]

    # Third part
    t.p("TROISIEME PARTIE – ANNEXES", "Heading 1")
    t.p("Avertissement :", "Fiche label")
    t.tag("{{p avertissement|prose(2) }}")
    t.p("1 – Architecture du contrat", "Heading 2")
    t.tag("{%p if architecture %}")
    t.tag("{{p architecture|prose(2) }}")
    t.tag("{%p endif %}")
    t.p("2 – Fiches-projet", "Heading 2")
    t.tag("{%p for axe in axes %}")
    t.p("AXE {{ axe.numero }} - {{ axe.code }} ({{ axe.libelle_fiches }})", "Fiche axe")
    t.tag("{%p for fiche in axe.fiches %}")
    t.tag("{%p if loop.first %}")
    t.p("INTITULE DE L'ACTION :", "Fiche label")
    t.tag("{%p else %}")
    t.p("INTITULE DE L'ACTION :", "Fiche label saut")
    t.tag("{%p endif %}")
    t.p("{{ fiche.intitule }}", "Fiche intitule")
    t.p("Description synthétique du projet :", "Fiche label")
    t.tag("{{p fiche.description|prose(4) }}")
    for line in ("Date de mise à jour : {{ fiche.date_mise_a_jour|date_courte }}",
                 "Localisation principale : {{ fiche.localisation }}",
                 "Numéro de projet : {{ fiche.numero }}",
                 "Type opération : {{ fiche.type_operation or '' }}",
                 "Axe : {{ fiche.axe.numero }} - {{ fiche.axe.code }}",
                 "Budget : {{ fiche.budget }}",
                 "Année lancement du projet : {{ fiche.annee_lancement }}"):
        t.p(line, "Fiche champ")
    t.p("", "Fiche champ")
    budget_table(t, "investissement", "BUDGET D'INVESTISSEMENT en €")
    t.p("", "Fiche champ")
    budget_table(t, "fonctionnement", "BUDGET DE FONCTIONNEMENT ANNUEL INDUIT en €")
    t.tag("{%p if fiche.echeancier %}")
    t.p("", "Fiche champ")
    t.table([
        [("ECHEANCIER DES CP DU PROJET", H), ("TOTAL", H), ("{%tc for annee in annees %}", H),
         ("CP {{ annee }}", H), ("{%tc endfor %}", H)],
        [("{%tr for ligne in fiche.echeancier.lignes %}", C)],
        [("{{ ligne.libelle }}", C), ("{{ ligne.total|cellule }}", M), ("{%tc for cellule in ligne.cellules %}", M),
         ("{{ cellule|cellule }}", M), ("{%tc endfor %}", M)],
        [("{%tr endfor %}", C)],
    ])
    t.tag("{%p endif %}")
    t.p("Opérations envisagées :", "Fiche label")
    t.tag("{{p (fiche.operations or '')|prose(4) }}")
    t.p("Pré-requis et difficultés potentielles de réalisation :", "Fiche label")
    t.tag("{{p (fiche.prerequis or '')|prose(4) }}")
    t.p("Recherche de subventions et de financements complémentaires :", "Fiche label")
    t.table([
        [("Partenaire", H), ("Montant participation attendue", H), ("Délai de mobilisation du partenaire", H),
         ("Difficultés de mobilisation du partenaire (critères, appel à projets, délai d'instruction, etc...)", H)],
        [("{%tr for ligne in fiche.financements.lignes %}", C)],
        [("{{ ligne.partenaire }}", C), ("{{ ligne.montant|cellule }}", M), ("{{ ligne.delai }}", C),
         ("{{ ligne.difficultes }}", C)],
        [("{%tr endfor %}", C)],
        [("Total", H), ("{{ fiche.total_financements|cellule }}", M), ("", C), ("", C)],
    ])
    t.tag("{%p endfor %}")
    t.tag("{%p endfor %}")

    # The maquette, on landscape pages
    landscape = doc.add_section(WD_SECTION.NEW_PAGE)
    landscape.orientation = WD_ORIENT.LANDSCAPE
    landscape.page_width, landscape.page_height = Cm(29.7), Cm(21)
    t.p("3 – Récapitulatif des fiches", "Heading 2")
    t.p("{{ maquette.titre }}", "Titre tableau")
    maquette = t.table([
        [("ENJEU", H), ("N°PROJET", H), ("MAITRE D'OUVRAGE", H), ("DESCRIPTION DU PROJET", H),
         ("ANNEE DE LANCEMENT", H), ("COUT {{ maquette.annee_1 }}", H), ("COUT {{ maquette.annee_2 }}", H),
         ("COUT TOTAL {{ maquette.periode }}", H), ("COMMENTAIRE", H), ("FINANCEMENTS RECHERCHES", H)],
        [("{%tr for ligne in maquette.lignes %}", C)],
        [("{{ ligne.fiche.axe.code }}", C), ("{{ ligne.fiche.numero }}", C), ("{{ ligne.fiche.maitre_ouvrage }}", C),
         ("{{ ligne.fiche.libelle_maquette }}", C), ("{{ ligne.fiche.annee_lancement }}", C),
         ("{{ ligne.cout_annee_1|cellule }}", M), ("{{ ligne.cout_annee_2|cellule }}", M),
         ("{{ ligne.cout_total|cellule }}", M), ("{{ ligne.fiche.commentaire_maquette or '' }}", C),
         ("{{ ligne.fiche.financements_recherches or '' }}", C)],
        [("{%tr endfor %}", C)],
        [("TOTAL", H), ("", C), ("", C), ("", C), ("", C), ("{{ maquette.total_annee_1|montant }}", M),
         ("{{ maquette.total_annee_2|montant }}", M), ("{{ maquette.total|montant }}", M), ("", C), ("", C)],
    ])
    repeat_as_header_row(maquette.rows[0])
    maquette.autofit = False
    widths = (2.2, 1.3, 2.6, 6.0, 1.6, 2.3, 2.3, 2.3, 2.5, 2.6)
    for column, width in zip(maquette.columns, widths):
        column.width = Cm(width)
    for row in maquette.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)
    portrait = doc.add_section(WD_SECTION.NEW_PAGE)
    portrait.orientation = WD_ORIENT.PORTRAIT
    portrait.page_width, portrait.page_height = Cm(21), Cm(29.7)
    t.p("4 - Indicateurs d'évaluation", "Heading 2")
    t.tag("{%p if indicateurs %}")
    t.tag("{{p indicateurs|prose(2) }}")
    t.tag("{%p endif %}")

    # Back cover
    t.tag("{%p for ligne in dos %}")
    t.tag("{%p if loop.first %}")
    t.p("{{ ligne }}", "Dos titre")
    t.tag("{%p else %}")
    t.p("{{ ligne }}", "Dos")
    t.tag("{%p endif %}")
    t.tag("{%p endfor %}")

    if body is not None and not body.text:
        body._p.getparent().remove(body._p)
    doc.core_properties.title = "Contrat de relance et de transition écologique"
    doc.core_properties.author = "Paraphe"
    dest = TEMPLATES / "crte" / "contrat.docx"
    dest.parent.mkdir(parents=True, exist_ok=True)
    doc.save(dest)
    print(f"écrit : {dest}")


if __name__ == "__main__":
    crte_template()
