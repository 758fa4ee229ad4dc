"""Forms check shape (required, length, choice); the rules that need the database live in services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from marketplace.accounts import services as accounts
from marketplace.i18n import localized
from marketplace.sellers import services
from marketplace.sellers.models import FederationLevel, MemberRole, SellerKind, Verification

REQUIRED = _l("Please fill this in.")
CHOOSE = _l("Choose one of the options.")
STORY_MAX = 2000

KIND_LABELS = {
    SellerKind.SHG: _l("Self-help group (SHG)"),
    SellerKind.ODOP: _l("ODOP unit (one district, one product)"),
    SellerKind.CLUSTER: _l("Cluster / producer group"),
}
FEDERATION_LABELS = {
    FederationLevel.VO: _l("Village organisation (VO)"),
    FederationLevel.CLF: _l("Cluster-level federation (CLF)"),
}
ROLE_LABELS = {
    MemberRole.PRESIDENT: _l("President"),
    MemberRole.SECRETARY: _l("Secretary"),
    MemberRole.TREASURER: _l("Treasurer"),
    MemberRole.MEMBER: _l("Member"),
}
STATUS_LABELS = {
    Verification.PENDING: _l("Waiting for verification"),
    Verification.VERIFIED: _l("Verified"),
    Verification.REJECTED: _l("Rejected"),
}


def at_most(n: int) -> Length:
    return Length(max=n, message=_l("Use at most %(max)d characters."))


def indian_mobile(_form, field) -> None:
    """Shown together with the form's other mistakes; the service checks again before saving."""
    try:
        accounts.normalise_mobile(field.data)
    except accounts.AccountError as exc:
        raise ValidationError(str(exc)) from exc


def _id_or_none(value):
    """Select values: '' (the 'choose' line) is None, anything else must be a whole number."""
    return None if value in ("", None) else int(value)


def _select(label, choices=None, **kwargs) -> SelectField:
    return SelectField(label, choices=choices, invalid_choice_message=CHOOSE, invalid_value_message=CHOOSE,
                       **kwargs)


def _labelled(labels: dict, keys=None) -> list[SelectChoice]:
    return [SelectChoice(str(k), str(labels[k])) for k in (keys or labels)]


class SellerDetailsForm(FlaskForm):
    kind = _select(_l("Kind of group"))
    name_hi = StringField(_l("Name in Hindi"), validators=[Optional(), at_most(120)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), at_most(120)])
    block_id = _select(_l("Block"), coerce=_id_or_none, validators=[InputRequired(_l("Choose your block."))])
    village_id = _select(_l("Village"), coerce=_id_or_none, validators=[InputRequired(_l("Choose your village."))])
    federation_level = _select(_l("Federation"))
    federation_name = StringField(_l("Name of the federation"), validators=[Optional(), at_most(120)])
    nrlm_code = StringField(_l("NRLM code (if you have one)"), validators=[Optional(), at_most(40)])
    formed_on = DateField(_l("Date the group was formed"), validators=[Optional()],
                          invalid_value_message=_l("Enter a date such as 2019-08-15."))
    story_hi = TextAreaField(_l("Your story in Hindi"), validators=[Optional(), at_most(STORY_MAX)])
    story_en = TextAreaField(_l("Your story in English"), validators=[Optional(), at_most(STORY_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _labelled(KIND_LABELS)
        self.federation_level.choices = [SelectChoice("", str(_l("None"))), *_labelled(FEDERATION_LABELS)]
        self.block_id.choices = [SelectChoice("", str(_l("Choose…"))), *[
            SelectChoice(str(b.id), localized(b, "name"), optgroup=localized(district, "name"))
            for district, blocks in services.blocks_by_district() for b in blocks]]
        self.village_id.choices = [SelectChoice("", str(_l("Choose…"))), *[
            SelectChoice(str(v.id), localized(v, "name"), optgroup=localized(block, "name"))
            for block, villages in services.villages_by_block() for v in villages]]

    def details(self) -> services.SellerDetails:
        return services.SellerDetails(**{name: self[name].data for name in services.SellerDetails.__annotations__})


class RegisterForm(SellerDetailsForm):
    president_name = StringField(_l("President's name"), validators=[InputRequired(REQUIRED), at_most(120)])
    president_mobile = StringField(_l("President's mobile number"),
                                   validators=[InputRequired(REQUIRED), at_most(20), indian_mobile])


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(REQUIRED), at_most(120)])
    mobile = StringField(_l("Mobile number"), validators=[InputRequired(REQUIRED), at_most(20), indian_mobile])
    role = _select(_l("Role"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _labelled(ROLE_LABELS, services.INVITE_ROLES)


class RoleForm(FlaskForm):
    role = _select(_l("Role"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _labelled(ROLE_LABELS)


class ConfirmForm(FlaskForm):
    """A button with only the CSRF token (deactivate, verify)."""


class BankForm(FlaskForm):
    account_name = StringField(_l("Account holder's name"), validators=[InputRequired(REQUIRED), at_most(120)])
    account_number = StringField(_l("Account number"), validators=[InputRequired(REQUIRED), at_most(30)])
    confirm_number = StringField(_l("Account number again"), validators=[InputRequired(REQUIRED), at_most(30)])
    ifsc = StringField(_l("IFSC"), validators=[InputRequired(REQUIRED), at_most(20)])
    bank_name = StringField(_l("Bank and branch"), validators=[Optional(), at_most(120)])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(_l("Write why the group is rejected; the group will see it.")), at_most(services.REASON_MAX)])
