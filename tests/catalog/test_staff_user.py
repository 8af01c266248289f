import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_it_creates_a_staff_login_with_a_generated_password_once():
    out = io.StringIO()
    call_command("ensure_staff_user", stdout=out)
    text = out.getvalue()
    password = text.split("password:")[1].strip()
    assert len(password) >= 12
    assert authenticate(username="admin", password=password).is_staff

    again = io.StringIO()
    call_command("ensure_staff_user", stdout=again)
    assert "already exists" in again.getvalue()
    assert get_user_model().objects.count() == 1


def test_two_runs_on_two_machines_get_different_passwords(django_user_model):
    first, second = io.StringIO(), io.StringIO()
    call_command("ensure_staff_user", stdout=first)
    django_user_model.objects.all().delete()
    call_command("ensure_staff_user", stdout=second)
    assert first.getvalue().split("password:")[1] != second.getvalue().split("password:")[1]
