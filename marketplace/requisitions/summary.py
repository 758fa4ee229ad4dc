"""The daily summary of a running requisition to its buyer's people and the district's officials, through the
notifications outbox. Sent once a day: `last_summary_on` is claimed with a compare-and-set, so two schedulers
running at once send it once."""

from datetime import date, timedelta

from sqlalchemy import or_, select, update

from marketplace.accounts.models import OfficialLevel, Role, User
from marketplace.extensions import db
from marketplace.geo.models import District
from marketplace.institutions.models import InstitutionPerson
from marketplace.notifications import services as notifications
from marketplace.requisitions.models import RUNNING, Requisition
from marketplace.requisitions.progress import progress
from marketplace.requisitions.services import today_ist


def recipients(req: Requisition) -> list[User]:
    state_id = db.session.scalar(select(District.state_id).where(District.id == req.district_id))
    buyers = select(InstitutionPerson.user_id).where(InstitutionPerson.institution_id == req.institution_id)
    stmt = select(User).where(User.is_active_account.is_(True), or_(
        User.id.in_(buyers),
        (User.role == Role.OFFICIAL) & (User.official_level == OfficialLevel.DISTRICT)
        & (User.scope_district_id == req.district_id),
        (User.role == Role.OFFICIAL) & (User.official_level == OfficialLevel.STATE) & (User.scope_state_id == state_id),
    )).order_by(User.id)
    return list(db.session.scalars(stmt))


def send_summary(req_id: int, day: date | None = None) -> int:
    """Queue the summary of `day` (yesterday by default) once; returns how many messages were queued."""
    day = day or today_ist() - timedelta(days=1)
    req = db.session.get(Requisition, req_id)
    if req is None or req.status not in RUNNING or (req.last_summary_on and req.last_summary_on >= day):
        return 0
    claimed = db.session.execute(update(Requisition).where(
        Requisition.id == req_id, or_(Requisition.last_summary_on.is_(None), Requisition.last_summary_on < day))
        .values(last_summary_on=day).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        return 0
    prog = progress(req, as_of=day)
    made_today = next((int(m) for d, m, _p in prog.daily if d == day), 0)
    link = notifications.link("requisitions.show", req_id=req.id)
    count = 0
    for user in recipients(req):
        count += len(notifications.notify(
            notifications.for_user(user), "requisition_summary", title=req.title, day=day.strftime("%d/%m/%Y"),
            made_today=f"{made_today:,}", made=f"{prog.totals.made:,}", accepted=f"{prog.totals.accepted:,}",
            delivered=f"{prog.totals.delivered:,}", target=f"{prog.target:,}", behind=len(prog.behind),
            forecast=prog.forecast.strftime("%d/%m/%Y") if prog.forecast else "—", link=link))
    db.session.commit()
    return count


def send_all(day: date | None = None) -> int:
    ids = db.session.scalars(select(Requisition.id).where(Requisition.status.in_(RUNNING))).all()
    return sum(send_summary(rid, day) for rid in ids)
