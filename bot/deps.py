"""What every handler needs, built once by the application."""

from __future__ import annotations

from dataclasses import dataclass

from bot.documents import DocumentMaker
from bot.render import Renderer
from bot.settings import Settings
from storage.clock import Clock
from storage.db import Offloaded


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    db: Offloaded  # awaited: the handlers' transactions run in its worker threads
    render: Renderer
    documents: DocumentMaker
