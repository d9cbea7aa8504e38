"""Source marks: hidden bookmarks around the paragraphs of a document that one content file printed.

A bookmark survives Word's and LibreOffice's editing, shows nothing to the reader (Word hides the bookmarks
whose name starts with « _ »), and is valid where a paragraph's runs may stand. Its name carries a short hash of
the file's path in the contract folder and the rank of that file's printing in the document (Word's names hold
40 characters at most, letters, digits and « _ », each name once); its id is taken from the same hash, so that
the same prose gives the same XML in every document of a contract (a region rendered once for them all stays
shared).
"""

from __future__ import annotations

import hashlib

from ..caches import text_cache

SOURCE_MARK_PREFIX = "_Paraphe_src_"


def file_key(rel_path: str) -> str:
    """Return the short hash of a content file's path that its marks' names carry."""
    return hashlib.sha1(rel_path.encode("utf-8")).hexdigest()[:12]


def file_key_of_mark(name: str) -> str:
    """Return the file key of a source mark's name."""
    return name[len(SOURCE_MARK_PREFIX):].split("_", 1)[0]


@text_cache(maxsize=4096)
def source_mark(rel_path: str, rank: int = 1) -> tuple[int, str]:
    """Return the (bookmark id, bookmark name) of the `rank`-th printing of the content file `rel_path`."""
    key = file_key(rel_path)
    return 0x40000000 + (int(key[:7], 16) * 64 + rank) % 0x3FFFFFFF, f"{SOURCE_MARK_PREFIX}{key}_{rank}"


def marked(xml: str, rel_path: str, rank: int = 1) -> str:
    """Return paragraphs' XML (each `<w:p><w:pPr>…</w:pPr>…</w:p>`) inside the source mark of `rel_path`: its
    start after the first paragraph's properties, its end before the last paragraph's end."""
    head = xml.find("</w:pPr>")
    if head < 0 or not xml.endswith("</w:p>"):
        return xml
    mark_id, name = source_mark(rel_path, rank)
    head += len("</w:pPr>")
    return (f'{xml[:head]}<w:bookmarkStart w:id="{mark_id}" w:name="{name}"/>{xml[head:-6]}'
            f'<w:bookmarkEnd w:id="{mark_id}"/></w:p>')
