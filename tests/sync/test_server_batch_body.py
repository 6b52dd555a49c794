"""The push body read without pydantic's per-field pass gives what pydantic gives: the same
batch (values, canonical content) for the usual shapes, the same errors for the others."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from sync.protocol.models import Batch
from sync.server.batch_body import _quick, read_batch
from sync.server.batches import canonical


def _body(**change: Any) -> dict[str, Any]:
    base = {"entity": "person", "id": str(uuid.uuid4()), "op": "upsert", "base_revision": 2,
            "fields": {"name": "张三", "care_flags": ["独居"], "data.x": {"a": [1, 2.5, None]}},
            "client_ts": "2026-12-01T10:00:00.123456+00:00"}
    base.update(change)
    return {"batch_id": str(uuid.uuid4()), "device_id": str(uuid.uuid4()), "changes": [base]}


def _without(key: str) -> dict[str, Any]:
    body = _body()
    del body["changes"][0][key]
    return body


USUAL = [
    _body(), _body(op="delete", fields={}), _without("op"), _without("base_revision"), _without("fields"),
    _body(client_ts="2026-12-01T10:00:00Z"), _body(client_ts="2026-12-01T18:00:00.5+08:00"),
    _body(client_ts="2026-12-01T10:00:00"), _body(client_ts="2026-12-01T10:00:00.123-05:30"),
    _body(entity="no_such_entity", id="not-a-uuid"), _body(base_revision=0), _body(base_revision=2**31 - 1),
    {**_body(), "batch_id": str(uuid.uuid4()).upper()}, {**_body(), "changes": []},
]
UNUSUAL = [
    _body(base_revision="3"), _body(base_revision=True), _body(base_revision=-1), _body(base_revision=2**31),
    _body(base_revision=1.0), _body(entity="x" * 33), _body(id=""), _body(id="x" * 65), _body(op="merge"),
    _body(op=["upsert"]), _body(fields=[1]), _body(client_ts="2026-13-01T10:00:00"), _body(client_ts=1764583200),
    _body(client_ts="2026-12-01 10:00:00"), _body(client_ts="2026-12-01"), _body(extra=1), _without("client_ts"),
    _without("entity"), {**_body(), "batch_id": "nope"}, {**_body(), "changes": {}}, {**_body(), "more": 1},
    {"batch_id": str(uuid.uuid4())}, [], "batch", None,
]


def _pydantic(data: Any) -> Batch | list[dict[str, Any]]:
    try:
        return Batch.model_validate(copy.deepcopy(data))
    except ValidationError as exc:
        return [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]


@pytest.mark.parametrize("data", USUAL)
def test_usual_bodies_skip_pydantic_and_give_its_batch(data: dict[str, Any]) -> None:
    expected = _pydantic(data)
    assert isinstance(expected, Batch)
    assert _quick(data) is not None
    got = read_batch(data)
    assert got.model_dump() == expected.model_dump()
    assert canonical(got) == canonical(expected)


@pytest.mark.parametrize("data", UNUSUAL)
def test_other_bodies_get_pydantics_answer(data: Any) -> None:
    expected = _pydantic(data)
    assert _quick(data) is None
    if isinstance(expected, Batch):
        got = read_batch(data)
        assert got.model_dump() == expected.model_dump() and canonical(got) == canonical(expected)
        return
    with pytest.raises(RequestValidationError) as raised:
        read_batch(data)
    assert list(raised.value.errors()) == expected
