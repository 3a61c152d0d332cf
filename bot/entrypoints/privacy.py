"""``baton privacy export|erase``: a contact's rights, for the operator.

``export`` prints (or writes) every stored value about a person as one JSON document; ``erase``
takes their details out everywhere, keeping anonymised rows so every past figure stays the same,
after asking unless ``--yes``. Both name the person by ``--email`` or by one of their leads
(``--lead L-7``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.bootstrap import build
from bot.config import Settings, StartupError
from bot.entrypoints.operator import operator
from bot.entrypoints.refusals import refusals
from routing.chat.erasure import ERASE_CONFIRM
from routing.commands.words import parse_lead_id
from routing.errors import BatonError
from routing.usecases.privacy import Contact

__all__ = ["register"]

privacy_app = typer.Typer(
    help="A contact's rights: export or erase what Baton holds about a person.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

EmailOption = Annotated[str | None, typer.Option("--email", help="the person's email address")]
LeadOption = Annotated[
    str | None, typer.Option("--lead", help="one of the person's leads (L-7, 7 or #7)")
]


def register(app: typer.Typer) -> None:
    app.add_typer(privacy_app, name="privacy")


@privacy_app.command("export")
def export(
    email: EmailOption = None,
    lead: LeadOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="write the JSON here instead of printing it")
    ] = None,
) -> None:
    """Every stored value about a person (leads, events, raw posts, messages) as JSON."""
    with refusals("privacy export"):
        contact = _contact(email, lead)
        baton = build(Settings(), platforms=False)
        try:
            document = baton.relay.export_contact(contact)
        except BatonError as err:
            raise StartupError(err.message) from None
        finally:
            baton.close()
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text + "\n", encoding="utf-8")
    typer.echo(f"Wrote {out}.")


@privacy_app.command("erase")
def erase(
    email: EmailOption = None,
    lead: LeadOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask before erasing")] = False,
) -> None:
    """Erase a person's details everywhere; anonymised rows keep every figure the same."""
    with refusals("privacy erase"):
        contact = _contact(email, lead)
        if not yes and not typer.confirm(ERASE_CONFIRM, default=False):
            typer.echo("Nothing erased.")
            raise typer.Exit(1)
        baton = build(Settings(), platforms=False)
        try:
            outcome = baton.relay.erase_contact(contact, by=f"cli:{operator()}")
        except BatonError as err:
            raise StartupError(err.message) from None
        finally:
            baton.close()
    typer.echo(outcome.reply)


def _contact(email: str | None, lead: str | None) -> Contact:
    try:
        lead_id = parse_lead_id(lead, "--lead L-7") if lead is not None else None
        return Contact(email=email, lead_id=lead_id)
    except BatonError as err:
        raise StartupError(err.message) from None
