"""Operations API under /api/v1/: each area registers its viewsets."""


def register() -> None:
    from . import incidents, inventory, runbooks

    for area in (inventory, incidents, runbooks):
        area.register()
