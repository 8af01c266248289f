"""HTTP Basic for API clients that send their password with every call."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from drf_spectacular.authentication import BasicScheme
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication, TokenAuthentication

REMEMBER_SECONDS = 300


class CachedBasicAuthentication(BasicAuthentication):
    """HTTP Basic with a successful password check remembered for a few minutes.

    Django's password hashers are slow on purpose (PBKDF2, about 0.3 s a check), and MatchEngine
    clients send Basic credentials with every call: without this, each search pays that cost. The
    cache holds an HMAC of the credentials, never the password; a changed password or a deactivated
    account takes effect at once, because the user's current hash and flag are checked on every hit.
    """

    def authenticate_credentials(self, userid, password, request=None):
        refuse_nul(userid, password)
        key = "basic-auth:" + hmac.new(settings.SECRET_KEY.encode(), f"{userid}\0{password}".encode(),
                                       hashlib.sha256).hexdigest()  # fmt: skip
        remembered = cache.get(key)
        if remembered is not None:
            user_pk, password_hash = remembered
            user = get_user_model().objects.filter(pk=user_pk, is_active=True).first()
            if user is not None and user.password == password_hash:
                return user, None
        user, auth = super().authenticate_credentials(userid, password, request)
        cache.set(key, (user.pk, user.password), REMEMBER_SECONDS)
        return user, auth


class CheckedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token no token can be before the database is asked."""

    def authenticate_credentials(self, key):
        refuse_nul(key)
        return super().authenticate_credentials(key)


def refuse_nul(*credentials: str) -> None:
    """Credentials with a NUL character match no account, and PostgreSQL refuses to compare text holding one:
    answer 401 here, as for any wrong login, rather than let the database fail the request."""
    if any("\x00" in value for value in credentials):
        raise exceptions.AuthenticationFailed("Invalid username/password.")


class CachedBasicScheme(BasicScheme):
    """The OpenAPI schema describes it as plain HTTP Basic (which it is, to a client)."""

    target_class = "webapp.auth.CachedBasicAuthentication"
