"""Every command of every role's menu has its description (a missing one broke /start)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.render import Renderer
from handlers.menus import MENU, menu
from storage.models import Role


@pytest.mark.parametrize("role", list(Role))
def test_each_role_menu_is_described(role: Role) -> None:
    render = Renderer(ZoneInfo("Europe/Paris"))
    names = menu(role)
    assert set(names) <= set(MENU)
    assert all(render.label("menu", name=name) for name in names)
