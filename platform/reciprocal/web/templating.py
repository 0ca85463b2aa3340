"""The Jinja environment: our templates in web/templates, GOV.UK Frontend's macros beside them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

UK_TIME = ZoneInfo("Europe/London")


def govuk_date(value: date | datetime | None) -> str:
    """'5 March 2026', the GOV.UK style for dates, on the UK's clock."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UK_TIME)
    return f"{value.day} {value:%B %Y}"


def template_environment(templates_dir: Path) -> Environment:
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
    return env


def template_config(templates_dir: Path) -> TemplateConfig[JinjaTemplateEngine]:
    env = template_environment(templates_dir)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))
