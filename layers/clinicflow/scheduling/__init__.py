"""Scheduling: rooms, appointment types, availability, slot search, conflict-free booking,
recurring series and a waitlist. See docs/data-model.md ("Scheduling") and docs/adr/0002."""
