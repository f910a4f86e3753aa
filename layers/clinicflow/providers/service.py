"""Provider use cases: add, read, list, change and deactivate a practice's providers.

The API checks the caller's role; these functions take the practice from the caller (or an
explicit practice id for reads) and receive their ports as keyword arguments, defaulting to
the DynamoDB store and the practice service. The demo seed calls them directly:

    caller = system_caller("sunrise")
    create_provider(caller, ProviderInput(...), provider_id="prov-okafor")
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.platform.errors import ConflictError, FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller, Role
from clinicflow.providers.model import (
    PracticeFacts,
    Provider,
    ProviderChanges,
    ProviderInput,
    new_provider_id,
)

__all__ = [
    "PracticeFactsSource",
    "ProviderRepository",
    "create_provider",
    "deactivate_provider",
    "get_provider",
    "list_providers",
    "practice_facts",
    "system_caller",
    "update_provider",
]

RESOURCE = "provider"

PracticeFactsSource = Callable[[str], PracticeFacts]
"""practice id → its active location ids and organisation NPIs (the practice service)."""


class ProviderRepository(Protocol):
    """Storage of providers.

    Writes go with their audit record in one transaction. `add` fails with ConflictError
    when the id or the NPI is already taken in the practice; `save` when the stored version
    is no longer `previous.version` or the new NPI is taken.
    """

    def get(self, practice_id: str, provider_id: str) -> Provider | None:
        """One provider of the practice."""
        ...

    def list_all(self, practice_id: str) -> list[Provider]:
        """Every provider of the practice, by id."""
        ...

    def add(self, provider: Provider, *, audit: AuditRecord) -> None:
        """Write a new provider, claim its NPI, and append the audit record, atomically."""
        ...

    def save(self, provider: Provider, *, previous: Provider, audit: AuditRecord) -> None:
        """Replace `previous` (same version only) and move the NPI claim if it changed."""
        ...


_default: ProviderRepository | None = None


def default_repository() -> ProviderRepository:
    """The DynamoDB store (created on first use)."""
    global _default
    if _default is None:
        from clinicflow.providers.store import DynamoProviderStore

        _default = DynamoProviderStore()
    return _default


def practice_facts(practice_id: str) -> PracticeFacts:
    """The practice's active locations and organisation NPIs, from the practice service."""
    from clinicflow.practice import service as practice

    locations = practice.list_locations(practice_id)
    npis = {loc.npi for loc in locations if loc.npi}
    with suppress(NotFoundError):  # no profile yet: no group NPI to compare with
        npis.add(practice.get_profile(practice_id).group_npi)
    return PracticeFacts(
        active_location_ids=frozenset(loc.location_id for loc in locations if loc.active),
        organisation_npis=frozenset(npis),
    )


def system_caller(practice_id: str, username: str = "clinicflow-seed") -> Caller:
    """An admin identity for jobs acting without an HTTP request (the demo seed)."""
    return Caller(username=username, practice_id=practice_id, roles=frozenset({Role.ADMIN}))


def _check_version(expected: int | None, current: int) -> None:
    if expected is not None and expected != current:
        raise ConflictError(
            "the provider changed since it was read; reload it and retry",
            details={"current_version": current},
        )


def get_provider(
    practice_id: str, provider_id: str, *, repo: ProviderRepository | None = None
) -> Provider:
    """One provider of the practice, or NotFoundError (also for other practices' ids)."""
    provider = (repo or default_repository()).get(practice_id, provider_id)
    if provider is None:
        raise NotFoundError("provider not found")
    return provider


def list_providers(
    practice_id: str,
    *,
    location_id: str | None = None,
    active_only: bool = False,
    repo: ProviderRepository | None = None,
) -> list[Provider]:
    """The practice's providers, optionally only those working at a location or active."""
    providers = (repo or default_repository()).list_all(practice_id)
    return [
        p
        for p in providers
        if (location_id is None or p.works_at(location_id)) and (p.active or not active_only)
    ]


def create_provider(
    caller: Caller,
    data: ProviderInput,
    *,
    provider_id: str | None = None,
    repo: ProviderRepository | None = None,
    facts: PracticeFactsSource = practice_facts,
    new_id: Callable[[], str] = new_provider_id,
) -> Provider:
    """Add a provider to the caller's practice (id generated unless given).

    ValidationError (422) names each failing field; ConflictError (409) when the id or the
    NPI is already used in the practice.
    """
    repo = repo or default_repository()
    provider = Provider.build(
        caller.practice_id,
        provider_id if provider_id is not None else new_id(),
        data,
        facts(caller.practice_id),
        actor=caller.username,
    )
    audit = AuditRecord.of(caller, Action.CREATE, RESOURCE, provider.provider_id)
    repo.add(provider, audit=audit)
    return provider


def update_provider(
    caller: Caller,
    provider_id: str,
    changes: ProviderChanges,
    *,
    expected_version: int | None = None,
    repo: ProviderRepository | None = None,
    facts: PracticeFactsSource = practice_facts,
) -> Provider:
    """Change some fields of a provider; a stale `expected_version` answers 409."""
    repo = repo or default_repository()
    current = get_provider(caller.practice_id, provider_id, repo=repo)
    _check_version(expected_version, current.version)
    if changes.is_empty():
        raise ValidationError(FieldError("body", "names no field to change"))
    known = facts(caller.practice_id) if current.needs_practice_facts(changes) else PracticeFacts()
    updated = current.changed(changes, known, actor=caller.username)
    audit = AuditRecord.of(caller, Action.UPDATE, RESOURCE, provider_id)
    repo.save(updated, previous=current, audit=audit)
    return updated


def deactivate_provider(
    caller: Caller,
    provider_id: str,
    *,
    repo: ProviderRepository | None = None,
) -> Provider:
    """Mark a provider inactive (idempotent); kept on record, and their NPI stays claimed."""
    repo = repo or default_repository()
    current = get_provider(caller.practice_id, provider_id, repo=repo)
    if not current.active:
        return current
    updated = current.deactivated(actor=caller.username)
    audit = AuditRecord.of(caller, Action.DELETE, RESOURCE, provider_id)
    repo.save(updated, previous=current, audit=audit)
    return updated
