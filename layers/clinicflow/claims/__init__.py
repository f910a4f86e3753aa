"""Claims: charge capture (encounters), the scrubber, and the claim lifecycle."""
