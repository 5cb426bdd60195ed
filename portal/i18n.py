"""Languages: Chinese first, English second.

Message ids are English; ``zh_CN`` catalogs hold the Chinese. Each capability
keeps its own catalog beside its code (``portal/blueprints/<name>/translations``)
so that capabilities can grow independently; the core catalog lives in
``portal/translations`` and covers everything else. Flask-Babel merges them.

``flask --app portal i18n update`` extracts messages into every catalog and
``flask --app portal i18n compile`` builds the ``.mo`` files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import click
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import Flask, Response, current_app, g, has_request_context, request
from flask.cli import AppGroup
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

PORTAL_DIR = Path(__file__).resolve().parent
# Folder name Babel looks up for zh_CN (it expands the locale to zh_Hans_CN).
TARGET_LOCALES = ("zh_Hans_CN",)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "pgettext": ((1, "c"), 2)}


@lru_cache(maxsize=8)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def select_locale() -> Locale:
    """The cookie's language; without one, the best of the browser's
    ``Accept-Language`` (Chinese when none of ours matches). A parsed
    ``Locale`` (cached), so Flask-Babel does not parse the code again on every
    request."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # command line, cron: Chinese
        return _locale(default)
    chosen = request.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if chosen not in languages:
        # Werkzeug compares zh-CN with zh_CN, and en-US falls back to en.
        chosen = request.accept_languages.best_match(list(languages), default=default)
    return _locale(chosen if chosen in languages else default)


def _vary_on_language(response: Response) -> Response:
    """Pages without the language cookie depend on Accept-Language (shared caches must know)."""
    if request.endpoint not in ("static", "favicon") and current_app.config["LANGUAGE_COOKIE"] not in request.cookies:
        from portal.htmx import add_vary

        add_vary(response, "Accept-Language")
    return response


@dataclass(frozen=True)
class CatalogSource:
    """One catalog and the files whose messages it holds."""

    name: str
    directory: Path  # the translations folder

    def po_path(self, locale: str) -> Path:
        return self.directory / locale / "LC_MESSAGES" / "messages.po"


def catalog_sources() -> list[CatalogSource]:
    sources = [CatalogSource("core", PORTAL_DIR / "translations")]
    for translations in sorted((PORTAL_DIR / "blueprints").glob("*/translations")):
        sources.append(CatalogSource(translations.parent.name, translations))
    return sources


def translation_directories() -> str:
    """Value for ``BABEL_TRANSLATION_DIRECTORIES`` (absolute, ';'-separated)."""
    return ";".join(str(source.directory) for source in catalog_sources())


def files_for(source: CatalogSource) -> Iterator[Path]:
    """The source files whose messages belong to ``source``'s catalog."""
    capability_names = {s.name for s in catalog_sources() if s.name != "core"}
    if source.name != "core":
        yield from sorted((PORTAL_DIR / "blueprints" / source.name).rglob("*.py"))
        yield from sorted((PORTAL_DIR / "templates" / source.name).rglob("*.html"))
        return
    for path in sorted(PORTAL_DIR.rglob("*")):
        if path.suffix not in {".py", ".html"}:
            continue
        relative = path.relative_to(PORTAL_DIR).parts
        owned = len(relative) > 2 and relative[0] in {"blueprints", "templates"} and relative[1] in capability_names
        if not owned:
            yield path


def extract(source: CatalogSource) -> Catalog:
    template = Catalog(project="portal", charset="utf-8")
    for path in files_for(source):
        method = "python" if path.suffix == ".py" else "jinja2"
        for lineno, message, comments, context in extract_from_file(
            method, str(path), keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), options={"trimmed": "true"}
        ):
            template.add(
                message,
                None,
                [(str(path.relative_to(PORTAL_DIR.parent)), lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def is_translated(message: Message) -> bool:
    if isinstance(message.string, tuple):
        return all(message.string) and not message.fuzzy
    return bool(message.string) and not message.fuzzy


def update_catalogs(names: tuple[str, ...] = ()) -> list[str]:
    """Extract messages and merge them into each locale's ``.po``; report untranslated ids."""
    untranslated: list[str] = []
    for source in catalog_sources():
        if names and source.name not in names:
            continue
        template = extract(source)
        for locale in TARGET_LOCALES:
            po_path = source.po_path(locale)
            if po_path.exists():
                with po_path.open("rb") as fh:
                    catalog = read_po(fh, locale=locale)
            else:
                po_path.parent.mkdir(parents=True, exist_ok=True)
                catalog = Catalog(locale=locale, project="portal", charset="utf-8")
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            catalog.fuzzy = False
            with po_path.open("wb") as fh:
                write_po(fh, catalog, width=100, sort_output=True, omit_header=False)
            untranslated += [f"{source.name}: {m.id!r}" for m in catalog if m.id and not is_translated(m)]
    return untranslated


def compile_catalogs() -> int:
    """Build the ``.mo`` files next to every ``.po``; returns how many were written."""
    written = 0
    for source in catalog_sources():
        for po_path in source.directory.glob("*/LC_MESSAGES/messages.po"):
            with po_path.open("rb") as fh:
                catalog = read_po(fh)
            mo_path = po_path.with_suffix(".mo")
            with mo_path.open("wb") as fh:
                write_mo(fh, catalog, use_fuzzy=False)
            written += 1
    return written


i18n_cli = AppGroup("i18n", help="Extract, update and compile the translation catalogs.")


@i18n_cli.command("update")
@click.argument("names", nargs=-1)
def update_command(names: tuple[str, ...]) -> None:
    """Extract messages into the catalogs (all, or the NAMES given)."""
    missing = update_catalogs(names)
    for line in missing:
        click.echo(f"untranslated: {line}")
    click.echo(f"{len(missing)} untranslated message(s)")


@i18n_cli.command("compile")
def compile_command() -> None:
    """Compile every catalog to .mo."""
    click.echo(f"compiled {compile_catalogs()} catalog(s)")


def request_translations():
    """The translations in force, looked up once per request and locale.

    Flask-Babel finds them again for every message (four context-local lookups,
    tens of microseconds), and a page translates a few hundred. The memo sits in
    Flask-Babel's own per-request state beside the locale it was found for, so
    ``force_locale`` and ``refresh`` (a new locale object) still take effect."""
    state = getattr(g, "_flask_babel", None) if g else None
    if state is not None:
        memo = getattr(state, "portal_translations", None)
        locale = getattr(state, "babel_locale", None)
        if memo is not None and locale is not None and memo[0] is locale:
            return memo[1]
    translations = get_translations()
    state = getattr(g, "_flask_babel", None) if g else None
    if state is not None:
        state.portal_translations = (getattr(state, "babel_locale", None), translations)
    return translations


def _translated(string: str, **variables: object) -> str:
    text = request_translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables: object) -> LazyString:
    """Flask-Babel's ``lazy_gettext``, translated through :func:`request_translations`: a page
    shows dozens of lazy texts (the navigation, enum labels, form labels), and Flask-Babel
    would look the translations up again for each."""
    return LazyString(_translated, string, **variables)


def init_app(app: Flask) -> None:
    app.cli.add_command(i18n_cli)
    app.after_request(_vary_on_language)
    # Templates translate through the memo (Flask-Babel installed the same callables without it).
    app.jinja_env.install_gettext_callables(
        lambda string: request_translations().ugettext(string),
        lambda singular, plural, n: request_translations().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, string: request_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: request_translations().unpgettext(context, singular, plural, n),
    )
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)


@pass_context
def template_gettext(context: Context, string: str, **variables: Any) -> str:
    """Jinja's newstyle ``_()``: the translation, marked safe where the template escapes,
    formatted with ``variables`` (always, so ``%%`` is written ``%``). A page has some
    hundred messages without variables; each is worked out once per language (on the
    translations object, so a new catalog starts afresh) instead of at every call."""
    translations = request_translations()
    if variables:
        text = translations.ugettext(string)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables
    messages = translations.__dict__.get("_portal_messages")
    if messages is None:
        messages = translations._portal_messages = {}
    key = (string, context.eval_ctx.autoescape)
    done = messages.get(key)
    if done is None:
        text = translations.ugettext(string)
        done = messages[key] = (Markup(text) if key[1] else text) % {}
    return done
