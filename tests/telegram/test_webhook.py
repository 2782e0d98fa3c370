"""Webhook mode's health check, against the real Application (the HTTP side is tested as a
process in tests/test_startup.py)."""

from __future__ import annotations

from dataclasses import replace

from bot.sandbox.session import Sandbox
from bot.telegram.webhook import WebhookServer


async def test_health_is_ok_while_the_database_answers_and_503_when_its_file_is_gone(
    settings, emulator, clock
):
    settings = replace(settings, webhook_url="https://bot.example.com/hook")
    async with Sandbox(settings, emulator=emulator, clock=clock) as sandbox:
        server = WebhookServer(sandbox.app, settings)
        assert await server.health() == (True, "ok")
        settings.db_path.unlink()  # deleted under the running bot: its writes would be lost
        assert await server.health() == (False, "database not usable")
        await server.stop()
        assert await server.health() == (False, "stopping")
