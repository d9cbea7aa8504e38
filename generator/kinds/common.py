"""Pieces shared by the kinds of contracts: parties, signature, and articles numbered by their position."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Iterable, Literal

from pydantic import AfterValidator, Field, PlainValidator, field_validator

from ..errors import Location, Problems
from ..load import SourceFile, SourceTree
from ..prose import refused_links
from ..schema import FichierProse, Model, Prose, parse_montant


class Representant(Model):
    """The person who signs for a party."""

    civilite: str
    """« Monsieur », « Madame », « M. », « Mme »."""
    nom: str
    """First name and NAME, as printed: « Louis LE FRANC »."""
    qualite: str
    """Office held: « Préfet du Pas-de-Calais », « son Président »."""
    qualite_avant_nom: bool = False
    """True when the office is written before the name (« représentée par son Président, M. Sylvain ROBERT »)."""

    @property
    def feminin(self) -> bool:
        """Whether the representative is a woman, as the title of courtesy says (« dûment habilitée »)."""
        from ..french import civilite_feminine  # babel, which it loads, only when a document is rendered

        return civilite_feminine(self.civilite)

    @property
    def fonction(self) -> str:
        """The office as a signature block prints it: « son Président » → « Le Président »."""
        from ..french import fonction_signataire

        return fonction_signataire(self.qualite, self.feminin)


class Habilitation(Model):
    """The deliberation that empowers a party's representative to sign."""

    organe: str
    """The deliberating body, with its article where the kind's wording needs it: « conseil communautaire »,
    « la Commission Permanente »."""
    date: dt.date
    """Date of the deliberation."""
    numero: str | None = None
    """Number of the deliberation, printed as is (never digit-grouped)."""


class Partie(Model):
    """A party to the contract."""

    id: str
    """Short identifier used by avenants and templates: « etat », « call »."""
    nom: str
    """Name as it opens the party's line: « L'Etat », « La Communauté d'Agglomération de Lens-Liévin »."""
    adresse: str | None = None
    """Postal address, printed after the name when given."""
    feminin: bool = False
    """True when the name is grammatically feminine (« représentée », « désignée »)."""
    sigle: str | None = None
    """Short name the contract uses afterwards: « CALL » (printed « ci-après désignée « CALL » »)."""
    representant: Representant
    """Who signs for the party."""
    habilitation: Habilitation | None = None
    """The deliberation that empowers the representative, when there is one."""
    signature: list[str] = []
    """Lines of the signature block above the name: « Le Préfet du Pas-de-Calais, »."""


class Signature(Model):
    """Place, date and number of originals of the signature (what is not known yet is left out)."""

    lieu: str | None = None
    """Town where the contract is signed."""
    date: dt.date | None = None
    """Date of signature."""
    exemplaires: int | None = Field(default=None, ge=1)
    """Number of originals."""



Format = Literal["docx", "pdf", "odt", "html", "xlsx"]


def _siret(value: str) -> str:
    """Return a SIRET number (14 digits whose Luhn sum is a multiple of 10), or raise a French ValueError."""
    digits = value.replace(" ", "")
    if not re.fullmatch(r"\d{14}", digits):
        raise ValueError(f"numéro SIRET attendu (14 chiffres), pas « {value} »")
    total = sum(int(d) if i % 2 == 0 else sum(divmod(int(d) * 2, 10)) for i, d in enumerate(reversed(digits)))
    if total % 10:
        raise ValueError(f"numéro SIRET « {value} » invalide (clé de contrôle fausse) : vérifiez-le sur "
                         "annuaire-entreprises.data.gouv.fr")
    return digits


Siret = Annotated[str, AfterValidator(_siret)]
"""A SIRET number: 14 digits, its check digit verified."""

Montant = Annotated[Decimal, PlainValidator(parse_montant)]
"""An amount in euros (never a marker)."""


class SubventionAttribuee(Model):
    """A subsidy the convention grants, published in open data (SCDL « subventions », décret n° 2017-779)."""

    attribuant: str
    """Official name of the collectivity that grants it: « Communauté d'Agglomération de Lens-Liévin »."""
    siret_attribuant: Siret
    """Its SIRET number."""
    beneficiaire: str
    """Official name of the beneficiary."""
    siret_beneficiaire: Siret
    """Its SIRET number."""
    date_convention: dt.date
    """Date of the convention that grants it."""
    reference_decision: str | None = None
    """Reference of the act deciding it (deliberation number)."""
    objet: str = Field(max_length=256)
    """What it is for (256 characters at most)."""
    montant: Montant
    """Total amount granted, in euros."""
    nature: Literal["aide en numéraire", "aide en nature", "aide en numéraire;aide en nature"] = "aide en numéraire"
    """« aide en numéraire », « aide en nature », or both."""
    conditions_versement: str = Field(default="unique", max_length=256)
    """« unique », « échelonné », or the terms in words."""
    versement: dt.date | str
    """Date of payment (2021-09-01), or its period (2021-09-01/2023-12-31)."""
    id_rae: str | None = Field(default=None, max_length=5)
    """Number of the aid in the Répertoire des aides aux entreprises, if any."""
    notification_ue: bool = False
    """Whether it is a State aid notified to the European Commission."""
    pourcentage: Decimal = Field(default=Decimal(1), ge=Decimal("0.01"), le=1)
    """Share of the amount paid to this beneficiary (1 for a single beneficiary)."""

    @field_validator("versement", mode="before")
    @classmethod
    def _period(cls, value):
        if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?", value.strip()):
            raise ValueError(f"date (AAAA-MM-JJ) ou période (AAAA-MM-JJ/AAAA-MM-JJ) attendue, pas « {value} »")
        return value


class ContratBase(Model):
    """What every `contrat.yaml` may say whatever its kind: the formats it is published in."""

    formats: list[Format] = []
    """Formats produced by default for this contract (the build's `--formats` overrides them): docx, pdf, odt,
    html, xlsx."""


class ConventionBase(ContratBase):
    """What the `contrat.yaml` of a convention between parties may also say: the subsidies it grants."""

    subventions: list[SubventionAttribuee] = []
    """Subsidies the convention grants (published by `python build.py exporter`, SCDL « subventions »)."""


@dataclass
class SousArticle:
    """A numbered sub-article (« 4.1 »)."""

    numero: str
    titre: str
    corps: Prose


@dataclass
class Article:
    """An article: its number (its position, or « 3-1 » for one an avenant inserted), title, opening prose and,
    where numbered, its sub-articles."""

    numero: int | str
    titre: str
    corps: Prose
    sous_articles: list[SousArticle]
    source_path: str
    supprime_par: int | None = None
    """Number of the avenant that deleted it: it keeps its place and number, and prints « (supprimé) »."""

    @property
    def supprime(self) -> bool:
        return self.supprime_par is not None


_HEADING = re.compile(r"^(#{1,2})[ \t]+(.+?)[ \t]*#*[ \t]*$")


def split_article(text: Prose, numero: int | str, source_path: str, *, numbered_sections: bool = True) -> Article:
    """Split an article's Markdown into its title (`#`), opening prose and sub-articles (`##`).

    With `numbered_sections`, each `##` section becomes a sub-article numbered « <article>.<position> »;
    otherwise the sections stay in the article's prose as they are written. A file without a `#` first
    heading is an article whose title is unknown.
    """
    title = ""
    body: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else _HEADING.match(line)
        if match and len(match.group(1)) == 1 and not title and not sections and not "".join(body).strip():
            title = match.group(2)
        elif match and len(match.group(1)) == 2 and numbered_sections:
            sections.append((match.group(2), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            body.append(line)
    subs = [SousArticle(f"{numero}.{i}", t, Prose("\n".join(lines).strip("\n"), source=source_path))
            for i, (t, lines) in enumerate(sections, start=1)]
    return Article(numero, title, Prose("\n".join(body).strip("\n"), source=source_path), subs, source_path)


def read_prose(tree: SourceTree, contrat_source: SourceFile, refs: Iterable[tuple[tuple, str]],
               problems: Problems) -> dict[str, Prose]:
    """Return the Markdown files that contrat.yaml names (YAML path → file), each missing one a problem."""
    prose: dict[str, Prose] = {}
    for path, rel in refs:
        source = tree.get(rel)
        if source is None or not rel.endswith(".md"):
            problems.add(contrat_source.location(path), f"fichier Markdown introuvable : « {rel} »")
            continue
        prose[rel] = Prose(source.text, source=rel)
        check_markdown(source, problems)
    return prose


def check_markdown(source: SourceFile, problems: Problems) -> None:
    """Refuse the links to anything else than http(s), mailto, tel and the document's anchors; warn about
    emphasis markers left open in a line: they would print as literal « ** »."""
    text = source.text
    for line, reason in refused_links(text):
        problems.add(Location(source.display_path, line), reason)
    if "**" not in text and "\\*" not in text:  # no line can hold an odd number of « ** »
        return
    in_code = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.replace("\\*", "").count("**") % 2:
            problems.add(Location(source.display_path, number),
                         "marqueur de gras « ** » sans son pendant sur cette ligne : il s'imprimerait tel quel",
                         is_warning=True)


@dataclass
class Dossier:
    """A validated contrat.yaml and the Markdown files it names."""

    tree: SourceTree
    contrat: Model
    contrat_source: SourceFile
    prose: dict[str, Prose]


def read_dossier(tree: SourceTree, problems: Problems, schema: type[Model]) -> Dossier | None:
    """Validate contrat.yaml as `schema`, read the Markdown files its fields name (`schema.FichierMarkdown`),
    check the keys it refers to (`schema.CleDe`) and the references of its prose to its articles
    (`schema.FichierArticle`); return None after adding every problem found.

    Every mistake is named at once: the files, keys and articles are taken from the data as read, so a
    contrat.yaml that breaks its schema (a missing field, an impossible date) still has its prose files, its
    links and its references checked in the same build.
    """
    from ..validate import check_keys, iter_marked, validate_source
    from ..verify import check_references

    contrat_source = tree.get("contrat.yaml")
    contrat = validate_source(contrat_source, schema, problems)
    named = [] if contrat_source.is_unreadable else list(iter_marked(schema, contrat_source.data, FichierProse))
    prose = read_prose(tree, contrat_source, [(path, rel) for path, rel, _ in named], problems)
    check_keys(contrat_source, schema, problems)
    positions = [path[-1] for path, _, marker in named if marker.numbers_articles]
    if positions:  # numbered by their position in their list, without numbered sections
        check_references({rel: tree.get(rel) for rel in prose}, {n: 0 for n in range(1, max(positions) + 2)},
                         None, problems)
    if contrat is None or problems.errors:
        return None
    return Dossier(tree, contrat, contrat_source, prose)


def no_declared_figures(computed, problems: Problems) -> None:
    """Verify hook of a kind that prints no figure the engine computes."""
