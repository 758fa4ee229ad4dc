"""Haat (हाट): a marketplace for self-help groups, ODOP units and artisan clusters."""

from pathlib import Path

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from marketplace import i18n
from marketplace.config import PROJECT_ROOT, load_config
from marketplace.core import (
    params,
    security,
    sqlite,  # noqa: F401  (pragmas for every SQLite connection)
    urls,
)
from marketplace.extensions import cache, csrf, db, limiter, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config(Path(app.instance_path), config))
    params.init_app(app)  # before any route is added: every <int:…> is bounded
    security.init_app(app)  # CSP, frame, sniffing, referrer and HSTS headers on every response
    urls.init_app(app)  # templates' url_for remembers what it built
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    import marketplace.models  # noqa: F401  (every table known to SQLAlchemy and Alembic)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    cache.init_app(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    i18n.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    from marketplace.accounts.services import user_loader
    from marketplace.cart.services import read_with_user, units_of

    login_manager.user_loader(user_loader(with_user=units_of, then=read_with_user))  # the header's cart count too

    from marketplace.tasks.celery_app import celery_init_app

    celery_init_app(app)


def register_blueprints(app: Flask) -> None:
    from marketplace.accounts.views import bp as accounts_bp
    from marketplace.catalog.seller_views import bp as catalog_seller_bp
    from marketplace.catalog.seller_views import moderation_bp as catalog_moderation_bp
    from marketplace.catalog.views import bp as catalog_bp
    from marketplace.dashboards.views import bp as dashboards_bp
    from marketplace.media.views import bp as media_bp
    from marketplace.search.views import bp as search_bp
    from marketplace.sellers.views import bp as sellers_bp

    for bp in (accounts_bp, catalog_bp, dashboards_bp, media_bp, search_bp, sellers_bp):
        app.register_blueprint(bp)
    for bp in (catalog_seller_bp, catalog_moderation_bp):
        app.register_blueprint(bp)
    register_commerce_blueprints(app)
    register_fulfilment_blueprints(app)
    register_requisition_blueprints(app)
    register_worker_blueprints(app)
    register_official_blueprints(app)
    register_phones_first(app)


def register_requisition_blueprints(app: Flask) -> None:
    from marketplace.catalog.bulk_views import bp as catalog_bulk_bp
    from marketplace.institutions.views import bp as institutions_bp
    from marketplace.requisitions.views import bp as requisitions_bp

    for bp in (catalog_bulk_bp, institutions_bp, requisitions_bp):
        app.register_blueprint(bp)


def register_worker_blueprints(app: Flask) -> None:
    from marketplace.workers.views import bp as workers_bp

    app.register_blueprint(workers_bp)


def register_official_blueprints(app: Flask) -> None:
    from marketplace.officials.views import bp as officials_bp

    app.register_blueprint(officials_bp)


COMPRESSED_TYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                    "application/ld+json", "application/xml", "text/xml", "image/svg+xml", "text/plain"]


def register_phones_first(app: Flask) -> None:
    """Issue 13: compressed responses and the favicon; the step-by-step add-product flow for a seller on a
    phone, the group's photo."""
    from flask import Response, request

    from marketplace.extensions import compress

    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])  # Brotli where the browser takes it
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)  # smaller bodies gain nothing
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    compress.init_app(app)

    @app.after_request  # runs before Flask-Compress's hook (registered earlier): static CSS/JS are files sent
    def _let_static_text_be_compressed(response):  # as they are; small text ones are read so they compress too
        if (request.endpoint == "static" and response.status_code == 200 and response.direct_passthrough
                and response.mimetype in COMPRESSED_TYPES):
            response.direct_passthrough = False
            response.set_data(response.get_data())  # a plain body: compressed (and sized) as a whole
        return response
    icon = (Path(app.static_folder) / "favicon.ico").read_bytes()  # a few hundred bytes: kept, no file left open
    app.add_url_rule("/favicon.ico", "favicon", lambda: Response(
        icon, mimetype="image/vnd.microsoft.icon", headers={"Cache-Control": "public, max-age=604800"}))
    from marketplace.catalog.quick_views import bp as catalog_quick_bp
    from marketplace.catalog.quick_views import group_bp as catalog_group_bp

    app.register_blueprint(catalog_quick_bp)
    app.register_blueprint(catalog_group_bp)

    from marketplace.tasks.views import bp as tasks_bp

    app.register_blueprint(tasks_bp)


def register_fulfilment_blueprints(app: Flask) -> None:
    from marketplace.fulfilment.views import bp as fulfilment_bp
    from marketplace.invoices.views import bp as invoices_bp
    from marketplace.settlements.views import bp as settlements_bp

    for bp in (fulfilment_bp, invoices_bp, settlements_bp):
        app.register_blueprint(bp)
    from marketplace.fulfilment.admin_views import bp as houses_admin_bp

    app.register_blueprint(houses_admin_bp)


def register_commerce_blueprints(app: Flask) -> None:
    from marketplace.cart.views import bp as cart_bp
    from marketplace.notifications.views import bp as notifications_bp
    from marketplace.orders.admin_views import bp as orders_admin_bp
    from marketplace.orders.seller_views import bp as seller_orders_bp
    from marketplace.orders.views import bp as orders_bp
    from marketplace.payments.views import bp as payments_bp

    for bp in (cart_bp, notifications_bp, orders_bp, orders_admin_bp, payments_bp, seller_orders_bp):
        app.register_blueprint(bp)


def register_errorhandlers(app: Flask) -> None:
    def render_error(error):
        code = getattr(error, "code", 500)
        return render_template("errors/error.html", code=code, error=error), code

    for code in (400, 403, 404, 405, 413, 422, 429, 500):
        app.register_error_handler(code, render_error)
    app.register_error_handler(CSRFError, lambda e: (render_template("errors/error.html", code=400, error=e), 400))


def register_commands(app: Flask) -> None:
    from marketplace.catalog.cli import catalog_cli
    from marketplace.demo.cli import demo_cli
    from marketplace.geo.cli import geo_cli
    from marketplace.search.cli import search_cli

    app.cli.add_command(catalog_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(geo_cli)
    app.cli.add_command(search_cli)

    from marketplace.notifications.cli import notifications_cli
    from marketplace.orders.cli import orders_cli

    app.cli.add_command(notifications_cli)
    app.cli.add_command(orders_cli)

    from marketplace.fulfilment.cli import fulfilment_cli
    from marketplace.settlements.cli import settlements_cli

    app.cli.add_command(fulfilment_cli)
    app.cli.add_command(settlements_cli)

    from marketplace.requisitions.cli import requisitions_cli

    app.cli.add_command(requisitions_cli)

    from marketplace.workers.cli import workers_cli

    app.cli.add_command(workers_cli)

    from marketplace.officials.cli import officials_cli  # issue 11

    app.cli.add_command(officials_cli)
