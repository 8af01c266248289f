"""Make sure a staff login exists; print a generated password once when one is created."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Create a superuser with a generated password when no superuser exists yet, and print the "
        "username and password once. Does nothing when a superuser already exists."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin", help="Username to create (default: admin).")

    def handle(self, *args, username: str, **options) -> None:
        users = get_user_model()
        if users.objects.filter(is_superuser=True, is_active=True).exists():
            self.stdout.write("A staff login already exists; no new one created.")
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS("Created a staff login for the admin (shown only this once):"))
        self.stdout.write(f"  username: {username}\n  password: {password}")
