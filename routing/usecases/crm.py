"""Use cases the CRM's adapters call through the relay."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from routing import limits
from routing.amounts import parse_amount
from routing.errors import BatonError, NotFound
from routing.lead import format_lead_id
from routing.limits import fitted_text
from routing.stages import CLOSING_STAGES
from routing.usecases.context import Ctx, Outcome
from routing.usecases.privacy import Contact, erase


def tell_managers(text: str) -> Callable[[Ctx], Outcome]:
    """A word from the CRM's sender (a refusal, a pause) to every manager, once."""

    def run(ctx: Ctx) -> Outcome:
        ctx.tell_managers(text)
        return Outcome(text)

    return run


def record_deal_outcome(
    lead_id: int, won: bool, amount: str | None, reason: str | None
) -> Callable[[Ctx], Outcome]:
    """A deal a person moved to won or lost in the CRM, recorded once: only a lead still with
    its closer changes; a lead already won or lost (Baton's own write coming back, or a
    redelivery) changes nothing. The step is recorded as the lead's owner's."""

    def run(ctx: Ctx) -> Outcome:
        try:
            lead = ctx.lead(lead_id)
        except NotFound:
            return Outcome("no such lead")
        if lead.stage not in CLOSING_STAGES or lead.owner_id is None:
            return Outcome(f"{lead.ref} is {lead.stage.label}: nothing to record")
        if won:
            try:
                value = parse_amount(amount or "")
            except BatonError:
                value = lead.amount or Decimal(0)
            if value <= 0:
                return Outcome(f"{lead.ref} was won in the CRM without an amount: not recorded")
            lead.win(lead.owner_id, ctx.now, value)
            said = f"{lead.ref} was marked won in HubSpot ({value})."
        else:
            why = fitted_text(reason or "", limits.REASON) or "marked lost in HubSpot"
            lead.lose(lead.owner_id, ctx.now, why)
            said = f"{lead.ref} was marked lost in HubSpot: {why}."
        ctx.save(lead)
        ctx.tell(lead.owner_id, said, lead)
        return Outcome(said, lead_id=lead.id)

    return run


def erase_deleted_contact(lead_id: int, crm_id: str) -> Callable[[Ctx], Outcome]:
    """HubSpot's GDPR deletion of the contact ``crm_id`` erases its lead's contact details in
    Baton too (anonymised rows kept, every figure the same, an audit entry ``via hubspot``); the
    managers are told, without the details. Where erasure is not set up here, they are told to
    erase it themselves."""

    def run(ctx: Ctx) -> Outcome:
        ref = format_lead_id(lead_id)
        salt = ctx.config.erasure_salt
        if salt is None:
            said = (
                f"HubSpot contact {crm_id} was deleted for privacy there (GDPR): erase {ref} "
                f"here too with `/lead erase {ref}`."
            )
            ctx.tell_managers(said)
            return Outcome(said)
        try:
            outcome = erase(ctx, Contact(lead_id=lead_id), salt(), via="hubspot")
        except NotFound:
            return Outcome(f"{ref} is not here: nothing to erase")
        ctx.tell_managers(
            f"HubSpot contact {crm_id} was deleted for privacy there (GDPR): {ref}'s contact "
            "details are erased in Baton as well."
        )
        return outcome

    return run
