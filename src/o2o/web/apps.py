from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "o2o.web"
    label = "web"
    verbose_name = "Web pages"
