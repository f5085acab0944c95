"""What falls due and its sending (filled by the reminders issue)."""
