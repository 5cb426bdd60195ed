"""The workday calendar pages for logistics admins, and their home-page warning."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import timeutil
from portal.confirm import confirmation_page, confirmed
from portal.db import db
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to, render
from portal.requestargs import arg_date, arg_int
from portal.rules import RuleViolation
from portal.security import ADMINS, roles_required

from . import bp
from . import services as calendar
from .days import official_day
from .forms import CalendarDayForm


def _year_or_404(year: int) -> int:
    if year not in calendar.year_range(timeutil.today()):
        abort(404)
    return year


@bp.route("/", methods=["GET", "POST"])
@roles_required(*ADMINS)
def calendar_page():
    today = timeutil.today()
    years = calendar.year_range(today)
    year = arg_int("year", today.year, minimum=years[0], maximum=years[-1])
    form = CalendarDayForm()
    if not form.is_submitted():
        chosen = arg_date("day", None, earliest=date(years[0], 1, 1), latest=date(years[-1], 12, 31))
        if chosen is not None:
            draft = calendar.day_draft(chosen)
            form.day.data = chosen
            if draft is not None:
                form.fill(draft)
    if form.validate_on_submit():
        draft = form.to_draft()
        try:
            calendar.save_day(draft, actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("%(day)s saved in the workday calendar.", day=draft.day.isoformat()), "success")
            return redirect_to(url_for("workdays.calendar_page", year=draft.day.year))
        if draft.day.year in years:
            year = draft.day.year
    return render(
        "workdays/calendar.html",
        form=form,
        overview=calendar.year_overview(year),
        year=year,
        years=range(max(years[0], today.year - 2), years[-1] + 1),
        official_day=official_day,
        status=form_status(form),
    )


@bp.route("/<day>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_day(day: str):
    try:
        chosen = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if EmptyForm().validate_on_submit():
        if calendar.remove_day(chosen, actor=current_user, now=timeutil.now()):
            db.session.commit()
            flash(_("The local entry for %(day)s was removed.", day=chosen.isoformat()), "success")
        else:
            flash(_("There was no local entry for %(day)s.", day=chosen.isoformat()), "warning")
    return redirect_to(url_for("workdays.calendar_page", year=chosen.year))


@bp.route("/<int:year>/fill", methods=["POST"])
@roles_required(*ADMINS)
def fill_year(year: int):
    _year_or_404(year)
    back = url_for("workdays.calendar_page", year=year)
    if not EmptyForm().validate_on_submit():
        return redirect_to(back)
    if not confirmed():
        return confirmation_page(
            _("Fill %(year)s with ordinary weeks?", year=year),
            detail=_("Every day of %(year)s without a local entry becomes a workday from Monday to Friday and a "
                     "day off at the weekend. Enter the announced holidays and make-up workdays as well.", year=year),
            button=_("Fill %(year)s", year=year),
            cancel_url=back,
            danger=False,
        )
    try:
        added = calendar.fill_year(year, actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(_("%(count)s days of %(year)s entered as ordinary weeks.", count=added, year=year), "success")
    return redirect_to(back)


@bp.route("/<int:year>/tidy", methods=["POST"])
@roles_required(*ADMINS)
def tidy_year(year: int):
    _year_or_404(year)
    if EmptyForm().validate_on_submit():
        removed = calendar.remove_redundant(year, actor=current_user, now=timeutil.now())
        db.session.commit()
        flash(_("%(count)s local entries that repeated the official calendar were removed.", count=removed), "success")
    return redirect_to(url_for("workdays.calendar_page", year=year))


def render_home_panel() -> str | None:
    """Logistics admins are told when days that matter are not in the calendar."""
    if not current_user.is_authenticated or not current_user.has_role(*ADMINS):
        return None
    gaps = calendar.calendar_gaps(timeutil.today())
    if not gaps:
        return None
    return render_template("workdays/_home_panel.html", gaps=gaps)
