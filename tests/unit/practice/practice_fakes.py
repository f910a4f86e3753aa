"""In-memory fakes of the practice ports (same contract as the DynamoDB stores)."""

from __future__ import annotations

from clinicflow.platform.errors import ConflictError
from clinicflow.practice.payers.service import PayerPage


class FakePracticeRepo:
    """PracticeRepository + PayerRepository in dicts; records every audit record."""

    def __init__(self):
        self.profiles = {}
        self.locations = {}
        self.payers = {}
        self.audit = []
        self.fail_next_save = False

    def _save(self, table, key, record, previous_version, audit):
        if self.fail_next_save:
            self.fail_next_save = False
            raise ConflictError("simulated race")
        current = table.get(key)
        if (current.stamp.version if current else 0) != previous_version:
            raise ConflictError("changed")
        table[key] = record
        self.audit.append(audit)

    def get_profile(self, practice_id):
        return self.profiles.get(practice_id)

    def save_profile(self, profile, *, previous_version, audit):
        self._save(self.profiles, profile.practice_id, profile, previous_version, audit)

    def get_location(self, practice_id, location_id):
        return self.locations.get((practice_id, location_id))

    def list_locations(self, practice_id):
        return [v for (p, _), v in sorted(self.locations.items()) if p == practice_id]

    def save_location(self, location, *, previous_version, audit):
        key = (location.practice_id, location.location_id)
        self._save(self.locations, key, location, previous_version, audit)

    def get_payer(self, practice_id, payer_id):
        return self.payers.get((practice_id, payer_id))

    def list_payers(self, practice_id, *, limit, cursor):
        ids = sorted(k for p, k in self.payers if p == practice_id and (not cursor or k > cursor))
        page = ids[:limit]
        more = len(ids) > limit
        return PayerPage([self.payers[(practice_id, k)] for k in page], page[-1] if more else None)

    def save_payer(self, payer, *, previous_version, audit):
        self._save(self.payers, (payer.practice_id, payer.payer_id), payer, previous_version, audit)
