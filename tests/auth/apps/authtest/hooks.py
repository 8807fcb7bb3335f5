"""A12's hook: "send" the reset link by appending it to an outbox file in the site folder."""

from __future__ import annotations

from maju.context import Context

OUTBOX = "reset_outbox.txt"


async def send_password_reset(ctx: Context, user: str, url: str) -> None:
    with open(ctx.config.site_dir / OUTBOX, "a", encoding="utf-8") as outbox:
        outbox.write(f"{user} {url}\n")
