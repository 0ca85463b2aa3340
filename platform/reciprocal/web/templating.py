"""The Jinja environment: our templates in web/templates, GOV.UK Frontend's macros beside them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from reciprocal.identity.access import CASE_ROLES
from reciprocal.kernel.dates import govuk_date, govuk_datetime, govuk_time


def template_environment(templates_dir: Path, filters: Mapping[str, Callable[..., Any]] | None = None) -> Environment:
    """The environment, with the GOV.UK date filters and `filters` (the portals' own words) registered once."""
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(templates_dir),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["govuk_date"] = govuk_date
    env.filters["govuk_datetime"] = govuk_datetime
    env.filters["govuk_time"] = govuk_time
    env.filters.update(filters or {})
    # Whom the layout gives the header's search box.
    env.globals["case_roles"] = CASE_ROLES
    return env


def template_config(
    templates_dir: Path, filters: Mapping[str, Callable[..., Any]] | None = None
) -> TemplateConfig[JinjaTemplateEngine]:
    env = template_environment(templates_dir, filters)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))
