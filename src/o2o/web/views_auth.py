"""Sign-in and sign-out for the web pages (Django's own views, our templates).

Inside WeChat the login page first tries WeChat's silent sign-in (web.wechat); every
login page offers "Sign in with WeChat"."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy

from o2o.web import wechat


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get(self, request, *args, **kwargs):
        if wechat.should_sign_in_silently(request):
            next_url = self.get_redirect_url() or str(self.get_default_redirect_url())
            return HttpResponseRedirect(wechat.start_url(next_url, scope="snsapi_base", silent=True))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["wechat_url"] = wechat.start_url(self.get_redirect_url() or str(self.get_default_redirect_url()))
        return context


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("web:home")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # Signed out on purpose: inside WeChat the login page must not sign straight back in.
        wechat.stop_silent_sign_in(request)
        return response
