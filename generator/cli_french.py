"""Click in French: its own messages, usage errors, help headings, parameter types and metavars.

Click marks every string it shows with gettext (`from gettext import gettext as _` in each of its modules), so
its words are translated by giving those modules a French catalog's `gettext` and `ngettext`. The standard
lookup (`gettext.textdomain` + a .mo file chosen by LANGUAGE/LANG) would depend on the user's environment and
change every library's domain at once; `install()` binds the catalog below to click's modules alone, whatever
the locale. It must run before the commands are declared: click names its path types (« fichier ») when they
are built.

Click's number types print their English names (`INTEGER RANGE`, « 'x' is not a valid integer »): the commands
use the French types of this module instead, which give their metavar and their name in French.
"""

from __future__ import annotations

import gettext
import importlib
import re

import click

CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "shell_completion", "termui",
                 "types", "utils", "_termui_impl")
"""Click's modules that translate their strings with gettext (`_winconsole` too, on Windows only)."""

_SINGULAR = {
    # Usage errors and their framing.
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Aide : {command} {option}",
    "Usage:": "Utilisation :",
    "No such option {name!r}.": "option inconnue « {name} ».",
    "No such command {name!r}.": "commande inconnue « {name} ».",
    "Missing command.": "commande manquante.",
    "Missing argument": "argument manquant",
    "Missing option": "option manquante",
    "Missing parameter": "paramètre manquant",
    "Missing {param_type}": "paramètre manquant ({param_type})",
    "Missing parameter: {param_name}": "paramètre manquant : {param_name}",
    "Invalid value for {param_hint}: {message}": "valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "valeur invalide : {message}",
    "Option {name!r} does not take a value.": "l'option « {name} » ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "l'argument « {name} » prend {nargs} valeurs.",
    "Invalid start character for option ({option})": "caractère initial invalide pour l'option ({option})",
    "Value must be an iterable.": "la valeur doit être une liste.",
    "Aborted!": "Interrompu.",
    "unknown error": "erreur inconnue",
    "Could not open file {filename!r}: {message}": "impossible d'ouvrir le fichier « {filename} » : {message}",
    # Values refused by a parameter type.
    "{value!r} is not a valid {number_type}.": "« {value} » n'est pas un {number_type} valide.",
    "{value} is not in the range {range}.": "{value} est hors des valeurs permises : {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "« {value} » n'est pas une valeur de vérité. Valeurs reconnues : {states}",
    "{value!r} is not a valid UUID.": "« {value} » n'est pas un UUID valide.",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "Choice({choices})": "Choix({choices})",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "{name} {filename!r} does not exist.": "« {filename} » introuvable.",
    "{name} {filename!r} is a file.": "« {filename} » est un fichier (un dossier est attendu).",
    "{name} {filename!r} is a directory.": "« {filename} » est un dossier (un fichier est attendu).",
    "{name} {filename!r} is not readable.": "« {filename} » : lecture non permise.",
    "{name} {filename!r} is not writable.": "« {filename} » : écriture non permise.",
    "{name} {filename!r} is not executable.": "« {filename} » : exécution non permise.",
    # Help pages.
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Confirm the action without prompting.": "Confirme l'action sans la demander.",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "default: {default}": "par défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "required": "obligatoire",
    "(dynamic)": "(calculé)",
    "deprecated": "obsolète",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "Avertissement : la commande « {name} » est obsolète.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "Avertissement : le paramètre « {name} » est obsolète.{extra_message}",
    # Prompts and terminal.
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.": "Erreur : les deux valeurs saisies diffèrent.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "Unknown color {colour!r}": "Couleur inconnue « {colour} »",
    "Unknown standard stream '{name}'": "Flux standard inconnu « {name} »",
    "d": "j",  # days, in a progress bar's remaining time
    "{editor}: Editing failed": "{editor} : la modification a échoué",
    "{editor}: Editing failed: {e}": "{editor} : la modification a échoué : {e}",
    "Windows error: {error}": "Erreur Windows : {error}",
    "Couldn't detect Bash version, shell completion is not supported.":
        "Version de Bash inconnue : la complétion n'est pas prise en charge.",
    "Shell completion is not supported for Bash versions older than 4.4.":
        "La complétion n'est prise en charge qu'à partir de Bash 4.4.",
    # Mistakes in declaring commands (for whoever changes this command line).
    "Could not determine name for option with declarations {decls!r}":
        "Impossible de trouver le nom de l'option déclarée par {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? Did you mean "
    "to pass '--{name}'?":
        "Aucune option déclarée, mais un nom donné ({name}). Vouliez-vous déclarer un argument ? "
        "Vouliez-vous écrire « --{name} » ?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.":
        "Un argument se déclare par un seul nom ; {length} donnés : {decls}.",
    "Name '{name}' defined twice": "Nom « {name} » déclaré deux fois",
    "Boolean option {decl!r} cannot use the same flag for true/false.":
        "L'option « {decl} » ne peut pas valoir à la fois vrai et faux.",
}

_PLURAL = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("argument en trop : {args}", "arguments en trop : {args}"),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Vouliez-vous dire {possibility} ?", "(Vouliez-vous dire l'une de celles-ci : {possibilities} ?)"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("l'option « {name} » attend une valeur.", "l'option « {name} » attend {nargs} valeurs."),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("{nargs} valeurs attendues, {len} donnée.", "{nargs} valeurs attendues, {len} données."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("« {value} » n'est pas {choice}.", "« {value} » n'est pas l'une des valeurs possibles : {choices}."),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        ("« {value} » ne suit pas le format {format}.", "« {value} » ne suit aucun des formats {formats}."),
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        ("{len_type} valeurs attendues, {len_value} donnée.", "{len_type} valeurs attendues, {len_value} données."),
}

_SPACE_BEFORE = re.compile(r" (?=[:;!?»])")
_SPACE_AFTER = re.compile(r"(?<=«) ")


def no_break_spaces(text: str) -> str:
    """Return `text` with no-break spaces before « : ; ! ? » and inside guillemets, as French typesetting wants
    (a line never starts with a colon)."""
    return _SPACE_AFTER.sub("\u00a0", _SPACE_BEFORE.sub("\u00a0", text))


class ClickFrench(gettext.NullTranslations):
    """The French catalog of click's own strings (a string not in it stays as click wrote it)."""

    def __init__(self) -> None:
        super().__init__()
        self.singular = {msgid: no_break_spaces(text) for msgid, text in _SINGULAR.items()}
        self.plural = {msgids: tuple(no_break_spaces(text) for text in texts) for msgids, texts in _PLURAL.items()}

    def gettext(self, message: str) -> str:
        return self.singular.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        texts = self.plural.get((singular, plural))
        if texts is None:
            return singular if n == 1 else plural
        return texts[0] if n <= 1 else texts[1]  # French: 0 and 1 take the singular


CATALOG = ClickFrench()


def install() -> None:
    """Make click's modules translate their strings with the French catalog (idempotent)."""
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = CATALOG.gettext
        if hasattr(module, "ngettext"):
            module.ngettext = CATALOG.ngettext


class FrenchHelpFormatter(click.HelpFormatter):
    """Click's help formatter, with French headings (« Options : ») and no-break spaces in the texts."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}\u00a0:\n")

    def write_text(self, text: str) -> None:
        super().write_text(no_break_spaces(text))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, no_break_spaces(text)) for term, text in rows], col_max, col_spacing)


class FrenchContext(click.Context):
    formatter_class = FrenchHelpFormatter


def suggest_in_french(error: click.UsageError) -> click.UsageError:
    """Return the unknown option or command `error` with its suggestion in French: « Vouliez-vous dire
    « --force » ou « --formats » ? » (click quotes the names the English way, 'x', after translation)."""
    possibilities = sorted(getattr(error, "possibilities", None) or ())
    if possibilities:
        names = [f"« {name} »" for name in possibilities]
        either = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} ou {names[-1]}"
        error.message = no_break_spaces(f"{error.message} Vouliez-vous dire {either} ?")
        error.possibilities = None
    return error


class _French:
    """What a French command and a French group share: their context, their suggestions for a mistyped option,
    and their help option's names in the order given (« -h, --aide, --help »; click before 8.5 shuffles them,
    and its usage errors point to the longest first, « --aide »)."""

    context_class = FrenchContext

    def get_help_option_names(self, ctx: click.Context) -> list[str]:
        taken = {name for param in self.params for name in (*param.opts, *param.secondary_opts)}
        return [name for name in dict.fromkeys(ctx.help_option_names) if name not in taken]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as error:
            raise suggest_in_french(error) from None


class FrenchCommand(_French, click.Command):
    """A command whose help and errors are in French."""


class FrenchGroup(_French, click.Group):
    """A group of commands whose help and errors are in French, as are its sub-commands'."""

    command_class = FrenchCommand

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as error:  # click.NoSuchCommand since click 8.4
            raise suggest_in_french(error) from None

    def __init__(self, *args, **kwargs) -> None:
        if kwargs.get("subcommand_metavar") is None:
            optional = kwargs.get("invoke_without_command", False)
            kwargs["subcommand_metavar"] = "[COMMANDE] [ARGUMENTS]..." if optional else "COMMANDE [ARGUMENTS]..."
        super().__init__(*args, **kwargs)


class FrenchOption(click.Option):
    """An option named in guillemets in error messages: « --port »."""

    def get_error_hint(self, ctx) -> str:
        return " / ".join(f"«\u00a0{name}\u00a0»" for name in self.opts)


class FrenchArgument(click.Argument):
    """An argument named in guillemets in error messages: « NUMÉRO »."""

    def get_error_hint(self, ctx) -> str:
        return f"«\u00a0{self.make_metavar(ctx)}\u00a0»"


def option(*param_decls: str, **attrs):
    """`click.option`, French."""
    attrs.setdefault("cls", FrenchOption)
    return click.option(*param_decls, **attrs)


def argument(*param_decls: str, **attrs):
    """`click.argument`, French."""
    attrs.setdefault("cls", FrenchArgument)
    return click.argument(*param_decls, **attrs)


def _number(value) -> str:
    return str(value).replace(".", ",")


class _FrenchRange:
    """A number range described in French: « de 0 à 65535 », « au moins 0,1 »."""

    def _describe_range(self) -> str:
        low = (f"plus de {_number(self.min)}" if self.min_open else f"au moins {_number(self.min)}"
               ) if self.min is not None else ""
        high = (f"moins de {_number(self.max)}" if self.max_open else f"au plus {_number(self.max)}"
                ) if self.max is not None else ""
        if low and high and not self.min_open and not self.max_open:
            return f"de {_number(self.min)} à {_number(self.max)}"
        return " et ".join(part for part in (low, high) if part)


class Integer(click.types.IntParamType):
    """A whole number (« NOMBRE »)."""

    name = "nombre entier"

    def get_metavar(self, param, ctx) -> str:
        return "NOMBRE"


class IntegerRange(_FrenchRange, click.IntRange):
    """A whole number within bounds (« NOMBRE », « de 0 à 65535 »)."""

    name = "nombre entier"

    def get_metavar(self, param, ctx) -> str:
        return "NOMBRE"


class NumberRange(_FrenchRange, click.FloatRange):
    """A number within bounds, decimal comma or point (« NOMBRE », « au moins 0,1 »)."""

    name = "nombre"

    def get_metavar(self, param, ctx) -> str:
        return "NOMBRE"

    def convert(self, value, param, ctx):
        return super().convert(value.replace(",", ".") if isinstance(value, str) else value, param, ctx)
