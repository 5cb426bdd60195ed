"""The utilities pages: load (404/403), read the form, call a service, commit, redirect.

Every read a page needs is a service function; every change is a service
given the acting user and the time. A refused change rolls back and shows the
rule's message on the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO

from flask import abort, flash, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import false, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from portal import timeutil
from portal.blueprints.utilities import BILL_VIEWERS, MANAGERS, METER_READERS, UTILITIES_USERS, bp, services, xlsx
from portal.blueprints.utilities.forms import (
    AdjustmentForm,
    CloseMonthForm,
    CorrectReplacementForm,
    ImportForm,
    InvoiceForm,
    MeterForm,
    ReplaceMeterForm,
)
from portal.blueprints.utilities.models import (
    AllocationKey,
    BillingMonth,
    CommonArea,
    Meter,
    MeterKind,
    Supply,
    UnitBill,
)
from portal.blueprints.utilities.readings import parse_reading
from portal.blueprints.utilities.services import MeterRow
from portal.blueprints.utilities.tables import anomaly_rows
from portal.cache import cached, kept_page
from portal.confirm import confirmation_page, confirmed
from portal.db import db
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to, render
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.requestargs import arg_enum, arg_int, paginate
from portal.rules import RuleViolation
from portal.security import ADMINS, roles_required
from portal.text import clean_text

# --- loading with 404/403 -------------------------------------------------


def is_manager() -> bool:
    return current_user.has_role(*MANAGERS)


def load_period(text: str) -> date:
    """A month in the URL (``2025-07``); 404 for nonsense and for the future."""
    period = services.parse_period(text)
    if period is None or not services.period_is_open_for_reading(period, timeutil.today()):
        abort(404)
    return period


def load_meter(meter_id: int) -> Meter:
    meter = db.session.scalar(
        select(Meter).options(joinedload(Meter.unit), joinedload(Meter.parent)).where(Meter.id == meter_id)
    )
    if meter is None:
        abort(404)
    return meter


def load_bill(bill_id: int) -> UnitBill:
    """A bill its viewer may read (see ``services.may_read_bill``)."""
    bill = db.session.scalar(
        select(UnitBill)
        .options(
            joinedload(UnitBill.month).selectinload(BillingMonth.invoices),
            joinedload(UnitBill.unit),
            selectinload(UnitBill.lines),
            selectinload(UnitBill.adjustments),
        )
        .where(UnitBill.id == bill_id)
    )
    if bill is None:
        abort(404)
    if not services.may_read_bill(current_user, bill):
        abort(403)
    return bill


def xlsx_response(data: bytes, filename: str):
    return send_file(BytesIO(data), mimetype=xlsx.XLSX_MIMETYPE, as_attachment=True, download_name=filename)


# --- overview -------------------------------------------------------------


@bp.route("/")
@roles_required(*UTILITIES_USERS)
def index():
    context: dict[str, object] = {"months": None, "unit_bills": None, "work_periods": []}
    if current_user.has_role(*METER_READERS):
        months = paginate(services.months_query())
        context.update(
            months=months,
            reading_counts=services.reading_counts([m.id for m in months.items]),
            work_periods=services.work_periods(timeutil.today()),
        )
    if current_user.has_role(Role.UNIT_ADMIN):
        context["unit_bills"] = services.latest_bills(current_user.unit_id or 0, 6)
    # Only the months table has a fragment of its own; a unit administrator has none.
    partial = "utilities/_months_table.html" if context["months"] is not None else None
    return render("utilities/index.html", partial, is_manager=is_manager(), **context)


# --- a month --------------------------------------------------------------


# What the month page's blocks are drawn from (unit names, floor areas and
# headcounts too): a change to any of them draws them again.
MONTH_DATA = services.MONTH_AREAS


@dataclass(frozen=True)
class MonthDrawing:
    """The month page's blocks as drawn, and what the rest of the page needs to know of them."""

    blocks: Markup
    final: bool
    closed: bool
    closable: bool
    warnings: bool


def draw_month(period: date, with_money: bool, month: BillingMonth | None) -> MonthDrawing:
    overview = services.month_overview(period, with_money=with_money, month=month)
    blocks = render_template(
        "utilities/_month_blocks.html",
        anomaly_rows=anomaly_rows,
        overview=overview,
        review=overview.review,
        label=overview.label,
        final=overview.final,
        is_manager=with_money,
        invoices=overview.invoices,
    )
    return MonthDrawing(Markup(blocks), overview.final, overview.closed, overview.closable, bool(overview.review.warnings))


def render_month(period: date, *, close_form: CloseMonthForm | None = None, status: int = 200):
    with_money = is_manager()
    key = ("utilities.month", period, str(get_locale()), with_money)
    month = services.get_month(period)
    drawing = cached(MONTH_DATA, key, lambda: draw_month(period, with_money, month))
    bills = None
    if with_money and drawing.closed and month is not None:
        bills = paginate(services.bills_query(month_id=month.id))
    return render(
        "utilities/month.html",
        drawing=drawing,
        month=month,
        label=f"{period:%Y-%m}",
        bills=bills,
        close_form=(close_form or CloseMonthForm()) if drawing.closable else None,
        status=status,
    )


@bp.route("/months/<period>")
@kept_page(MONTH_DATA, signed_in=True)
@roles_required(*METER_READERS)
def month(period: str):
    return render_month(load_period(period))


@bp.route("/months/<period>/close", methods=["POST"])
@roles_required(*MANAGERS)
def close_month(period: str):
    when = load_period(period)
    label = f"{when:%Y-%m}"
    form = CloseMonthForm()
    if form.validate_on_submit():
        try:
            if not confirmed():
                bills = services.check_closable(when, confirm_warnings=form.confirm_warnings.data)
                return confirmation_page(
                    _("Close %(month)s and make the bills?", month=label),
                    detail=ngettext(
                        "%(num)s bill will be made. Afterwards nothing of this month can be edited; "
                        "a mistake is corrected by an adjustment on a bill.",
                        "%(num)s bills will be made. Afterwards nothing of this month can be edited; "
                        "a mistake is corrected by an adjustment on a bill.",
                        bills,
                    ),
                    button=_("Close %(month)s and make the bills", month=label),
                    cancel_url=url_for("utilities.month", period=label),
                    danger=False,
                )
            services.close_month(
                when,
                actor=current_user,
                now=timeutil.now(),
                confirm_warnings=form.confirm_warnings.data,
                note=form.note.data or "",
            )
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("%(month)s is closed and the bills are ready.", month=label), "success")
            return redirect_to(url_for("utilities.month", period=label))
    return render_month(when, close_form=form, status=form_status(form))


@bp.route("/months/<period>/bills.xlsx")
@roles_required(*MANAGERS)
def month_bills_xlsx(period: str):
    when = load_period(period)
    month = services.get_month(when)
    if month is None or not month.closed:
        abort(404)
    return xlsx_response(xlsx.bills_workbook(month.label, services.month_bills(month)), f"bills-{month.label}.xlsx")


# --- readings -------------------------------------------------------------


def parse_grid(rows: list[MeterRow], formdata: Mapping[str, str]):
    """The grid's values by meter id, and the errors by meter id. A meter
    missing from the form (added since the page was loaded) is left alone."""
    values: dict[int, Decimal | None] = {}
    errors: dict[int, object] = {}
    posted: dict[int, str] = {}
    for row in rows:
        name = f"m-{row.meter.id}"
        if not row.needs_reading or name not in formdata:
            continue
        posted[row.meter.id] = formdata[name]
        try:
            values[row.meter.id] = parse_reading(formdata[name], row.meter.rollover_at)
        except RuleViolation as error:
            errors[row.meter.id] = error.message
    return values, errors, posted


def render_readings(
    period: date,
    review: services.MonthReview,
    *,
    form: EmptyForm | None = None,
    import_form: ImportForm | None = None,
    errors: Mapping[int, object] | None = None,
    posted: Mapping[int, str] | None = None,
    import_problems: list | None = None,
    status: int = 200,
):
    return render(
        "utilities/readings.html",
        period=period,
        label=f"{period:%Y-%m}",
        review=review,
        month=review.month,
        final=services.is_final(period),
        form=form or EmptyForm(),
        import_form=import_form or ImportForm(),
        errors=errors or {},
        posted=posted or {},
        import_problems=import_problems or [],
        status=status,
    )


@bp.route("/months/<period>/readings", methods=["GET", "POST"])
@roles_required(*METER_READERS)
def readings(period: str):
    when = load_period(period)
    review = services.review_month(when)
    form = EmptyForm()
    if request.method == "GET":
        return render_readings(when, review, form=form)
    errors: dict[int, object] = {}
    posted: dict[int, str] = {}
    values: dict[int, Decimal | None] = {}
    if form.validate_on_submit():
        values, errors, posted = parse_grid(review.rows, request.form)
        if errors:
            form.form_errors.append(
                ngettext("%(num)s reading needs correcting; nothing was saved.",
                         "%(num)s readings need correcting; nothing was saved.", len(errors))
            )
        else:
            try:
                changes = services.save_readings(
                    when, values, actor=current_user, now=timeutil.now(), clear_missing=True
                )
            except RuleViolation as error:
                db.session.rollback()
                error.show_on(form)
            else:
                db.session.commit()
                if changes.any:
                    flash(
                        _("Readings saved: %(added)s new, %(changed)s changed, %(cleared)s cleared.",
                          added=changes.added, changed=changes.changed, cleared=changes.cleared),
                        "success",
                    )
                else:
                    flash(_("Nothing had changed."), "info")
                return redirect_to(url_for("utilities.readings", period=f"{when:%Y-%m}"))
    # The grid comes back worked out from what was typed: use, rollovers and warnings of every row.
    draft = services.review_month(when, typed={k: v for k, v in values.items() if k not in errors}) if values else review
    return render_readings(when, draft, form=form, errors=errors, posted=posted, status=form_status(form))


@bp.route("/months/<period>/readings/<int:meter_id>/check")
@roles_required(*METER_READERS)
def check_reading(period: str, meter_id: int):
    """What a typed reading means (use, rollover, jump), for the grid as you type."""
    when = load_period(period)
    raw = request.args.get(f"m-{meter_id}", "")[:40]
    check = services.check_reading(when, meter_id, raw)
    if check is None:
        abort(404)
    return render(
        "utilities/reading_check.html",
        "utilities/_reading_check.html",
        row=check.row,
        raw=check.raw,
        value=check.value,
        usage=check.usage,
        jump=check.jump,
        error=check.error,
        label=f"{when:%Y-%m}",
    )


@bp.route("/months/<period>/readings.xlsx")
@roles_required(*METER_READERS)
def readings_xlsx(period: str):
    when = load_period(period)
    export = services.readings_export(when, with_money=is_manager())
    return xlsx_response(xlsx.readings_sheet(export), f"readings-{export.label}.xlsx")


def import_message(count: int, changes: services.ReadingChanges) -> str:
    """How many readings the sheet changed, not how many it held."""
    changed = changes.added + changes.changed
    if not changed:
        return ngettext("The sheet's %(num)s reading was already stored; nothing changed.",
                        "The sheet's %(num)s readings were already stored; nothing changed.", count)
    message = ngettext("%(num)s reading changed", "%(num)s readings changed", changed)
    message += _(" (%(added)s new, %(changed)s corrected).", added=changes.added, changed=changes.changed)
    if count > changed:
        message += " " + ngettext("%(num)s was already stored.", "%(num)s were already stored.", count - changed)
    return message


@bp.route("/months/<period>/import", methods=["POST"])
@roles_required(*METER_READERS)
def import_readings(period: str):
    when = load_period(period)
    review = services.review_month(when)
    import_form = ImportForm()
    problems: list[xlsx.ImportProblem] = []
    if import_form.validate_on_submit():
        meters = {row.meter.code: row.meter for row in review.rows if row.needs_reading}
        result = xlsx.parse_readings_workbook(
            import_form.workbook.data.read(),
            meters,
            xlsx.accepted_headers(xlsx.CODE_HEADER),
            xlsx.accepted_headers(xlsx.READING_HEADER),
            no_reading_codes=[row.meter.code for row in review.rows if not row.needs_reading],
        )
        problems = result.problems
        if not problems and not result.values:
            problems = [xlsx.ImportProblem(None, "", _l("The sheet has no readings to import."))]
        if not problems:
            try:
                changes = services.save_readings(
                    when, result.values, actor=current_user, now=timeutil.now(), clear_missing=False
                )
            except RuleViolation as error:
                db.session.rollback()
                problems = [xlsx.ImportProblem(None, "", error.message)]
            else:
                db.session.commit()
                flash(import_message(len(result.values), changes), "success" if changes.any else "info")
                return redirect_to(url_for("utilities.readings", period=f"{when:%Y-%m}"))
    return render_readings(when, review, import_form=import_form, import_problems=problems, status=422)


# --- invoices -------------------------------------------------------------


@bp.route("/months/<period>/invoices/<supply>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def invoice(period: str, supply: str):
    when = load_period(period)
    if supply not in Supply._value2member_map_:
        abort(404)
    kind = Supply(supply)
    month = services.get_month(when)
    current = services.get_invoice(month, kind)
    form = InvoiceForm(obj=current)
    main_usage = services.review_month(when).total(kind, MeterKind.MAIN)
    if request.method == "GET" and current is None and main_usage:
        form.consumption.data = main_usage  # the utility reads the same main meter
    if form.validate_on_submit():
        try:
            services.save_invoice(
                when,
                kind,
                amount=form.amount.data,
                consumption=form.consumption.data,
                allocation_key=AllocationKey(form.allocation_key.data),
                invoice_no=form.invoice_no.data or "",
                actor=current_user,
                now=timeutil.now(),
            )
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The %(supply)s invoice for %(month)s is saved.", supply=kind.label, month=f"{when:%Y-%m}"), "success")
            return redirect_to(url_for("utilities.month", period=f"{when:%Y-%m}"))
    return render(
        "utilities/invoice_form.html",
        form=form,
        supply=kind,
        label=f"{when:%Y-%m}",
        month=month,
        final=services.is_final(when),
        main_usage=main_usage,
        status=form_status(form),
    )


# --- meters ---------------------------------------------------------------

METER_STATUSES = ("active", "removed", "all")


@bp.route("/meters/")
@roles_required(*METER_READERS)
def meters():
    q = (clean_text(request.args.get("q", "")) or "")[:40]
    supply = arg_enum("supply", Supply)
    kind = arg_enum("kind", MeterKind)
    status = request.args.get("status", "active")
    if status not in METER_STATUSES:
        status = "active"
    page = paginate(services.meters_query(q, supply, kind, status))
    return render(
        "utilities/meters.html",
        "utilities/_meters_table.html",
        page=page,
        q=q,
        supply=supply.value if supply else "",
        kind=kind.value if kind else "",
        in_service=status,
        is_manager=is_manager(),
    )


@bp.route("/meters/<int:meter_id>")
@roles_required(*METER_READERS)
def meter(meter_id: int):
    meter = load_meter(meter_id)
    book = services.MeterBook.load()
    history = paginate(services.meter_history_query(meter))
    return render(
        "utilities/meter.html",
        meter=meter,
        chain=book.chain(book.by_id[meter.id]),
        history=history,
        usage=services.meter_usage(meter, history.items),
        locked=services.meter_is_locked(meter),
        correctable=services.replacement_is_correctable(meter),
        is_manager=is_manager(),
    )


def meter_choices(form: MeterForm) -> None:
    form.parent_id.choices = [SelectChoice("0", "—")] + [
        SelectChoice(str(m.id), f"{m.code} {m.name} ({m.supply.label})") for m in services.main_meters()
    ]
    form.unit_id.choices = [SelectChoice("0", "—")] + [SelectChoice(str(u.id), u.name) for u in services.all_units()]


def meter_changes(form: MeterForm, locked: bool) -> dict[str, object]:
    """The meter's fields from the form: labels always, the rest while not locked."""
    data: dict[str, object] = {
        "code": form.code.data,
        "name": form.name.data,
        "serial_no": form.serial_no.data or "",
        "area": CommonArea(form.area.data) if form.area.data else None,
        "note": form.note.data or "",
    }
    if not locked:
        data.update(
            supply=Supply(form.supply.data),
            kind=MeterKind(form.kind.data),
            unit_id=form.unit_id.data or None,
            parent_id=form.parent_id.data or None,
            multiplier=form.multiplier.data,
            rollover_at=form.rollover_at.data,
            installed_on=form.installed_on.data,
            initial_reading=form.initial_reading.data,
        )
    return data


@bp.route("/meters/new", methods=["GET", "POST"])
@bp.route("/meters/<int:meter_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_meter(meter_id: int | None = None):
    meter = load_meter(meter_id) if meter_id is not None else None
    locked = services.meter_is_locked(meter) if meter is not None else False
    form = MeterForm(obj=meter)
    if locked:
        for name in services.LOCKED_FIELDS:
            delattr(form, name)
    else:
        meter_choices(form)
    if request.method == "GET" and meter is None:
        form.installed_on.data = timeutil.today()
    if form.validate_on_submit():
        data = meter_changes(form, locked)
        try:
            if meter is None:
                meter = services.create_meter(Meter(**data), actor=current_user, now=timeutil.now())
            else:
                services.update_meter(meter, data, actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
            if meter is not None and meter.id is None:
                meter = None
        else:
            db.session.commit()
            flash(_("Meter %(code)s saved.", code=meter.code), "success")
            return redirect_to(url_for("utilities.meter", meter_id=meter.id))
    return render("utilities/meter_form.html", form=form, meter=meter, locked=locked, status=form_status(form))


@bp.route("/meters/<int:meter_id>/replace", methods=["GET", "POST"])
@roles_required(*METER_READERS)
def replace_meter(meter_id: int):
    meter = load_meter(meter_id)
    form = ReplaceMeterForm()
    if request.method == "GET":
        form.removed_on.data = timeutil.today()
        form.multiplier.data = meter.multiplier
        form.rollover_at.data = meter.rollover_at
    if meter.active and form.validate_on_submit():
        try:
            successor = services.replace_meter(meter, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Meter %(old)s is replaced by %(new)s.", old=meter.code, new=successor.code), "success")
            return redirect_to(url_for("utilities.meter", meter_id=successor.id))
    elif not meter.active and request.method == "POST":
        form.form_errors.append(_("This meter has already been taken out of service."))
    return render("utilities/replace_form.html", form=form, meter=meter, status=form_status(form))


@bp.route("/meters/<int:meter_id>/replacement", methods=["GET", "POST"])
@roles_required(*METER_READERS)
def correct_replacement(meter_id: int):
    """Correct a replacement's final reading (old meter) or first reading (new meter) until its month closes."""
    meter = load_meter(meter_id)
    successor = meter.replaced_by
    if meter.removed_on is None or successor is None:
        abort(404)
    form = CorrectReplacementForm()
    if request.method == "GET":
        form.final_reading.data = meter.final_reading
        form.initial_reading.data = successor.initial_reading
    if form.validate_on_submit():
        try:
            services.correct_replacement(
                meter,
                final_reading=form.final_reading.data,
                initial_reading=form.initial_reading.data,
                actor=current_user,
                now=timeutil.now(),
            )
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
            meter = load_meter(meter_id)
        else:
            db.session.commit()
            flash(_("The readings of the replacement %(old)s → %(new)s are corrected.",
                    old=meter.code, new=successor.code), "success")
            return redirect_to(url_for("utilities.meter", meter_id=meter.id))
    return render(
        "utilities/correct_replacement.html",
        form=form,
        meter=meter,
        successor=meter.replaced_by,
        correctable=services.replacement_is_correctable(meter),
        status=form_status(form),
    )


# --- bills ----------------------------------------------------------------


@bp.route("/bills/")
@roles_required(*BILL_VIEWERS)
def bills():
    months = services.closed_months()
    chosen_month = request.args.get("month", "")
    month_id = next((m.id for m in months if m.label == chosen_month), None)
    scope = services.bill_scope(current_user)
    units = services.all_units() if scope is None else []
    unit_id = arg_int("unit") if scope is None else scope
    query = services.bills_query(unit_id=unit_id, month_id=month_id)
    if chosen_month and month_id is None:
        query = query.where(false())
    page = paginate(query)
    return render(
        "utilities/bills.html",
        "utilities/_bills_list.html",
        page=page,
        months=months,
        chosen_month=chosen_month,
        units=units,
        unit_id=unit_id if scope is None else None,
        is_manager=is_manager(),
    )


@bp.route("/bills/<int:bill_id>")
@roles_required(*BILL_VIEWERS)
def bill(bill_id: int):
    bill = load_bill(bill_id)
    invoices = {invoice.supply: invoice for invoice in bill.month.invoices}
    return render("utilities/bill.html", bill=bill, invoices=invoices, is_manager=is_manager())


@bp.route("/bills/<int:bill_id>.xlsx")
@roles_required(*BILL_VIEWERS)
def bill_xlsx(bill_id: int):
    bill = load_bill(bill_id)
    invoices = {invoice.supply: invoice for invoice in bill.month.invoices}
    return xlsx_response(xlsx.bill_workbook(bill, invoices), f"{bill.number}.xlsx")


@bp.route("/bills/<int:bill_id>/adjust", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def adjust_bill(bill_id: int):
    bill = load_bill(bill_id)
    form = AdjustmentForm()
    form.supply.choices = [SelectChoice(line.supply.value, line.supply.label) for line in bill.lines]
    if form.validate_on_submit():
        try:
            services.add_adjustment(
                bill,
                Supply(form.supply.data),
                form.amount.data,
                form.reason.data,
                actor=current_user,
                now=timeutil.now(),
            )
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
            bill = load_bill(bill_id)
        else:
            db.session.commit()
            flash(_("The correction is added to bill %(number)s.", number=bill.number), "success")
            return redirect_to(url_for("utilities.bill", bill_id=bill.id))
    return render("utilities/adjust_form.html", form=form, bill=bill, status=form_status(form))


# --- the comparison with the old fixed ratios ------------------------------


def comparison_filters() -> tuple[date, date, int | None, list[int], Supply | None, int | None]:
    first, last, year, years = services.comparison_range(arg_int("year", maximum=9999), timeutil.today())
    supply = arg_enum("supply", Supply)
    return first, last, year, years, supply, services.bill_scope(current_user)


@bp.route("/comparison/")
@roles_required(*BILL_VIEWERS)
def comparison():
    first, last, year, years, supply, unit_id = comparison_filters()
    ranked, rows_for = services.comparison_rows(first, last, supply, unit_id)
    page = paginate(ranked)
    return render(
        "utilities/comparison.html",
        "utilities/_comparison_table.html",
        page=page,
        rows=rows_for(page.items),
        totals=services.comparison_totals(first, last, supply, unit_id),
        first=first,
        last=last,
        year=year,
        years=years,
        supply=supply.value if supply else "",
        is_manager=is_manager(),
    )


@bp.route("/comparison.xlsx")
@roles_required(*BILL_VIEWERS)
def comparison_xlsx():
    first, last, _year, _years, supply, unit_id = comparison_filters()
    rows = services.all_comparison_rows(first, last, supply, unit_id)
    title = _("Metered vs. old fixed ratio, %(first)s – %(last)s", first=f"{first:%Y-%m}", last=f"{last:%Y-%m}")
    data = xlsx.comparison_workbook(title, rows, services.comparison_totals(first, last, supply, unit_id))
    return xlsx_response(data, f"comparison-{first:%Y%m}-{last:%Y%m}.xlsx")


# --- the old ratios -------------------------------------------------------


@bp.route("/ratios/")
@roles_required(*MANAGERS)
def ratios():
    page = paginate(services.units_query())
    table = services.ratio_table(page.items)
    return render(
        "utilities/ratios.html", "utilities/_ratios_table.html", page=page, percent=table.percent, totals=table.totals,
        supplies=list(Supply),
    )


@bp.route("/ratios/<supply>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_ratios(supply: str):
    """Every unit's old percentage of one supply, on one form (37 units): they must add up to 100."""
    if supply not in Supply._value2member_map_:
        abort(404)
    the_supply = Supply(supply)
    units = services.all_units()
    stored = services.stored_ratios(the_supply)
    form = EmptyForm()
    typed = {u.id: "" if stored.get(u.id) is None else str(stored[u.id]) for u in units}
    problems: dict[int, object] = {}
    if request.method == "POST":
        typed = {u.id: request.form.get(f"percent-{u.id}", "")[:20] for u in units}
        if form.validate_on_submit():
            percents, problems = services.check_ratio_entries(typed)
            if not problems:
                services.save_fixed_ratios(the_supply, percents, actor=current_user, now=timeutil.now())
                db.session.commit()
                flash(_("The old %(supply)s percentages are saved.", supply=the_supply.label), "success")
                return redirect_to(url_for("utilities.ratios"))
    return render("utilities/ratios_form.html", form=form, supply=the_supply, units=units, typed=typed,
                  problems=problems, status=form_status(form))


# --- home page ------------------------------------------------------------


def home_panel() -> str | None:
    if not current_user.is_authenticated or not current_user.has_role(*UTILITIES_USERS):
        return None
    context: dict[str, object] = {"periods": [], "bill": None, "to_close": [], "unit_bills": None}
    if current_user.has_role(*ADMINS):
        context["to_close"] = services.months_to_close(timeutil.today())
    if current_user.has_role(*METER_READERS):
        context["periods"] = services.work_periods(timeutil.today())
    if current_user.has_role(Role.UNIT_ADMIN) and current_user.unit_id:
        from portal.blueprints.utilities.home import unit_bills_panel

        context["unit_bills"] = unit_bills_panel(current_user.unit_id, now=timeutil.now())
        context["bill"] = context["unit_bills"].latest
    return render_template("utilities/_home_panel.html", **context)
