"""``sirs_kebutuhan``: send the newest SDM or APD need of one ``id_kebutuhan``.

The job carries (kind, id_kebutuhan) only and reads the newest stored payload
when it runs, so corrections coalesce into one call with the final values.
RS Online wants POST the first time and PUT afterwards; the store knows which
(something was accepted before), and the server's own "already there" / "not
there yet" answers (``fix_then_retry``) switch to the other method, which
covers records another system created or someone deleted upstream.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from pydantic import ValidationError

from core.errors import FixThenRetryError, Outcome, PermanentError, UpstreamError
from core.keys import SIRS_KEBUTUHAN, kebutuhan_job_id
from core.sirs.models import Kebutuhan, KebutuhanKind, explain
from worker.jobs.runner import run_keyed
from worker.jobs.send import Sent, guarded
from worker.services import Services

__all__ = ["sirs_kebutuhan"]

logger = logging.getLogger(__name__)

def _item(payload: dict[str, Any]) -> Kebutuhan:
    try:
        return Kebutuhan.model_validate(payload)
    except ValidationError as exc:
        raise PermanentError(f"stored need is invalid: {explain(exc)}", service="sirs") from None


async def _send(services: Services, kind: KebutuhanKind, item: Kebutuhan, on_server: bool) -> Sent:
    api = services.sirs

    async def call() -> Sent:
        first, second = (api.put_kebutuhan, api.post_kebutuhan) if on_server else (
            api.post_kebutuhan, api.put_kebutuhan)
        try:
            result = await first(kind, item)
        except FixThenRetryError:
            logger.info("sirs %s %s: switching to %s", kind, item.id_kebutuhan,
                        "POST" if on_server else "PUT")
            result = await second(kind, item)
        return Sent(result.outcome, result.status, result.message)

    return await guarded(services, "sirs", call)


async def sirs_kebutuhan(
    ctx: dict[str, Any], kind: str, id_kebutuhan: str, force: bool = False
) -> str:
    """``force`` (a dead-letter replay) sends even a payload already sent or refused."""
    services: Services = ctx["services"]
    store = services.stores.kebutuhan

    async def one_pass(force: bool) -> str:
        stored = await store.get(kind, id_kebutuhan)
        if stored is None:
            return "no such need stored"
        if not stored.pending and not force:
            return "upstream already has the newest payload"
        try:
            item = _item(stored.payload)
            sent = await _send(services, cast(KebutuhanKind, kind), item, stored.on_server)
        except UpstreamError as exc:
            permanent = exc.outcome is Outcome.PERMANENT
            await store.mark_failed(kind, id_kebutuhan, exc.outcome, exc.message,
                                    stored.payload_hash if permanent else None)
            raise
        await store.mark_sent(kind, id_kebutuhan, stored.payload_hash, sent.outcome,
                              sent.message)
        return f"{kind} {id_kebutuhan} sent ({sent.outcome.value})"

    return await run_keyed(ctx, SIRS_KEBUTUHAN, [kind, id_kebutuhan],
                           kebutuhan_job_id(kind, id_kebutuhan), one_pass, force=force)
