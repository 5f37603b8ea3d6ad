"""Create an API token for a user and print the raw token once, as the last line."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mops.models import Scope
from mops.services import create_api_token


class Command(BaseCommand):
    help = (
        "Create an API token. The raw token is printed once, as the last line; only its hash "
        f"is stored. Scopes: {', '.join(Scope.values)}."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="Where the token is used.")
        parser.add_argument(
            "--scope",
            action="append",
            required=True,
            dest="scopes",
            choices=Scope.values,
            help="Repeat for several scopes.",
        )
        parser.add_argument(
            "--expires-in-days", type=int, default=None, help="Days until the token expires."
        )

    def handle(self, *args, username: str, name: str, scopes: list[str], **options) -> None:
        User = get_user_model()
        try:
            owner = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc
        days = options["expires_in_days"]
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            token, raw = create_api_token(
                owner=owner, name=name, scopes=scopes, expires_at=expires_at
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        self.stderr.write(
            f"Created token {token.name!r} for {owner.get_username()} with scopes "
            f"{', '.join(token.scopes)}. Store it now: it is not shown again."
        )
        self.stdout.write(raw)
