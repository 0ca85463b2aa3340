"""Each kind of email as a template the scheme admin may rewrite: a subject and a body, in a sandbox.

A template sees a fixed set of variables (VARIABLES) and nothing else: the scheme's name, the reference and
link of each referral it tells of, and how many. No answer, address, case reference or note is ever given
to it, so no wording an admin writes can put one in an email. The service's own wording (`default`) is the
template every scheme starts from; a scheme's saved versions (`MessageTemplate`) replace it, newest first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.kernel.errors import Refused
from reciprocal.notifications.messages import DIGEST_KINDS, KINDS, STATEMENT, Email
from reciprocal.notifications.models import MessageTemplate

VARIABLES = {
    "scheme": "the scheme's name",
    "reference": "the referral's reference number (the first, in a list of several)",
    "link": "the link to the referral (the first, in a list of several)",
    "count": "how many referrals the email tells of",
    "items": "each referral told of, with item.reference and item.link",
    "subject": "the email's subject, once written (in the body only)",
}
"""Everything a template can use."""
EDITABLE = [kind for kind in KINDS if kind != STATEMENT]
"""Kinds a scheme may word its own way. NOTE: the monthly statement is a table of figures
(messages.statement_email), not yet a template."""
SUBJECT_LIMIT, BODY_LIMIT = 200, 5000
FOOTER = "You are told this because of your role in the scheme. Sign in to see what is new for you."

_sandbox = ImmutableSandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True
)


@dataclass(frozen=True)
class Source:
    subject: str
    body: str


def default(kind: str) -> Source:
    """The service's own wording of `kind`, as a template."""
    what = KINDS[kind]
    subject = what.happened.replace("{reference}", "{{ reference }}")
    one = f"{what.wanted}\n\n{what.link}: {{{{ link }}}}\n"
    if kind in DIGEST_KINDS:
        subject = (
            f"{{% if count == 1 %}}{subject}{{% else %}}{{{{ count }}}} referrals were circulated to you{{% endif %}}"
        )
        many = what.wanted_of_many or what.wanted
        one = (
            f"{{% if count == 1 %}}\n{one}{{% else %}}\n{many}\n\n"
            "{% for item in items %}\n- {{ item.reference }}: {{ item.link }}\n{% endfor %}\n{% endif %}\n"
        )
    return Source(subject=subject, body=f"{{{{ scheme }}}}\n\n{{{{ subject }}}}.\n\n{one}\n{FOOTER}\n")


def render(source: Source, scheme_name: str, items: list[tuple[str | None, str]]) -> Email:
    """The email `source` makes for referrals `items` ((reference, link) each)."""
    listed = [{"reference": reference or "", "link": link} for reference, link in items]
    first = listed[0] if listed else {"reference": "", "link": ""}
    values: dict[str, Any] = {"scheme": scheme_name, "count": len(listed), "items": listed, **first}
    subject = " ".join(_sandbox.from_string(source.subject).render(values).split())
    body = _sandbox.from_string(source.body).render({**values, "subject": subject})
    return Email(subject=subject, body=body)


SAMPLE: list[tuple[str | None, str]] = [
    (f"PL-2026-004{n}", f"https://reciprocal.example/s/your-scheme/referrals/{n}") for n in (2, 3, 4)
]
"""Referrals a preview tells of: the first alone, or all three where a kind lists several."""


def check(kind: str, source: Source, scheme_name: str) -> list[tuple[str, str]]:
    """Problems with a template, as (field, words naming the line and the problem); none if it renders."""
    problems = []
    for field, text, limit in (("subject", source.subject, SUBJECT_LIMIT), ("body", source.body, BODY_LIMIT)):
        name = "The subject" if field == "subject" else "The message"
        if not text.strip():
            problems.append((field, f"Enter {name.lower()}"))
            continue
        if len(text) > limit:
            problems.append((field, f"{name} must be {limit} characters or fewer"))
            continue
        try:
            parsed = _sandbox.parse(text)
        except TemplateSyntaxError as error:
            problems.append((field, f"{name}, line {error.lineno}: {error.message}"))
            continue
        allowed = set(VARIABLES) - ({"subject"} if field == "subject" else set())
        assigned = {node.name for node in parsed.find_all(nodes.Name) if node.ctx in ("store", "param")}
        for node in parsed.find_all(nodes.Name):
            if node.ctx == "load" and node.name not in allowed | assigned:
                problems.append((field, f"{name}, line {node.lineno}: {node.name} is not one of the variables"))
                break
    if problems:
        return problems
    for count in (1, 3):
        try:
            render(source, scheme_name, SAMPLE[:count])
        except TemplateError as error:
            return [("body", f"The message cannot be written out: {error}")]
    return []


async def current(db: AsyncSession, tenant_id: uuid.UUID, kind: str) -> MessageTemplate | None:
    """The scheme's newest version of `kind`, if it has written one."""
    found: MessageTemplate | None = await db.scalar(
        select(MessageTemplate)
        .where(MessageTemplate.tenant_id == tenant_id, MessageTemplate.kind == kind)
        .order_by(MessageTemplate.version.desc())
        .limit(1)
    )
    return found


async def from_folder(db: AsyncSession, tenant_id: uuid.UUID, kind: str) -> Source | None:
    """The wording the scheme's folder gave `kind` last (loaded with no author), if any."""
    found = await db.scalar(
        select(MessageTemplate)
        .where(
            MessageTemplate.tenant_id == tenant_id,
            MessageTemplate.kind == kind,
            MessageTemplate.author_user_id.is_(None),
        )
        .order_by(MessageTemplate.version.desc())
        .limit(1)
    )
    return Source(found.subject, found.body) if found else None


async def source_for(db: AsyncSession, tenant_id: uuid.UUID, kind: str) -> Source:
    saved = await current(db, tenant_id, kind)
    return Source(saved.subject, saved.body) if saved else default(kind)


async def save(
    db: AsyncSession, tenant_id: uuid.UUID, kind: str, source: Source, scheme_name: str, author: uuid.UUID | None
) -> MessageTemplate:
    """A new version of the scheme's `kind`; Refused, naming the line and problem, if it would not render."""
    if kind not in EDITABLE:
        raise Refused(problems=[("kind", "There is no such email")])
    if problems := check(kind, source, scheme_name):
        raise Refused(problems=problems)
    latest = await current(db, tenant_id, kind)
    version = MessageTemplate(
        tenant_id=tenant_id,
        kind=kind,
        version=(latest.version + 1) if latest else 1,
        subject=source.subject,
        body=source.body,
        author_user_id=author,
    )
    db.add(version)
    await db.flush()
    return version
