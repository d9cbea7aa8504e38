"""The sommaire numbered in a loaded LibreOffice document through the UNO bridge, one call at a time, as
`generator.render_office` did before its Basic functions (`SOMMAIRE_MACROS`, issue 23): the reference they must
equal (the same pages read, the same text typed, the same refusals). Not part of the engine."""

from __future__ import annotations

import re

from generator.render_office import PLACEHOLDER_PAGE

_SOMMAIRE_BOOKMARK = re.compile(r"_Toc(\d{8})")
_SOMMAIRE_LINK = re.compile(r"#_Toc(\d{8})")


def bookmark_pages(document) -> dict[int, int]:
    """Return the page (from 1) of each sommaire heading's bookmark of a loaded document (rank → page), as its
    layout places them (the view cursor's page: the page of the bookmark's named destination in its PDF)."""
    cursor = document.getCurrentController().getViewCursor()
    bookmarks = document.getBookmarks()
    pages = {}
    for name in bookmarks.getElementNames():
        match = _SOMMAIRE_BOOKMARK.fullmatch(name)
        if match:
            cursor.gotoRange(bookmarks.getByName(name).getAnchor(), False)
            pages[int(match.group(1))] = cursor.getPage()
    return pages


def write_sommaire_pages(document, pages: dict[int, int]) -> bool:
    """Write into a loaded document's sommaire the page of each entry's heading in place of its placeholder;
    return False, writing nothing more, at the first entry that does not end with its placeholder inside its
    link, or whose heading has no page (the .docx is then numbered and laid out again)."""
    indexes = document.getDocumentIndexes()
    entries = []
    for position in range(indexes.getCount()):
        index = indexes.getByIndex(position)
        index.IsProtected = False  # LibreOffice protects an index's text from edits, the API's too
        paragraphs = document.getText().createTextCursorByRange(index.getAnchor()).createEnumeration()
        while paragraphs.hasMoreElements():
            paragraph = paragraphs.nextElement()
            if not paragraph.supportsService("com.sun.star.text.Paragraph") or not paragraph.getString():
                continue
            end = paragraph.getText().createTextCursorByRange(paragraph.getEnd())
            end.goLeft(len(str(PLACEHOLDER_PAGE)), True)
            link = _SOMMAIRE_LINK.fullmatch(end.HyperLinkURL or "")
            if link is None:
                continue  # the sommaire's title, say
            if end.getString() != str(PLACEHOLDER_PAGE) or int(link.group(1)) not in pages:
                return False
            entries.append((end, pages[int(link.group(1))]))
    if not entries:
        return False
    for end, page in entries:  # typed before the placeholder, inside the link (text typed at a link's end falls
        end.getText().insertString(end.getStart(), str(page), False)  # out of it), then the placeholder removed
        end.collapseToEnd()
        end.goLeft(len(str(PLACEHOLDER_PAGE)), True)
        end.setString("")
    return True
