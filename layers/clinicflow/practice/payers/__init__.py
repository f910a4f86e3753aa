"""The practice's payer directory: who it bills and how each payer is reached."""
