"""Per-key token buckets: bursts up to the per-minute budget, refilled continuously.

`RateLimiter` keeps the buckets in this process; `RedisRateLimiter` keeps them in Redis,
so every server process behind a load balancer draws on the same budget (two replicas do
not allow twice the limit). `rate_limiter` picks Redis when a URL is configured.
Both answer how long to wait, for the `Retry-After` header.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol

from resonant.errors import MissingExtraError


class Limiter(Protocol):
    def wait(self, key: str) -> float:
        """Take one token for `key`: 0 if allowed, else the seconds until one is free."""
        ...


class RateLimiter:
    """Token buckets in this process's memory."""

    def __init__(self, per_minute: int):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0


# One atomic step of a token bucket held in a Redis hash (tokens, last refill time), on
# Redis's clock so replicas with skewed clocks agree.
_TAKE = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or capacity
local at = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens < 1 then
  wait = (1 - tokens) / rate
else
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return tostring(wait)
"""


class RedisRateLimiter:
    """Token buckets in Redis, shared by every process that uses the same server."""

    def __init__(self, url: str, per_minute: int, *, namespace: str = "resonant:rate:"):
        try:
            import redis
        except ImportError as exc:
            raise MissingExtraError("a Redis rate limit", "redis") from exc
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.namespace = namespace
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._take = self._client.register_script(_TAKE)

    def wait(self, key: str) -> float:
        return float(self._take(keys=[self.namespace + key], args=[self.capacity, self.rate]))

    def close(self) -> None:
        self._client.close()


def rate_limiter(per_minute: int, redis_url: str | None = None) -> Limiter:
    """A Redis-backed limiter when `redis_url` is given, else an in-process one."""
    return RedisRateLimiter(redis_url, per_minute) if redis_url else RateLimiter(per_minute)


def retry_after(seconds: float) -> str:
    """The Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
