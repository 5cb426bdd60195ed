"""The energy pages: load (404/403), read the form, call a service, commit, redirect."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from flask import abort, flash, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from portal import timeutil
from portal.blueprints.energy import MANAGERS, VIEWERS, bp, figures, report, services, sources
from portal.blueprints.energy.forms import BasisForm, MeasureForm, QuantityForm, QuotaForm
from portal.blueprints.energy.models import SavingsMeasure
from portal.blueprints.energy.stats import BASELINES_2020, TARGET_CHANGE_2025, target_2025
from portal.cache import cached, cached_facts, kept_page, read_tokens
from portal.db import db
from portal.forms import EmptyForm, Form, form_status
from portal.htmx import redirect_to
from portal.models import Unit
from portal.requestargs import arg_int, paginate
from portal.rules import RuleViolation
from portal.security import roles_required
from portal.spreadsheets import XLSX_MIMETYPE

FIRST_YEAR = 2000


def _year() -> int:
    this_year = timeutil.today().year
    return arg_int("year", this_year, minimum=FIRST_YEAR, maximum=this_year) or this_year


def _scope_unit() -> Unit | None:
    """The unit asked for (``?unit=``), or the building; a unit administrator sees only their own unit."""
    if current_user.has_role(*MANAGERS):
        unit_id = arg_int("unit")
        if not unit_id:
            return None
        unit = db.session.get(Unit, unit_id)
        if unit is None:
            abort(404)
        return unit
    if not current_user.unit_id:
        abort(403)
    unit = db.session.get(Unit, current_user.unit_id)
    if unit is None:
        abort(403)
    return unit


def _years() -> range:
    """The years the pages offer: this one and the nine before."""
    return range(timeutil.today().year, FIRST_YEAR - 1, -1)[:10]


def _sources_by_code() -> dict[str, sources.Source]:
    return {source.code: source for source in sources.sources()}


def _saved(form: Form, save: Callable[[], object], done: Callable[[object], str]):
    """The energy forms' write path: a valid form goes to ``save`` (a service
    call); a broken rule shows on the form with nothing kept, success commits and
    redirects to ``done(result)``. None: show the form (again)."""
    if not form.validate_on_submit():
        return None
    try:
        result = save()
    except RuleViolation as error:
        db.session.rollback()
        error.show_on(form)
        return None
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect_to(done(result))


def _xlsx(data: bytes, filename: str):
    return send_file(BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename)


BASELINE_KEYS = ("kgce_per_m2", "kgce_per_head", "water_per_head")


STATISTICS_DATA = services.STATISTICS_DATA

# The statistics page's views (``?view=``): the overview (the year, its total by month), each
# source by month, and (for the building) each unit. Each is its own page: a chart or two and their tables.
VIEWS = ("", "sources", "units")


def _view(unit: Unit | None) -> str:
    """The view asked for; a unit's statistics have no per-unit view (its overview instead)."""
    view = request.args.get("view", "")
    if view not in VIEWS:
        abort(404)
    return "" if view == "units" and unit is not None else view


def draw_statistics(year: int, unit: Unit | None, is_manager: bool, view: str = "") -> Markup:
    """The figures of one view for ``year`` and ``unit`` (None: the building): the same for every viewer of that scope."""
    stats = services.year_statistics(year, unit, with_units=view == "units")
    ranking = ratios = None
    if view == "sources":
        charts = [figures.source_lines(stats, "electricity"), figures.source_lines(stats, "water")]
    elif view == "units":
        charts, ranking = [], figures.units_per_head(stats)
        ratios = figures.ratio_bars(year, services.ratio_differences(year))
    else:
        charts = [figures.kgce_bars(stats)]
    baselines = [(key, BASELINES_2020[key], TARGET_CHANGE_2025[key], target_2025(key)) for key in BASELINE_KEYS]
    return Markup(render_template(
        "energy/_statistics.html", stats=stats, year=year, unit=unit, view=view, charts=charts, ranking=ranking, ratios=ratios,
        baselines=baselines, is_manager=is_manager, chart_svg=figures.drawing, num=figures.shown,
        change=figures.shown_change,
    ))


@bp.route("/")
@kept_page(STATISTICS_DATA, signed_in=True)
@roles_required(*VIEWERS)
def index():
    year = _year()
    unit = _scope_unit()
    view = _view(unit)
    is_manager = current_user.has_role(*MANAGERS)
    tokens = read_tokens(STATISTICS_DATA)
    key = ("energy.statistics", year, unit.id if unit is not None else None, view, is_manager, str(get_locale()))
    statistics = cached(STATISTICS_DATA, key, lambda: draw_statistics(year, unit, is_manager, view), tokens=tokens)
    units = cached_facts(("building",), "energy.unit_choices", services.unit_choices, tokens=tokens) if is_manager else []
    return render_template(
        "energy/index.html", statistics=statistics, year=year, unit=unit, view=view, is_manager=is_manager,
        units=units, years=_years(),
    )


@bp.route("/statistics.xlsx")
@roles_required(*VIEWERS)
def export():
    year = _year()
    unit = _scope_unit()
    stats = services.year_statistics(year, unit, with_units=unit is None)
    name = f"energy-{year}" + (f"-{unit.id}" if unit is not None else "") + ".xlsx"
    return _xlsx(report.statistics_workbook(stats), name)


@bp.route("/report", endpoint="report")
@roles_required(*MANAGERS)
def report_page():
    year = arg_int("year", timeutil.today().year - 1, minimum=FIRST_YEAR, maximum=timeutil.today().year)
    annual = services.annual_report(year)
    return render_template(
        "energy/report.html", report=annual, year=year, rows=report.report_rows(annual),
        header=report.report_header(annual), deadline=services.report_deadline(year),
        years=_years(),
    )


@bp.route("/report.xlsx")
@roles_required(*MANAGERS)
def report_export():
    year = arg_int("year", timeutil.today().year - 1, minimum=FIRST_YEAR, maximum=timeutil.today().year)
    return _xlsx(report.report_workbook(services.annual_report(year)), f"energy-report-{year}.xlsx")


# --- floor areas and headcounts ---------------------------------------------


@bp.route("/basis")
@roles_required(*MANAGERS)
def basis():
    year = _year()
    return render_template("energy/basis.html", year=year, basis=services.basis_for(year), units=services.units(),
                           form=EmptyForm(), years=_years())


@bp.route("/basis/<int:year>/keep", methods=["POST"])
@roles_required(*MANAGERS)
def keep_basis(year: int):
    if not FIRST_YEAR <= year <= timeutil.today().year:
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    count = services.keep_directory_basis(year, actor=current_user, now=timeutil.now())
    db.session.commit()
    flash(_("%(count)s values from the directory kept for %(year)s.", count=count, year=year), "success")
    return redirect_to(url_for("energy.basis", year=year))


@bp.route("/basis/<int:year>/<int:unit_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_basis(year: int, unit_id: int):
    """``unit_id`` 0: the building."""
    if not FIRST_YEAR <= year <= timeutil.today().year:
        abort(404)
    unit = None
    if unit_id:
        unit = db.session.get(Unit, unit_id) or abort(404)
    current = services.basis_for(year)[unit.id if unit else None]
    form = BasisForm(data={"floor_area": current.floor_area, "headcount": current.headcount})
    done = _saved(form, lambda: services.save_basis(year, unit.id if unit else None, form.to_draft(),
                                                    actor=current_user, now=timeutil.now()),
                  lambda _: url_for("energy.basis", year=year))
    if done is not None:
        return done
    return render_template("energy/basis_edit.html", form=form, year=year, unit=unit), form_status(form)


# --- entered quantities, quotas, measures --------------------------------------


@bp.route("/quantities", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def quantities():
    year = _year()
    form = QuantityForm()
    done = _saved(form, lambda: services.save_quantity(form.to_draft(), actor=current_user, now=timeutil.now()),
                  lambda _: url_for("energy.quantities", year=year))
    if done is not None:
        return done
    page = paginate(services.quantities_query(year))
    return render_template("energy/quantities.html", form=form, page=page, year=year,
                           sources=_sources_by_code(),
                           years=_years()), form_status(form)


@bp.route("/quotas", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def quotas():
    year = _year()
    form = QuotaForm()
    done = _saved(form, lambda: services.save_quota(year, form.to_draft(), actor=current_user, now=timeutil.now()),
                  lambda _: url_for("energy.quotas", year=year))
    if done is not None:
        return done
    page = paginate(services.quotas_query(year))
    warnings = services.quota_warnings(year)
    return render_template("energy/quotas.html", form=form, page=page, year=year, warnings=warnings,
                           sources=_sources_by_code(),
                           years=_years()), form_status(form)


@bp.route("/measures", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def measures():
    form = MeasureForm()
    done = _saved(form, lambda: services.save_measure(form.to_draft(), actor=current_user, now=timeutil.now()),
                  lambda measure: url_for("energy.measure", measure_id=measure.id))
    if done is not None:
        return done
    page = paginate(services.measures_query())
    return render_template("energy/measures.html", form=form, page=page,
                           sources=_sources_by_code()), form_status(form)


@bp.route("/measures/<int:measure_id>")
@roles_required(*MANAGERS)
def measure(measure_id: int):
    found = db.session.get(SavingsMeasure, measure_id) or abort(404)
    effect = services.measure_effect(found)
    return render_template("energy/measure.html", effect=effect, chart=figures.measure_bars(effect))
