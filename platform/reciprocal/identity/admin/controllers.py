"""The scheme admin's pages for people and sign-in, in the order the router takes them."""

from __future__ import annotations

from reciprocal.identity.admin import providers_controllers, users_controllers

HANDLERS = [*users_controllers.HANDLERS, *providers_controllers.HANDLERS]
