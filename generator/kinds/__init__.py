"""Document kinds: each is declared once (schema, templates, hooks) and the pipeline stages stay unchanged.

A kind is a package `generator/kinds/<name>/` whose `KIND` object says how to read its content folder into
validated models, what to compute, which declared figures to verify, and which templates render it.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import Problems
from ..load import SourceTree


@dataclass(frozen=True)
class Kind:
    """A kind of document: how to read, compute, verify and render it."""

    name: str
    """The value of `type:` in a contract's `contrat.yaml`."""
    label: str
    """French name of the kind, for messages: « contrat de relance et de transition écologique »."""
    read: Callable[[SourceTree, Problems], Any]
    """Validate a loaded contract folder into the kind's models (None when invalid, problems added)."""
    compute: Callable[[Any], Any]
    """Return the computed document (numbers, totals, derived tables) from the validated models."""
    verify: Callable[[Any, Any, Problems], None]
    """Add a problem for every declared figure that disagrees with the computed document."""
    context: Callable[[Any], dict[str, Any]]
    """Return the template context of the computed document."""
    templates: dict[str, str]
    """Output file name (without suffix) → docx template path, relative to the templates folder."""
    amend: Callable[..., bool] | None = None
    """Apply a change of an avenant that targets the kind's own content (a CRTE's fiches), see `amend.py`."""
    avenant_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What an avenant may change in the kind: target (« article », « apres_article », « fiche », « axe »,
    « partie ») → action (« rediger », « supprimer »…) → the model its value must follow, or None. The amend
    stage reads it: a target or action the kind does not declare is refused, with the avenant's line. Articles
    and parties are amended the same way for every kind; the kind's own targets go to `amend`."""
    references: Callable[[Any], dict[str, Any]] | None = None
    """Return the numbers in force of a computed document, as `verify.check_references` takes them (`articles`,
    `fiches`, `deleted_articles`, `deleted_fiches`): an avenant's own text is checked with those of its date."""
    avenant_context: Callable[[Any, Any, Any], dict[str, Any]] | None = None
    """Return the context of the avenant document from the previous and the amended computed documents."""
    avenant_templates: dict[str, str] = field(default_factory=dict)
    """Output name → template of the documents of an avenant (the avenant itself)."""
    workbook: Callable[[Any], dict[str, Any]] | None = None
    """Return the kind's spreadsheets, output name → `render_xlsx.Workbook` (title and sheets): a CRTE's maquette."""
    html_templates: dict[str, str] = field(default_factory=dict)
    """Output file name → Jinja HTML template, relative to the templates folder."""
    anchors: Callable[[Any], dict[str, str]] | None = None
    """Return, for the preview, the id of the HTML element each content file is about (path → id)."""

    def __post_init__(self):
        own = set(self.avenant_changes) - {"article", "apres_article", "partie"}
        if own and self.amend is None:
            raise ValueError(f"kind {self.name}: avenants may change {', '.join(sorted(own))}, which needs `amend`")
        # A build tells whether a contract is unchanged from the files of `templates/<kind>/`, without
        # importing the kinds: a kind's templates must live there.
        for path in [*self.templates.values(), *self.avenant_templates.values(), *self.html_templates.values()]:
            if not path.startswith(f"{self.name}/"):
                raise ValueError(f"kind {self.name}: template {path} must be in the folder {self.name}/")


def iter_kinds():
    """Yield every declared kind: the `KIND` of each package of this folder (adding a kind is adding one)."""
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.ispkg:
            kind = getattr(importlib.import_module(f"{__name__}.{module.name}"), "KIND", None)
            if isinstance(kind, Kind):
                yield kind


def kind_names() -> list[str]:
    return [kind.name for kind in iter_kinds()]


def get_kind(name: str) -> Kind | None:
    """Return the declared kind whose `name` is `name`, or None when there is none."""
    # The package named after the kind first (`accord-cadre` → `accord_cadre`): a build of one kind's contracts
    # does not import the others.
    package = name.replace("-", "_")
    if package.isidentifier() and any(m.name == package and m.ispkg for m in pkgutil.iter_modules(__path__)):
        kind = getattr(importlib.import_module(f"{__name__}.{package}"), "KIND", None)
        if isinstance(kind, Kind) and kind.name == name:
            return kind
    return next((kind for kind in iter_kinds() if kind.name == name), None)
