"""The CRTE kind: contrat de relance et de transition écologique, with its fiches-projet and maquette."""

from __future__ import annotations

from .. import Kind
from .avenant import amend, avenant_context
from .compute import compute
from .context import context
from .read import read
from .verify import verify
from .workbook import workbook

KIND = Kind(
    name="crte",
    label="contrat de relance et de transition écologique",
    read=read,
    compute=compute,
    verify=verify,
    context=context,
    templates={"contrat": "crte/contrat.docx", "annexes": "crte/annexes.docx"},
    amend=amend,
    avenant_context=avenant_context,
    avenant_templates={"avenant": "crte/avenant.docx"},
    workbook=workbook,
    html_templates={"contrat": "crte/contrat.html"},
)
