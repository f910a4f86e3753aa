"""ClinicFlow: an open-source, serverless practice management system for medical clinics."""

__version__ = "0.1.0"
