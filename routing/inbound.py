"""Leads that arrive without a chat post (a webhook): the payload shapes Baton reads, as pairs.

A payload is read into (label, value) pairs, then through the same lead reading as a channel
post's fields (``parse_lead_post``), so ``E-mail``, ``Company name`` or ``first_name`` mean the
same wherever they come from and every field Baton does not know is kept under its own name.
Shapes: a flat object (Zapier, Make, a website's ``fetch``), form fields, a HubSpot form
submission (``fields: [{name, value}]``) and a Typeform ``form_response``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import islice

from routing import limits
from routing.arrival import Arrival, WebhookCall, arrived, fitted_pairs
from routing.lead import SourceRef
from routing.lead_post import Unparsed, parse_lead_post
from routing.phones import PhoneReader

MAX_PAIRS = limits.WEBHOOK_PAIRS
"""Fields read from one payload; the rest stay in the raw body only."""


Pairs = tuple[tuple[str, str], ...]


def webhook_arrival(
    source: str,
    payload: object,
    raw: str,
    idempotency_key: str | None = None,
    thread: SourceRef | None = None,
    *,
    phones: PhoneReader,
) -> Arrival:
    """A decoded body (a JSON value, or form fields as pairs) from the sender ``source`` as a
    lead that arrived, read before any transaction starts; its card goes to ``thread``.

    ``raw``, the body as text, is kept for a manager when no lead can be read from it. The
    sender's idempotency key, or the payload's own id, makes a retry create nothing: it is kept
    whole (:func:`routing.limits.fitted_key` stores a long one as its digest, never cut), and
    every label and value is made storable and cut (:func:`routing.arrival.fitted_pairs`)
    before it is read; ``phones`` finds phone numbers in free text (a message field).
    """
    _shape, pairs, own_id = read_shape(payload)
    key = idempotency_key or own_id or None
    fitted = fitted_pairs(pairs, MAX_PAIRS)
    parsed = (
        parse_lead_post("", fitted, phones=phones)
        if fitted
        else Unparsed("the payload has no fields")
    )
    return arrived(WebhookCall(source, key), parsed, thread, raw)


def read_shape(payload: object) -> tuple[str, Pairs, str | None]:
    """The payload's shape, its fields as (label, value) pairs, and its own id if it has one."""
    if isinstance(payload, Mapping):
        form_response = payload.get("form_response")
        if isinstance(form_response, Mapping):
            return "typeform", typeform_pairs(form_response), _text(form_response.get("token"))
        fields = payload.get("fields")
        if isinstance(fields, list) and any(_is_named_value(f) for f in fields):
            own_id = _text(payload.get("submissionId") or payload.get("conversionId"))
            return "hubspot", hubspot_pairs(payload, fields), own_id
        return "json", flat_pairs(payload), None
    if isinstance(payload, (list, tuple)) and all(_is_pair(p) for p in payload):
        return "form", _limit((str(k), str(v)) for k, v in payload), None
    return "json", (), None


def flat_pairs(payload: Mapping[object, object]) -> Pairs:
    """Top-level keys; nested objects are flattened one level as ``parent_child``."""
    pairs: list[tuple[str, str]] = []
    for key, value in payload.items():
        if isinstance(value, Mapping):
            pairs.extend((f"{key}_{k}", v) for k, v in _scalars(value))
        elif (text := _value_text(value)) is not None:
            pairs.append((str(key), text))
    return _limit(pairs)


def hubspot_pairs(payload: Mapping[object, object], fields: Sequence[object]) -> Pairs:
    pairs = [
        (str(f["name"]), text)
        for f in fields
        if _is_named_value(f)
        and isinstance(f, Mapping)
        and (text := _value_text(f["value"])) is not None
    ]
    context = payload.get("context")
    if isinstance(context, Mapping):
        pairs.extend((f"hs_{k}", v) for k, v in _scalars(context) if k in ("pageUri", "pageName"))
    return _limit(pairs)


def typeform_pairs(response: Mapping[object, object]) -> Pairs:
    """Answers labelled by their field's ``ref`` when it reads as a name, else by its title."""
    titles = _typeform_titles(response.get("definition"))
    pairs: list[tuple[str, str]] = []
    answers = response.get("answers")
    for answer in answers if isinstance(answers, list) else ():
        if not isinstance(answer, Mapping) or not isinstance(answer.get("field"), Mapping):
            continue
        field = answer["field"]
        label = _typeform_label(field, titles)
        value = _typeform_value(answer)
        if label and value is not None:
            pairs.append((label, value))
    hidden = response.get("hidden")
    if isinstance(hidden, Mapping):
        pairs.extend(_scalars(hidden))
    return _limit(pairs)


def _typeform_titles(definition: object) -> dict[str, str]:
    if not isinstance(definition, Mapping) or not isinstance(definition.get("fields"), list):
        return {}
    return {
        str(f.get("id")): str(f.get("title"))
        for f in definition["fields"]
        if isinstance(f, Mapping) and f.get("title")
    }


def _typeform_label(field: Mapping[object, object], titles: Mapping[str, str]) -> str | None:
    ref = _text(field.get("ref"))
    if ref and not _looks_generated(ref):
        return ref
    return titles.get(str(field.get("id"))) or ref


def _looks_generated(ref: str) -> bool:
    """Typeform's default refs are UUIDs; a ref someone chose (``email``) reads as a name."""
    return sum(ch.isdigit() for ch in ref) >= 4 and "-" in ref


def _typeform_value(answer: Mapping[object, object]) -> str | None:
    kind = str(answer.get("type") or "")
    value = answer.get(kind)
    if kind == "choice" and isinstance(value, Mapping):
        return _text(value.get("label") or value.get("other"))
    if kind == "choices" and isinstance(value, Mapping):
        labels = value.get("labels")
        chosen = [str(x) for x in labels] if isinstance(labels, list) else []
        if value.get("other"):
            chosen.append(str(value["other"]))
        return ", ".join(chosen) or None
    return _value_text(value)


def _is_named_value(item: object) -> bool:
    return isinstance(item, Mapping) and isinstance(item.get("name"), str) and "value" in item


def _is_pair(item: object) -> bool:
    return isinstance(item, (list, tuple)) and len(item) == 2


def _scalars(mapping: Mapping[object, object]) -> list[tuple[str, str]]:
    return [(str(k), text) for k, v in mapping.items() if (text := _value_text(v)) is not None]


def _value_text(value: object) -> str | None:
    """A scalar as text (a list of scalars joined); nested objects are not fields."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and value and all(isinstance(v, (str, int, float)) for v in value):
        return ", ".join(str(v) for v in value[: limits.NOTES])
    return None


def _text(value: object) -> str | None:
    return str(value) if isinstance(value, (str, int)) and str(value) else None


def _limit(pairs: Iterable[tuple[str, str]]) -> Pairs:
    """The first :data:`MAX_PAIRS` pairs, as sent (they are fitted when they are read)."""
    return tuple(islice(pairs, MAX_PAIRS))
