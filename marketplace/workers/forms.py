"""Forms check shape (required, length, choice); the rules that need the database live in services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.core.params import coerce_id
from marketplace.i18n import localized
from marketplace.workers import services
from marketplace.workers.models import RateUnit, Slot

REQUIRED = _l("Please fill this in.")
CHOOSE = _l("Choose one of the options.")
NUMBER = _l("Enter a whole number.")
DATE = _l("Enter a date.")

WEEKDAY_LABELS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                  _l("Sunday")]
LANGUAGE_LABELS = {"hi": _l("Hindi"), "en": _l("English"), "pahari": _l("Pahari"), "bhojpuri": _l("Bhojpuri"),
                   "maithili": _l("Maithili"), "chhattisgarhi": _l("Chhattisgarhi"), "gondi": _l("Gondi"),
                   "punjabi": _l("Punjabi"), "urdu": _l("Urdu")}
RATE_UNIT_LABELS = {RateUnit.DAY: _l("per day"), RateUnit.JOB: _l("per job")}
SLOT_LABELS = {Slot.MORNING: _l("Morning, 8 to 12"), Slot.AFTERNOON: _l("Afternoon, 12 to 4"),
               Slot.EVENING: _l("Evening, 4 to 8")}
STATUS_LABELS = {"requested": _l("Waiting for her answer"), "accepted": _l("Accepted"), "declined": _l("Declined"),
                 "expired": _l("No answer (expired)"), "done": _l("Work done"), "cancelled": _l("Cancelled"),
                 "no_show": _l("Did not come")}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(str(value), str(label)) for value, label in pairs]


def _int_or_none(value):
    return None if value in ("", None) else coerce_id(value)


def at_most(n: int) -> Length:
    return Length(max=n, message=_l("Use at most %(max)d characters."))


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(REQUIRED), at_most(120)])
    contact_mobile = StringField(_l("Mobile number to call her on"), validators=[Optional(), at_most(20)])
    photo = FileField(_l("Photo (optional)"))
    category_ids = MultiCheckboxField(_l("Kinds of work"), coerce=coerce_id, validate_choice=False,
                                      invalid_value_message=CHOOSE)
    experience_years = IntegerField(_l("Years of experience"), default=0,
                                    validators=[Optional(), NumberRange(0, 60, message=NUMBER)])
    rate_rupees = IntegerField(_l("Rate in rupees"), default=0,
                               validators=[Optional(), NumberRange(0, 100000, message=NUMBER)])
    rate_unit = SelectField(_l("Rate is"), default=RateUnit.DAY,
                            validate_choice=False, invalid_value_message=CHOOSE)
    block_id = SelectField(_l("Home block"), coerce=_int_or_none, validate_choice=False, invalid_value_message=CHOOSE)
    villages = StringField(_l("Villages served"), validators=[Optional(), at_most(300)])
    block_ids = MultiCheckboxField(_l("Other blocks served"), coerce=coerce_id, validate_choice=False,
                                   invalid_value_message=CHOOSE)
    pin_codes = StringField(_l("PIN codes served"), validators=[Optional(), at_most(200)])
    weekdays = MultiCheckboxField(_l("Days available"), coerce=coerce_id, validate_choice=False,
                                  invalid_value_message=CHOOSE)
    start_hour = IntegerField(_l("From (hour, 0–23)"), default=8,
                              validators=[InputRequired(REQUIRED), NumberRange(0, 23, message=NUMBER)])
    end_hour = IntegerField(_l("Until (hour, 1–24)"), default=18,
                            validators=[InputRequired(REQUIRED), NumberRange(1, 24, message=NUMBER)])
    languages = MultiCheckboxField(_l("Languages"), validate_choice=False, invalid_value_message=CHOOSE)
    about = TextAreaField(_l("About her work"), validators=[Optional(), at_most(services.MAX_ABOUT)])

    def fill_choices(self, blocks) -> None:
        self.category_ids.choices = _choices((c.id, localized(c, "name")) for c in services.categories())
        self.block_id.choices = _choices([("", _l("Choose…"))] + [(b.id, localized(b, "name")) for b in blocks])
        self.block_ids.choices = _choices((b.id, localized(b, "name")) for b in blocks)
        self.rate_unit.choices = _choices(RATE_UNIT_LABELS.items())
        self.weekdays.choices = _choices(enumerate(WEEKDAY_LABELS))
        self.languages.choices = _choices(LANGUAGE_LABELS.items())

    def data_object(self) -> services.ProfileData:
        return services.ProfileData(
            name=self.name.data or "", contact_mobile=self.contact_mobile.data or "", block_id=self.block_id.data,
            villages=self.villages.data or "", category_ids=list(self.category_ids.data or []),
            block_ids=list(self.block_ids.data or []), pin_codes=self.pin_codes.data or "",
            experience_years=self.experience_years.data or 0, rate_rupees=self.rate_rupees.data or 0,
            rate_unit=self.rate_unit.data, weekdays=list(self.weekdays.data or []),
            start_hour=self.start_hour.data if self.start_hour.data is not None else 8,
            end_hour=self.end_hour.data if self.end_hour.data is not None else 18,
            languages=list(self.languages.data or []), about=self.about.data or "")


class BookingForm(FlaskForm):
    category_id = SelectField(_l("Work"), coerce=_int_or_none, validate_choice=False, invalid_value_message=CHOOSE)
    work_date = DateField(_l("Date"), validators=[InputRequired(DATE)])
    slot = SelectField(_l("Time of day"), validate_choice=False, invalid_value_message=CHOOSE)
    address = StringField(_l("Address (house, lane, village)"),
                          validators=[InputRequired(REQUIRED), at_most(services.MAX_ADDRESS)])
    pin_code = StringField(_l("PIN code"), validators=[InputRequired(REQUIRED), at_most(10)])
    description = TextAreaField(_l("What is the work?"),
                                validators=[InputRequired(REQUIRED), at_most(services.MAX_DESCRIPTION)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slot.choices = _choices(SLOT_LABELS.items())

    def fill_choices(self, worker) -> None:
        self.category_id.choices = _choices((c.id, localized(c, "name")) for c in worker.categories)


class RatingForm(FlaskForm):
    stars = SelectField(_l("Stars"), coerce=_int_or_none, validate_choice=False, invalid_value_message=CHOOSE)
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), at_most(services.MAX_COMMENT)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stars.choices = _choices((n, "★" * n + f" {n}") for n in range(5, 0, -1))


class ReportForm(FlaskForm):
    reason = TextAreaField(_l("What happened?"), validators=[InputRequired(REQUIRED), at_most(services.MAX_REASON)])


class HandleReportForm(FlaskForm):
    note = StringField(_l("What was done"), validators=[InputRequired(REQUIRED), at_most(500)])


class CategoryForm(FlaskForm):
    slug = StringField(_l("Short name (Latin letters)"), validators=[InputRequired(REQUIRED), at_most(60)])
    name_en = StringField(_l("Name in English"), validators=[InputRequired(REQUIRED), at_most(80)])
    name_hi = StringField(_l("Name in Hindi"), validators=[InputRequired(REQUIRED), at_most(80)])
    icon = SelectField(_l("Icon"), validate_choice=False, invalid_value_message=CHOOSE)
    aliases = TextAreaField(_l("Other words people use (separate with ;)"), validators=[Optional(), at_most(1000)])
    active = BooleanField(_l("Shown to households"), default=True)
