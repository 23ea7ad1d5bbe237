"""The server-rendered pages: one blueprint, `views`, split into modules by screen."""

from .common import bp, install_template_helpers


def init_app(app) -> None:
    from . import (  # noqa: F401  (routes)
        account_pages,
        admin_pages,
        assets,
        case_pages,
        info_pages,
        lists,
        process_pages,
        task_pages,
    )

    install_template_helpers(app)
    app.register_blueprint(bp)
