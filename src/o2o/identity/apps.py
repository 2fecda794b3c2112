from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "o2o.identity"
    label = "identity"
    verbose_name = "Identity (phone sign-in, merging, privacy)"
