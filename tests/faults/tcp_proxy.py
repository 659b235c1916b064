"""A TCP proxy on 127.0.0.1 in front of PostgreSQL, so a test can take the database away and give it back.

The stack's database URL names the proxy's port. `refuse()` closes the listening socket (a new
connection is refused at once) and cuts every open connection (the pool's connections die mid-use);
`hang()` accepts new connections but never answers on them (a server that is there but does not
respond: only a deadline ends the wait); `restore()` listens again on the same port.
"""

import asyncio
import contextlib
from typing import Literal

Mode = Literal["up", "refusing", "hanging"]
CHUNK = 65536


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1", host: str = "127.0.0.1") -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.host = host
        self.port = 0
        self.mode: Mode = "up"
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> "TcpProxy":
        await self._listen()
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def refuse(self) -> None:
        """Refuse new connections and cut the open ones."""
        self.mode = "refusing"
        if self._server is not None:
            self._server.close()
            self._server = None
        self.cut()

    async def hang(self) -> None:
        """Accept new connections and leave them unanswered; cut the open ones."""
        self.mode = "hanging"
        if self._server is None:
            await self._listen()
        self.cut()

    async def restore(self) -> None:
        """Forward again; connections accepted while hanging are cut so that nobody waits on them."""
        self.mode = "up"
        self.cut()
        if self._server is None:
            await self._listen()

    def cut(self) -> None:
        """Reset every open connection, both sides."""
        for writer in list(self._open):
            transport = writer.transport
            if not transport.is_closing():
                transport.abort()
        self._open.clear()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self.cut()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open.add(writer)
        if self.mode != "up":
            # Hanging: read and drop whatever the client sends until someone cuts the connection.
            with contextlib.suppress(Exception):
                while await reader.read(CHUNK):
                    pass
            self._forget(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.transport.abort()
            self._forget(writer)
            return
        self._open.add(up_writer)
        pipes = [
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ]
        self._tasks.update(pipes)
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pipes:
                task.cancel()
                self._tasks.discard(task)
            for w in (writer, up_writer):
                w.transport.abort()
                self._forget(w)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()

    def _forget(self, writer: asyncio.StreamWriter) -> None:
        self._open.discard(writer)
