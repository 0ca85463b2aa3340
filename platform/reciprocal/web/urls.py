"""Addresses that leave the service (emails, identity provider callbacks), built from the configured base URL."""

from __future__ import annotations

import uuid

from reciprocal.settings import Settings
from reciprocal.tenancy.models import Scheme


def scheme_url(settings: Settings, scheme: Scheme) -> str:
    """The scheme's absolute address, for links that leave the service (provider callbacks, emails).

    NOTE: from the configured base URL only, never the request's Host header, which whoever sends the
    request chooses: a sign-in link or callback pointing at their host would hand them the token or code.
    """
    return f"{settings.require_base_url()}/s/{scheme.slug}/"


def callback_url(settings: Settings, scheme: Scheme, provider_id: uuid.UUID) -> str:
    return f"{scheme_url(settings, scheme)}sign-in/oidc/{provider_id}/callback"
