"""The page's query string, as Voila hands it to the kernel that serves the page.

A preheated kernel runs the notebook before any page asks for it; Voila tells it the request
later, over a websocket (``voila/query/<kernel id>``). Voila's own helper
(``voila.utils.wait_for_request``) imports the whole server stack into the kernel (about 45 MB
and a second); this asks the same endpoint for the same answer and only returns it.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Mapping


def page_query(env: Mapping[str, str] | None = None, timeout: float = 3600) -> str:
    """The query string of the page this kernel serves ('' outside Voila or without one)."""
    env = os.environ if env is None else env
    if env.get("VOILA_PREHEAT") == "True" and env.get("VOILA_KERNEL_ID"):
        request = _wait_for_request(env, timeout)
        return str(request.get("QUERY_STRING", ""))
    return env.get("QUERY_STRING", "")


def _wait_for_request(env: Mapping[str, str], timeout: float) -> dict:
    """Block until Voila hands this preheated kernel to a page; return the request's values."""
    import asyncio

    import websockets

    base = env.get("VOILA_WS_BASE_URL") or env.get("VOILA_SERVER_URL", "/")
    url = (
        f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
        f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env['VOILA_KERNEL_ID']}"
    )
    answer: list[str] = []

    async def receive() -> None:
        async with websockets.connect(url, open_timeout=5) as socket:
            answer.append(await asyncio.wait_for(socket.recv(), timeout))

    def run() -> None:
        # Without request info the page still opens, with its default case.
        with contextlib.suppress(Exception):
            asyncio.new_event_loop().run_until_complete(receive())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join()
    return json.loads(answer[0]) if answer else {}
