"""Source marks: hidden bookmarks that tell which content file printed each paragraph of a document."""

from __future__ import annotations

from generator.pipeline import build
from generator.wordml.marks import file_key, file_key_of_mark, marked, source_mark
from generator.wordml.revisions import read_document

from .. import conftest


def test_a_mark_holds_the_paragraphs_from_after_the_first_properties_to_before_the_last_end():
    xml = '<w:p><w:pPr><w:pStyle w:val="A"/></w:pPr><w:r><w:t>x</w:t></w:r></w:p><w:p><w:pPr/></w:p>'
    mark_id, name = source_mark("articles/objet.md", 2)
    assert name.endswith("_2") and len(name) <= 40 and name.startswith("_")  # Word hides names starting « _ »
    assert marked(xml, "articles/objet.md", 2) == (
        f'<w:p><w:pPr><w:pStyle w:val="A"/></w:pPr><w:bookmarkStart w:id="{mark_id}" w:name="{name}"/>'
        f'<w:r><w:t>x</w:t></w:r></w:p><w:p><w:pPr/><w:bookmarkEnd w:id="{mark_id}"/></w:p>')
    assert file_key_of_mark(name) == file_key("articles/objet.md")
    assert source_mark("articles/objet.md", 1) != source_mark("articles/objet.md", 2)


def test_every_paragraph_of_markdown_in_a_contract_is_marked_with_its_file(tmp_path, contract_dir):
    written = build([contract_dir], tmp_path / "output")
    document = read_document(conftest.main_document(written).read_bytes())
    keys = {file_key(rel): rel for rel in conftest.contract_data()}
    by_text = {p.original: {keys[file_key_of_mark(m)] for m in p.marks} for p in document.paragraphs}
    assert by_text["Le contrat a pour objet l’essai."] == {"articles/objet.md"}
    assert by_text["Texte 2.1."] == {"articles/plan.md"} and by_text["Texte 2.2."] == {"articles/plan.md"}
    assert by_text["imbriqué"] == {"axes/1.md"}
    assert by_text["Le préambule du contrat."] == {"contrat/preambule.md"}
    assert by_text["SOMMAIRE"] == set()  # the template's own text holds no mark
    # The Markdown a fiche's field holds is marked with the fiche's file (the three descriptions read alike).
    descriptions = [{keys[file_key_of_mark(m)] for m in p.marks} for p in document.paragraphs
                    if p.original == "Une description avec un lien et le 1er essai."]
    assert descriptions == [{"fiches/emploi.yaml"}, {"fiches/formation.yaml"}, {"fiches/velo.yaml"}]
    # Marks add no text: the paragraphs read as before (the fidelity of the seeds is measured on the text).
    assert conftest.docx_paragraphs(conftest.main_document(written)) == [p.original for p in document.paragraphs]
