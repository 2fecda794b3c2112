from django.apps import AppConfig


class WxauthConfig(AppConfig):
    """Sign in with WeChat: WeChat identities (OpenID per app, UnionID across apps) and
    the OAuth2 web-authorization client."""

    name = "o2o.wxauth"
    label = "wxauth"
    verbose_name = "Sign in with WeChat"
