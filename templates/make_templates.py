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
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.shared import Cm, Pt, RGBColor

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.french import typographie  # noqa: E402
from generator.wordml.authoring import (  # noqa: E402
    add_field, add_toc, drop_styles_with_effects, keep_row_whole, repeat_as_header_row, set_bullets,
    set_cell_margins, set_font_table, set_fonts, set_language, set_outline_level, set_paragraph_border,
    set_table_style_borders)
from generator.wordml.flow import introduces  # noqa: E402
from generator.wordml.writer import SYMBOL_FONT  # noqa: E402

_JINJA_TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})")


_PLACEHOLDER = re.compile("0\ue000(\\d+)\ue0010")


def typeset(text: str) -> str:
    """Apply French typography to the literal text of a template line, leaving its Jinja tags alone.

    Each tag stands in for a number while the rules run (« n° {{ numero }} » gets its no-break space too).
    """
    tags = _JINJA_TAG.findall(text)
    masked = _JINJA_TAG.sub(lambda m: f"0\ue000{tags.index(m.group())}\ue0010", text)
    return _PLACEHOLDER.sub(lambda m: tags[int(m.group(1))], typographie(masked))

TEMPLATES = Path(__file__).resolve().parent

BODY_FONT = HEADING_FONT = "Carlito"
"""A free font (Debian: fonts-crosextra-carlito) with the metrics of Calibri, which the seed documents are set in:
the page breaks are the same wherever the document is opened (Word's theme asked for Calibri and Cambria). Its
serif sibling Caladea (Cambria's metrics) lacks the narrow no-break space French typography puts before « ; »,
« ! » and « ? »: a heading in it would print that space in a substitute font."""
MONOSPACED_FONT = "DejaVu Sans Mono"
FONTS = {BODY_FONT: "swiss", SYMBOL_FONT: "swiss", MONOSPACED_FONT: "modern"}
"""Every font a document asks for: text, the symbols Carlito lacks (prose's ✓, ➤), code."""
LANGUAGE = "fr-FR"
TEXT_WIDTH = Cm(17)
"""The width between the margins of a portrait page (21 cm, margins of 2 cm)."""


def add_styles(doc) -> None:
    styles = doc.styles
    normal = styles["Normal"]
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
    character_style("Code", name=MONOSPACED_FONT)
    link = character_style("Hyperlink", underline=True)
    link.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
    # footnotes (`[^1]` in the content): Word's own style names, the note's number raised
    paragraph_style("Footnote Text", size=8.5, space_after=Pt(2))
    character_style("Footnote Reference", superscript=True)
    sommaire_styles(paragraph_style)
    paragraph_style("Couverture annee", size=28, bold=True, alignment=WD_ALIGN_PARAGRAPH.CENTER,
                    space_before=Pt(120))
    paragraph_style("Couverture titre", size=24, bold=True, alignment=WD_ALIGN_PARAGRAPH.CENTER,
                    space_after=Pt(60))
    paragraph_style("Couverture bloc", size=12, alignment=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph_style("Couverture consolidation", size=12, italic=True, alignment=WD_ALIGN_PARAGRAPH.CENTER,
                    space_after=Pt(24))
    paragraph_style("Couverture devise", "Couverture bloc", italic=True)
    cover_logo_styles(paragraph_style, styles)
    paragraph_style("Fiche axe", "Heading 3", page_break_before=True)
    paragraph_style("Fiche label", bold=True, keep_with_next=True, space_before=Pt(6))
    # a fiche but the first of its axis: after the previous one, below a rule (fiches flow; an axis starts a page)
    fiche_suivante = paragraph_style("Fiche label saut", "Fiche label", space_before=Pt(24))
    set_paragraph_border(fiche_suivante, sides=("top",), size=12)
    paragraph_style("Fiche intitule", "Heading 4", keep_with_next=True)
    paragraph_style("Fiche champ", space_after=Pt(2))
    paragraph_style("Cellule", size=8)
    paragraph_style("Cellule entete", "Cellule", bold=True)
    paragraph_style("Cellule montant", "Cellule", alignment=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph_style("Titre tableau", bold=True, alignment=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(6))
    paragraph_style("Fait a", "Body Text", space_before=Pt(18))
    # the lines of a signatory's office read as one block (« Le Président de la Communauté / d'Agglomération de
    # Lens-Liévin, / Maire de Lens, »), not as paragraphs apart
    paragraph_style("Signature", alignment=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(0))
    paragraph_style("Dos", alignment=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph_style("Dos titre", "Dos", bold=True, space_before=Pt(200))  # its own section starts the page
    page_furniture_styles(paragraph_style)
    paragraph_style("Couverture titre bloc", size=20, bold=True, alignment=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph_style("Visa", "Body Text", space_after=Pt(3))
    projet = paragraph_style("Projet", bold=True, size=14, alignment=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(12))
    projet.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
    paragraph_style("Citation", "Body Text", left_indent=Cm(1), italic=True)
    paragraph_style("Contact", space_after=Pt(0))
    paragraph_style("Membre", space_after=Pt(0), left_indent=Cm(0.5))
    paragraph_style("Heading 1 suite", "Heading 1", page_break_before=False)
    paragraph_style("Surtitre", size=12, bold=True, all_caps=True)
    paragraph_style("Date communique", "Body Text", italic=True)
    set_outline_level(paragraph_style("Titre communique", size=15, bold=True, space_after=Pt(10)), 1)
    # the style of the tables a build fits to their text (generator/wordml/template.py: FITTED_TABLE_STYLE),
    # and of those based on it: the signature blocks, without borders
    table = styles.add_style("Tableau Paraphe", WD_STYLE_TYPE.TABLE)
    table.base_style = styles["Normal Table"]
    set_table_style_borders(table)
    signatures = styles.add_style("Tableau signatures", WD_STYLE_TYPE.TABLE)
    signatures.base_style = table
    set_table_style_borders(signatures, size=0, kind="nil")
    cover = styles.add_style("Tableau couverture", WD_STYLE_TYPE.TABLE)
    cover.base_style = table
    set_table_style_borders(cover, size=0, kind="nil")
    add_layout_styles(doc)


def cover_logo_styles(paragraph_style, styles) -> None:
    """The styles of the cover's band of partners: the State's block (its office in bold capitals over the
    motto in italics, as the Marianne block sets them) on the left, the local authority's (its acronym large,
    its name below) on the right; the band's table has no borders."""
    for name, alignment in (("Couverture autorite", WD_ALIGN_PARAGRAPH.LEFT),
                            ("Couverture collectivite", WD_ALIGN_PARAGRAPH.RIGHT)):
        block = paragraph_style(name, size=11, bold=True, alignment=alignment, space_after=Pt(0))
        block.paragraph_format.line_spacing = 1.0
    paragraph_style("Couverture autorite devise", "Couverture autorite", size=9, bold=False, italic=True)
    sigle = paragraph_style("Couverture collectivite sigle", "Couverture collectivite", size=22)
    sigle.font.color.rgb = RGBColor(0x1F, 0x3A, 0x68)
    paragraph_style("Couverture collectivite nom", "Couverture collectivite", size=10, bold=False)
    paragraph_style("Couverture logos fin", size=4, space_after=Pt(0))


def sommaire_styles(paragraph_style) -> None:
    """The sommaire's entry styles: indented by level, the page number at the right margin after dots."""
    for level in (1, 2, 3):
        style = paragraph_style(f"toc {level}", left_indent=Cm(0.6 * (level - 1)), space_after=Pt(2))
        style.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        style.paragraph_format.right_indent = Cm(0.8)  # a long title wraps before the page number's column


def page_furniture_styles(paragraph_style) -> None:
    """The styles of the running header, the footer's « Page X sur Y » and the draft's « PROJET »."""
    paragraph_style("Pied de page", "Footer", alignment=WD_ALIGN_PARAGRAPH.CENTER, size=9)
    en_tete = paragraph_style("En-tete", "Header", alignment=WD_ALIGN_PARAGRAPH.CENTER, size=8.5, italic=True)
    en_tete.font.color.rgb = RGBColor(0x40, 0x40, 0x40)
    projet = paragraph_style("Projet en-tete", "Header", alignment=WD_ALIGN_PARAGRAPH.CENTER, size=10, bold=True)
    projet.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)


def _header_paragraph(part, text: str, style: str, first: bool):
    paragraph = part.paragraphs[0] if first else part.add_paragraph()
    paragraph.style = style
    if text:
        paragraph.add_run(typeset(text))
    return paragraph


def _projet_lines(part, first: bool) -> None:
    """Write « PROJET » in a header, printed while « [À COMPLÉTER] » markers remain (every page of a draft)."""
    _header_paragraph(part, "{%p if a_completer %}", "Normal", first)
    _header_paragraph(part, "PROJET – document de travail", "Projet en-tete", False)
    _header_paragraph(part, "{%p endif %}", "Normal", False)


def _page_x_of_y(footer, first: bool = True, unless: str | None = None) -> None:
    """Write « Page X sur Y » in a footer; with `unless` (a Jinja test), only when the test is false, by tags
    within the paragraph: the footer keeps its paragraph (a footer needs one), and text a restyler types at
    its start (Writer puts it in the first paragraph) is printed, not taken away with a `{%p %}` tag's."""
    paragraph = footer.paragraphs[0] if first else footer.add_paragraph()
    paragraph.style = "Pied de page"
    paragraph.add_run(("{% if not " + unless + " %}" if unless else "") + "Page ")
    add_field(paragraph, "PAGE")
    paragraph.add_run(" sur ")
    add_field(paragraph, "NUMPAGES")
    if unless:
        paragraph.add_run("{% endif %}")


def page_furniture(doc, running_title: str | None, *, cover: bool = False, back_cover: str | None = None,
                   numbered: bool = True) -> None:
    """Give every page its header and footer: « PROJET » on every page of a draft; with `running_title`, the
    contract's short title at the top of every page but the first; « Page X sur Y » at the bottom (with
    `numbered`), but on the cover (`cover`) and on the back cover. `back_cover` is the Jinja test that says
    whether the document prints one (`back_cover_section` starts it): the first page of the last section is
    then the back cover, else an ordinary page."""
    sections = doc.sections
    first = sections[0]
    first.different_first_page_header_footer = True
    _projet_lines(first.first_page_header, first=True)
    if numbered and not cover:
        _page_x_of_y(first.first_page_footer)
    if running_title:
        _header_paragraph(first.header, running_title, "En-tete", True)
        _projet_lines(first.header, first=False)
    else:
        _projet_lines(first.header, first=True)
    if numbered:
        _page_x_of_y(first.footer)
    else:
        first.footer.paragraphs[0].style = "Pied de page"
    for section in sections[1:]:  # they print their predecessor's header and footer
        section.different_first_page_header_footer = False
    if back_cover and len(sections) > 1:
        last = sections[-1]
        last.different_first_page_header_footer = True
        header, footer = last.first_page_header, last.first_page_footer
        header.is_linked_to_previous = footer.is_linked_to_previous = False
        # the running title and the page number, but on the back cover: tags within their paragraphs, so that
        # the header and the footer keep a paragraph there (a part needs one) and what a restyler types at their
        # start is printed (see `_page_x_of_y`)
        if running_title:
            _header_paragraph(header, "{% if not " + back_cover + " %}" + running_title + "{% endif %}", "En-tete",
                              True)
        _projet_lines(header, first=not running_title)
        _page_x_of_y(footer, first=True, unless=back_cover)


def back_cover_section(t) -> None:
    """Start the back cover on a page of its own section (unnumbered), when the contract has one."""
    t.tag("{%p if dos %}")
    t.doc.add_section(WD_SECTION.NEW_PAGE)
    t.tag("{%p endif %}")


class TemplateWriter:
    """Small helpers to write template paragraphs and tables."""

    def __init__(self, doc):
        self.doc = doc

    def p(self, text: str, style: str = "Body Text"):
        """Add a paragraph of `text` in `style`; one that announces what follows (« Entre : ») keeps with it."""
        paragraph = self.doc.add_paragraph(style=style)
        if text:
            paragraph.add_run(typeset(text))
            if introduces(text):
                paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def tag(self, text: str):
        return self.p(text, "Normal")

    def table(self, rows: list[list[tuple[str, str] | None]]):
        """Add a table of `rows` of (text, paragraph style) cells; a None cell is merged into the cell before it.
        The leading rows whose every cell is a header cell repeat at the top of each page the table runs on, no
        row breaks across pages, and the columns are fitted to the text when a document is built."""
        cols = max(len(r) for r in rows)
        table = self.doc.add_table(rows=len(rows), cols=cols)
        table.style = self.doc.styles["Tableau Paraphe"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for r, row in enumerate(rows):
            for c, item in enumerate(row):
                if item is None:
                    continue
                text, style = item
                paragraph = table.rows[r].cells[c].paragraphs[0]
                paragraph.style = self.doc.styles[style]
                if text:
                    paragraph.add_run(typeset(text))
        for r, row in enumerate(rows):
            for c, item in enumerate(row):
                end = c
                while item is not None and end + 1 < len(row) and row[end + 1] is None:
                    end += 1
                if end > c:
                    table.cell(r, c).merge(table.cell(r, end))
        header_rows = 0
        for row in rows:
            if row and all(item is None or item[1] in (H, DH) for item in row) and "{%tr" not in "".join(
                    item[0] for item in row if item is not None):
                header_rows += 1
            else:
                break
        for index, row in enumerate(table.rows):
            keep_row_whole(row)
            if index < header_rows:
                repeat_as_header_row(row)
        return table


H, C, M = "Cellule entete", "Cellule", "Cellule montant"
DH, DC, DM = "Cellule dense entete", "Cellule dense", "Cellule dense montant"
"""The cells of a table with many columns (the maquette financière: a column per year)."""


def budget_table(t: TemplateWriter, name: str, title: str) -> None:
    b = f"fiche.{name}"
    t.table([
        [(title, H), None, None, None],
        [("Dépenses HT", H), None, ("Recettes HT", H), None],
        [("Libellé", H), ("Montant", H), ("Libellé", H), ("Montant", H)],
        [("{%tr for depense, recette in " + b + ".lignes %}", C)],
        [("{{ depense.libelle if depense else '' }}", C), ("{{ depense.montant|cellule if depense else '' }}", M),
         ("{{ recette.libelle if recette else '' }}", C), ("{{ recette.montant|cellule if recette else '' }}", M)],
        [("{%tr endfor %}", C)],
        [("Total", H), ("{{ " + b + ".total_depenses|cellule }}", M), ("Total", H),
         ("{{ " + b + ".total_recettes|cellule }}", M)],
    ])


def new_document():
    """Return an A4 document with Paraphe's styles, fonts and language (its header and footer are given by
    `page_furniture` once its sections are written)."""
    doc = Document()
    add_styles(doc)
    set_fonts(doc, BODY_FONT, HEADING_FONT)
    set_bullets(doc, BODY_FONT)
    set_font_table(doc, FONTS)
    set_language(doc, LANGUAGE)
    drop_styles_with_effects(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.header_distance = section.footer_distance = Cm(1)
    return doc


def save(doc, rel_path: str, title: str) -> None:
    first = doc.paragraphs[0]
    if not first.text and first.style.name == "Normal" and len(doc.paragraphs) > 1:
        first._p.getparent().remove(first._p)
    doc.core_properties.title = title
    doc.core_properties.author = "Paraphe"
    dest = TEMPLATES / rel_path
    dest.parent.mkdir(parents=True, exist_ok=True)
    doc.save(dest)
    print(f"écrit : {dest}")


def projet_banner(t: TemplateWriter) -> None:
    """Mark a draft: shown while « [À COMPLÉTER] » markers remain in the content."""
    t.tag("{%p if a_completer %}")
    t.p("PROJET – document de travail : des mentions restent à compléter", "Projet")
    t.tag("{%p endif %}")


def new_template():
    """Return a new document and its writer, opening with the draft banner every template shows."""
    doc = new_document()
    t = TemplateWriter(doc)
    projet_banner(t)
    return doc, t


def consolidation_line(t: TemplateWriter) -> None:
    """Say, on the cover of an amended version, which avenant it consolidates."""
    t.tag("{%p if consolidation %}")
    t.p("Version consolidée après l'avenant n° {{ consolidation.numero }} du {{ consolidation.date|date_longue }}",
        "Couverture consolidation")
    t.tag("{%p endif %}")


def convenu_line(t: TemplateWriter, before: str) -> None:
    """Write « Il est convenu ce qui suit : » after the prose `before`, unless that prose ends with it."""
    t.tag("{%p if not " + before + "|finit_par_convenu %}")
    t.p("Il est convenu ce qui suit :", "Body Text")
    t.tag("{%p endif %}")


def signature_table(t: TemplateWriter) -> None:
    """Add the signature blocks side by side, one column per party: « Pour … » and the signatory's office in a
    first row, room to sign and the name in a second, so that every name stands on the same line however many
    lines the offices take; no row breaks across pages, the first keeps with the second, and the « Fait à »
    line before them stays with them."""
    doc = t.doc
    loop_row = [("{%tc for partie in parties %}", "Signature"), ("", "Signature"), ("{%tc endfor %}", "Signature")]
    table = t.table([list(loop_row), list(loop_row)])
    office = [("{{ partie.nom|pour }},", "Signature pour"), ("{%p for ligne in partie.signature %}", "Signature"),
              ("{{ ligne }}", "Signature"), ("{%p else %}", "Signature"),
              ("{{ partie.representant.fonction }},", "Signature"), ("{%p endfor %}", "Signature")]
    # the signatory's room to sign, its top and bottom marked for the PDF's signature field
    room = [("{{r loop.index|ancre_signature('haut') }}", "Signature"),
            ("{{ partie.representant.nom }}", "Signature nom")]
    for row, lines in ((0, office), (1, room)):
        cell = table.rows[row].cells[1]
        (first, first_style), *rest = lines
        if first.startswith("{{r "):
            cell.paragraphs[0].add_run(first)
        else:
            cell.paragraphs[0].add_run(typeset(first))
        cell.paragraphs[0].style = doc.styles[first_style]
        for text, style in rest:
            paragraph = cell.add_paragraph(style=doc.styles[style])
            if style == "Signature nom":  # the bottom of the room: where the name's line starts
                paragraph.add_run("{{r loop.index|ancre_signature('bas') }}")
            paragraph.add_run(text if text.startswith("{{r ") else typeset(text))
    for paragraph in table.rows[0].cells[1].paragraphs:  # the offices stay on the page of the room to sign
        paragraph.paragraph_format.keep_with_next = True
    table.style = doc.styles["Tableau signatures"]


def axis_heading(t: TemplateWriter) -> None:
    """Write the heading of an axis of the fiches: on a new page, but the first, which follows the heading of
    its annexe."""
    t.tag("{%p if loop.first %}")
    t.p("AXE {{ axe.numero }} - {{ axe.code }} ({{ axe.libelle_fiches }})", "Fiche axe")
    t.tag("{%p else %}")
    t.p("AXE {{ axe.numero }} - {{ axe.code }} ({{ axe.libelle_fiches }})", "Fiche axe") \
        .paragraph_format.page_break_before = True
    t.tag("{%p endif %}")


def add_layout_styles(doc) -> None:
    """Give the styles what keeps a page whole: no widow or orphan line, a table's title and the « Fait à »
    line kept with what follows, the signature blocks' styles (room to sign above the name)."""
    styles = doc.styles
    styles["Normal"].paragraph_format.widow_control = True
    for name in ("Titre tableau", "Fait a", "Fiche label", "Fiche label saut", "Fiche intitule", "Fiche axe"):
        styles[name].paragraph_format.keep_with_next = True
    for name in ("Heading 1", "Heading 2", "Heading 3", "Heading 4"):
        styles[name].paragraph_format.keep_with_next = True
    pour = styles.add_style("Signature pour", WD_STYLE_TYPE.PARAGRAPH)
    pour.base_style = styles["Signature"]
    pour.font.bold = True
    pour.paragraph_format.space_after = Pt(6)
    nom = styles.add_style("Signature nom", WD_STYLE_TYPE.PARAGRAPH)
    nom.base_style = styles["Signature"]
    nom.paragraph_format.space_before = Cm(4.2)
    # table cells: single-spaced, no space after their paragraphs (the document's default leaves 10 pt)
    styles[C].paragraph_format.space_after = Pt(0)
    styles[C].paragraph_format.space_before = Pt(0)
    styles[C].paragraph_format.line_spacing = 1.0
    for name, base in ((DC, C), (DH, H), (DM, M)):
        dense = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        dense.base_style = styles[base]
        dense.font.size = Pt(7)
    # Page breaks go before parts and annexes: an axis of the fiches starts a page unless it is the first,
    # which follows its annexe's heading (`axis_heading`)
    styles["Fiche axe"].paragraph_format.page_break_before = False


def fiches(t: TemplateWriter, loop: str) -> None:
    """Write the fiches-projet of `loop`, each with its fields and its four tables."""
    t.tag("{%p for fiche in " + loop + " %}")
    t.tag("{%p if fiche.supprimee %}")
    t.p("Fiche-projet n° {{ fiche.numero }} (supprimée)", "Fiche label")
    t.tag("{%p else %}")
    t.tag("{%p if loop.first %}")
    t.p("INTITULÉ DE L'ACTION :", "Fiche label")
    t.tag("{%p else %}")
    t.p("INTITULÉ DE L'ACTION :", "Fiche label saut")
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
        [("ÉCHÉANCIER DES CP DU PROJET", H), ("TOTAL", H), ("{%tc for annee in annees %}", H),
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
    t.tag("{%p endif %}")
    t.tag("{%p endfor %}")


def maquette_section(t: TemplateWriter, title: str) -> None:
    """Write the maquette financière on landscape pages, then go back to portrait."""
    doc = t.doc
    landscape = doc.add_section(WD_SECTION.NEW_PAGE)
    landscape.orientation = WD_ORIENT.LANDSCAPE
    landscape.page_width, landscape.page_height = Cm(29.7), Cm(21)
    landscape.left_margin = landscape.right_margin = Cm(1.5)
    t.p(title, "Heading 2")
    t.p("{{ maquette.titre }}", "Titre tableau")
    maquette = t.table([
        [("ENJEU", DH), ("N° PROJET", DH), ("MAÎTRE D'OUVRAGE", DH), ("DESCRIPTION DU PROJET", DH),
         ("ANNÉE DE LANCEMENT", DH), ("{%tc for annee in maquette.annees %}", DH), ("COÛT {{ annee }}", DH),
         ("{%tc endfor %}", DH), ("COÛT TOTAL {{ maquette.periode }}", DH), ("COMMENTAIRE", DH),
         ("FINANCEMENTS RECHERCHÉS", DH)],
        [("{%tr for ligne in maquette.lignes %}", DC)],
        [("{{ ligne.fiche.axe.code }}", DC), ("{{ ligne.fiche.numero }}", DC), ("{{ ligne.fiche.maitre_ouvrage }}", DC),
         ("{{ ligne.fiche.libelle_maquette }}", DC), ("{{ ligne.fiche.annee_lancement }}", DC),
         ("{%tc for cout in ligne.couts %}", DM), ("{{ cout|cellule }}", DM), ("{%tc endfor %}", DM),
         ("{{ ligne.cout_total|cellule }}", DM), ("{{ ligne.fiche.commentaire_maquette or '' }}", DC),
         ("{{ ligne.fiche.financements_recherches or '' }}", DC)],
        [("{%tr endfor %}", DC)],
        [("TOTAL", DH), None, None, None, None, ("{%tc for cout in maquette.totaux %}", DM), ("{{ cout|cellule }}", DM),
         ("{%tc endfor %}", DM), ("{{ maquette.total|cellule }}", DM), ("", DC), ("", DC)],
    ])
    set_cell_margins(maquette, 45)  # a column per year: small text, narrow margins leave the words their room
    portrait = doc.add_section(WD_SECTION.NEW_PAGE)
    portrait.orientation = WD_ORIENT.PORTRAIT
    portrait.page_width, portrait.page_height = Cm(21), Cm(29.7)


def cover_logos(t: TemplateWriter) -> None:
    """Write the cover's band of partners, a row at the top of the page: the State's block on the left (its
    office, then the motto), the local authority's on the right (its acronym, then its name)."""
    table = t.table([[("", "Couverture autorite"), ("", "Couverture collectivite")]])
    table.style = t.doc.styles["Tableau couverture"]
    cells = [(table.rows[0].cells[0], [
        ("{%p for ligne in couverture.autorite %}", "Couverture autorite"), ("{{ ligne }}", "Couverture autorite"),
        ("{%p endfor %}", "Couverture autorite"),
        ("{%p for ligne in couverture.devise %}", "Couverture autorite devise"),
        ("{{ ligne }}", "Couverture autorite devise"), ("{%p endfor %}", "Couverture autorite devise")]),
        (table.rows[0].cells[1], [
            ("{%p for ligne in couverture.collectivite %}", "Couverture collectivite"),
            ("{%p if loop.first %}", "Couverture collectivite"), ("{{ ligne }}", "Couverture collectivite sigle"),
            ("{%p else %}", "Couverture collectivite"), ("{{ ligne }}", "Couverture collectivite nom"),
            ("{%p endif %}", "Couverture collectivite"), ("{%p endfor %}", "Couverture collectivite")])]
    for cell, lines in cells:
        (first, first_style), *rest = lines
        cell.paragraphs[0].add_run(first)
        cell.paragraphs[0].style = t.doc.styles[first_style]
        for text, style in rest:
            cell.add_paragraph(style=t.doc.styles[style]).add_run(text)
        cell.add_paragraph(style=t.doc.styles["Couverture logos fin"])  # a cell keeps a paragraph: lists may be empty


def crte_parties(t: TemplateWriter) -> None:
    """Write the CRTE's parties, one per bullet: name, representative, empowering deliberation."""
    t.tag("{%p for partie in parties %}")
    t.p("{{ partie.nom }}{% if partie.adresse %}, {{ partie.adresse }}{% endif %}"
        "{% if partie.sigle %} (ci-après désigné{{ 'e' if partie.feminin else '' }} "
        "« {{ partie.sigle }} »){% endif %}, représenté{{ 'e' if partie.feminin else '' }} par "
        "{% if partie.representant.qualite_avant_nom %}{{ partie.representant.qualite }}, "
        "{{ partie.representant.civilite }} {{ partie.representant.nom }}"
        "{% else %}{{ partie.representant.civilite }} {{ partie.representant.nom }}, "
        "{{ partie.representant.qualite }}{% endif %}"
        "{% if partie.habilitation %}, dûment habilité{{ 'e' if partie.representant.feminin else '' }} par "
        "délibération {{ partie.habilitation.organe|de }}"
        "{% if partie.habilitation.numero %} n° {{ partie.habilitation.numero }}{% endif %}"
        " en date du {{ partie.habilitation.date if partie.habilitation.date is string else "
        "partie.habilitation.date|date_longue }}{% endif %}{{ '.' if loop.last else ',' }}",
        "List Bullet")
    t.tag("{%p endfor %}")


def crte_signatures(t: TemplateWriter) -> None:
    signature_table(t)


def crte_template() -> None:
    doc, t = new_template()

    # Cover
    cover_logos(t)
    t.p("{{ couverture.annee }}", "Couverture annee")
    t.p("{{ couverture.titre }}", "Couverture titre")
    consolidation_line(t)

    # Sommaire: a table of contents field, filled from the headings when the document is built
    t.p("SOMMAIRE", "TOC Heading").paragraph_format.page_break_before = None
    doc.styles["TOC Heading"].paragraph_format.page_break_before = True
    add_toc(doc, (1, 3), {"Encadre titre": 3, "Fiche axe": 3})

    # First part
    t.p("PREMIÈRE PARTIE – LE PROJET DE TERRITOIRE", "Heading 1")
    t.tag("{%p for texte in projet %}")
    t.tag("{{p texte|prose(1) }}")
    t.tag("{%p endfor %}")
    t.tag("{%p for axe in axes %}")
    t.p("{{ axe.numero }} {{ axe.separateur }} {{ axe.titre }} ({{ axe.code }})", "Heading 3")
    t.tag("{{p axe.texte|prose(3) }}")
    t.tag("{%p endfor %}")

    # Second part
    t.p("DEUXIÈME PARTIE – LE CONTRAT", "Heading 1")
    t.p("Entre :")
    crte_parties(t)
    t.p("Préambule", "Heading 2")
    t.tag("{{p preambule|prose(2) }}")
    t.tag("{%p for article in articles %}")
    t.p("Article {{ article.numero|numero_article }}{% if article.supprime %} (supprimé){% else %} – "
        "{{ article.titre }}{% endif %}", "Heading 2")
    t.tag("{{p article.corps|prose(2) }}")
    t.tag("{%p for sous in article.sous_articles %}")
    t.p("{{ sous.numero }}. {{ sous.titre }}", "Heading 3")
    t.tag("{{p sous.corps|prose(3) }}")
    t.tag("{%p endfor %}")
    t.tag("{%p endfor %}")
    t.p("Fait à {{ signature.lieu or '…' }} en {{ signature.exemplaires or '…' }} exemplaires, le "
        "{{ signature.date|date_longue if signature.date else '…' }}", "Fait a")
    crte_signatures(t)

    # Third part
    t.p("TROISIÈME PARTIE – ANNEXES", "Heading 1")
    t.p("Avertissement :", "Fiche label")
    t.tag("{{p avertissement|prose(2) }}")
    t.p("1 – Architecture du contrat", "Heading 2")
    t.tag("{%p if architecture %}")
    t.tag("{{p architecture|prose(2) }}")
    t.tag("{%p endif %}")
    t.p("2 – Fiches-projet", "Heading 2")
    t.tag("{%p for axe in axes %}")
    axis_heading(t)
    fiches(t, "axe.fiches")
    t.tag("{%p endfor %}")
    maquette_section(t, "3 – Récapitulatif des fiches")
    t.p("4 – Indicateurs d'évaluation", "Heading 2")
    t.tag("{%p if indicateurs %}")
    t.tag("{{p indicateurs|prose(2) }}")
    t.tag("{%p endif %}")

    # Back cover
    back_cover_section(t)
    t.tag("{%p for ligne in dos %}")
    t.tag("{%p if loop.first %}")
    t.p("{{ ligne }}", "Dos titre")
    t.tag("{%p else %}")
    t.p("{{ ligne }}", "Dos")
    t.tag("{%p endif %}")
    t.tag("{%p endfor %}")

    page_furniture(doc, "Contrat de relance et de transition écologique – {{ contrat.territoire }}", cover=True,
                   back_cover="dos")
    save(doc, "crte/contrat.docx", "Contrat de relance et de transition écologique")


def crte_annexes_template() -> None:
    """The annexes of a CRTE as a document of their own, republished after an avenant."""
    doc, t = new_template()
    t.p("{{ contrat.titre }}", "Couverture titre")
    t.p("{{ contrat.territoire }}", "Couverture bloc")
    t.p("Annexes : fiches-projet et maquette financière", "Couverture bloc")
    consolidation_line(t)
    t.p("SOMMAIRE", "TOC Heading")
    add_toc(doc, (1, 3), {"Fiche axe": 3})
    t.p("Fiches-projet", "Heading 1")
    t.tag("{%p for axe in axes %}")
    axis_heading(t)
    fiches(t, "axe.fiches")
    t.tag("{%p endfor %}")
    maquette_section(t, "Récapitulatif des fiches (maquette financière)")
    page_furniture(doc, "Annexes du contrat de relance et de transition écologique – {{ contrat.territoire }}",
                   cover=True)
    save(doc, "crte/annexes.docx", "Annexes du contrat de relance et de transition écologique")


def crte_avenant_template() -> None:
    """The avenant: parties, visas, exposé, one article per change, signatures, annexes."""
    doc, t = new_template()
    t.p("Avenant n° {{ numero }}", "Couverture titre")
    t.p("au {{ contrat.titre|en_phrase }} {{ contrat.territoire|de }}", "Couverture bloc")
    t.p("{{ avenant.objet }}", "Couverture consolidation")
    t.p("Entre :")
    crte_parties(t)
    t.p("Vu le {{ contrat.titre|en_phrase }} {{ contrat.territoire|de }} signé le "
        "{{ signature_contrat.date|date_longue }},", "Visa")
    t.tag("{%p for precedent in avenants_precedents %}")
    t.p("Vu l'avenant n° {{ precedent[0] }} du {{ precedent[1]|date_longue }},", "Visa")
    t.tag("{%p endfor %}")
    t.p("Exposé", "Heading 1 suite")
    t.tag("{{p expose|prose(1) }}")
    convenu_line(t, "expose")
    t.tag("{%p for article in articles %}")
    t.p("Article {{ article.numero|numero_article }}{% if article.titre %} – {{ article.titre }}{% endif %}",
        "Heading 2")
    t.p("{{ article.phrase }}", "Body Text")
    t.tag("{%p if article.texte %}")
    t.tag("{{p article.texte|prose(2, 'Citation') }}")
    t.tag("{%p endif %}")
    t.tag("{%p for detail in article.details %}")
    t.p("{{ detail }}", "Body Text")  # numbered « 1° », « 2° » in the wording itself
    t.tag("{%p endfor %}")
    t.tag("{%p endfor %}")
    t.p("Fait à {{ avenant.lieu }}, le {{ avenant.date|date_longue }}, en {{ avenant.exemplaires }} exemplaires",
        "Fait a")
    crte_signatures(t)
    t.tag("{%p if fiches_ajoutees %}")
    t.p("ANNEXE – Fiches-projet ajoutées", "Heading 1")
    fiches(t, "fiches_ajoutees")
    t.tag("{%p endif %}")
    t.tag("{%p if maquette %}")
    maquette_section(t, "ANNEXE – Maquette financière")
    t.tag("{%p endif %}")
    page_furniture(doc, "Avenant n° {{ numero }} au contrat de relance et de transition écologique – "
                        "{{ contrat.territoire }}")
    save(doc, "crte/avenant.docx", "Avenant")


def accord_cadre_template() -> None:
    doc, t = new_template()
    t.tag("{%p for ligne in titre %}")
    t.p("{{ ligne }}", "Couverture titre bloc")
    t.tag("{%p endfor %}")
    t.p("{{ introduction }}")
    t.tag("{%p for partie in parties %}")
    t.tag("{%p if not loop.first %}")
    t.p("Et")
    t.tag("{%p endif %}")
    t.p("{{ partie.nom }}{% if partie.adresse %}, {{ partie.adresse }}{% endif %}, "
        "représenté{{ 'e' if partie.feminin else '' }} par "
        "{% if partie.representant.qualite_avant_nom %}{{ partie.representant.qualite }}, "
        "{{ partie.representant.civilite }} {{ partie.representant.nom }}"
        "{% else %}{{ partie.representant.civilite }} {{ partie.representant.nom }}, "
        "{{ partie.representant.qualite }}{% endif %}"
        "{% if partie.habilitation %}, agissant en vertu de la délibération"
        "{% if partie.habilitation.numero %} n° {{ partie.habilitation.numero }}{% endif %}"
        " {{ partie.habilitation.organe|de }} du {{ partie.habilitation.date|date_longue }}{% endif %}.")
    t.tag("{%p if parties|length == 2 %}")
    t.p("{{ \"d'une part,\" if loop.first else \"d'autre part,\" }}")
    t.tag("{%p endif %}")
    t.tag("{%p endfor %}")
    t.p("Ci-après {{ 'désignées' if feminin_pluriel else 'désignés' }} ensemble « {{ designation_commune }} »,")
    t.tag("{%p for visa in visas %}")
    t.tag("{{p ('Vu ' ~ visa ~ ',')|prose(0, 'Visa') }}")
    t.tag("{%p endfor %}")
    t.p("Préambule", "Heading 1 suite")
    t.tag("{{p preambule|prose(1) }}")
    convenu_line(t, "preambule")
    t.tag("{%p for article in articles %}")
    t.p("Article {{ article.numero|numero_article }}{% if article.titre %} – {{ article.titre }}{% endif %}",
        "Heading 1 suite")
    t.tag("{{p article.corps|prose(1) }}")
    t.tag("{%p endfor %}")
    t.p("Fait à {{ signature.lieu or '…………' }}, le {{ signature.date|date_longue if signature.date else '…………' }}"
        ", en {{ signature.exemplaires or '…' }} exemplaires", "Fait a")
    signature_table(t)
    t.tag("{%p if annexes %}")
    t.p("ANNEXES", "Heading 1")
    t.tag("{%p endif %}")
    t.tag("{%p for annexe in annexes %}")
    t.p("{{ annexe.titre }}", "Heading 2")
    t.tag("{{p annexe.texte|prose(1) }}")
    t.tag("{%p endfor %}")
    page_furniture(doc, "{{ titre[:2]|join(' ')|capitalize }}")
    save(doc, "accord-cadre/accord-cadre.docx", "Accord-cadre de partenariat")


def contact_lines(t: TemplateWriter, keys: str) -> None:
    t.tag("{%p if " + keys + " %}")
    t.p("{{ 'Contacts' if " + keys + "|length > 1 else 'Contact' }} :", "Fiche label")
    t.tag("{%p for ligne in " + keys + " %}")
    t.tag("{{p ligne|prose(0, 'Contact') }}")
    t.tag("{%p endfor %}")
    t.tag("{%p endif %}")


def annexe_aap_template() -> None:
    doc, t = new_template()
    t.p("{{ titre }}", "Title")
    t.tag("{{p introduction|prose(1) }}")
    contact_lines(t, "introduction_contacts")
    t.tag("{%p for section in sections %}")
    t.p("{{ section.numero }}. {{ section.titre }}", "Heading 1 suite")
    t.tag("{%p for bloc in section.blocs %}")
    t.tag("{%p if bloc.titre %}")
    t.p("{{ bloc.titre }}", "Heading 2")
    t.tag("{%p endif %}")
    t.tag("{%p if bloc.texte %}")
    t.tag("{{p bloc.texte|prose(2) }}")
    t.tag("{%p endif %}")
    contact_lines(t, "bloc.contacts")
    t.tag("{%p endfor %}")
    t.tag("{%p endfor %}")
    t.tag("{%p if tableau_contacts %}")
    t.p("{{ tableau_contacts.titre }}", "Heading 1")
    table = t.table([
        [("{{ tableau_contacts.colonnes[0] }}", H), ("{{ tableau_contacts.colonnes[1] }}", H),
         ("{{ tableau_contacts.colonnes[2] }}", H)],
        [("{%tr for ligne in tableau_contacts.lignes %}", C)],
        [("{{ ligne.thematique }}", C), ("{{ ligne.sujet }}", C), ("{{p ligne.contacts|prose(0, 'Cellule') }}", C)],
        [("{%tr endfor %}", C)],
    ])
    repeat_as_header_row(table.rows[0])
    t.tag("{%p endif %}")
    page_furniture(doc, "{{ titre }}")
    save(doc, "annexe-aap/annexe.docx", "Annexe d'appel à projets")


def programme_template() -> None:
    doc, t = new_template()
    t.p("{{ date_edition|mois_annee|majuscules }}", "Couverture annee")
    t.p("{{ titre }}", "Couverture titre")
    t.p("AVANT-PROPOS", "Heading 1")
    t.tag("{{p avant_propos|prose(1) }}")
    t.p("SOMMAIRE", "TOC Heading")
    add_toc(doc, (1, 1))
    t.tag("{%p for texte in presentation %}")
    t.tag("{{p texte|prose(0) }}")
    t.tag("{%p endfor %}")
    t.p("LA GOUVERNANCE DE L'AGENCE", "Heading 1")
    t.p("{{ gouvernance_titre }}", "Heading 2")
    t.p("BUREAU", "Heading 3")
    t.tag("{%p for fonction in bureau %}")
    t.p("{{ fonction.fonction }}", "Fiche label")
    t.tag("{%p for membre in fonction.membres %}")
    t.p("{{ membre }}", "Membre")
    t.tag("{%p endfor %}")
    t.tag("{%p endfor %}")
    t.p("CONSEIL D'ADMINISTRATION", "Heading 3")
    t.tag("{%p for organisme in conseil %}")
    t.p("{{ organisme.organisme }}", "Fiche label")
    t.tag("{%p for membre in organisme.membres %}")
    t.p("{{ membre }}", "Membre")
    t.tag("{%p endfor %}")
    t.tag("{%p endfor %}")
    t.tag("{%p for texte in apres_gouvernance %}")
    t.tag("{{p texte|prose(0) }}")
    t.tag("{%p endfor %}")
    t.tag("{%p for ambition in ambitions %}")
    t.p("{{ ambition.numero }}. {{ ambition.titre|majuscules }}", "Heading 1")
    t.tag("{{p ambition.introduction|prose(1) }}")
    t.tag("{%p for mission in ambition.missions %}")
    t.p("{{ mission.numero }} {{ mission.titre }}", "Heading 2")
    t.tag("{{p mission.corps|prose(2) }}")
    t.tag("{%p endfor %}")
    t.tag("{%p endfor %}")
    t.tag("{%p for texte in fin %}")
    t.tag("{{p texte|prose(0) }}")
    t.tag("{%p endfor %}")
    page_furniture(doc, "{{ titre|capitalize }}", cover=True)
    save(doc, "programme-travail/programme.docx", "Programme de travail partenarial")


def communique_template() -> None:
    doc = new_document()
    # A press release holds on one page: a denser page than the contracts'.
    section = doc.sections[0]
    section.top_margin = section.bottom_margin = Cm(1.0)
    section.footer_distance = Cm(0.5)
    section.left_margin = section.right_margin = Cm(1.6)
    doc.styles["Normal"].font.size = Pt(9)
    doc.styles["Body Text"].paragraph_format.space_after = Pt(3)
    for name in ("List Bullet", "List Number"):
        doc.styles[name].font.size = Pt(9)
    doc.styles["Heading 2"].font.size = Pt(11)
    doc.styles["Heading 2"].paragraph_format.space_before = Pt(4)
    doc.styles["Titre communique"].font.size = Pt(13)
    doc.styles["Titre communique"].paragraph_format.space_after = Pt(6)
    doc.styles["List Bullet"].paragraph_format.space_after = Pt(1)
    t = TemplateWriter(doc)
    projet_banner(t)
    t.p("Communiqué de presse", "Surtitre")
    t.p("Le {{ date|date_longue }}", "Date communique")
    t.p("{{ titre }}", "Titre communique")
    t.tag("{{p corps|prose(1) }}")
    t.p("{{ a_propos.titre }}", "Heading 2")
    t.tag("{{p a_propos_texte|prose(2) }}")
    t.p("Contact presse", "Heading 2")
    for line in ("{{ contact.organisme }}", "{{ contact.nom }}", "{{ contact.fonction }}", "{{ contact.telephone }}"):
        t.p(line, "Contact")
    t.tag("{{p contact.email|lien('mailto:' ~ contact.email)|prose(0, 'Contact') }}")
    page_furniture(doc, None, numbered=False)  # one page: no page number, « PROJET » on a draft
    save(doc, "communique/communique.docx", "Communiqué de presse")


if __name__ == "__main__":
    crte_template()
    crte_annexes_template()
    crte_avenant_template()
    accord_cadre_template()
    annexe_aap_template()
    programme_template()
    communique_template()
