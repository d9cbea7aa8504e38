"""The zip container: members copied compressed as they are, or compressed anew, read back by zipfile."""

import zipfile
from datetime import datetime

from generator.container import Member, read_members, write_zip


def test_a_written_zip_reads_back_with_every_member_intact(tmp_path):
    members = [Member.compress("word/document.xml", b"<w:document>" + b"x" * 10_000 + b"</w:document>"),
               Member.compress("docProps/\u00e9t\u00e9.xml", b"<a/>")]
    path = tmp_path / "out.docx"
    path.write_bytes(write_zip(members, datetime(2021, 7, 9, 10, 30)))
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None  # every CRC checks
        assert archive.namelist() == ["word/document.xml", "docProps/\u00e9t\u00e9.xml"]
        assert archive.read("docProps/\u00e9t\u00e9.xml") == b"<a/>"
        assert archive.getinfo("word/document.xml").date_time == (2021, 7, 9, 10, 30, 0)


def test_members_are_copied_without_being_recompressed(tmp_path):
    source = tmp_path / "source.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("styles.xml", b"<styles>" + b"abc" * 5000 + b"</styles>")
        archive.writestr("image.png", b"\x89PNG raw", compress_type=zipfile.ZIP_STORED)
    members = read_members(source)
    with zipfile.ZipFile(source) as archive:
        assert [m.data for m in members][0] != archive.read("styles.xml")  # still compressed
        assert [len(m.data) for m in members] == [i.compress_size for i in archive.infolist()]
    copy = tmp_path / "copy.zip"
    copy.write_bytes(write_zip(members))
    with zipfile.ZipFile(copy) as archive:
        assert archive.testzip() is None
        assert archive.read("styles.xml") == b"<styles>" + b"abc" * 5000 + b"</styles>"
        assert archive.getinfo("image.png").compress_type == zipfile.ZIP_STORED


def test_same_members_same_bytes():
    members = [Member.compress("a.xml", b"<a>1</a>")]
    when = datetime(2022, 3, 15)
    assert write_zip(members, when) == write_zip(list(members), when)
