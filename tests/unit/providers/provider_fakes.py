"""In-memory fake of the provider port (same contract as the DynamoDB store)."""

from __future__ import annotations

from clinicflow.platform.errors import ConflictError
from clinicflow.providers.model import PracticeFacts


class FakeProviderRepo:
    """ProviderRepository in dicts: one NPI per practice, versions checked, audit kept."""

    def __init__(self):
        self.providers = {}
        self.npis = {}
        self.audit = []

    def get(self, practice_id, provider_id):
        return self.providers.get((practice_id, provider_id))

    def list_all(self, practice_id):
        return [v for (p, _), v in sorted(self.providers.items()) if p == practice_id]

    def add(self, provider, *, audit):
        key = (provider.practice_id, provider.provider_id)
        if key in self.providers:
            raise ConflictError("provider_id: a provider with this id already exists")
        if (provider.practice_id, provider.npi) in self.npis:
            raise ConflictError("npi: is already used by another provider of the practice")
        self.providers[key] = provider
        self.npis[(provider.practice_id, provider.npi)] = provider.provider_id
        self.audit.append(audit)

    def save(self, provider, *, previous, audit):
        key = (provider.practice_id, provider.provider_id)
        stored = self.providers.get(key)
        if stored is None or stored.version != previous.version:
            raise ConflictError("the provider was changed by someone else; reload it and retry")
        if provider.npi != previous.npi:
            if (provider.practice_id, provider.npi) in self.npis:
                raise ConflictError("npi: is already used by another provider of the practice")
            del self.npis[(previous.practice_id, previous.npi)]
            self.npis[(provider.practice_id, provider.npi)] = provider.provider_id
        self.providers[key] = provider
        self.audit.append(audit)


class FakePractice:
    """The practice facts port: fixed locations and organisation NPIs; counts its calls."""

    def __init__(self, locations=("loc-denver", "loc-chicago"), org_npis=()):
        self.facts = PracticeFacts(frozenset(locations), frozenset(org_npis))
        self.calls = 0

    def __call__(self, practice_id):
        self.calls += 1
        return self.facts if practice_id == "sunrise" else PracticeFacts()
