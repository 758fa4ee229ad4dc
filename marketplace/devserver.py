"""`make run`: start localstripe on loopback (unless real Stripe keys are set) with its webhook pointing here,
run the periodic jobs (Celery's beat schedule, in this process when no broker is configured) on a timer, print the demo
logins, then serve the site on http://127.0.0.1:5000."""

import logging
import os
import secrets
import signal
import sys
import threading
from pathlib import Path

from marketplace import create_app
from marketplace.demo.data import DEMO_PASSWORD, demo_logins

HOST, PORT = "127.0.0.1", 5000
JOB_SECONDS = 30
log = logging.getLogger("haat.devserver")


def _start_localstripe(app):
    """Card payments in development: localstripe with its state in instance/, and its webhook to this server."""
    from marketplace.payments.localstripe_server import LocalStripe

    instance = Path(app.instance_path)
    server = LocalStripe(state=instance / "localstripe.pickle", log=instance / "localstripe.log")
    server.start()
    secret = app.config.get("STRIPE_WEBHOOK_SECRET") or "whsec_dev_" + secrets.token_hex(16)
    app.config.update(STRIPE_API_BASE=server.url, STRIPE_WEBHOOK_SECRET=secret)
    server.register_webhook(f"http://{HOST}:{PORT}/payments/stripe/webhook", secret)
    return server


def run_jobs(app) -> None:
    """One round of the periodic jobs of Celery's beat schedule, run in this process (the embedded default;
    each task retries and records its own failures). With CELERY_BROKER_URL set, beat and workers do this."""
    from marketplace.tasks import services as tasks

    with app.app_context():
        tasks.run_periodic_jobs(due_only=True)


def _every(seconds: int, app, stop: threading.Event) -> None:
    while not stop.wait(seconds):
        run_jobs(app)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so the finally below stops localstripe too
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app()
    real_stripe = app.config.get("STRIPE_SECRET_KEY") and app.config.get("STRIPE_PUBLISHABLE_KEY")
    stripe_server = None if real_stripe or os.environ.get("HAAT_NO_LOCALSTRIPE") else _start_localstripe(app)
    stop = threading.Event()
    if app.extensions["celery"].conf.task_always_eager:
        threading.Thread(target=_every, args=(JOB_SECONDS, app, stop), daemon=True, name="haat-jobs").start()
    else:
        print("Background jobs: run `celery -A marketplace.tasks.worker worker` and `… beat` beside this server")
    print(f"\nHaat is starting at http://{HOST}:{PORT}\n")
    if stripe_server:
        print(f"Card payments: localstripe at {stripe_server.url} (test card 4242 4242 4242 4242)")
    print(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for role, login, name in demo_logins():
        print(f"  {role:<10} {login:<28} {name}")
    print()
    try:
        app.run(host=HOST, port=PORT, debug=False, use_reloader=False)
    finally:
        stop.set()
        if stripe_server:
            stripe_server.stop()


if __name__ == "__main__":
    main()
