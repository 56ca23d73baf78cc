"""API keys: random tokens shown once, stored only as SHA-256 hashes, each owned by a tenant.

A tenant is an app that embeds resonant; its users' ids are namespaced as
``tenant:user``, so one key can never reach another tenant's users. That holds only
because a tenant name can never contain the separator: names are checked when a key is
created, and a key whose stored tenant fails the check (made before it existed) is
refused, never trusted.

Keys can be listed (by a public key id, never the key), revoked, rotated and given an
expiry; every check reads the database, so revocation takes effect on the next request
in every server process. Last use is recorded at most once a minute per key.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from resonant.errors import ResonantError
from resonant.memory.models import ApiKeyRow, utcnow
from resonant.memory.store import MemoryStore

log = logging.getLogger(__name__)

KEY_PREFIX = "rsn_"
LAST_USED_RESOLUTION = timedelta(minutes=1)
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


class UnknownKeyError(ResonantError, LookupError):
    """No API key has that key id."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What `resonant keys list` shows of a key: never the key itself."""

    key_id: str
    tenant: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and _aware(self.expires_at) <= now:
            return "expired"
        return "active"


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def hash_key(key: str) -> str:
    # API keys are 256-bit random tokens, so a fast hash is safe (no dictionary to attack).
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyRing:
    """Creates and checks API keys in the same database as the memory store."""

    def __init__(self, store: MemoryStore):
        # The api_keys table comes with the store's migrations.
        self._sessions = store._sessions
        self._last_recorded: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def create(self, tenant: str, *, expires_in: timedelta | None = None) -> str:
        """A new key for `tenant`, shown once (raises InvalidTenantError for a bad name)."""
        check_tenant(tenant)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        digest = hash_key(key)
        with self._sessions.begin() as session:
            session.add(
                ApiKeyRow(
                    key_hash=digest,
                    key_id=digest[:12],
                    tenant=tenant,
                    expires_at=utcnow() + expires_in if expires_in else None,
                )
            )
        return key

    def tenant_of(self, key: str) -> str | None:
        """The key's tenant, or None for an unknown, revoked or expired key, or one whose
        tenant name is invalid."""
        digest = hash_key(key)
        with self._sessions() as session:
            row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest))
        now = utcnow()
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at is not None and _aware(row.expires_at) <= now:
            return None
        if not TENANT_NAME.fullmatch(row.tenant):
            log.warning("refusing a key of tenant %r: the name could cross tenants", row.tenant)
            return None
        self._record_use(digest, now)
        return row.tenant

    def _record_use(self, digest: str, now: datetime) -> None:
        with self._lock:
            last = self._last_recorded.get(digest)
            if last is not None and now - last < LAST_USED_RESOLUTION:
                return
            self._last_recorded[digest] = now
        with self._sessions.begin() as session:
            session.execute(
                update(ApiKeyRow).where(ApiKeyRow.key_hash == digest).values(last_used_at=now)
            )

    def list(self, tenant: str | None = None) -> list[KeyInfo]:
        """Every key (or one tenant's), oldest first."""
        query = select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.key_id)
        if tenant is not None:
            query = query.where(ApiKeyRow.tenant == tenant)
        with self._sessions() as session:
            rows = session.scalars(query).all()
        return [
            KeyInfo(
                key_id=row.key_id,
                tenant=row.tenant,
                created_at=_aware(row.created_at),
                expires_at=_aware(row.expires_at) if row.expires_at else None,
                revoked_at=_aware(row.revoked_at) if row.revoked_at else None,
                last_used_at=_aware(row.last_used_at) if row.last_used_at else None,
            )
            for row in rows
        ]

    def revoke(self, key_id: str, *, after: timedelta | None = None) -> None:
        """Revoke a key now (or let it expire `after` from now, for a rotation's overlap).

        Raises:
            UnknownKeyError: no key has that id.
        """
        now = utcnow()
        values = {"expires_at": now + after} if after else {"revoked_at": now}
        with self._sessions.begin() as session:
            changed = session.execute(
                update(ApiKeyRow).where(ApiKeyRow.key_id == key_id).values(**values)
            )
        if not changed.rowcount:  # type: ignore[attr-defined]
            raise UnknownKeyError(f"no API key has the id {key_id!r} (see: resonant keys list)")

    def rotate(self, key_id: str, *, overlap: timedelta | None = None) -> str:
        """A new key for the same tenant; the old one is revoked now, or after `overlap`
        so clients can switch over."""
        with self._sessions() as session:
            tenant = session.scalar(select(ApiKeyRow.tenant).where(ApiKeyRow.key_id == key_id))
        if tenant is None:
            raise UnknownKeyError(f"no API key has the id {key_id!r} (see: resonant keys list)")
        key = self.create(tenant)
        self.revoke(key_id, after=overlap)
        return key
