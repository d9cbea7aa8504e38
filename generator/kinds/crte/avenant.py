"""Avenants to a CRTE: changes to its fiches, and the avenant document in the wording of French amendments."""

from __future__ import annotations

import copy
import difflib
import re
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError

from ...amend import Change, TreeEditor, Version
from ...errors import Problems
from ...french import montant, numero_article
from ...prose import markdown_escape
from ...schema import Engagement, Prose
from ...validate import french_message, model_of
from ..common import split_article
from .compute import CRTECalcule
from .schema import Fiche

# What a changed field is called in an avenant, and how « remplacé » agrees with it.
FIELD_LABELS = {
    "intitule": ("l'intitulé", "est remplacé"),
    "description": ("la description synthétique du projet", "est remplacée"),
    "maitre_ouvrage": ("le maître d'ouvrage", "est remplacé"),
    "annee_lancement": ("l'année de lancement du projet", "est remplacée"),
    "localisation": ("la localisation principale", "est remplacée"),
    "investissement.depenses": ("les dépenses du budget d'investissement", "sont remplacées"),
    "investissement.recettes": ("les recettes du budget d'investissement", "sont remplacées"),
    "fonctionnement.depenses": ("les dépenses du budget de fonctionnement annuel induit", "sont remplacées"),
    "fonctionnement.recettes": ("les recettes du budget de fonctionnement annuel induit", "sont remplacées"),
    "echeancier.depenses.investissement": ("l'échéancier des dépenses d'investissement", "est remplacé"),
    "echeancier.depenses.fonctionnement": ("l'échéancier des dépenses de fonctionnement", "est remplacé"),
    "echeancier.recettes.investissement": ("l'échéancier des recettes d'investissement", "est remplacé"),
    "echeancier.recettes.fonctionnement": ("l'échéancier des recettes de fonctionnement", "est remplacé"),
    "financements.lignes": ("les financements recherchés", "sont remplacés"),
    "operations": ("les opérations envisagées", "sont remplacées"),
}


def _parse_numero(numero: str) -> tuple[int, int] | None:
    parts = str(numero).split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def _set_path(data: dict, dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = copy.deepcopy(value)


def field_path_problem(dotted: str) -> str | None:
    """Return why `dotted` is not a path of a fiche's fields (« echeancier.depenses.investisement »), or None."""
    model: type[BaseModel] | None = Fiche
    walked = []
    for key in dotted.split("."):
        if model is None:
            return f"« {'.'.join(walked)} » n'a pas de champ « {key} »"
        field = model.model_fields.get(key)
        if field is None:
            known = list(model.model_fields)
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f" — vouliez-vous dire « {'.'.join([*walked, close[0]])} » ?" if close else ""
            where = f"« {'.'.join(walked)} »" if walked else "la fiche"
            return f"{where} n'a pas de champ « {key} »{hint}"
        walked.append(key)
        model = model_of(field.annotation)
    return None


# The declared figures of a section of a fiche: what the source printed, no longer true once the section changes.
_DECLARED = {"investissement": ("investissement", "total_publie"), "fonctionnement": ("fonctionnement", "total_publie"),
             "echeancier": ("echeancier", "publie"), "financements": ("financements", "total_publie")}


def _fiche_in_force(axes: list, numero: str, avenant, path, problems: Problems) -> tuple[list, int] | None:
    """Return the axis's fiche list and the position of fiche `numero` in force, or None after a problem."""
    where = avenant.source.location(path + ("fiche",))
    parsed = _parse_numero(numero)
    if parsed is None or not 1 <= parsed[0] <= len(axes) or not 1 <= parsed[1] <= len(axes[parsed[0] - 1]["fiches"]):
        problems.add(where, f"avenant n° {avenant.numero} : la fiche {numero} n'existe pas à la date de l'avenant")
        return None
    fiches = axes[parsed[0] - 1]["fiches"]
    entry = fiches[parsed[1] - 1]
    if isinstance(entry, dict):
        problems.add(where, f"avenant n° {avenant.numero} : la fiche {numero} a été supprimée par l'avenant "
                            f"n° {entry.get('supprimee_par')}")
        return None
    return fiches, parsed[1] - 1


def amend(editor: TreeEditor, contrat: dict, modification, change: Change, avenant, path, problems: Problems) -> bool:
    """Apply a change to a fiche (modify, delete) or an axis (add a fiche); True when it applied.

    A deleted fiche keeps its place (and number) in its axis; an added one takes the next number of its axis,
    never a deleted one's. Once a fiche changes, the maquette the source printed is no longer the contract's:
    the consolidated version is not compared with it.
    """
    axes = contrat.get("axes", [])
    where = avenant.source.location
    if modification.axe is not None:
        if not 1 <= modification.axe <= len(axes):
            problems.add(where(path + ("axe",)), f"avenant n° {avenant.numero} : l'axe {modification.axe} n'existe "
                                                 f"pas (le contrat en compte {len(axes)})")
            return False
        source = editor.files.get(modification.ajouter_fiche)
        if source is None or not source.is_yaml:
            problems.add(where(path + ("ajouter_fiche",)), f"avenant n° {avenant.numero} : fiche introuvable : "
                                                           f"« {modification.ajouter_fiche} »")
            return False
        slug = PurePosixPath(modification.ajouter_fiche).stem
        if f"fiches/{slug}.yaml" in editor.files or any(
                isinstance(e, dict) and e.get("fiche") == slug for a in axes for e in a["fiches"]):
            problems.add(where(path + ("ajouter_fiche",)), f"avenant n° {avenant.numero} : une fiche « {slug} » "
                                                           "existe déjà dans le contrat")
            return False
        editor.add(f"fiches/{slug}.yaml", source)
        fiches = axes[modification.axe - 1]["fiches"]

        def add() -> None:
            fiches.append(slug)
            change.numero = f"{modification.axe}.{len(fiches)}"
        editor.deferred.append(add)
        change.after = slug
        contrat["maquette_publiee"] = None
        return True

    found = _fiche_in_force(axes, modification.fiche, avenant, path, problems)
    if found is None:
        return False
    fiches, position = found
    slug = fiches[position]
    change.numero = str(modification.fiche)
    rel = f"fiches/{slug}.yaml"
    change.before = copy.deepcopy(editor.files[rel].data)
    contrat["maquette_publiee"] = None
    if modification.supprimer:
        fiches[position] = {"fiche": slug, "supprimee_par": avenant.numero}
        editor.remove(rel)
        change.after = None
        return True
    wrong = [(dotted, field_path_problem(dotted)) for dotted in modification.modifier]
    for dotted, problem in wrong:
        if problem is not None:
            problems.add(avenant.source.key_location(path + ("modifier", dotted)),
                         f"avenant n° {avenant.numero} : {problem}")
    if any(problem for _, problem in wrong):
        return False
    data = editor.data(rel)
    for dotted, value in modification.modifier.items():
        _set_path(data, dotted, value)
        declared = _DECLARED.get(dotted.split(".")[0])
        if declared and isinstance(data.get(declared[0]), dict):
            data[declared[0]].pop(declared[1], None)
    try:
        Fiche.model_validate(data)
    except ValidationError as exc:
        # a value of the wrong kind is the avenant's, told at its line (the fiche's own problems are the fiche's)
        wrong_values = []
        for error in exc.errors():
            loc = ".".join(str(k) for k in error["loc"])
            dotted = next((d for d in modification.modifier if loc == d or loc.startswith(d + ".")), None)
            if dotted is not None:
                wrong_values.append(dotted)
                problems.add(avenant.source.location(path + ("modifier", dotted)),
                             f"avenant n° {avenant.numero} : {loc} : {french_message(error, Fiche)}")
        if wrong_values:
            return False
    change.after = copy.deepcopy(data)
    return True


# --- the avenant document --------------------------------------------------------------------------------------


def _show(value: Any, is_amount: bool = False) -> str:
    """Return a fiche value as an avenant prints it; `is_amount` for the cells of budgets and échéanciers."""
    if value is None:
        return "(vide)"
    if isinstance(value, dict) and "libelle" in value:  # a budget or financing line
        return f"{value.get('libelle') or 'sans libellé'} : {_show(value.get('montant'), is_amount=True)}"
    if isinstance(value, dict):  # an échéancier: year → cell
        return ", ".join(f"{k} : {_show(v, is_amount)}" for k, v in value.items()) or "(vide)"
    if isinstance(value, list):
        return " ; ".join(_show(v, is_amount) for v in value) or "(vide)"
    if is_amount and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return montant(value)
    if isinstance(value, Decimal):
        return montant(value)
    return f"« {value} »" if isinstance(value, str) else str(value)


def _get(data: dict | None, dotted: str) -> Any:
    node: Any = data
    for key in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _quote_article(text: str, numero: int | str) -> Prose:
    """Return an article's new text as an avenant quotes it: « Article N – Title », its body, then »."""
    article = split_article(Prose(text), numero, "", numbered_sections=False)
    title = f" – {markdown_escape(article.titre)}" if article.titre else ""
    return Prose(f"« **Article {numero_article(numero)}{title}**\n\n{article.corps} »")


def _fiche_by_slug(computed: CRTECalcule, slug: str):
    return next(f for f in computed.fiches if f.slug == slug)


ORDINAUX = ("premier", "deuxième", "troisième", "quatrième", "cinquième", "sixième", "septième", "huitième",
            "neuvième", "dixième", "onzième", "douzième", "treizième", "quatorzième", "quinzième", "seizième",
            "dix-septième", "dix-huitième", "dix-neuvième", "vingtième")

_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_AMOUNT = re.compile(r"-?\d{1,3}(?:[ \u00a0\u202f]\d{3})*(?:,\d+)?[ \u00a0\u202f]?(?:€|euros?)")


def alineas(text: str) -> list[str]:
    """Return the alinéas of an article's Markdown: its paragraphs and list items, headings left out."""
    found: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            current = None
            continue
        if current is None or _LIST_ITEM.match(line):
            current = [line.strip()]
            found.append(current)  # type: ignore[arg-type]
        else:
            current.append(line.strip())
    return [" ".join(lines) for lines in found]  # type: ignore[arg-type]


_CARDINAUX = {2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six", 7: "sept", 8: "huit", 9: "neuf", 10: "dix"}


def _ordinal(n: int) -> str:
    return ORDINAUX[n - 1] if n <= len(ORDINAUX) else f"{n}e"


def _where_in_article(text: str, words: str, numero: int | str) -> str:
    """Return « Au deuxième alinéa de l'article 5 », « Aux premier et troisième alinéas de l'article 5 », or
    « À l'article 5 » when the article has one alinéa (guide de légistique)."""
    all_alineas = alineas(text)
    hits = [i for i, alinea in enumerate(all_alineas, start=1) if words in alinea]
    article = f"l'article {numero_article(numero)}"
    if len(all_alineas) <= 1 or not hits:
        return f"À {article}"
    if len(hits) == 1:
        return f"Au {_ordinal(hits[0])} alinéa de {article}"
    names = [_ordinal(h) for h in hits]
    return f"Aux {', '.join(names[:-1])} et {names[-1]} alinéas de {article}"


def _replacement(old: str, new: str) -> str:
    """Return « le montant : « X » est remplacé par : « Y » », « le mot : … » or « les mots : … »; a financial
    commitment (`Engagement`) is a new amount, in words and in figures."""
    if _AMOUNT.fullmatch(old.strip()) and (isinstance(new, Engagement) or _AMOUNT.fullmatch(new.strip())):
        return f"le montant : « {old} » est remplacé par : « {new} »"
    if " " not in old.strip() and " " not in new.strip():
        return f"le mot : « {old} » est remplacé par le mot : « {new} »"
    return f"les mots : « {old} » sont remplacés par les mots : « {new} »"


def _enumerate(items: list[str]) -> list[str]:
    """Number the items of an enumeration « 1° … ; », the last one ending with a full stop."""
    numbered = []
    for n, item in enumerate(items, start=1):
        item = item.rstrip(" .;")
        numbered.append(f"{n}° {item}{'.' if n == len(items) else ' ;'}")
    return numbered


def describe(change: Change, avenant_numero: int, before: CRTECalcule, after: CRTECalcule) -> dict[str, Any]:
    """Return one article of the avenant: its sentence in the wording of the guide de légistique, and what it
    quotes (« L'article 4 est ainsi rédigé : », « L'article 7 est supprimé. »…)."""
    m = change.modification
    texte, details = None, []
    if m.apres_article is not None:
        phrase = (f"Après l'article {numero_article(m.apres_article)}, il est inséré un article "
                  f"{numero_article(change.numero)} ainsi rédigé :")
        texte = _quote_article(change.after, change.numero)
    elif m.article is not None:
        n = numero_article(change.numero)
        if m.rediger:
            phrase = f"L'article {n} est ainsi rédigé :"
            texte = _quote_article(change.after, change.numero)
        elif m.completer:
            added = change.after[len(change.before.rstrip("\n")):].strip("\n")
            count = len(alineas(added))
            phrase = (f"L'article {n} est complété par un alinéa ainsi rédigé :" if count == 1 else
                      f"L'article {n} est complété par {_CARDINAUX.get(count, str(count))} alinéas ainsi rédigés :")
            texte = Prose(f"« {added} »")
        elif m.remplacer is not None:
            phrase = f"{_where_in_article(change.before, m.remplacer, change.numero)}, " \
                     f"{_replacement(m.remplacer, m.par)}."
        else:
            phrase = f"L'article {n} est supprimé."
    elif m.partie is not None:
        r = m.representant
        qualite, civilite, nom = r.get("qualite"), r.get("civilite"), r.get("nom")
        person = f"{qualite}, {civilite} {nom}" if r.get("qualite_avant_nom") else f"{civilite} {nom}, {qualite}"
        partie = next(p for p in after.dossier.contrat.parties if p.id == m.partie)
        phrase = f"{partie.nom} est désormais représenté{'e' if partie.feminin else ''} par {person}."
    elif m.axe is not None:
        fiche = _fiche_by_slug(after, change.after)
        position = int(fiche.numero.split(".")[1])
        where = f"Après la fiche-projet {m.axe}.{position - 1}" if position > 1 else f"À l'axe {m.axe}"
        phrase = (f"{where}, il est inséré une fiche-projet {fiche.numero} « {fiche.intitule} », figurant en "
                  "annexe au présent avenant.")
    elif m.supprimer:
        phrase = f"La fiche-projet {m.fiche} est supprimée."
    else:
        phrase = f"La fiche-projet {m.fiche} est ainsi modifiée :"
        items = []
        for dotted in m.modifier:
            label, verb = FIELD_LABELS.get(dotted, (f"le champ « {dotted} »", "est remplacé"))
            old, new = _get(change.before, dotted), _get(change.after, dotted)
            is_amount = dotted.startswith(("echeancier.", "investissement.", "fonctionnement.", "financements."))
            items.append(f"{label[0].upper()}{label[1:]} : {_show(old, is_amount)} {verb} par : "
                         f"{_show(new, is_amount)}")
        old_fiche = next(f for f in before.fiches if f.numero == m.fiche)
        new_fiche = _fiche_by_slug(after, old_fiche.slug)
        old_total, new_total = old_fiche.cout_total, new_fiche.cout_total
        details = _enumerate(items)
        if old_total != new_total:
            details.append(f"Le coût total de la fiche-projet passe ainsi de {_show(old_total)} à "
                           f"{_show(new_total)}.")
    return {"phrase": phrase, "texte": texte, "details": details}


def _maquette_changed(before: CRTECalcule, after: CRTECalcule) -> bool:
    def rows(computed):
        return [(l.fiche.numero, l.fiche.libelle_maquette, tuple(zip(l.annees, l.couts)), l.cout_total)
                for l in computed.maquette.lignes]
    return rows(before) != rows(after)


def _parties_for(contrat, avenant) -> list:
    """Return the parties as this avenant names them: each empowered by its own deliberation for it."""
    return [partie.model_copy(update={"habilitation": avenant.habilitations.get(partie.id)})
            if partie.habilitation is not None else partie for partie in contrat.parties]


def avenant_context(before: CRTECalcule, after: CRTECalcule, version: Version) -> dict[str, Any]:
    """Return what the avenant template shows: parties, visas, exposé, one article per change, the new maquette."""
    avenant = version.avenant
    contrat = after.dossier.contrat
    articles = [describe(change, avenant.numero, before, after) for change in version.changes]
    maquette_changed = _maquette_changed(before, after)
    if maquette_changed:
        articles.append({"phrase": "L'annexe 3 (maquette financière) est remplacée par la maquette financière "
                                   "annexée au présent avenant.", "texte": None, "details": []})
    articles.append({"phrase": "Le présent avenant entre en vigueur à la date de sa signature. Les autres "
                               "dispositions du contrat demeurent inchangées.", "texte": None, "details": [],
                     "titre": "Entrée en vigueur"})
    for n, article in enumerate(articles, start=1):
        article["numero"] = n
        article.setdefault("titre", None)
    added = [_fiche_by_slug(after, change.after) for change in version.changes if change.modification.axe]
    previous = [(a.numero, a.avenant.date) for a in version.earlier]
    return {
        "numero": avenant.numero,
        "avenant": avenant.avenant,
        "expose": Prose(avenant.avenant.expose, source=avenant.source.rel_path),
        "contrat": contrat,
        "parties": _parties_for(contrat, avenant.avenant),
        "signature_contrat": before.dossier.contrat.signature,
        "avenants_precedents": previous,
        "articles": articles,
        "maquette": after.maquette if maquette_changed else None,
        "fiches_ajoutees": added,
        "annees": contrat.annees,
    }
