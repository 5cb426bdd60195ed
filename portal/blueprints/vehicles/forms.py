from __future__ import annotations

from datetime import datetime

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.blueprints.vehicles.models import FuelType, VehicleKind
from portal.blueprints.vehicles.parking import RegistrationDraft
from portal.blueprints.vehicles.services import (
    LICENCE_CLASSES,
    DriverDraft,
    TripDraft,
    TripRecordDraft,
    VehicleDraft,
)
from portal.forms import Form, IdentifierField
from portal.i18n import lazy_gettext as _l
from portal.timeutil import local


def _at(day, moment) -> datetime:
    return local(day, moment)


class TripRequestForm(Form):
    purpose = StringField(_l("Trip purpose"), [InputRequired(message=_l("Say what the car is for.")), Length(max=200)])
    destination = StringField(_l("Going to"), [InputRequired(message=_l("Say where the car goes.")), Length(max=100)])
    passengers = IntegerField(_l("Passengers"), [InputRequired(message=_l("Passengers: 1 to 50.")),
                                                NumberRange(1, 50, message=_l("Passengers: 1 to 50."))], default=1)
    depart_day = DateField(_l("Departure day"), [InputRequired(message=_l("Enter a date."))])
    depart_time = TimeField(_l("Departure time"), [InputRequired(message=_l("Enter a time."))])
    return_day = DateField(_l("Return day"), [InputRequired(message=_l("Enter a date."))])
    return_time = TimeField(_l("Return time"), [InputRequired(message=_l("Enter a time."))])
    needs_driver = BooleanField(_l("With a driver"), default=True)

    def to_draft(self) -> TripDraft:
        return TripDraft(purpose=self.purpose.data or "", destination=self.destination.data or "",
                         passengers=self.passengers.data, depart_at=_at(self.depart_day.data, self.depart_time.data),
                         return_at=_at(self.return_day.data, self.return_time.data), needs_driver=bool(self.needs_driver.data))


class DecisionForm(Form):
    note = TextAreaField(_l("Note"), [Optional(), Length(max=200)])


class DispatchForm(Form):
    vehicle_id = SelectField(_l("Car"), coerce=int, validators=[InputRequired(message=_l("Choose a car."))])
    driver_id = SelectField(_l("Driver"), coerce=int, validators=[Optional()])


class TripRecordForm(Form):
    depart_day = DateField(_l("Left on"), [InputRequired(message=_l("Enter a date."))])
    depart_time = TimeField(_l("Left at"), [InputRequired(message=_l("Enter a time."))])
    return_day = DateField(_l("Back on"), [InputRequired(message=_l("Enter a date."))])
    return_time = TimeField(_l("Back at"), [InputRequired(message=_l("Enter a time."))])
    odometer_out = IntegerField(_l("Odometer out (km)"), [InputRequired(message=_l("Enter the odometer reading in km (0 to 2,000,000).")),
                                                          NumberRange(0, 2_000_000)])
    odometer_in = IntegerField(_l("Odometer in (km)"), [InputRequired(message=_l("Enter the odometer reading in km (0 to 2,000,000).")),
                                                        NumberRange(0, 2_000_000)])
    fuel_amount = DecimalField(_l("Fuel (litres, or kWh)"), [Optional()], places=2)
    fuel_cost = DecimalField(_l("Fuel cost (yuan)"), [Optional()], places=2)
    tolls = DecimalField(_l("Tolls and parking (yuan)"), [Optional()], places=2)

    def to_draft(self) -> TripRecordDraft:
        return TripRecordDraft(
            actual_depart_at=_at(self.depart_day.data, self.depart_time.data),
            actual_return_at=_at(self.return_day.data, self.return_time.data),
            odometer_out=self.odometer_out.data, odometer_in=self.odometer_in.data,
            fuel_amount=self.fuel_amount.data, fuel_cost=self.fuel_cost.data, tolls=self.tolls.data)


class VehicleForm(Form):
    plate = IdentifierField(_l("Plate"), [InputRequired(message=_l("Enter the plate number.")), Length(max=16)], upper=True)
    kind = SelectField(_l("Type"), choices=[SelectChoice(v, t) for v, t in VehicleKind.choices()], default=VehicleKind.SEDAN.value)
    model = StringField(_l("Make and model"), [Optional(), Length(max=60)])
    seats = IntegerField(_l("Seats"), [InputRequired(message=_l("Seats: 1 to 60.")), NumberRange(1, 60, message=_l("Seats: 1 to 60."))], default=5)
    fuel = SelectField(_l("Fuel"), choices=[SelectChoice(v, t) for v, t in FuelType.choices()], default=FuelType.PETROL.value)
    unit_id = SelectField(_l("Belongs to"), coerce=int, default=0)  # 0: the pool
    purchased_on = DateField(_l("Purchased on"), [Optional()])
    odometer = IntegerField(_l("Odometer (km)"), [InputRequired(message=_l("Enter the odometer reading in km (0 to 2,000,000).")),
                                                 NumberRange(0, 2_000_000)], default=0)
    inspection_due = DateField(_l("Annual inspection due"), [Optional()])
    insurance_due = DateField(_l("Insurance runs until"), [Optional()])
    service_due_on = DateField(_l("Next service by date"), [Optional()])
    service_due_km = IntegerField(_l("Next service at (km)"), [Optional(), NumberRange(0, 2_000_000)])
    active = BooleanField(_l("In service"), default=True)

    def to_draft(self) -> VehicleDraft:
        return VehicleDraft(plate=self.plate.data or "", kind=self.kind.data, model=self.model.data or "",
                            seats=self.seats.data, fuel=self.fuel.data, unit_id=self.unit_id.data or None,
                            purchased_on=self.purchased_on.data, odometer=self.odometer.data,
                            inspection_due=self.inspection_due.data, insurance_due=self.insurance_due.data,
                            service_due_on=self.service_due_on.data, service_due_km=self.service_due_km.data,
                            active=bool(self.active.data))


class DriverForm(Form):
    name = StringField(_l("Name"), [InputRequired(message=_l("Enter the driver's name.")), Length(max=30)])
    licence_class = SelectField(_l("Licence class"), choices=[SelectChoice(c, c) for c in LICENCE_CLASSES], default="C1")
    licence_expires = DateField(_l("Licence valid until"), [InputRequired(message=_l("Enter a date."))])
    phone = IdentifierField(_l("Phone"), [InputRequired(message=_l("Enter a phone number.")), Length(max=30)])
    active = BooleanField(_l("On duty"), default=True)

    def to_draft(self) -> DriverDraft:
        return DriverDraft(name=self.name.data or "", licence_class=self.licence_class.data,
                           licence_expires=self.licence_expires.data, phone=self.phone.data or "",
                           active=bool(self.active.data))


class SealForm(Form):
    place = StringField(_l("Parked at"), [Optional(), Length(max=60)])


class RegistrationForm(Form):
    plate = IdentifierField(_l("Plate"), [InputRequired(message=_l("Enter the plate number.")), Length(max=16)], upper=True)
    description = StringField(_l("Colour and make"), [Optional(), Length(max=60)])

    def to_draft(self) -> RegistrationDraft:
        return RegistrationDraft(plate=self.plate.data or "", description=self.description.data or "")


class RegistrationDecisionForm(Form):
    decision = SelectField(_l("Decision"), choices=[SelectChoice("approve", _l("Approve")), SelectChoice("refuse", _l("Refuse"))])
