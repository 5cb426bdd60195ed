"""Forms render valid HTML (issue 16: faults the Nu Html Checker found).

Regression tests for the shared widgets and the ``field`` macro; the checker
itself runs over every page in tests/test_standards.py.
"""

from __future__ import annotations

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from portal.forms import EmptyForm, Form, MultiCheckboxField


class _Choices(Form):
    real_first = SelectField("Room", choices=[SelectChoice("1", "A"), SelectChoice("2", "B")], validators=[InputRequired()])
    empty_first = SelectField("Unit", choices=[SelectChoice("", "—"), SelectChoice("1", "A")], validators=[InputRequired()])
    grouped = SelectField("Grouped", choices=[SelectChoice("1", "A", optgroup="Floor 1")], validators=[InputRequired()])
    kind = RadioField("Kind", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")], validators=[InputRequired()])
    tags = MultiCheckboxField("Tags", choices=[SelectChoice("x", "X")])


def test_required_select_keeps_required_only_with_an_empty_first_option(app):
    with app.test_request_context("/"):
        form = _Choices()
        assert "required" not in form.real_first()
        assert "required" not in form.grouped()
        assert "required" in form.empty_first()


def test_plain_flaskform_selects_get_the_same_rule(app):
    class Plain(FlaskForm):
        room = SelectField("Room", choices=[SelectChoice("1", "A")], validators=[InputRequired()])

    with app.test_request_context("/"):
        assert "required" not in Plain().room()


def test_csrf_token_has_no_id_so_a_form_per_row_repeats_none(app):
    app.config["WTF_CSRF_ENABLED"] = True
    with app.test_request_context("/"):
        html = render_template_string("{{ a.csrf_token }}{{ b.csrf_token }}", a=EmptyForm(), b=EmptyForm())
    assert html.count('name="csrf_token"') == 2
    assert "id=" not in html


def test_radio_and_checkbox_groups_are_fieldsets_with_a_legend(app):
    with app.test_request_context("/"):
        form = _Choices()
        html = render_template_string(
            '{% from "_macros.html" import field %}{{ field(form.kind) }}{{ field(form.tags) }}{{ field(form.real_first) }}',
            form=form,
        )
    assert html.count("<fieldset") == 2 and "<legend>Kind" in html and "<legend>Tags" in html
    assert 'for="kind"' not in html and 'for="tags"' not in html  # a label names one control, not a list
    assert '<label for="real_first">' in html
