import pytest
from babel.messages.pofile import read_po

from portal.i18n import TARGET_LOCALES, catalog_sources, extract


def test_chinese_is_the_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "首页" in html and "Home" not in html


def test_language_switch_is_remembered_in_a_cookie(client):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert "portal_lang=en" in response.headers["Set-Cookie"]
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in" in html and "登录" not in html

    client.post("/language", data={"lang": "zh_CN", "next": "/"})
    assert "首页" in client.get("/").get_data(as_text=True)


def test_language_switch_ignores_unknown_languages_and_foreign_next(client):
    response = client.post("/language", data={"lang": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert "Set-Cookie" not in response.headers or "portal_lang" not in response.headers["Set-Cookie"]


def test_form_validation_messages_follow_the_language(client):
    zh = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "必填" in zh or "此字段是必需的" in zh or "该字段是必填字段" in zh
    client.post("/language", data={"lang": "en"})
    en = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "This field is required." in en


def test_wtforms_messages_are_read_once_per_language(client, monkeypatch):
    from babel.support import Translations

    from portal import forms

    for language in ("zh-CN", "en"):  # the portal's own catalogs, which Flask-Babel loads once per language
        client.get("/login", headers={"Accept-Language": language})
    forms._wtforms_messages.cache_clear()
    loads = []
    real_load = Translations.load
    monkeypatch.setattr(Translations, "load", lambda *args, **kwargs: loads.append(args) or real_load(*args, **kwargs))
    for _ in range(2):
        assert "必填" in client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    for _ in range(2):
        assert "This field is required." in client.post("/login", data={"username": "", "password": ""}).get_data(
            as_text=True)
    assert len(loads) == 2


def test_every_message_has_a_chinese_translation():
    """No user-visible string reaches Chinese users in English."""
    missing = []
    for source in catalog_sources():
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in extract(source) if m.id}
        for locale in TARGET_LOCALES:
            path = source.po_path(locale)
            assert path.exists(), f"{source.name}: no {locale} catalog; run `flask --app portal i18n update`"
            with path.open("rb") as fh:
                catalog = read_po(fh)
            for message_id in sorted(extracted):
                message = catalog.get(message_id)
                translated = message is not None and (
                    all(message.string) if isinstance(message.string, tuple) else bool(message.string)
                )
                if not translated or (message is not None and message.fuzzy):
                    missing.append(f"{source.name}: {message_id!r}")
    assert not missing, "untranslated:\n" + "\n".join(missing)


def test_catalogs_do_not_translate_the_same_message_differently():
    """Flask-Babel merges every catalog into one: a message id translated two
    ways would silently change the other capability's pages. Give such a
    message its own id (or a pgettext context) instead."""
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for source in catalog_sources():
        for locale in TARGET_LOCALES:
            with source.po_path(locale).open("rb") as fh:
                catalog = read_po(fh)
            for message in catalog:
                if not message.id or message.context:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                text = message.string if isinstance(message.string, str) else "|".join(message.string)
                if key in seen and seen[key][1] != text:
                    clashes.append(f"{key!r}: {seen[key][0]} {seen[key][1]!r} vs {source.name} {text!r}")
                seen.setdefault(key, (source.name, text))
    assert not clashes, "\n".join(clashes)


def test_templates_follow_force_locale_within_one_request(app):
    """Messages to other people are written in their language inside the request (force_locale)."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert render_template_string("{{ _('Home') }}") == "首页"
        with force_locale("en"):
            assert render_template_string("{{ _('Home') }}") == "Home"
            assert render_template_string("{{ ngettext('%(num)s item', '%(num)s items', 2) }}") == "2 items"
        assert render_template_string("{{ _('Home') }}") == "首页"


def test_lazy_texts_follow_the_language_and_force_locale(app):
    """A lazy text made at import time is written in each request's language, in a forced one, with its
    variables."""
    from flask_babel import force_locale

    from portal.i18n import lazy_gettext

    home, total = lazy_gettext("Home"), lazy_gettext("Total: %(total)s", total="¥1.00")
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert str(home) == "首页"
        with force_locale("en"):
            assert str(home) == "Home"
        assert str(home) == "首页"
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert str(home) == "Home" and str(total) == "Total: ¥1.00"


def test_a_page_looks_its_translations_up_once(client, monkeypatch):
    """The navigation's and the labels' lazy texts, and the templates' messages, share one lookup."""
    import flask_babel

    lookups = []
    real = flask_babel.Domain.get_translations
    monkeypatch.setattr(flask_babel.Domain, "get_translations", lambda self: lookups.append(1) or real(self))
    for _ in range(2):
        client.get("/")
    assert len(lookups) == 2


def test_figure_rows_write_each_heading_and_its_figures_escaped(app):
    from flask import render_template_string

    rows = [("<i>水</i>", ["¥1,234.50", "<b>&"]), (2027, [])]
    with app.test_request_context("/"):
        assert render_template_string("{{ rows|figure_rows }}", rows=rows) == (
            '<tr><td>&lt;i&gt;水&lt;/i&gt;</td><td class="num">¥1,234.50</td><td class="num">&lt;b&gt;&amp;</td></tr>\n'
            "<tr><td>2027</td></tr>")


@pytest.mark.parametrize("source", [
    "{{ _('100%%') }}|{{ _('<i>a</i>') }}", "{{ _('Total: %(total)s', total='<b>') }}",
    "{% trans n=2 %}{{ n }} & more{% endtrans %}", "{{ gettext('Home') }}", "{{ ngettext('%(num)s item', '%(num)s items', 3) }}",
])
@pytest.mark.parametrize("autoescape", [True, False])
def test_template_messages_are_formatted_and_escaped_as_jinja_writes_them(app, source, autoescape):
    from jinja2 import Environment

    jinja = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    jinja.install_null_translations(newstyle=True)  # the message ids, as the English pages show them
    ours = app.jinja_env.overlay(autoescape=autoescape)
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert ours.from_string(source).render() == jinja.from_string(source).render()


def test_a_template_message_is_worked_out_once_per_language(app, monkeypatch):
    from flask import render_template_string

    from portal import i18n

    asked = []
    real = i18n.request_translations

    def counting():
        translations = real()
        monkeypatch.setattr(translations, "ugettext", lambda string: asked.append(string) or type(translations).ugettext(translations, string), raising=False)
        return translations

    for language in ("zh-CN", "en"):  # what earlier tests had worked out is forgotten
        with app.app_context(), app.test_request_context("/", headers={"Accept-Language": language}):
            real().__dict__.pop("_portal_messages", None)
    monkeypatch.setattr(i18n, "request_translations", counting)
    for language in ("zh-CN", "en", "zh-CN"):
        with app.app_context(), app.test_request_context("/", headers={"Accept-Language": language}):
            assert render_template_string("{{ _('Home') }}{{ _('Home') }}") in ("首页首页", "HomeHome")
    assert asked.count("Home") == 2


def test_iri_writes_encoded_text_as_text_and_keeps_reserved_characters_encoded():
    from portal.templating import iri

    assert iri("/services/?category=%E7%A4%BE%E4%BC%9A%E4%BF%9D%E9%9A%9C") == "/services/?category=社会保障"
    assert iri("/search?q=%E4%BA%BA%26%23%20x") == "/search?q=人%26%23%20x"
    assert iri("/x?q=%E4%BA") == "/x?q=%E4%BA"  # not a whole character: left as it was


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("pattern", ["yyyy-MM-dd HH:mm", "HH:mm", "MM-dd HH:mm", "yyyy-MM-dd EEE HH:mm"])
def test_moments_are_written_as_babel_writes_them_in_the_buildings_time_zone(app, language, pattern):
    from datetime import UTC, datetime, timedelta, timezone

    from flask_babel import force_locale, format_datetime

    from portal.templating import local_datetime

    moments = [datetime(2026, 12, 31, 17, 5, tzinfo=UTC),  # already 1 January in the building
               datetime(2026, 3, 1, 0, 0, tzinfo=timezone(timedelta(hours=8))),
               datetime(2025, 7, 9, 23, 59, 30, tzinfo=timezone(timedelta(hours=-5)))]
    with app.test_request_context(), force_locale(language):
        for moment in moments:
            assert local_datetime(moment, pattern) == format_datetime(moment, pattern)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("pattern", ["medium", "yyyy-MM-dd", "yyyy-MM-dd EEE", "M/d", "long"])
def test_dates_are_written_as_babel_writes_them(app, language, pattern):
    from datetime import date

    from flask_babel import force_locale, format_date

    from portal.templating import local_date

    with app.test_request_context():
        for day in (date(2026, 1, 5), date(2024, 2, 29)):
            with force_locale(language):
                assert local_date(day, pattern) == format_date(day, pattern)


def test_only_numeric_patterns_are_written_with_strftime():
    from portal.templating import numeric_strftime

    assert numeric_strftime("yyyy-MM-dd HH:mm") == "%Y-%m-%d %H:%M"
    assert numeric_strftime("HH:mm:ss") == "%H:%M:%S"
    for pattern in ("medium", "yyyy-MM-dd EEE", "M/d", "h:mm a", "yyyy'年'", "HH%mm"):
        assert numeric_strftime(pattern) is None


def test_a_badge_follows_the_language(app):
    from flask_babel import force_locale

    from portal.labels import badge
    from portal.models import Role

    with app.test_request_context():
        with force_locale("en"):
            english = str(badge(Role.SECURITY))
        with force_locale("zh_CN"):
            chinese = str(badge(Role.SECURITY))
    assert english != chinese and english.startswith('<span class="badge badge--')


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_amounts_are_written_as_babel_writes_them(app, language):
    from decimal import Decimal

    from flask_babel import force_locale, format_decimal

    from portal.templating import money

    with app.test_request_context(), force_locale(language):
        for value in ("0", "0.005", "0.015", "7.5", "1234567.891", "-285.2", "-0.004", "999999.995"):
            amount = Decimal(value)
            expected = "¥" + format_decimal(abs(amount), format="#,##0.00")
            assert money(amount) == ("\u2212" + expected if amount < 0 else expected)


def test_members_of_two_enums_with_the_same_value_keep_their_own_badges(app):
    from flask_babel import lazy_gettext as _l

    from portal.labels import LabelledEnum, badge

    class TripStatus(LabelledEnum):
        APPROVED = "approved", _l("Awaiting a car"), "info"

    class BookingStatus(LabelledEnum):
        APPROVED = "approved", _l("Approved"), "ok"

    with app.test_request_context():
        assert "Approved" not in str(badge(TripStatus.APPROVED)) and "badge--info" in str(badge(TripStatus.APPROVED))
        assert "badge--ok" in str(badge(BookingStatus.APPROVED))
        assert "badge--info" in str(badge(TripStatus.APPROVED))
