"""The demo practices' staff users: one per role per practice (local stack only)."""

from __future__ import annotations

from dataclasses import dataclass

from clinicflow.platform.identity import Role

# A published demo password for a local, synthetic-data-only stack.
DEMO_PASSWORD = "Demo-Clinic-2026!"  # noqa: S105

PRACTICES = {
    "sunrise": "Sunrise Family Medicine",
    "lakeside": "Lakeside Pediatrics",
}


@dataclass(frozen=True)
class DemoUser:
    """A seeded staff login."""

    username: str
    practice_id: str
    role: Role
    name: str

    @property
    def email(self) -> str:
        """A reserved example.org address (never deliverable)."""
        return f"{self.username}@example.org"


def demo_users() -> list[DemoUser]:
    """Every demo login, e.g. `sunrise-frontdesk`, `lakeside-admin`."""
    short = {
        Role.FRONT_DESK: "frontdesk",
        Role.BILLER: "biller",
        Role.PROVIDER: "provider",
        Role.ADMIN: "admin",
    }
    return [
        DemoUser(f"{practice}-{short[role]}", practice, role, f"{name} {role.value}")
        for practice, name in PRACTICES.items()
        for role in Role
    ]
