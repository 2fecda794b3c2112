"""The base of every API schema, and the error envelope every app documents.

Writes nothing. Refuses, as 422 `validation_error` through the API's handler:
- a JSON boolean where a number is declared (pydantic's lax mode would read `true`
  as 1: one item, one use, one fen);
- a JSON array, string or number where an object is declared (ninja would otherwise
  read `[]` as an object with every field left at its default).
Responses are shaped from model rows and are not held to these input rules.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from ninja import Schema as NinjaSchema
from ninja.schema import DjangoGetter
from pydantic import BaseModel, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

_NUMBERS = (int, float, Decimal)
_SEQUENCES = (list, tuple, set, frozenset)


def _is_response(info: ValidationInfo) -> bool:
    # ninja validates what a view returns with `response_status` in the context.
    return isinstance(info.context, Mapping) and "response_status" in info.context


def _bool_where_number(annotation: Any, value: Any) -> bool:
    """Whether `value` holds a boolean at a place `annotation` declares a number."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _bool_where_number(get_args(annotation)[0], value)
    if origin is Union or origin is types.UnionType:
        options = get_args(annotation)
        if isinstance(value, bool) and (bool in options or Any in options):
            return False
        return any(_bool_where_number(option, value) for option in options)
    if isinstance(value, bool):
        if origin is Literal:
            values = get_args(annotation)
            return not any(isinstance(v, bool) for v in values) \
                and any(isinstance(v, _NUMBERS) for v in values)
        return isinstance(annotation, type) and issubclass(annotation, _NUMBERS) \
            and not issubclass(annotation, bool)
    args = get_args(annotation)
    if isinstance(value, _SEQUENCES) and args and isinstance(origin, type) \
            and issubclass(origin, _SEQUENCES):
        item = args[0]
        return any(_bool_where_number(item, v) for v in value)
    if isinstance(value, Mapping) and len(args) == 2 and isinstance(origin, type) \
            and issubclass(origin, Mapping):
        return any(_bool_where_number(args[1], v) for v in value.values())
    return False


class Schema(NinjaSchema):
    """Every app's API schemas derive from this instead of `ninja.Schema`."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any, info: ValidationInfo) -> Any:
        # ninja's own validator has wrapped the input for attribute access by now.
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not _is_response(info) and isinstance(raw, (*_SEQUENCES, str, bytes, int, float)):
            raise PydanticCustomError("model_type", "Input should be a JSON object")
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or _is_response(info) or info.field_name is None:
            return value
        if isinstance(value, BaseModel):
            return value
        field = cls.model_fields.get(info.field_name)
        if field is not None and _bool_where_number(field.annotation, value):
            raise PydanticCustomError("int_type", "Input should be a number, not a boolean")
        return value


class ErrorBody(Schema):
    code: str
    message: str
    details: dict | list | None = None


class ErrorOut(Schema):
    error: ErrorBody


#: Response map for documenting the errors every authenticated write may answer.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          413: ErrorOut, 422: ErrorOut}
