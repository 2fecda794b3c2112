"""Races on PostgreSQL: one code exchanged by 10 clients at once is spent once (the
sandbox's conditional UPDATE), and 10 first sign-ins of one new WeChat user at once make
one account with one identity (the unique (appid, openid) and the retry in sign_in)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from o2o.sandbox import oauth
from o2o.wxauth import config
from o2o.wxauth import services as wxauth
from o2o.wxauth.client import Authorized, OAuthClient, OAuthError
from o2o.wxauth.models import WechatIdentity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N = 10


def _all_at_once(fn):
    gate = threading.Barrier(N)

    def run(_):
        gate.wait()
        try:
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=N) as pool:
        return list(pool.map(run, range(N)))


def test_one_code_exchanged_by_ten_clients_at_once_is_spent_once():
    mp = config.app("mp")
    code = oauth.issue_code(mp.appid, "amin", "snsapi_base")

    def exchange():
        try:
            return OAuthClient(mp).exchange(code).openid
        except OAuthError as exc:
            return exc.errcode

    answers = _all_at_once(exchange)
    assert answers.count(oauth.openid("amin", mp.appid)) == 1
    assert sorted(a for a in answers if isinstance(a, int)) == [40163] * (N - 1)


def test_ten_first_sign_ins_of_one_person_at_once_make_one_account():
    auth = Authorized(appid=config.app("mp").appid, openid=oauth.openid("xiaohong", config.app("mp").appid),
                      scope="snsapi_base")
    users = _all_at_once(lambda: wxauth.sign_in(auth).user.pk)
    assert len(set(users)) == 1
    assert WechatIdentity.objects.count() == 1
    assert get_user_model().objects.count() == 1  # the losers' accounts rolled back with their insert
