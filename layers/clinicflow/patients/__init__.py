"""Patient administration: demographics, search, duplicates, MRNs."""
