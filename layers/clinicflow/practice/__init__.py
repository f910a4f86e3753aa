"""Practice administration: the practice profile, its locations and its payer directory."""
