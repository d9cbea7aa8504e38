"""Signature-ready PDF: one empty field in each signatory's block, signed in turn, every signature valid."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from generator.pipeline import build_report
from generator.render_signature import field_name
from generator.wordml.signature import signature_anchor

from .conftest import write_contract

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent : apt-get install "
                                                              "libreoffice-writer-nogui")
THIRD_PARTY = {"id": "region", "nom": "La Région Hauts-de-France", "feminin": True,
               "representant": {"civilite": "M.", "nom": "Xavier BERTRAND", "qualite": "son Président",
                                "qualite_avant_nom": True},
               "signature": ["Le Président du Conseil régional,"]}
SIGNATORIES = ["Jean DUPONT", "Anne MARTIN", "Xavier BERTRAND"]


def test_field_names_are_the_signatories_without_dots():
    assert field_name("Jean DUPONT") == "Signature Jean DUPONT"
    assert field_name("J.-P.  MARTIN") == "Signature J -P MARTIN"


def test_two_signatories_of_the_same_name_get_two_fields():
    from generator.render_signature import _distinct

    assert _distinct(["[À COMPLÉTER]", "Anne MARTIN", "[À COMPLÉTER]"]) == [
        "[À COMPLÉTER]", "Anne MARTIN", "[À COMPLÉTER] (2)"]


def test_anchor_is_a_pair_of_bookmarks_named_for_libreoffice():
    assert signature_anchor(2, "bas") == ('<w:bookmarkStart w:id="900005" w:name="ParapheSignatureBas2"/>'
                                          '<w:bookmarkEnd w:id="900005"/>')
    with pytest.raises(ValueError):
        signature_anchor(1, "milieu")


@pytest.fixture(scope="module")
def three_signatories_pdf(tmp_path_factory):
    """The contract of a small CRTE signed by three parties, built as PDF/A with its signature fields."""
    from .conftest import contract_data

    base = tmp_path_factory.mktemp("signature")
    files = contract_data()
    files["contrat.yaml"]["parties"].append(THIRD_PARTY)
    root = write_contract(base / "content" / "essai", files)
    report = build_report([root], base / "output", formats=("docx", "pdf"))
    assert not report.failed, report.failed
    return (base / "output" / "essai" / "contrat.pdf").read_bytes()


def _word_boxes(pdf: bytes, page: int) -> list[tuple[str, float, float, float, float]]:
    """Return the words of a page with their boxes in PDF coordinates (x0, y0, x1, y1), from pdftotext."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page + 1), "-l", str(page + 1), "-", "-"],
                          input=pdf, capture_output=True, check=True).stdout.decode()
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))
    return [(word, float(x0), height - float(y1), float(x1), height - float(y0))
            for x0, y0, x1, y1, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


@pytest.mark.libreoffice
@needs_libreoffice
def test_each_signatory_gets_a_named_field_in_its_block(three_signatories_pdf):
    import pikepdf

    with pikepdf.open(io.BytesIO(three_signatories_pdf)) as pdf:
        page_of = {page.objgen: number for number, page in enumerate(pdf.pages)}
        fields = {str(f.T): (page_of[f.P.objgen], [float(v) for v in f.Rect], int(f.F))
                  for f in pdf.Root.AcroForm.Fields}
        assert {str(f.FT) for f in pdf.Root.AcroForm.Fields} == {"/Sig"}
        assert all("/AP" in f for f in pdf.Root.AcroForm.Fields)  # PDF/A: every widget has an appearance
        assert "/NeedAppearances" not in pdf.Root.AcroForm
        assert str(pdf.open_metadata()["pdfaid:part"]) == "2"
    assert sorted(fields) == sorted(field_name(name) for name in SIGNATORIES)
    boxes = []
    for name in SIGNATORIES:
        page, (x0, y0, x1, y1), flags = fields[field_name(name)]
        assert flags & 4  # printed
        assert x1 - x0 >= 100 and y1 - y0 >= 28 * 2  # room to sign, not a sliver
        words = _word_boxes(three_signatories_pdf, page)
        # the signatory's name is printed on that page, just under the field, and centred on it
        surname = name.split()[-1]
        [(_, nx0, ny0, nx1, ny1)] = [w for w in words if w[0] == surname]
        assert ny1 <= y0 + 2 and y0 - ny1 < 40
        assert x0 <= nx0 and nx1 <= x1 + 60
        # nothing printed inside the field
        assert not [w for w in words if w[1] < x1 and x0 < w[3] and w[2] < y1 and y0 < w[4]]
        boxes.append((page, x0, y0, x1, y1))
    # three fields that do not overlap one another
    for index, (page, x0, y0, x1, y1) in enumerate(boxes):
        for other in boxes[index + 1:]:
            assert other[0] != page or other[3] <= x0 or x1 <= other[1] or other[4] <= y0 or y1 <= other[2]


def _test_signer(name: str):
    """Return a pyHanko signer with a self-signed certificate made for the test, and that certificate."""
    from asn1crypto import keys, x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    asn1_key = keys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    signer = signers.SimpleSigner(signing_cert=asn1_cert, signing_key=asn1_key,
                                  cert_registry=SimpleCertificateStore.from_certs([asn1_cert]))
    return signer, asn1_cert


@pytest.mark.libreoffice
@needs_libreoffice
def test_signing_every_field_in_turn_keeps_every_signature_valid(three_signatories_pdf):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    data, roots = three_signatories_pdf, []
    for name in SIGNATORIES:
        signer, cert = _test_signer(name)
        roots.append(cert)
        out = io.BytesIO()
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data), strict=False),
                         signers.PdfSignatureMetadata(field_name=field_name(name)), signer=signer, output=out)
        assert out.getvalue().startswith(data)  # an incremental update: what was signed before is untouched
        data = out.getvalue()
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    signatures = reader.embedded_signatures
    assert [s.field_name for s in signatures] == [field_name(name) for name in SIGNATORIES]
    context = ValidationContext(trust_roots=roots)
    for signature in signatures:
        status = validate_pdf_signature(signature, context)
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.docmdp_ok  # what came after it is only the filling of the other fields


@pytest.mark.libreoffice
@needs_libreoffice
def test_the_fields_leave_the_documents_own_metadata(three_signatories_pdf):
    """pyHanko stamps itself as producer and the clock's time as modification date: the document's own metadata
    are put back, in the XMP and in the Info dictionary alike."""
    import pikepdf

    with pikepdf.open(io.BytesIO(three_signatories_pdf)) as pdf:
        assert b"pyHanko" not in pdf.Root.Metadata.read_bytes()
        assert "pyHanko" not in str(pdf.docinfo.get("/Producer", ""))
        assert "/ModDate" not in pdf.docinfo or "pyHanko" not in str(pdf.docinfo["/ModDate"])
        assert b"<pdfaid:part>2</pdfaid:part>" in pdf.Root.Metadata.read_bytes()
