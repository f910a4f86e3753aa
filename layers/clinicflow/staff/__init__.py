"""Staff administration: invite, disable and re-enable users, assign roles and locations."""
