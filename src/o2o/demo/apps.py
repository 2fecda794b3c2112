from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo shop: no models, only the `o2o demo` command and its data. An app of its
    own so that core (below every app) does not import the apps the demo fills."""

    name = "o2o.demo"
    label = "demo"
    verbose_name = "Demo shop"
