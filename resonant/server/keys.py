"""API keys: random tokens shown once, stored only as SHA-256 hashes, each owned by a tenant.

A tenant is an app that embeds resonant; its users' ids are namespaced as
``tenant:user``, so one key can never reach another tenant's users. That holds only
because a tenant name can never contain the separator: names are checked when a key is
created, and a key whose stored tenant fails the check (made before it existed) is
refused, never trusted.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets

from sqlalchemy import select

from resonant.errors import ResonantError
from resonant.memory.models import ApiKeyRow
from resonant.memory.store import MemoryStore

log = logging.getLogger(__name__)

KEY_PREFIX = "rsn_"
# Letters, digits, dot, dash and underscore: never the ":" that separates tenant and user.
TENANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class InvalidTenantError(ResonantError, ValueError):
    """A tenant name that could collide with another tenant's users."""


def check_tenant(tenant: str) -> str:
    """The tenant name, if it is 1-64 letters, digits, '.', '-' or '_' (starting with a
    letter or digit).

    Raises:
        InvalidTenantError: anything else, e.g. "alpha:evil", whose users would be
            tenant "alpha"'s users "evil:...".
    """
    if not TENANT_NAME.fullmatch(tenant):
        raise InvalidTenantError(
            f"invalid tenant name {tenant!r}: use 1-64 letters, digits, '.', '-' or '_', "
            "starting with a letter or digit"
        )
    return tenant


def hash_key(key: str) -> str:
    # API keys are 256-bit random tokens, so a fast hash is safe (no dictionary to attack).
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyRing:
    """Creates and checks API keys in the same database as the memory store."""

    def __init__(self, store: MemoryStore):
        # The api_keys table comes with the store's migrations.
        self._sessions = store._sessions

    def create(self, tenant: str) -> str:
        """A new key for `tenant`, shown once (raises InvalidTenantError for a bad name)."""
        check_tenant(tenant)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self._sessions.begin() as session:
            session.add(ApiKeyRow(key_hash=hash_key(key), tenant=tenant))
        return key

    def tenant_of(self, key: str) -> str | None:
        """The key's tenant, or None for an unknown key or one whose tenant name is invalid."""
        with self._sessions() as session:
            tenant = session.scalar(
                select(ApiKeyRow.tenant).where(ApiKeyRow.key_hash == hash_key(key))
            )
        if tenant is not None and not TENANT_NAME.fullmatch(tenant):
            log.warning("refusing a key of tenant %r: the name could cross tenants", tenant)
            return None
        return tenant
