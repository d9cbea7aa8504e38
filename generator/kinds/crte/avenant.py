"""Avenants to a CRTE: changes to its fiches, and the avenant document in the wording of French amendments."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from ...amend import Change, TreeEditor, Version
from ...errors import Problems
from ...french import montant, numero_article
from ...prose import markdown_escape
from ...schema import Prose
from ..common import split_article
from .compute import CRTECalcule

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
    parts = numero.split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def _set_path(data: dict, dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = copy.deepcopy(value)


def amend(editor: TreeEditor, contrat: dict, modification, change: Change, avenant, path, problems: Problems) -> bool:
    """Apply a change to a fiche (modify, delete) or an axis (add a fiche); True when it applied."""
    axes = contrat.get("axes", [])
    where = avenant.source.location
    if modification.axe is not None:
        if not 1 <= modification.axe <= len(axes):
            problems.add(where(path + ("axe",)), f"avenant n° {avenant.numero} : l'axe {modification.axe} n'existe "
                                                 f"pas (le contrat en compte {len(axes)})")
            return False
        source = editor.files.get(modification.ajouter_fiche)
        if source is None or not source.is_yaml:
            problems.add(where(path + ("ajouter_fiche",)), f"fiche introuvable : « {modification.ajouter_fiche} »")
            return False
        slug = PurePosixPath(modification.ajouter_fiche).stem
        if f"fiches/{slug}.yaml" in editor.files:
            problems.add(where(path + ("ajouter_fiche",)), f"une fiche « {slug} » existe déjà dans le contrat")
            return False
        editor.add(f"fiches/{slug}.yaml", source)
        editor.deferred.append(lambda: axes[modification.axe - 1]["fiches"].append(slug))
        change.after = slug
        return True

    parsed = _parse_numero(modification.fiche)
    if parsed is None or not 1 <= parsed[0] <= len(axes) or not 1 <= parsed[1] <= len(axes[parsed[0] - 1]["fiches"]):
        problems.add(where(path + ("fiche",)), f"avenant n° {avenant.numero} : la fiche {modification.fiche} "
                                               "n'existe pas")
        return False
    fiches = axes[parsed[0] - 1]["fiches"]
    slug = fiches[parsed[1] - 1]
    rel = f"fiches/{slug}.yaml"
    change.before = copy.deepcopy(editor.files[rel].data)
    if modification.supprimer:
        editor.deferred.append(lambda: (fiches.remove(slug), editor.remove(rel)))
        change.after = None
        return True
    data = editor.data(rel)
    for dotted, value in modification.modifier.items():
        _set_path(data, dotted, value)
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


def _quote_article(text: str, numero: int) -> Prose:
    """Return an article's new text as an avenant quotes it: « Article N – Title », its body, then »."""
    article = split_article(Prose(text), numero, "", numbered_sections=False)
    title = f" – {markdown_escape(article.titre)}" if article.titre else ""
    return Prose(f"« **Article {numero_article(numero)}{title}**\n\n{article.corps} »")


def _fiche_by_slug(computed: CRTECalcule, slug: str):
    return next(f for f in computed.fiches if f.slug == slug)


def describe(change: Change, avenant_numero: int, before: CRTECalcule, after: CRTECalcule) -> dict[str, Any]:
    """Return one article of the avenant: its sentence in the wording of amendments, and what it quotes."""
    m = change.modification
    texte, details = None, []
    if m.article is not None:
        n = numero_article(m.article)
        if m.rediger:
            phrase = f"L'article {n} du contrat est ainsi rédigé :"
            texte = _quote_article(change.after, m.article)
        elif m.completer:
            phrase = f"L'article {n} du contrat est complété par les dispositions suivantes :"
            texte = Prose(change.after[len(change.before.rstrip("\n")):].strip("\n"))
        elif m.remplacer is not None:
            phrase = (f"À l'article {n} du contrat, les mots « {m.remplacer} » sont remplacés par les mots "
                      f"« {m.par} ».")
        else:
            phrase = f"L'article {n} du contrat est supprimé."
    elif m.partie is not None:
        r = m.representant
        person = f"{r.qualite}, {r.civilite} {r.nom}" if r.qualite_avant_nom else f"{r.civilite} {r.nom}, {r.qualite}"
        phrase = f"Dans le contrat, {change.target_label} est désormais représentée par {person}."
    elif m.axe is not None:
        fiche = _fiche_by_slug(after, change.after)
        phrase = (f"Une fiche-projet n° {fiche.numero} « {fiche.intitule} » est ajoutée à l'axe {m.axe} "
                  f"({fiche.axe.code}) de l'annexe 2 du contrat ; elle figure en annexe du présent avenant.")
    else:
        intitule = change.before.get("intitule", "")
        if m.supprimer:
            phrase = f"La fiche-projet n° {m.fiche} « {intitule} » est supprimée de l'annexe 2 du contrat."
        else:
            phrase = f"La fiche-projet n° {m.fiche} « {intitule} » de l'annexe 2 du contrat est modifiée comme suit :"
            for dotted in m.modifier:
                label, verb = FIELD_LABELS.get(dotted, (f"le champ « {dotted} »", "est remplacé"))
                old, new = _get(change.before, dotted), _get(change.after, dotted)
                is_amount = dotted.startswith(("echeancier.", "investissement.", "fonctionnement.", "financements."))
                shown_old, shown_new = _show(old, is_amount), _show(new, is_amount)
                details.append(f"{label[0].upper()}{label[1:]} ({shown_old}) {verb} par : {shown_new}.")
            old_fiche = next(f for f in before.fiches if f.numero == m.fiche)
            new_fiche = _fiche_by_slug(after, old_fiche.slug)
            old_total, new_total = old_fiche.echeancier and old_fiche.echeancier.depenses.total, \
                new_fiche.echeancier and new_fiche.echeancier.depenses.total
            if old_total != new_total:
                details.append(f"Le coût total de la fiche passe ainsi de {_show(old_total)} à {_show(new_total)}.")
    return {"phrase": phrase, "texte": texte, "details": details}


def _maquette_changed(before: CRTECalcule, after: CRTECalcule) -> bool:
    def rows(computed):
        return [(l.fiche.slug, tuple(zip(l.annees, l.couts)), l.cout_total) for l in computed.maquette.lignes]
    return rows(before) != rows(after)


def avenant_context(before: CRTECalcule, after: CRTECalcule, version: Version) -> dict[str, Any]:
    """Return what the avenant template shows: parties, visas, exposé, one article per change, the new maquette."""
    avenant = version.avenant
    contrat = after.dossier.contrat
    articles = [describe(change, avenant.numero, before, after) for change in version.changes]
    maquette_changed = _maquette_changed(before, after)
    if maquette_changed:
        articles.append({"phrase": "L'annexe 3 du contrat (maquette financière) est remplacée par la maquette "
                                   "financière annexée au présent avenant.", "texte": None, "details": []})
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
        "parties": contrat.parties,
        "signature_contrat": contrat.signature,
        "avenants_precedents": previous,
        "articles": articles,
        "maquette": after.maquette if maquette_changed else None,
        "fiches_ajoutees": added,
        "annees": contrat.annees,
    }

