"""Failed tasks: recording them (from Celery's on_failure) and listing them for the admin."""

import logging

from celery.schedules import maybe_schedule
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from marketplace.core.pagination import Page, paginate
from marketplace.extensions import db
from marketplace.tasks.models import FailedTask

log = logging.getLogger(__name__)
ADMIN_PAGE = 50  # failed tasks a page on the admins' list


def celery():
    return current_app.extensions["celery"]


def is_embedded() -> bool:
    """True without a broker: tasks run at once in the calling process."""
    return bool(celery().conf.task_always_eager)


def record_failure(name: str, task_id: str, args, kwargs, exc: BaseException, trace: str, retries: int) -> None:
    db.session.rollback()  # the failed task may have left the session mid-transaction
    row = FailedTask(task_id=task_id or "", name=name, arguments=repr((tuple(args or ()), dict(kwargs or {})))[:2000],
                     error=f"{type(exc).__name__}: {exc}"[:2000], traceback=trace[-8000:], retries=retries)
    try:
        db.session.add(row)
        db.session.commit()
    except IntegrityError:  # the same task id recorded already (a redelivered message)
        db.session.rollback()
    except SQLAlchemyError:  # the database itself is what failed: the log is all that is left
        db.session.rollback()
        log.exception("could not record failed task %s %s", name, task_id)
    log.error("task %s (%s) failed after %d retries: %s", name, task_id, retries, exc)


def failed(page: int = 1) -> Page:
    """One page of the failed tasks, newest first."""
    return paginate(select(FailedTask).order_by(FailedTask.id.desc()), page, ADMIN_PAGE,
                    count=select(func.count()).select_from(FailedTask))


_last_run: dict[str, object] = {}  # the embedded timer's memory of when each job last ran (one process)


def run_periodic_jobs(due_only: bool = False) -> dict[str, object]:
    """The jobs of the beat schedule, in this process: every one (tests, `flask tasks run`), or with `due_only`
    those whose schedule says they are due — the embedded default's timer, playing beat's part, so that a
    nightly roll-up runs nightly and not every 30 seconds."""
    results = {}
    for name, entry in celery().conf.beat_schedule.items():
        schedule = maybe_schedule(entry["schedule"], app=celery())
        last = _last_run.get(name)
        if due_only and last is not None and not schedule.is_due(last).is_due:
            continue
        _last_run[name] = schedule.now()
        results[entry["task"]] = celery().tasks[entry["task"]].apply().result
    return results
