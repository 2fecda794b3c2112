"""The base API schema: a boolean is refused wherever a number is declared, at any
depth, and never where a boolean is allowed; answers built from rows are not checked."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import pytest
from ninja import Field
from pydantic import ValidationError

from o2o.core.schemas import Schema


class Line(Schema):
    quantity: int = Field(1, ge=1)


class Body(Schema):
    count: int | None = None
    price: Decimal | None = None
    ratio: float | None = None
    flag: bool = False
    either: int | bool | None = None
    kind: Literal[1, 2] | None = None
    ids: list[int] = []
    by_name: dict[str, Annotated[int, "fen"]] = {}
    lines: list[Line] = []
    note: str = ""


@pytest.mark.parametrize("data", [
    {"count": True}, {"price": False}, {"ratio": True}, {"kind": True}, {"ids": [1, True]},
    {"by_name": {"a": True}}, {"lines": [{"quantity": True}]},
])
def test_a_boolean_where_a_number_is_declared_is_refused(data):
    with pytest.raises(ValidationError, match="not a boolean"):
        Body.model_validate(data)


def test_booleans_where_they_are_allowed_and_numbers_pass():
    body = Body.model_validate({"count": 2, "price": "1.5", "ratio": 0.5, "flag": True, "either": True,
                                "kind": 2, "ids": [1, 2], "by_name": {"a": 3},
                                "lines": [{"quantity": 2}], "note": "true"})
    assert (body.count, body.flag, body.either, body.lines[0].quantity) == (2, True, True, 2)


@pytest.mark.parametrize("data", [[], [{}], "x", 3, 1.5])
def test_a_body_that_is_not_an_object_is_refused(data):
    with pytest.raises(ValidationError, match="JSON object"):
        Body.model_validate(data)


def test_answers_shaped_from_rows_are_not_held_to_input_rules():
    class Row:
        count = True  # e.g. a model's boolean read into a loosely typed answer field

    out = Body.model_validate(Row(), context={"response_status": 200})
    assert out.count == 1
