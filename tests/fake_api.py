"""A minimal Bot API over real HTTP, in a thread: for start-up tests of the bot as a process.

Not an emulator (that is bot/sandbox/emulator.py): just enough of getMe, getUpdates, setWebhook
and sends for `python -m bot serve` to start, plus ways to misbehave (`mode`).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

BOT = {"id": 7000000001, "is_bot": True, "first_name": "Awards", "username": "AwardsTestBot"}


class FakeBotApi:
    """mode: "ok" (a Bot API), "html" (a web page, not an API), "html404" (nginx's not found),
    "404" (the Bot API's own not found), "badhook" (setWebhook refused),
    "hang" (getUpdates never answers),
    "401" (token rejected), "conflict" (getUpdates answers 409 Conflict)."""

    def __init__(self, mode: str = "ok"):
        self.mode = mode
        self.calls: list[tuple[str, dict]] = []
        self.updates: list[dict] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                params = api._params(raw, self.headers.get("Content-Type") or "")
                method = self.path.rsplit("/", 1)[-1]
                api.calls.append((method, params))
                status, body, kind = api.answer(method, params)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> FakeBotApi:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @staticmethod
    def _params(raw: bytes, content_type: str) -> dict:
        if not raw:
            return {}
        if "json" in content_type:
            return json.loads(raw)
        return {k: v[0] for k, v in parse_qs(raw.decode()).items()}

    def methods(self) -> list[str]:
        return [m for m, _ in self.calls]

    def answer(self, method: str, params: dict) -> tuple[int, bytes, str]:
        if self.mode == "html":
            return 200, b"<html><body>Welcome to nginx!</body></html>", "text/html"
        if self.mode == "html404":
            return 404, b"<html><body>404 Not Found</body></html>", "text/html"
        if self.mode == "404":
            return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if self.mode == "401":
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        if method == "getMe":
            return _json(200, {"ok": True, "result": BOT})
        if method == "setWebhook" and self.mode == "badhook":
            description = (
                "Bad Request: bad webhook: Failed to resolve host: Name or service not known"
            )
            return _json(400, {"ok": False, "error_code": 400, "description": description})
        if method == "getUpdates":
            if self.mode == "hang":  # Telegram stops answering: the connection stays open
                time.sleep(30)
            if self.mode == "conflict":
                return _json(
                    409,
                    {
                        "ok": False,
                        "error_code": 409,
                        "description": "Conflict: terminated by other getUpdates request; make "
                        "sure that only one bot instance is running",
                    },
                )
            ready = [u for u in self.updates if u["update_id"] >= int(params.get("offset") or 0)]
            if not ready:
                time.sleep(min(float(params.get("timeout") or 0), 0.5))
            return _json(200, {"ok": True, "result": ready})
        if method in ("sendMessage", "sendPoll"):
            chat = {"id": int(params.get("chat_id", 0)), "type": "private", "first_name": "A"}
            message = {"message_id": len(self.calls), "date": 0, "chat": chat, "from": BOT}
            message["text"] = params.get("text", "")
            return _json(200, {"ok": True, "result": message})
        if method == "getMyCommands":
            return _json(200, {"ok": True, "result": []})
        if method in ("getMyDescription", "getMyShortDescription"):
            key = "description" if method == "getMyDescription" else "short_description"
            return _json(200, {"ok": True, "result": {key: ""}})
        if method == "getWebhookInfo":
            return _json(200, {"ok": True, "result": {"url": "", "has_custom_certificate": False,
                                                      "pending_update_count": 0}})  # fmt: skip
        return _json(200, {"ok": True, "result": True})


def _json(status: int, body: dict) -> tuple[int, bytes, str]:
    return status, json.dumps(body).encode(), "application/json"


def private_message(update_id: int, user_id: int, text: str) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": "Alice", "language_code": "en"}
    chat = {"id": user_id, "type": "private", "first_name": "Alice"}
    return {
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 0, "chat": chat, "from": user, "text": text},
    }
