"""The only layer of Paraphe that touches WordprocessingML.

Everything else speaks in blocks, inlines, templates and documents: `template` compiles a docxtpl template once
and renders documents from it, `writer` writes the Word content of one document (prose, restarted lists, links,
the sommaire), `redline` marks the changes between two versions with tracked changes, and `authoring` gives
`templates/make_templates.py` what python-docx has no API for.
"""

from .writer import XML_FORBIDDEN, Block, DocumentWriter, Fragment, Inline, SharedRegions, xml_safe

__all__ = ["XML_FORBIDDEN", "Block", "DocumentWriter", "Fragment", "Inline", "SharedRegions", "xml_safe"]
