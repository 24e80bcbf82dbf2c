"""A real HTTP receiver on 127.0.0.1 (uvicorn) that keeps what it was sent; `down()`/`up()` stop and restart it on
the same port, and `status` is what it answers with while up."""

import asyncio
import socket
from dataclasses import dataclass, field

import uvicorn
from standardwebhooks import Webhook


@dataclass
class Received:
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    status: int = 200
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def app(self, scope, receive, send) -> None:  # noqa: ANN001
        assert scope["type"] == "http"
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        self.received.append(Received({k.decode(): v.decode() for k, v in scope["headers"]}, body.decode()))
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def up(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, lifespan="off", log_level="warning", access_log=False, interface="asgi3")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            await asyncio.sleep(0.01)

    async def down(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
            self._server = self._task = None

    def verified(self, secret: str) -> list[dict]:
        """Every message received, each verified with the standardwebhooks library (raises if one fails)."""
        hook = Webhook(secret)
        return [hook.verify(r.body, r.headers) for r in self.received]
