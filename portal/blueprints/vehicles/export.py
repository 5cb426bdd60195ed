"""The monthly vehicle register (车辆使用登记) as an Excel workbook."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.blueprints.vehicles.models import FuelType
from portal.blueprints.vehicles.services import Register, Tally
from portal.spreadsheets import ExportWorkbook, quantity


def _tally_rows(tallies: list[Tally]) -> list[list]:
    return [[t.label, t.trips, t.mileage] + [quantity(t.fuel.get(f.value)) for f in FuelType] + [t.fuel_cost, t.tolls, t.cost]
            for t in tallies]


def register_workbook(report: Register) -> bytes:
    book = ExportWorkbook()
    month = f"{report.month:%Y-%m}"
    book.sheet(
        _("Trip records"),
        [_("No."), _("Left"), _("Car back"), _("Car"), _("Driver"), _("Unit"), _("Requested by"), _("Trip purpose"),
         _("Going to"), _("Mileage (km)"), _("Fuel"), _("Fuel cost (yuan)"), _("Tolls and parking (yuan)"),
         _("Cost (yuan)")],
        ([t.id, t.actual_depart_at, t.actual_return_at, t.vehicle.plate, t.driver.name if t.driver else "",
          t.unit.name if t.unit else "", t.requester.display_name if t.requester else "", t.purpose, t.destination,
          t.mileage, quantity(t.fuel_amount), t.fuel_cost, t.tolls, t.cost] for t in report.trips),
        caption=_("Vehicle register, %(month)s", month=month),
        widths=[6, 16, 16, 10, 8, 20, 10, 30, 20, 10, 8, 12, 12, 12],
    )
    header = [_("Group"), _("Trip records"), _("Mileage (km)")] + [str(f.label) for f in FuelType] + [
        _("Fuel cost (yuan)"), _("Tolls and parking (yuan)"), _("Cost (yuan)")]
    book.sheet(_("By car"), header, _tally_rows(report.by_vehicle + [report.total]))
    book.sheet(_("By unit"), header, _tally_rows(report.by_unit + [report.total]))
    return book.to_bytes()

