"""Scheduling use cases (config, availability, booking, series, waitlist) and their ports."""
