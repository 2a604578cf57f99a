"""Fan-out of room messages between app instances: in-process (`memory://`) or Redis pub/sub
(`redis://`). One channel carries every room of a deployment; each instance keeps only the rooms it
serves."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any, Protocol


class Broker(Protocol):
    async def connect(self) -> None: ...
    async def disconnect(self) -> None: ...
    async def publish(self, message: dict[str, Any]) -> None: ...
    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """Subscribed once awaited; then iterate the returned stream."""
        ...

    async def ping(self) -> bool: ...


class MemoryBroker:
    def __init__(self) -> None:
        self._subscribers: list[asyncio.Queue[dict[str, Any]]] = []

    async def connect(self) -> None:
        return None

    async def disconnect(self) -> None:
        self._subscribers.clear()

    async def publish(self, message: dict[str, Any]) -> None:
        for queue in self._subscribers:
            queue.put_nowait(message)

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._subscribers.append(queue)
        return self._drain(queue)

    async def _drain(self, queue: asyncio.Queue[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
        try:
            while True:
                yield await queue.get()
        finally:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(queue)

    async def ping(self) -> bool:
        return True


class RedisBroker:
    def __init__(self, url: str, channel: str) -> None:
        from redis import asyncio as aioredis

        self._redis = aioredis.from_url(url, decode_responses=True)
        self._channel = channel

    async def connect(self) -> None:
        await self._redis.ping()

    async def disconnect(self) -> None:
        await self._redis.aclose()

    async def publish(self, message: dict[str, Any]) -> None:
        from redis.exceptions import ConnectionError as RedisConnectionError

        payload = json.dumps(message, separators=(",", ":"))
        try:
            await self._redis.publish(self._channel, payload)
        except RedisConnectionError:
            # After a Redis restart every idle pooled connection is stale: drop them and try again.
            await self._redis.connection_pool.disconnect(inuse_connections=False)
            await self._redis.publish(self._channel, payload)

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        pubsub = self._redis.pubsub()
        try:
            await pubsub.subscribe(self._channel)
        except Exception:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
            raise
        return self._drain(pubsub)

    async def _drain(self, pubsub: Any) -> AsyncIterator[dict[str, Any]]:
        try:
            async for item in pubsub.listen():
                if item.get("type") == "message":
                    yield json.loads(item["data"])
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False


def create_broker(url: str, channel: str) -> Broker:
    if url.startswith("memory://"):
        return MemoryBroker()
    if url.startswith(("redis://", "rediss://")):
        return RedisBroker(url, channel)
    raise ValueError(f"Unsupported LENSWALK_BROKER_URL scheme: {url.split(':', 1)[0]}")
