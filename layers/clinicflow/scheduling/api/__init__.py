"""Scheduling HTTP routers: configuration and slot search, appointments and waitlist."""
