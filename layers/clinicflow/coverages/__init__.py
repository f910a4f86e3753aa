"""Insurance coverages of patients: payer, subscriber, order, card images."""
