"""Audit trail: who read or changed which PHI, when and from where."""
