"""The webhook payloads in the OpenAPI document (OpenAPI 3.1 `webhooks`), added to the
schema ninja generates. Each catalogue type is one entry: the POST a receiver gets, its
Standard Webhooks headers and the JSON body. Writes nothing."""

from __future__ import annotations

from typing import Any

from o2o.webhooks import catalogue

_INTEGER = {"uses", "uses_left", "uses_total", "lines", "entries", "rating", "quantity"}
_BOOLEAN = {"resellable"}
_NULLABLE = {"pickup_store", "slot", "refund", "parcel", "after_sale"}


def _field(name: str) -> dict[str, Any]:
    if name.endswith("_fen") or name in _INTEGER:
        return {"type": "integer"}
    if name in _BOOLEAN:
        return {"type": "boolean"}
    if name == "items":
        return {"type": "array", "items": {"type": "object", "properties": {
            "line": {"type": "string"}, "quantity": {"type": "integer"}}}}
    if name in _NULLABLE:
        return {"type": ["string", "null"]}
    return {"type": "string"}


def _header(description: str) -> dict[str, Any]:
    return {"in": "header", "required": True, "schema": {"type": "string"}, "description": description}


def payload_schema(event: catalogue.EventType) -> dict[str, Any]:
    data = {"object": {"type": "string", "const": event.obj}, "id": {"type": "string"}}
    if event.name == "parcel.updated":
        data["event"] = {"type": "string", "description": "created, in_transit, delivered, ..."}
    data.update({name: _field(name) for name in event.fields})
    return {
        "type": "object", "required": ["id", "type", "timestamp", "sequence", "data"],
        "properties": {
            "id": {"type": "string", "description": "the event's id, the same for every endpoint"},
            "type": {"type": "string", "const": event.name},
            "timestamp": {"type": "string", "format": "date-time", "description": "when it happened (UTC)"},
            "sequence": {"type": "integer", "description": "n-th event of this object: order and dedupe by it"},
            "data": {"type": "object", "required": ["object", "id"], "properties": data,
                     "description": "the merchant's data only; fields absent from an event are left out"},
        },
    }


def add_webhooks(schema: dict[str, Any]) -> dict[str, Any]:
    schema["webhooks"] = {
        event.name: {"post": {
            "summary": event.description,
            "tags": ["webhooks"],
            "operationId": "webhook_" + event.name.replace(".", "_"),
            "parameters": [
                {"name": "webhook-id", **_header("stable per event and endpoint: dedupe by it")},
                {"name": "webhook-timestamp", **_header("seconds since the epoch, signed")},
                {"name": "webhook-signature",
                 **_header("`v1,<base64 HMAC-SHA256>`, space-separated (two during a secret's rotation)")},
            ],
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": payload_schema(event)}}},
            "responses": {"2XX": {"description": "received; any other answer is retried with back-off"}},
        }}
        for event in catalogue.CATALOGUE.values()
    }
    return schema
