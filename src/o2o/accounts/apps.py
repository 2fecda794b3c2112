from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "o2o.accounts"
    label = "accounts"
    verbose_name = "Accounts"
