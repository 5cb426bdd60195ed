from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask import abort, current_app, flash, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectChoice

from portal import files, timeutil
from portal.confirm import confirmation_page, confirmed
from portal.blueprints.equipment import EDITORS, VIEWERS, WORKERS, bp
from portal.blueprints.equipment import budget as budgets
from portal.blueprints.equipment.export import budget_workbook, register_workbook
from portal.blueprints.equipment.forms import (
    AssetForm,
    DocumentForm,
    DoneForm,
    ImportForm,
    LinkRepairForm,
    PlanForm,
    PublicReportForm,
    ReadingForm,
    ResumePlanForm,
    StartRoundForm,
    StopPlanForm,
)
from portal.blueprints.equipment.models import (
    Asset,
    AssetCategory,
    CheckResult,
    Condition,
    MaintenancePlan,
)
from portal.blueprints.equipment.services import (
    CATEGORY_FACTS,
    DueState,
    Filters,
    Finding,
    all_assets_for_export,
    asset_view,
    building_choices,
    counter_soon,
    create_asset,
    add_document,
    create_plan,
    due_counts,
    due_lines,
    due_query,
    find_asset,
    find_document,
    find_round,
    finish_round,
    floor_choices,
    counter_readings,
    link_repair,
    record_maintenance,
    record_reading,
    register_page,
    register_query,
    remove_document,
    resume_plan,
    room_choices,
    round_summary,
    rounds_query,
    start_round,
    stop_plan,
    update_asset,
    update_plan,
)
from portal.cache import cached, cached_facts, kept_page, read_tokens
from portal.db import db
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to, render
from portal.labels import badge, label
from portal.paging import ListPage
from portal.requestargs import arg_enum, arg_int, arg_page, paginate
from portal.rules import RuleViolation
from portal.security import roles_required
from portal.templating import money
from portal.spreadsheets import XLSX_MIMETYPE

DUE_HORIZONS = (30, 90, 365)


def _page(template: str, partial: Any = None, **context: Any):
    context.setdefault("can_edit", current_user.has_role(*EDITORS))
    context.setdefault("can_work", current_user.has_role(*WORKERS))
    context.update(DueState=DueState, CheckResult=CheckResult)
    return render(template, partial, **context)


def load_asset(asset_id: int) -> Asset:
    asset = find_asset(asset_id)
    if asset is None:
        abort(404)
    return asset


def load_plan(plan_id: int) -> MaintenancePlan:
    plan = db.session.get(MaintenancePlan, plan_id)
    if plan is None:
        abort(404)
    return plan


def _filters() -> Filters:
    return Filters(
        category=arg_enum("category", AssetCategory),
        building=arg_int("building"),
        condition=arg_enum("condition", Condition),
        q=request.args.get("q", "").strip()[:60],
    )


# --- the register ----------------------------------------------------------------------------


# What the register page is drawn from: the items, and the buildings, floors and rooms they are in.
REGISTER_DATA = ("equipment", "building")


@lru_cache(maxsize=4096)
def shown_money(amount: Decimal, locale: str) -> str:
    """``amount|money`` in ``locale`` (the current one): prices repeat down the register."""
    return money(amount)


class _Labels(dict):
    """Labels (or badges) of the members met, put into words when first met: a page shows a few."""

    def __init__(self, word: Callable[[Any], Any]) -> None:
        super().__init__()
        self.word = word

    def __missing__(self, member: Any) -> Any:
        self[member] = shown = self.word(member)
        return shown


def draw_register(filters: Filters, page: int) -> Markup:
    """The register's table for ``filters`` and ``page``: the same for every viewer."""
    locale = str(get_locale())
    listed = register_page(filters, page, current_app.config["PAGE_SIZE"])
    categories, conditions = _Labels(lambda category: str(category.label)), _Labels(badge)
    rows = [(row.id, row.code, row.name, categories[row.category], row.where, row.install_date.isoformat(),
             row.end_of_life_year, conditions[row.condition], shown_money(row.replacement_cost, locale))
            for row in listed.items]
    return Markup(render_template("equipment/_table.html", page=listed, rows=rows, args=filters.url_args()))


@bp.route("/")
@kept_page(REGISTER_DATA, signed_in=True)
@roles_required(*VIEWERS)
def index():
    filters = _filters()
    page = arg_page()
    tokens = read_tokens(REGISTER_DATA)
    table = cached(REGISTER_DATA, ("equipment.register", filters, page, str(get_locale())),
                   lambda: draw_register(filters, page), tokens=tokens)
    return _page(
        "equipment/index.html",
        table,
        table=table,
        filters=filters,
        args=filters.url_args(),
        # the buildings to choose from: data alone, kept apart from the drawings
        buildings=cached_facts(("building",), "equipment.building_choices", building_choices, tokens=tokens),
        categories=list(AssetCategory),
        conditions=list(Condition),
    )


@bp.route("/register.xlsx")
@roles_required(*VIEWERS)
def export():
    filters = _filters()
    now = timeutil.now()
    data = register_workbook(all_assets_for_export(filters), now).to_bytes()
    from io import BytesIO

    return send_file(BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=_("equipment-%(day)s.xlsx", day=now.date().isoformat()))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*EDITORS)
def import_page():
    """Add or update items from a workbook in the export's layout; one bad row and nothing is saved."""
    from portal.blueprints.equipment.exchange import import_register

    form = ImportForm()
    if form.validate_on_submit():
        try:
            result = import_register(form.workbook.data.read(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            if error.status not in (413, 422):
                raise
            form.workbook.errors = [*form.workbook.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Imported: %(added)s added, %(updated)s updated.", added=result.added, updated=result.updated),
                  "success")
            return redirect_to(url_for("equipment.index"))
    return _page("equipment/import.html", form=form, status=form_status(form))


def _asset_form_choices(form: AssetForm) -> None:
    form.floor_id.choices = [SelectChoice("", _("— choose —"))] + [SelectChoice(i, n) for i, n in floor_choices()]
    form.room_id.choices = [SelectChoice("", _("— none —"))] + [SelectChoice(i, n) for i, n in room_choices()]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():
    form = AssetForm()
    _asset_form_choices(form)
    if request.method == "GET":
        form.condition_date.data = timeutil.now().date()
    if form.validate_on_submit():
        try:
            asset = create_asset(form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("%(code)s is in the register.", code=asset.code), "success")
            return redirect_to(url_for("equipment.detail", asset_id=asset.id))
    return _page("equipment/form.html", form=form, asset=None, status=form_status(form))


@bp.route("/<int:asset_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(asset_id: int):
    asset = load_asset(asset_id)
    form = AssetForm(obj=asset if request.method == "GET" else None)
    _asset_form_choices(form)
    if request.method == "GET":
        form.category.data = asset.category.value
        form.condition.data = asset.condition.value
    if form.validate_on_submit():
        try:
            update_asset(asset, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("%(code)s is saved.", code=asset.code), "success")
            return redirect_to(url_for("equipment.detail", asset_id=asset.id))
    return _page("equipment/form.html", form=form, asset=asset, status=form_status(form))


def _render_detail(asset: Asset, *, plan_form: PlanForm | None = None, done_forms: dict | None = None,
                   link_form: LinkRepairForm | None = None, document_form: DocumentForm | None = None,
                   reading_form: ReadingForm | None = None, status: int = 200):
    now = timeutil.now()
    view = asset_view(asset, now)
    done_forms = done_forms or {}
    for plan in view.plans:
        done_forms.setdefault(plan.id, DoneForm(formdata=None, data={"done_on": now.date()}, prefix=f"p{plan.id}"))
    return _page(
        "equipment/detail.html",
        view=view,
        asset=asset,
        plan_form=plan_form or PlanForm(formdata=None),
        done_forms=done_forms,
        link_form=link_form or LinkRepairForm(formdata=None),
        document_form=document_form or DocumentForm(formdata=None, prefix="doc"),
        reading_form=reading_form or ReadingForm(formdata=None, data={"read_on": now.date()}),
        readings=counter_readings(asset),
        counter_soon=counter_soon,
        by_counter=any(plan.unit.by_counter for plan in view.plans) or asset.counter_total is not None,
        delete_form=EmptyForm(formdata=None),
        accept=files.accept_attribute(),
        today=now.date(),
        status=status,
    )


@bp.route("/<int:asset_id>")
@roles_required(*VIEWERS)
def detail(asset_id: int):
    return _render_detail(load_asset(asset_id))


@bp.route("/<int:asset_id>/plans", methods=["POST"])
@roles_required(*EDITORS)
def add_plan(asset_id: int):
    asset = load_asset(asset_id)
    form = PlanForm()
    if form.validate_on_submit():
        try:
            create_plan(asset, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The plan is added."), "success")
            return redirect_to(url_for("equipment.detail", asset_id=asset.id))
    return _render_detail(asset, plan_form=form, status=422)


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_plan(plan_id: int):
    plan = load_plan(plan_id)
    form = PlanForm(obj=plan if request.method == "GET" else None)
    if request.method == "GET":
        form.first_due.data = plan.next_due
        form.kind.data, form.unit.data = plan.kind.value, plan.unit.value
    if form.validate_on_submit():
        try:
            update_plan(plan, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The plan is saved; it continues from the date given."), "success")
            return redirect_to(url_for("equipment.detail", asset_id=plan.asset_id))
    return _plan_page(plan, form=form, status=form_status(form))


def _plan_page(plan: MaintenancePlan, *, form: PlanForm | None = None, stop_form: StopPlanForm | None = None,
               resume_form: ResumePlanForm | None = None, status: int = 200):
    today = timeutil.now().date()
    if form is None:
        form = PlanForm(formdata=None, obj=plan, data={"first_due": plan.next_due, "kind": plan.kind.value,
                                                       "unit": plan.unit.value})
    return _page("equipment/plan_form.html", form=form, plan=plan, status=status,
                 stop_form=stop_form or StopPlanForm(formdata=None, data={"stopped_on": today}),
                 resume_form=resume_form or ResumePlanForm(formdata=None, data={"next_due": today}))


@bp.route("/plans/<int:plan_id>/stop", methods=["POST"])
@roles_required(*EDITORS)
def stop_plan_page(plan_id: int):
    plan = load_plan(plan_id)
    form = StopPlanForm()
    if form.validate_on_submit():
        try:
            stop_plan(plan, stopped_on=form.stopped_on.data, reason=form.reason.data or "", actor=current_user,
                      now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            if plan.active:
                flash(_("The plan stops on %(day)s; the work due %(due)s is still owed.",
                        day=plan.stopped_on.isoformat(), due=plan.next_due.isoformat()), "success")
            else:
                flash(_("The plan is stopped; no more work is due from it."), "success")
            return redirect_to(url_for("equipment.detail", asset_id=plan.asset_id))
    return _plan_page(load_plan(plan_id), stop_form=form, status=422)


@bp.route("/plans/<int:plan_id>/resume", methods=["POST"])
@roles_required(*EDITORS)
def resume_plan_page(plan_id: int):
    plan = load_plan(plan_id)
    form = ResumePlanForm()
    if form.validate_on_submit():
        try:
            resume_plan(plan, next_due=form.next_due.data, actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The plan runs again; next due %(day)s.", day=plan.next_due.isoformat()), "success")
            return redirect_to(url_for("equipment.detail", asset_id=plan.asset_id))
    return _plan_page(load_plan(plan_id), resume_form=form, status=422)


@bp.route("/plans/<int:plan_id>/done", methods=["POST"])
@roles_required(*WORKERS)
def plan_done(plan_id: int):
    plan = load_plan(plan_id)
    form = DoneForm(prefix=f"p{plan.id}")
    if form.validate_on_submit():
        try:
            record_maintenance(plan, done_on=form.done_on.data, cost=form.cost.data, note=form.note.data or "",
                               actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            if error.status != 422:
                raise
            error.show_on(form)
        else:
            db.session.commit()
            if plan.unit.by_counter:
                flash(_("Recorded; next due at a reading of %(reading)s.", reading=plan.due_reading), "success")
            elif plan.active:
                flash(_("Recorded; next due %(day)s.", day=plan.next_due.isoformat()), "success")
            else:
                flash(_("Recorded; the plan is stopped, nothing more is due."), "success")
            if request.form.get("back") == "due":
                return redirect_to(url_for("equipment.due"))
            return redirect_to(url_for("equipment.detail", asset_id=plan.asset_id))
    return _render_detail(load_asset(plan.asset_id), done_forms={plan.id: form}, status=422)


@bp.route("/<int:asset_id>/repairs", methods=["POST"])
@roles_required(*WORKERS)
def add_repair(asset_id: int):
    asset = load_asset(asset_id)
    form = LinkRepairForm()
    if form.validate_on_submit():
        try:
            link_repair(asset, form.repair_id.data, actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Repair no. %(id)s is tied to %(code)s.", id=form.repair_id.data, code=asset.code), "success")
            return redirect_to(url_for("equipment.detail", asset_id=asset.id))
    return _render_detail(asset, link_form=form, status=422)


@bp.route("/<int:asset_id>/readings", methods=["POST"])
@roles_required(*WORKERS)
def add_reading(asset_id: int):
    asset = load_asset(asset_id)
    form = ReadingForm()
    if form.validate_on_submit():
        try:
            record_reading(asset, read_on=form.read_on.data, value=form.value.data, replaced=form.replaced.data,
                           actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Reading %(value)s of %(code)s recorded.", value=form.value.data, code=asset.code), "success")
            return redirect_to(url_for("equipment.detail", asset_id=asset.id))
    return _render_detail(load_asset(asset_id), reading_form=form, status=422)


# --- documents -----------------------------------------------------------------------------


def load_document(document_id: int):
    document = find_document(document_id)
    if document is None:
        abort(404)
    return document


@bp.route("/<int:asset_id>/documents", methods=["POST"])
@roles_required(*EDITORS)
def add_document_page(asset_id: int):
    asset = load_asset(asset_id)
    form = DocumentForm(prefix="doc")  # beside the plan form on the item page: ids of its own
    status = 422
    if form.validate_on_submit():
        try:
            document = add_document(asset, form.kind.data, form.title.data or "", form.file.data,
                                    actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
            status = error.status
        else:
            db.session.commit()
            flash(_("%(name)s is kept with %(code)s.", name=document.file.name, code=asset.code), "success")
            return redirect_to(url_for("equipment.detail", asset_id=asset.id))
    return _render_detail(asset, document_form=form, status=status)


@bp.route("/documents/<int:document_id>")
@roles_required(*VIEWERS)
def document(document_id: int):
    return files.send(load_document(document_id).file)


@bp.route("/documents/<int:document_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete_document(document_id: int):
    document = load_document(document_id)
    back = url_for("equipment.detail", asset_id=document.asset_id)
    if not EmptyForm().validate_on_submit():
        return redirect_to(back)
    name = document.file.name
    if not confirmed():
        return confirmation_page(_("Delete %(name)s?", name=name),
                                 detail=_("The file is removed from %(code)s for good.", code=document.asset.code),
                                 button=_("Delete the file"), cancel_url=back)
    remove_document(document, actor=current_user, now=timeutil.now())
    db.session.commit()
    flash(_("%(name)s is deleted.", name=name), "success")
    return redirect_to(back)


# --- planned maintenance due ---------------------------------------------------------------


@bp.route("/due")
@roles_required(*VIEWERS)
def due():
    now = timeutil.now()
    horizon = arg_int("days", 30, minimum=0, maximum=366)
    page = paginate(due_query(now.date(), horizon))
    return _page(
        "equipment/due.html",
        page=page,
        lines=due_lines(page.items, now.date()),
        horizon=horizon,
        horizons=DUE_HORIZONS,
        counts=due_counts(now),
        today=now.date(),
    )


# --- inspection rounds ------------------------------------------------------------------------


def _start_form(form: StartRoundForm | None = None) -> StartRoundForm:
    form = form or StartRoundForm(formdata=None)
    form.building.choices = [SelectChoice("", _("— choose —"))] + [SelectChoice(i, n) for i, n in building_choices()]
    return form


@bp.route("/rounds", methods=["GET", "POST"])
@roles_required(*VIEWERS)
def rounds():
    form = _start_form(StartRoundForm() if request.method == "POST" else None)
    if request.method == "POST":
        if not current_user.has_role(*WORKERS):
            abort(403)
        if form.validate_on_submit():
            try:
                round_ = start_round(form.category.data, form.building.data, actor=current_user, now=timeutil.now())
            except RuleViolation as error:
                db.session.rollback()
                error.show_on(form)
            else:
                db.session.commit()
                return redirect_to(url_for("equipment.round_page", round_id=round_.id))
    page = paginate(rounds_query())
    return _page("equipment/rounds.html", form=form, page=page,
                 summaries={r.id: round_summary(r) for r in page.items}, status=form_status(form))


@bp.route("/rounds/<int:round_id>", methods=["GET", "POST"])
@roles_required(*VIEWERS)
def round_page(round_id: int):
    round_ = find_round(round_id)
    if round_ is None:
        abort(404)
    form = EmptyForm()
    error, error_field, status = "", "", 200
    given: dict[int, Finding] = {}
    if request.method == "POST":
        if not current_user.has_role(*WORKERS):
            abort(403)
        given = {line.asset_id: Finding(request.form.get(f"result-{line.asset_id}") or None,
                                        (request.form.get(f"finding-{line.asset_id}") or "")[:500])
                 for line in round_.results}
        if form.validate_on_submit():
            try:
                opened = finish_round(round_, given, note=(request.form.get("note") or "")[:1000],
                                      actor=current_user, now=timeutil.now())
            except RuleViolation as failure:
                db.session.rollback()
                if failure.status != 422:
                    raise
                error, error_field, status = str(failure), failure.field or "", 422
                round_ = find_round(round_id)
            else:
                db.session.commit()
                if opened:
                    flash(_("Round saved; %(num)s repair(s) opened for the failed items.", num=len(opened)), "success")
                else:
                    flash(_("Round saved; everything passed."), "success")
                return redirect_to(url_for("equipment.round_page", round_id=round_id))
        else:
            error, status = _("The form expired; send it again."), 422
    return _page("equipment/round.html", round=round_, form=form, given=given, error=error, error_field=error_field,
                 checklist=CATEGORY_FACTS[round_.category].checklist, results=CheckResult.choices(),
                 summary=round_summary(round_), status=status)


# --- the budget ---------------------------------------------------------------------------------


BUDGET_DATA = ("building", "equipment", "repairs")  # the register, its costs, the repairs tied to its items


def money_formatter() -> Callable[[Decimal], str]:
    """``|money`` for the many amounts of a table: the language looked up once, not for each amount."""
    if money(Decimal("-1234.5")) == "\u2212¥1,234.50":  # the language writes amounts as Python does
        return lambda amount: ("\u2212¥" if amount < 0 else "¥") + format(abs(amount), ",.2f")
    return money


@dataclass(frozen=True, slots=True)
class BudgetDrawing:
    """The plan and its tables and chart as the page shows them, in one language (plain values)."""

    plan: budgets.Plan
    total: str
    year_rows: tuple  # (year, (amount by tier …, total))
    history_years: tuple
    history_rows: tuple  # (category label, (maintenance, repairs, … by year))
    category_rows: tuple  # (category label, (amount by year …, total))
    bars: tuple
    paths: tuple  # (tier, SVG path) of the chart's bars
    chart_width: int
    line_counts: tuple  # (year, replacements, overhauls)
    line_count: int


def _draw_budget(plan: budgets.Plan) -> BudgetDrawing:
    projection = budgets.Projection(plan)
    shown = money_formatter()
    by_year, tiers = projection.by_year_tier(), list(budgets.Tier)
    totals = [sum(by_year[year].values(), budgets.ZERO) for year in projection.years]
    year_rows = tuple((year, (*(shown(by_year[year][tier]) for tier in tiers), shown(total)))
                      for year, total in zip(projection.years, totals))
    history = projection.history
    bars, width = budgets.chart(projection, by_year)
    named = {category: str(label(category)) for category in AssetCategory}  # translated once a drawing
    return BudgetDrawing(
        projection.plan, shown(sum(totals, budgets.ZERO)), year_rows,
        tuple(cell.year for cell in history[0].cells) if history else (),
        tuple((named[row.category], tuple(shown(amount) for cell in row.cells
                                          for amount in (cell.maintenance, cell.repairs))) for row in history),
        tuple((named[category], (*map(shown, values), shown(total)))
              for category, values, total in projection.by_category_year()),
        tuple(bars), budgets.chart_paths(bars), width,
        tuple((year, counts[budgets.Tier.MAJOR], counts[budgets.Tier.MEDIUM])
              for year, counts in sorted(projection.plan.counts_by_year().items())),
        projection.plan.line_count(),
    )


def _budget_drawing() -> BudgetDrawing:
    now = timeutil.now()
    assumptions = budgets.Assumptions.from_config(current_app.config, now.date())
    tokens = read_tokens(BUDGET_DATA)
    facts = cached_facts(BUDGET_DATA, "equipment.plan", budgets.register_facts, tokens=tokens)
    # The plan is the same in every language and on every day of the year: kept with the facts.
    plan = cached_facts(BUDGET_DATA, ("equipment.plan", assumptions, now.year),
                        lambda: budgets.plan_for(facts, assumptions, now.year), tokens=tokens)
    return cached(BUDGET_DATA, ("equipment.budget", assumptions, now.year, str(get_locale())),
                  lambda: _draw_budget(plan), tokens=tokens)


@bp.route("/budget")
@kept_page(BUDGET_DATA, signed_in=True)
@roles_required(*EDITORS)
def budget():
    drawing = _budget_drawing()
    return _page("equipment/budget.html", drawing=drawing, a=drawing.plan.assumptions,
                 chart_height=budgets.CHART_HEIGHT, bar_width=budgets.BAR_WIDTH, Tier=budgets.Tier)


@bp.route("/budget/lines")
@kept_page(BUDGET_DATA, signed_in=True)
@roles_required(*EDITORS)
def budget_lines():
    """The plan's replacements and overhauls with their reasons, a page at a time (of one year, or all)."""
    drawing = _budget_drawing()
    plan, year = drawing.plan, arg_int("year", minimum=1000, maximum=9999)
    number, size = arg_page(), current_app.config["PAGE_SIZE"]
    shown = money_formatter()
    lines = [(line.year, line.asset, line.tier, shown(line.amount), line.reasons)
             for line in plan.lines((number - 1) * size, number * size, year)]
    return _page("equipment/budget_lines.html", a=plan.assumptions, year=year, years=drawing.bars,
                 page=ListPage(lines, number, size, plan.line_count(year)))


@bp.route("/budget.xlsx")
@roles_required(*EDITORS)
def budget_export():
    drawing = _budget_drawing()
    projection = budgets.Projection(drawing.plan)
    from io import BytesIO

    places = budgets.plan_places({line.asset.id for line in projection.lines})
    data = budget_workbook(projection, places).to_bytes()
    return send_file(BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=_("equipment-budget-%(first)s-%(last)s.xlsx", first=projection.assumptions.first_year,
                                     last=projection.assumptions.last_year))


# --- QR labels and the public fault form ----------------------------------------------------


@bp.route("/labels")
@roles_required(*VIEWERS)
def labels():
    """A printable sheet of QR labels; scanning one opens the item's fault form."""
    import segno
    from markupsafe import Markup

    from portal.urls import external_url

    filters = _filters()
    page = paginate(register_query(filters), per_page=24)
    codes = {}
    for asset in page.items:
        url = external_url("equipment.report", code=asset.code)
        codes[asset.id] = (url, Markup(segno.make(url, error="m").svg_inline(scale=3, omitsize=True)))
    return _page("equipment/labels.html", page=page, codes=codes, filters=filters, args=filters.url_args(),
                 buildings=building_choices(), categories=list(AssetCategory), conditions=list(Condition))


@bp.route("/report/<code>", methods=["GET", "POST"])
def report(code: str):
    """The fault form a QR label opens: no login; name and phone required; floods refused."""
    from portal.blueprints.equipment.public import find_by_code, report_from_label

    asset = find_by_code(code[:40])
    if asset is None:
        abort(404)
    form = PublicReportForm()
    status = form_status(form)
    if form.validate_on_submit():
        if form.website.data:  # only robots fill the hidden field: say thanks, keep nothing
            return redirect_to(url_for("equipment.report_sent", code=asset.code))
        try:
            report_from_label(asset, form.to_draft(), address=request.remote_addr or "?", now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
            status = error.status
        else:
            db.session.commit()
            return redirect_to(url_for("equipment.report_sent", code=asset.code))
    return render("equipment/report.html", None, asset=asset, form=form, status=status)


@bp.route("/report/<code>/sent")
def report_sent(code: str):
    from portal.blueprints.equipment.public import find_by_code

    asset = find_by_code(code[:40])
    if asset is None:
        abort(404)
    return render("equipment/report_sent.html", None, asset=asset)
