"""Celery for Haat, following the Flask documentation's `celery_init_app`: every task runs inside the app's
context. Without CELERY_BROKER_URL, Celery runs "embedded": tasks execute in the calling process at once
(task_always_eager) and `make run`'s timer plays the part of beat, so a laptop needs no broker. With
CELERY_BROKER_URL (redis://… or amqp://…) tasks go to `celery -A marketplace.tasks.worker worker` processes and
`celery -A marketplace.tasks.worker beat` schedules the periodic ones."""

from datetime import timedelta
from pathlib import Path

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

# Every periodic job, and how often. Each task is idempotent: running one twice, or two at once, is harmless.
BEAT_SCHEDULE = {
    "expire-unpaid-orders": {"task": "haat.orders.expire_unpaid", "schedule": timedelta(seconds=60)},
    "retry-refunds": {"task": "haat.payments.send_refunds", "schedule": timedelta(minutes=5)},
    "deliver-messages": {"task": "haat.notifications.deliver", "schedule": timedelta(seconds=30)},
    "apply-search-changes": {"task": "haat.search.apply", "schedule": timedelta(seconds=30)},
    # 02:30 IST: a ledger that stops balancing shows up as a failed task on the admin page the next morning.
    "check-ledger": {"task": "haat.settlements.check", "schedule": crontab(hour=21, minute=0)},
    "expire-worker-requests": {"task": "haat.workers.expire", "schedule": timedelta(minutes=5)},
    "back-in-stock-alerts": {"task": "haat.catalog.alerts", "schedule": timedelta(minutes=5)},
    # 08:00 IST: the buyer and the officials read yesterday's production with their morning tea.
    "requisition-summaries": {"task": "haat.requisitions.summaries", "schedule": crontab(hour=2, minute=30)},
    # 02:00 IST: the officials' dashboards' roll-up, when nobody is selling.
    "officials-rollup": {"task": "haat.officials.rollup", "schedule": crontab(hour=20, minute=30)},
}


def celery_settings(config: dict, instance_path: str) -> dict:
    schedule_file = config.get("CELERY_BEAT_SCHEDULE_FILE") or str(Path(instance_path) / "celerybeat-schedule")
    broker = config.get("CELERY_BROKER_URL")
    backend = config.get("CELERY_RESULT_BACKEND")
    if not backend and broker:  # results (only tests and the shell read them) beside the broker
        backend = broker if broker.startswith(("redis://", "rediss://")) else "rpc://"
    return {
        "broker_url": broker or "memory://",
        "result_backend": backend,
        "task_ignore_result": not backend,
        "task_default_queue": config.get("CELERY_QUEUE") or "haat",
        "task_always_eager": not broker,  # the embedded default: run in the caller's process
        "task_eager_propagates": False,  # a failing job is recorded, never raised into a web request
        "task_acks_late": True,  # a worker killed mid-task leaves it queued: tasks are safe to run again
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "timezone": "UTC",
        "beat_schedule": BEAT_SCHEDULE,
        "beat_schedule_filename": schedule_file,
        "worker_hijack_root_logger": False,
    }


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

        def on_failure(self, exc, task_id, args, kwargs, einfo):
            """Called once the retries are spent: keep the failure where the admin sees it."""
            from marketplace.tasks import services

            with app.app_context():
                services.record_failure(self.name, task_id, args, kwargs, exc, str(einfo),
                                        self.request.retries or 0)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(celery_settings(app.config, app.instance_path))
    if not celery.conf.task_always_eager:  # beat keeps its schedule file there
        Path(celery.conf.beat_schedule_filename).parent.mkdir(parents=True, exist_ok=True)
    celery.set_default()
    app.extensions["celery"] = celery
    import marketplace.tasks.jobs  # noqa: F401  (registers the tasks)

    return celery
