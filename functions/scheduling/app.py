"""Scheduling API: calendar configuration, slot search, appointments, series, waitlist."""

from typing import Any

from clinicflow.platform.http import build_app
from clinicflow.scheduling.api.appointments import router as appointments
from clinicflow.scheduling.api.config import router as config
from clinicflow.scheduling.api.patient_visits import router as patient_visits

app = build_app(config, appointments, patient_visits)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway REST proxy entry point."""
    return app.resolve(event, context)
