"""Records, their engine and migrations, and every rule that keeps them consistent."""
