"""Reflex configuration, derived from PracticeRunner's own settings."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from practicerunner.core.settings import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="practicerunner",
    show_built_with_reflex=False,
    telemetry_enabled=False,
    frontend_port=_settings.port,
    backend_port=_settings.port,
    cors_allowed_origins=list(_settings.allowed_origins),
    # The Reflex state manager lives in Redis when REDIS_URL is set (several app workers).
    redis_url=_settings.redis_url,
    state_manager_mode="redis" if _settings.redis_url else "memory",
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="teal", gray_color="slate", radius="medium")
        )
    ],
    disable_plugins=[SitemapPlugin],
)
