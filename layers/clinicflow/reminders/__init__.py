"""Appointment reminders (one EventBridge Scheduler schedule each) and two-way SMS replies."""
