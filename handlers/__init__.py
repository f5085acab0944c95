"""Telegram-facing code only: parse the update, call storage, render the answer."""
