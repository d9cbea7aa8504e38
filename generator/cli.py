"""The command line of Paraphe (in French: its users are legal officers and communications staff)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from . import FORMATS, TEMPLATES_DIR
from .cli_french import FrenchGroup, Integer, IntegerRange, NumberRange, argument, no_break_spaces, option
from .cli_french import install as install_french
from .errors import Location, display_path
from .pipeline import build_report, check_avenants, contract_roots, read_and_compute
from .scaffold import ScaffoldError, create, create_avenant, find_markers
from .write import ContractNameError

install_french()  # before the commands are declared: click names its path types when they are built
CONTEXT = {"help_option_names": ["-h", "--aide", "--help"]}


class FormatList(click.ParamType):
    """The formats to produce, separated by commas: « docx,pdf »."""

    name = "liste de formats"

    def get_metavar(self, param, ctx) -> str:
        return "LISTE"

    def convert(self, value, param, ctx) -> tuple[str, ...] | None:
        if isinstance(value, tuple):
            return value
        wanted = tuple(f.strip() for f in value.split(",") if f.strip())
        unknown = [f for f in wanted if f not in FORMATS]
        if unknown:
            self.fail(no_break_spaces(f"format(s) inconnu(s) : {', '.join(unknown)} "
                                      f"(possibles : {', '.join(FORMATS)})"), param, ctx)
        return wanted or None


_DEFAULTS: dict[str, object] = {}
"""The value of each shared setting that no option gave (what `--aide` says after « par défaut »)."""


def _remember(ctx: click.Context, param: click.Parameter, value):
    """Keep an option's value in the settings of the run, shared by the group and its sub-command: typed after
    the sub-command, it overrides the one typed before.

    Click passes None (False for a flag) when the option was not typed; the settings start from `_DEFAULTS` and
    only a typed value replaces one. (Asking click for the parameter's source is not enough: click 8.4 records it
    only after this callback has run.)"""
    settings = ctx.find_root().ensure_object(dict)
    if not settings:
        settings.update(_DEFAULTS)
    if value is not None and value is not False:
        settings[param.name] = value
    return value


def _setting(flag: str, name: str, *, default=None, **attrs):
    """Declare the shared setting `name`, typed `flag`: its default is kept in `_DEFAULTS`, click sees none."""
    _DEFAULTS[name] = False if attrs.get("is_flag") else default
    return option(flag, name, expose_value=False, callback=_remember, **attrs)


_SETTINGS = {
    "--contenu": _setting("--contenu", "content_dir", type=click.Path(path_type=Path, file_okay=False),
                          default=Path("content"), metavar="DOSSIER",
                          help="Dossier des contrats, un sous-dossier par contrat (par défaut : content)."),
    "--sortie": _setting("--sortie", "output_dir", type=click.Path(path_type=Path, file_okay=False),
                         default=Path("output"), metavar="DOSSIER",
                         help="Dossier où écrire les documents produits (par défaut : output)."),
    "--force": _setting("--force", "force", is_flag=True,
                        help="Reconstruit même les contrats inchangés et écrase les documents modifiés à la main "
                             "depuis la dernière construction (sans cette option, chacun est d'abord conservé sous "
                             "un autre nom : contrat.modifie-DATE.docx)."),
    "--tout": _setting("--tout", "rebuild", is_flag=True,
                       help="Reconstruit aussi les contrats inchangés depuis la dernière construction."),
    "--travailleurs": _setting("--travailleurs", "workers", type=Integer(), default=None, metavar="N",
                               help="Nombre de processus de construction (par défaut : un par cœur)."),
    "--cluster": _setting("--cluster", "cluster", default=None, metavar="ADRESSE",
                          help="Construit sur une grappe Dask distribuée : adresse de son ordonnanceur "
                               "(tcp://hôte:8786)."),
    "--delai-connexion": _setting("--delai-connexion", "connect_timeout", type=NumberRange(min=0.1), default=10.0,
                                  metavar="SECONDES",
                                  help="Avec --cluster : délai pour joindre l'ordonnanceur (par défaut : 10)."),
    "--delai-tache": _setting("--delai-tache", "task_timeout", type=NumberRange(min=0.1), default=None,
                              metavar="SECONDES",
                              help="Délai sans qu'aucun contrat ne revienne des travailleurs après lequel les "
                                   "contrats restants échouent (par défaut : 300 avec --cluster, aucun sinon)."),
    "--formats": _setting("--formats", "formats", type=FormatList(), default=None,
                          help="Formats à produire, séparés par des virgules : docx, pdf (PDF/A-2b), odt, html, "
                               "xlsx (par défaut : ceux du contrat, sinon docx)."),
    "--strict": _setting("--strict", "strict", is_flag=True,
                         help="Traite les avertissements (chiffres imprimés en désaccord avec le calcul, caractères "
                              "supprimés…) comme des erreurs : le contrat qui en a échoue ; les contrats "
                              "inchangés sont vérifiés à nouveau."),
}
_BUILD = ("--contenu", "--sortie", "--force", "--tout", "--travailleurs", "--cluster", "--delai-connexion",
          "--delai-tache", "--formats", "--strict")
"""The options of a command that builds: the same before the sub-command (`python build.py --formats pdf
construire`) and after it (`python build.py construire --formats pdf`)."""


def settings(*names: str):
    """Decorate a command with the shared options `names` (see `_SETTINGS`)."""

    def decorate(command):
        for name in reversed(names):
            command = _SETTINGS[name](command)
        return command

    return decorate


def _echo_problems(problems, *, err: bool = True) -> None:
    for problem in problems:
        click.echo(f"  {problem}", err=err)


@click.group(cls=FrenchGroup, invoke_without_command=True, context_settings=CONTEXT)
@settings(*_BUILD)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Sans commande, produit les documents de tous les contrats du dossier de contenu qui ont changé depuis la
    dernière construction, comme « construire ».

    Les options ci-dessous s'écrivent avant la commande ou après elle ; chaque commande liste les siennes
    (python build.py COMMANDE --aide).

    \b
    Exemples :
      python build.py                              produit les contrats modifiés dans output/
      python build.py verifier crte-lens-lievin    compare les chiffres imprimés aux chiffres calculés
      python build.py relire crte-lens-lievin retour.docx [--appliquer]
                                                   relit un document renvoyé ; --appliquer écrit dans content/
      python build.py construire crte-lens-lievin --formats docx,pdf,odt,html,xlsx
                                                   produit aussi le PDF/A, l'ODT, la page web, le tableur
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(construire)


@main.command("construire", context_settings=CONTEXT, short_help="Produit les documents des contrats nommés.")
@argument("slugs", nargs=-1, metavar="[DOSSIERS]...")
@settings(*_BUILD)
@click.pass_context
def construire(ctx: click.Context, slugs: tuple[str, ...] = ()) -> None:
    """Produit les documents des contrats nommés (tous par défaut), sauf ceux qui n'ont pas changé depuis la
    dernière construction (--tout, --force et --strict les reconstruisent aussi).

    \b
    Exemples :
      python build.py construire crte-lens-lievin
      python build.py construire crte-lens-lievin --formats docx,pdf
    """
    _build(ctx, _roots(ctx, slugs))


@main.command("avenant", context_settings=CONTEXT,
              short_help="Produit les documents d'un avenant, ou prépare le suivant.")
@argument("slug", metavar="DOSSIER")
@argument("numero", metavar="NUMÉRO")
@settings(*_BUILD)
@click.pass_context
def avenant(ctx: click.Context, slug: str, numero: str) -> None:
    """Produit les quatre documents d'un avenant : l'avenant, le contrat consolidé, la version comparée
    (modifications suivies de Word) et les annexes mises à jour. « avenant nouveau DOSSIER » prépare l'avenant
    suivant du contrat, ce qui reste à écrire marqué « [À COMPLÉTER] ».

    \b
    Exemples :
      python build.py avenant crte-lens-lievin 1
      python build.py avenant nouveau crte-lens-lievin
    """
    if slug == "nouveau":
        _new_avenant(ctx, numero)
        return
    if not numero.isdigit():
        raise click.BadParameter(no_break_spaces(f"« {numero} » n'est pas un numéro d'avenant "
                                                 "(un nombre : 1, 2…)"),
                                 param_hint=no_break_spaces("« NUMÉRO »"))
    _build(ctx, _roots(ctx, (slug,)), avenant=int(numero))


@main.command("relire", context_settings=CONTEXT, short_help="Relit un document Word renvoyé par un partenaire.")
@argument("slug", metavar="DOSSIER")
@argument("returned", metavar="RETOUR.docx", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@option("--appliquer", "apply_changes", is_flag=True,
              help="Écrit dans content/ les modifications applicables, puis reconstruit le contrat (sans cette "
                   "option, rien n'est écrit dans content/).")
@settings(*_BUILD)
@click.pass_context
def relire(ctx: click.Context, slug: str, returned: Path, apply_changes: bool) -> None:
    """Relit un document Word renvoyé par un partenaire : chaque modification (suivie ou non) et chaque
    commentaire, à sa source (fichier, ligne, champ ou paragraphe), avec l'auteur et la date. Écrit aussi une
    page web du rapport dans le dossier de sortie du contrat. Le contenu (content/) n'est modifié qu'avec
    --appliquer ; les changements non applicables (chiffres calculés, texte du modèle, source modifiée depuis
    l'envoi) sont listés, jamais ignorés.

    \b
    Exemples :
      python build.py relire crte-lens-lievin retour-region.docx
      python build.py relire crte-lens-lievin retour-region.docx --appliquer
    """
    from .review import ReviewError, apply, describe_finding, report_html, review_returned

    root = _contract_root(ctx, slug)
    try:
        review = review_returned(root, returned, ctx.obj["output_dir"], TEMPLATES_DIR)
    except ReviewError as exc:
        click.echo(f"relire : {exc}", err=True)
        sys.exit(2)
    click.echo(f"{display_path(returned)} : document « {review.document_name} » de {slug}, "
               f"{len(review.findings)} modification(s) et commentaire(s)")
    if review.sources_changed:
        click.echo("attention : les sources ont changé depuis l'envoi de ce document")
    for finding in review.findings:
        for line in describe_finding(finding):
            click.echo(f"  {line}")
    if apply_changes:
        applied, refused = apply(review, root)
        click.echo(f"appliqué(es) dans {display_path(root)} : {len(applied)} ; refusé(es) : {len(refused)}")
        for finding in refused:
            click.echo(f"  {finding.source.describe()} : {finding.conflict}")
    page = ctx.obj["output_dir"] / slug / f"relecture-{returned.stem}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(report_html(review, slug), encoding="utf-8")
    click.echo(f"rapport : {display_path(page)}")
    if apply_changes and applied:
        _build(ctx, [root])


def _new_avenant(ctx: click.Context, slug: str) -> None:
    """Create the next avenant of a contract from its kind's declaration of what an avenant may change."""
    import yaml

    from .kinds import get_kind

    root = _contract_root(ctx, slug)
    kind = get_kind(str((yaml.safe_load((root / "contrat.yaml").read_text(encoding="utf-8")) or {}).get("type")))
    if kind is None or not kind.avenant_changes:
        click.echo("avenant nouveau : ce type de document n'a pas d'avenant", err=True)
        sys.exit(2)
    try:
        dest = create_avenant(root, kind.avenant_changes)
    except ScaffoldError as exc:
        click.echo(f"avenant nouveau : {exc}", err=True)
        sys.exit(2)
    click.echo(f"créé : {display_path(dest)}")
    click.echo(f"ensuite : complétez les mentions « [À COMPLÉTER] », puis « python build.py verifier {slug} ».")


def _roots(ctx: click.Context, slugs) -> list[Path]:
    """Return the folders of the contracts named on the command line; exit 2 when a name is not a contract's."""
    try:
        return contract_roots(ctx.obj["content_dir"], list(slugs))
    except ContractNameError as exc:
        click.echo(f"{exc} ; donnez le nom d'un dossier de {display_path(ctx.obj['content_dir'])}", err=True)
        sys.exit(2)


def _executor(ctx: click.Context, count: int):
    """Return the executor of the batch: a Dask cluster's, a process pool, or None (in this process)."""
    cluster = ctx.obj.get("cluster")
    if cluster:
        from .batch import CONNECT_TIMEOUT, dask_executor

        return dask_executor(cluster, ctx.obj.get("connect_timeout") or CONNECT_TIMEOUT)
    workers = ctx.obj.get("workers") or os.cpu_count() or 1
    if workers <= 1 or count <= 1:
        return None
    from .batch import process_pool  # multiprocessing's import: only for a batch of several contracts

    return process_pool(min(workers, count))


def _build(ctx: click.Context, roots: list[Path], avenant: int | None = None) -> None:
    content_dir, output_dir = ctx.obj["content_dir"], ctx.obj["output_dir"]
    missing = [r for r in roots if not (r / "contrat.yaml").is_file()]
    if missing or not roots:
        for root in missing:
            click.echo(f"{Location(display_path(root))} : aucun contrat.yaml dans ce dossier", err=True)
        if not roots:
            click.echo(f"aucun contrat dans {display_path(content_dir)}", err=True)
        sys.exit(2)
    started = time.perf_counter()
    executors = []

    def executor_for(count: int):
        executor = _executor(ctx, count)
        if executor is not None:
            executors.append(executor)
        return executor

    show_progress = len(roots) > 1 and sys.stderr.isatty()
    task_timeout = ctx.obj.get("task_timeout")
    cluster_errors: tuple = ()
    if ctx.obj.get("cluster"):
        from .batch import TASK_TIMEOUT, ClusterUnavailable

        cluster_errors = (ClusterUnavailable,)
        task_timeout = task_timeout or TASK_TIMEOUT

    def on_wait(folder: Path) -> None:
        click.echo(f"une autre construction écrit dans {display_path(folder)} : attente de sa fin…", err=True)

    with click.progressbar(length=len(roots), label="Construction", file=sys.stderr,
                           hidden=not show_progress) as bar:
        try:
            report = build_report(roots, output_dir, force=ctx.obj.get("force", False), avenant=avenant,
                                  formats=ctx.obj.get("formats"), rebuild=ctx.obj.get("rebuild", False),
                                  executor_for=executor_for, on_progress=lambda result: bar.update(1),
                                  on_wait=on_wait, task_timeout=task_timeout, strict=ctx.obj.get("strict", False))
        except cluster_errors as exc:
            click.echo(f"--cluster : {exc} ; rien n'a été écrit", err=True)
            sys.exit(2)
        finally:
            for executor in executors:
                executor.shutdown(wait=task_timeout is None, cancel_futures=True)
    _echo_problems(report.warnings)
    for dest, kept in report.kept_aside:
        click.echo(f"{display_path(dest)} avait été modifié à la main : conservé sous {display_path(kept)}",
                   err=True)
    if len(roots) <= 20:
        for path in report.written:
            click.echo(f"écrit : {display_path(path)}")
    for slug, problems in report.failed.items():
        what = ("le contrat et ses avenants valides ont été écrits" if slug in report.partly_written
                else "rien n'a été écrit pour ce contrat")
        click.echo(f"{slug} : {len(problems)} problème(s), {what} :", err=True)
        _echo_problems(problems)
    elapsed = time.perf_counter() - started
    from .french import nombre  # here: a build that finds nothing to do loads no formatting

    click.echo(f"{len(report.built)} contrat(s) construit(s), {len(report.unchanged)} inchangé(s), "
               f"{len(report.failed)} en échec ; {len(report.written)} fichier(s) écrit(s) en "
               f"{nombre(round(elapsed, 1), 1)} s", err=True)
    if report.failed:
        sys.exit(1)


@main.command("verifier", context_settings=CONTEXT,
              short_help="Compare les chiffres imprimés aux chiffres calculés, sans rien écrire.")
@argument("slugs", nargs=-1, metavar="[DOSSIERS]...")
@settings("--contenu")
@click.pass_context
def verifier(ctx: click.Context, slugs: tuple[str, ...] = ()) -> None:
    """Vérifie le contenu des contrats nommés (tous par défaut) et de leurs avenants, sans rien écrire.

    Liste les erreurs du contenu, chaque chiffre imprimé (déclaré) en désaccord avec le chiffre calculé, chaque
    renvoi vers un article ou une fiche absents et chaque mention « [À COMPLÉTER] » restante ; compte aussi les
    montants pas encore connus. Sort avec le code 1 s'il y a une erreur, un désaccord ou une mention à
    compléter, 0 sinon.

    \b
    Exemple :
      python build.py verifier crte-lens-lievin
    """
    from .verify import unknown_amounts  # here: a build of unchanged contracts loads no schema nor formatting

    status = 0
    for root in _roots(ctx, slugs):
        if not (root / "contrat.yaml").is_file():
            click.echo(f"{Location(display_path(root))} : aucun contrat.yaml dans ce dossier")
            status = 1
            continue
        prepared = read_and_compute(root)
        problems, findings, markers = prepared.problems, prepared.findings, prepared.markers
        avenant_problems, avenant_findings = check_avenants(prepared)  # each avenant in order, as a build
        problems.extend(avenant_problems)
        findings.extend(avenant_findings)
        markers.extend(find_markers(prepared.tree, only=lambda rel: rel.startswith("avenants/"))
                       if prepared.tree is not None else [])
        unknown = unknown_amounts(prepared.tree)
        if unknown:
            click.echo(f"{root.name} : {len(unknown)} montant(s) pas encore connu(s), comptés dans aucun total :")
            _echo_problems(unknown, err=False)
        if not problems.errors and not findings and not markers:
            click.echo(f"{root.name} : aucun problème, les chiffres déclarés concordent avec le calcul.")
            _echo_problems(problems.warnings, err=False)
            continue
        status = 1
        if problems.errors:
            click.echo(f"{root.name} : {len(problems.errors)} erreur(s) dans le contenu :")
            _echo_problems(problems.errors, err=False)
        if problems.warnings:
            _echo_problems(problems.warnings, err=False)
        if findings:
            click.echo(f"{root.name} : {len(findings)} désaccord(s) entre ce qui est écrit et ce qui est calculé "
                       "(chiffres imprimés, renvois) :")
            _echo_problems(findings, err=False)
        if markers:
            click.echo(f"{root.name} : {len(markers)} mention(s) « [À COMPLÉTER] » restent à écrire :")
            _echo_problems(markers, err=False)
    sys.exit(status)


@main.command("nouveau", context_settings=CONTEXT,
              short_help="Crée le dossier d'un nouveau contrat à partir d'un modèle.")
@argument("type_document", metavar="TYPE")
@argument("slug", metavar="DOSSIER")
@settings("--contenu")
@click.pass_context
def nouveau(ctx: click.Context, type_document: str, slug: str) -> None:
    """Crée le dossier d'un nouveau contrat à partir du modèle d'un type de document, sans rien construire.

    TYPE : crte, accord-cadre, annexe-aap, programme-travail ou communique. Le dossier DOSSIER du dossier de
    contenu (content/ par défaut) reçoit tous les champs du modèle, commentés en français ; ce qui reste à écrire
    porte la mention « [À COMPLÉTER] ». Un dossier existant n'est jamais écrasé. Ensuite, « verifier » liste les
    mentions restantes et « construire » produit le document, marqué « PROJET » tant qu'il en reste.

    \b
    Exemples :
      python build.py nouveau crte mon-territoire
      python build.py verifier mon-territoire
      python build.py construire mon-territoire
    """
    try:
        dest = create(type_document, slug, ctx.obj["content_dir"], TEMPLATES_DIR)
    except ScaffoldError as exc:
        click.echo(f"nouveau : {exc}", err=True)
        sys.exit(2)
    click.echo(f"créé : {display_path(dest)}")
    click.echo(f"ensuite : complétez les mentions « [À COMPLÉTER] » (« python build.py verifier {slug} » les "
               f"liste) ; « python build.py construire {slug} » produit le document, marqué « PROJET » tant qu'il "
               "en reste.")


@main.command("apercu", context_settings=CONTEXT,
              short_help="Affiche le contrat dans le navigateur, à jour à chaque enregistrement.")
@argument("slug", metavar="DOSSIER")
@option("--port", type=IntegerRange(0, 65535), default=8000,
        help="Port local (par défaut : 8000 ; 0 : un port libre).")
@settings("--contenu")
@click.pass_context
def apercu(ctx: click.Context, slug: str, port: int) -> None:
    """Affiche le contrat dans le navigateur, mis à jour à chaque enregistrement d'un fichier.

    Le serveur n'écoute que cette machine (http://127.0.0.1 ou http://localhost) ; les constats du
    vérificateur s'affichent à côté de l'article ou de la fiche qu'ils concernent. Ctrl+C l'arrête.

    \b
    Exemple :
      python build.py apercu crte-lens-lievin
      puis ouvrir http://127.0.0.1:8000/
    """
    from .preview import PortInUse, serve

    root = _contract_root(ctx, slug)
    try:
        serve(root, port, on_ready=lambda url: click.echo(f"Aperçu de {slug} : {url} (Ctrl+C pour arrêter)",
                                                          nl=True) or sys.stdout.flush())
    except PortInUse as exc:
        click.echo(f"apercu : {exc}", err=True)
        sys.exit(2)


@main.command("transmettre", context_settings=CONTEXT,
              short_help="Prépare la transmission de l'acte au contrôle de légalité (@ctes).")
@argument("slug", metavar="DOSSIER")
@option("--avenant", "numero", type=Integer(), default=None, metavar="N",
        help="Transmet l'avenant n° N au lieu du contrat.")
@option("--signe", "signed", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
        metavar="FICHIER", help="Le PDF signé de l'acte (sinon, le PDF/A produit par Paraphe).")
@settings("--contenu", "--sortie")
@click.pass_context
def transmettre(ctx: click.Context, slug: str, numero: int | None, signed: Path | None) -> None:
    """Prépare la transmission de l'acte au contrôle de légalité (@ctes) : un dossier et une archive zip avec
    l'acte en PDF, chaque annexe en PDF et les métadonnées de l'acte, prêts pour le tiers de télétransmission.

    Les PDF sont d'abord produits s'il le faut ; tout est vérifié (numéro, objet, tailles) avant d'écrire.

    \b
    Exemples :
      python build.py transmettre crte-lens-lievin
      python build.py transmettre crte-lens-lievin --avenant 1 --signe avenant-signe.pdf
    """
    from .errors import BuildFailed
    from .transmit import transmission
    from .write import write_outputs

    output_dir = ctx.obj["output_dir"]
    root = _contract_root(ctx, slug)
    report = build_report([root], output_dir, formats=("docx", "pdf"), avenant=numero)
    if report.failed:
        for problems in report.failed.values():
            _echo_problems(problems)
        sys.exit(1)
    try:
        outputs = transmission(root, output_dir, avenant=numero, signed=signed)
    except BuildFailed as exc:
        click.echo(f"{slug} : {len(exc.problems)} problème(s), rien n'a été écrit pour la transmission :", err=True)
        _echo_problems(exc.problems)
        sys.exit(1)
    written = write_outputs(outputs, output_dir / slug)
    for path in written.written:
        click.echo(f"écrit : {display_path(path)}")


@main.command("exporter", context_settings=CONTEXT,
              short_help="Écrit les données ouvertes du contrat (projets, subventions) en CSV.")
@argument("slug", metavar="DOSSIER")
@settings("--contenu", "--sortie")
@click.pass_context
def exporter(ctx: click.Context, slug: str) -> None:
    """Écrit les données ouvertes du contrat dans SORTIE/DOSSIER/donnees-ouvertes/ : les projets d'un CRTE au
    schéma national des projets des collectivités en transition écologique (projets.csv, avec ses deux
    compléments fiches-crte.csv et montants-crte.csv) et les subventions de la convention au schéma SCDL
    « subventions » (subventions.csv). Chaque fichier est vérifié avec son schéma avant que rien ne soit écrit.

    \b
    Exemple :
      python build.py exporter crte-lens-lievin
    """
    from .errors import BuildFailed
    from .opendata.export import export
    from .write import Manifest, write_outputs

    root = _contract_root(ctx, slug)
    prepared = read_and_compute(root, verify=False)
    try:
        if prepared.problems.errors:
            raise BuildFailed(prepared.problems.errors)
        outputs = export(root, prepared.tree, prepared.computed, ctx.obj["output_dir"])
        folder = ctx.obj["output_dir"] / slug
        # the documents' fingerprint is kept: exporting does not make an unchanged contract rebuild
        written = write_outputs(outputs, folder, force=ctx.obj.get("force", False), inputs=Manifest(folder).inputs)
    except BuildFailed as exc:
        click.echo(f"{slug} : {len(exc.problems)} problème(s), rien n'a été écrit :", err=True)
        _echo_problems(exc.problems)
        sys.exit(1)
    for path in written.written:
        click.echo(f"écrit : {display_path(path)}")


@main.command("importer", context_settings=CONTEXT,
              short_help="Crée ou met à jour les fiches d'un CRTE depuis un CSV au schéma national.")
@argument("slug", metavar="DOSSIER")
@argument("projets", metavar="PROJETS.csv", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@option("--fiches", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              metavar="FICHIER", help="Compléments CRTE des projets (fiches-crte.csv) : axe, maître d'ouvrage, "
                                      "colonnes de la maquette.")
@option("--montants", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              metavar="FICHIER", help="Montants des fiches (montants-crte.csv) : échéancier par année, budgets, "
                                      "financements ; remplacent ceux des fiches importées.")
@settings("--contenu")
@click.pass_context
def importer(ctx: click.Context, slug: str, projets: Path, fiches: Path | None, montants: Path | None) -> None:
    """Crée ou met à jour les fiches d'un CRTE à partir d'un fichier CSV au schéma national des projets des
    collectivités en transition écologique. Chaque ligne est vérifiée (erreurs avec ligne et colonne), puis le
    contrat tel qu'il serait après l'importation ; rien n'est écrit s'il reste une erreur. Seul le dossier du
    contrat est modifié ; « construire » produit ensuite ses documents.

    \b
    Exemples :
      python build.py importer mon-crte projets.csv
      python build.py importer mon-crte projets.csv --fiches fiches-crte.csv --montants montants-crte.csv
    """
    from .errors import BuildFailed
    from .opendata.importer import apply_plan, check_plan, plan_import

    root = _contract_root(ctx, slug)
    prepared = read_and_compute(root, verify=False)
    try:
        if prepared.problems.errors:
            raise BuildFailed(prepared.problems.errors)
        if prepared.kind is None or prepared.kind.name != "crte":
            click.echo(f"importer : {slug} n'est pas un CRTE : seules les fiches d'un CRTE s'importent", err=True)
            sys.exit(2)
        plan = plan_import(root, prepared.computed.dossier, projets, fiches, montants)
        check_plan(root, plan, lambda copy: read_and_compute(copy, verify=False).problems.errors)
    except BuildFailed as exc:
        click.echo(f"{slug} : {len(exc.problems)} problème(s), rien n'a été écrit :", err=True)
        _echo_problems(exc.problems)
        sys.exit(1)
    apply_plan(root, plan)
    click.echo(f"{slug} : {len(plan.created)} fiche(s) créée(s), {len(plan.updated)} mise(s) à jour")
    for name in plan.created:
        click.echo(f"  créée : fiches/{name}.yaml")
    for name in plan.updated:
        click.echo(f"  mise à jour : fiches/{name}.yaml")
    click.echo(f"ensuite : « python build.py verifier {slug} », puis « python build.py construire {slug} ».")


def _contract_root(ctx: click.Context, slug: str) -> Path:
    """Return the folder of a named contract; exit 2 when it has no contrat.yaml."""
    root = _roots(ctx, (slug,))[0]
    if not (root / "contrat.yaml").is_file():
        click.echo(f"{display_path(root)} : aucun contrat.yaml dans ce dossier", err=True)
        sys.exit(2)
    return root
