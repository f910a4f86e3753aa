"""Providers: the clinicians a practice books appointments with (NPI, taxonomy, locations)."""
