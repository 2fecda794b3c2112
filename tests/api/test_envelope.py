"""Every answer under /api/ that refuses is JSON with the error envelope, with the
status that says why, and in the request's language: anonymous writes are 401 (not 403
"CSRF check Failed"), a role is checked before the body is validated, a body over the
upload limit is 413, an unknown method 405, an unknown path 404, a crash 500
`internal_error` that shows nothing of its cause."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from o2o.accounts.models import Role
from o2o.catalog import selectors as catalog_selectors
from tests import factories
from tests.api.openapi import operations

pytestmark = pytest.mark.django_db


def _client() -> Client:
    # As a browser or curl talks to the server: CSRF enforced, exceptions become answers.
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


def _envelope(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.content
    assert r["Content-Type"].startswith("application/json"), r["Content-Type"]
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]


def _fill(path: str) -> str:
    return path.replace("{", "").replace("}", "")


WRITES = [(m, p) for m, p, op in operations() if m != "get" and op.get("security")]


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_an_anonymous_write_is_401_not_a_csrf_403(method, path):
    r = _client().generic(method.upper(), _fill(path), "{}", content_type="application/json")
    _envelope(r, 401, "not_authenticated")


def test_a_bad_token_on_a_write_is_401():
    r = _client().post("/api/v1/me/tokens", "{}", content_type="application/json",
                       headers={"Authorization": "Bearer nope"})
    _envelope(r, 401, "not_authenticated")


def test_a_signed_in_session_still_needs_the_csrf_token():
    user = factories.user()
    c = _client()
    c.force_login(user)
    r = c.post("/api/v1/me/tokens", json.dumps({"name": "x"}), content_type="application/json")
    _envelope(r, 403, "forbidden")
    secret = "s3cr3tcsrftoken0123456789abcdefg"  # 32 characters: a valid CSRF secret
    c.cookies[settings.CSRF_COOKIE_NAME] = secret
    r = c.post("/api/v1/me/tokens", json.dumps({"name": "x"}), content_type="application/json",
               headers={"X-CSRFToken": secret})
    assert r.status_code == 201, r.content


def _gated(prefix: str) -> list[tuple[str, str]]:
    return [(m, p) for m, p, op in operations()
            if p.startswith(prefix) and op.get("security") and p != "/api/v1/merchant/apply"]


OPERATOR_OPS = _gated("/api/v1/operator/")
MERCHANT_OPS = _gated("/api/v1/merchant/")


def _call(client, method: str, path: str):
    body = "{}" if method != "get" else None
    if body is None:
        return client.client.get(_fill(path), headers=client._headers(None))
    return client.client.generic(method.upper(), _fill(path), body, content_type="application/json",
                                 headers=client._headers(None))


def test_the_gated_families_are_not_empty():
    assert ("post", "/api/v1/operator/categories") in OPERATOR_OPS
    assert len(OPERATOR_OPS) > 20 and len(MERCHANT_OPS) > 40


@pytest.mark.parametrize(("method", "path"), OPERATOR_OPS, ids=[f"{m} {p}" for m, p in OPERATOR_OPS])
def test_a_non_operator_is_refused_before_the_body_is_read(api_as, method, path):
    for user in (factories.user(), factories.merchant().owner):
        _envelope(_call(api_as(user), method, path), 403, "operator_role_required")


@pytest.mark.parametrize(("method", "path"), MERCHANT_OPS, ids=[f"{m} {p}" for m, p in MERCHANT_OPS])
def test_a_customer_is_refused_merchant_paths_before_the_body_is_read(api_as, method, path):
    _envelope(_call(api_as(factories.user()), method, path), 403, "merchant_role_required")


def test_an_operator_with_an_empty_body_gets_the_validation_error(api_as):
    r = api_as(factories.user(Role.OPERATOR)).post("/operator/categories", {})
    _envelope(r, 422, "validation_error")


def test_a_body_over_the_upload_limit_is_413(api_as):
    client = api_as(factories.user())
    big = json.dumps({"name": "x" * (10 * 1024 * 1024)})
    r = client.client.post("/api/v1/me/tokens", big, content_type="application/json",
                           headers=client._headers(None))
    _envelope(r, 413, "payload_too_large")


def test_an_unknown_method_is_a_json_405_with_allow():
    r = _client().put("/api/v1/me", "{}", content_type="application/json")
    _envelope(r, 405, "method_not_allowed")
    assert "GET" in r["Allow"]


@pytest.mark.parametrize("path", ["/api/v1/orders/..%2F..%2Fetc", "/api/v1/nothing-here", "/api/",
                                  "/api/v2/products"])
def test_an_unknown_path_is_a_json_404(path):
    _envelope(_client().get(path), 404, "not_found")


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe{}", b'{"name": "\xc3"}'])
def test_a_body_that_is_not_json_text_is_400_invalid_json(api_as, raw):
    client = api_as(factories.user())
    r = client.client.post("/api/v1/me/tokens", raw, content_type="application/json",
                           headers=client._headers(None))
    _envelope(r, 400, "invalid_json")


def test_a_crash_is_a_json_500_that_tells_nothing(monkeypatch):
    def broken():
        raise RuntimeError("secret detail: /srv/o2o/settings.py line 12")

    monkeypatch.setattr(catalog_selectors, "category_tree", broken)
    r = _client().get("/api/v1/categories")
    _envelope(r, 500, "internal_error")
    assert b"secret" not in r.content and b"RuntimeError" not in r.content


def test_pages_outside_the_api_keep_their_own_answers():
    r = _client().get("/no-such-page/")
    assert r.status_code == 404 and not r["Content-Type"].startswith("application/json")
    r = _client().get("/api/docs")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")


ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_messages_follow_accept_language(api_as, monkeypatch):
    c = _client()
    cases = {
        "not_found": (lambda h: c.get("/api/v1/nothing", **h), "未找到", "Not found"),
        "not_authenticated": (lambda h: c.post("/api/v1/me/tokens", "{}", content_type="application/json", **h),
                              "需要登录认证", "Authentication is required"),
        "method_not_allowed": (lambda h: c.put("/api/v1/me", "{}", content_type="application/json", **h),
                               "此处不允许使用该请求方法", "This method is not allowed here"),
        "invalid_cursor": (lambda h: c.get("/api/v1/products?cursor=x", **h),
                           "分页游标无效", "The cursor is not valid"),
    }
    customer = api_as(factories.user())
    token_headers = {"HTTP_AUTHORIZATION": f"Bearer {customer.token}"}
    cases["validation_error"] = (
        lambda h: c.post("/api/v1/me/tokens", "[]", content_type="application/json", **h, **token_headers),
        "请求无效", "The request is not valid")
    cases["invalid_json"] = (
        lambda h: c.post("/api/v1/me/tokens", "{", content_type="application/json", **h, **token_headers),
        "请求体不是有效的 JSON", "The body is not a JSON document")
    cases["payload_too_large"] = (
        lambda h: c.post("/api/v1/me/tokens", "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
                         content_type="application/json", **h, **token_headers),
        "请求体过大", "The request body is too large")
    cases["operator_role_required"] = (
        lambda h: c.post("/api/v1/operator/categories", "{}", content_type="application/json", **h,
                         **token_headers),
        "需要平台运营人员权限", "This needs a platform operator")

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog_selectors, "category_tree", broken)
    cases["internal_error"] = (lambda h: c.get("/api/v1/categories", **h),
                               "服务器内部错误，请稍后重试", "Something went wrong on our side; retry later")
    for code, (send, zh, en) in cases.items():
        assert send(ZH).json()["error"]["message"] == zh, code
        assert send(EN).json()["error"]["message"] == en, code
