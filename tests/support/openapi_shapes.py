"""A small checker of JSON values against an OpenAPI document's response schemas: required
fields, types, enums, items, ``$ref``, ``allOf``/``oneOf``. Enough to hold a double to a
platform's published shapes without a schema library."""

from __future__ import annotations

from typing import Any

TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def response_schema(spec: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    answer = spec["paths"][path][method.lower()]["responses"][str(status)]
    return dict(answer["content"]["application/json"]["schema"])


def problems(spec: dict[str, Any], schema: dict[str, Any], value: Any, at: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema`` (empty when it fits)."""
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        return problems(spec, spec["components"]["schemas"][name], value, at)
    if "allOf" in schema:
        return [p for part in schema["allOf"] for p in problems(spec, part, value, at)]
    if "oneOf" in schema or "anyOf" in schema:
        options = schema.get("oneOf") or schema.get("anyOf")
        tries = [problems(spec, option, value, at) for option in options]
        return [] if any(not t for t in tries) else [f"{at}: fits none of oneOf"]
    if value is None:
        return [] if schema.get("nullable") else [f"{at}: null"]
    kind = schema.get("type")
    if kind and (
        not isinstance(value, TYPES[kind]) or (kind != "boolean" and isinstance(value, bool))
    ):
        return [f"{at}: {type(value).__name__} where the spec says {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{at}: {value!r} is not one of {schema['enum']}"]
    found: list[str] = []
    if isinstance(value, dict):
        found += [
            f"{at}.{name}: missing" for name in schema.get("required", []) if name not in value
        ]
        for name, sub in (schema.get("properties") or {}).items():
            if name in value:
                found += problems(spec, sub, value[name], f"{at}.{name}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            known = set(schema.get("properties") or {})
            for name, item in value.items():
                if name not in known:
                    found += problems(spec, extra, item, f"{at}.{name}")
    if isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            found += problems(spec, schema["items"], item, f"{at}[{n}]")
    return found
