"""API keys: random tokens shown once, stored only as SHA-256 hashes, each owned by a tenant.

A tenant is an app that embeds resonant; its users' ids are namespaced by the tenant, so
one key can never reach another tenant's users.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from resonant.memory.models import ApiKeyRow
from resonant.memory.store import MemoryStore

KEY_PREFIX = "rsn_"


def hash_key(key: str) -> str:
    # API keys are 256-bit random tokens, so a fast hash is safe (no dictionary to attack).
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyRing:
    """Creates and checks API keys in the same database as the memory store."""

    def __init__(self, store: MemoryStore):
        # The api_keys table comes with the store's migrations.
        self._sessions = store._sessions

    def create(self, tenant: str) -> str:
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self._sessions.begin() as session:
            session.add(ApiKeyRow(key_hash=hash_key(key), tenant=tenant))
        return key

    def tenant_of(self, key: str) -> str | None:
        with self._sessions() as session:
            return session.scalar(
                select(ApiKeyRow.tenant).where(ApiKeyRow.key_hash == hash_key(key))
            )
