from __future__ import annotations

from django.urls import path

from o2o.web.console import views, views_ops, views_staff

urlpatterns: list = [
    path("", views.dashboard, name="console"),
    path("products/", views.products, name="console_products"),
    path("products/<str:product_id>/", views.product, name="console_product"),
    path("products/<str:product_id>/publish/", views.product_publish, name="console_product_publish"),
    path("products/<str:product_id>/skus/<str:sku_id>/price/", views.sku_price, name="console_sku_price"),
    path("products/<str:product_id>/skus/<str:sku_id>/stock/", views.sku_stock, name="console_sku_stock"),
    path("services/", views.services, name="console_services"),
    path("services/schedules/", views.schedule_add, name="console_schedule_add"),
    path("services/closures/", views.closure_add, name="console_closure_add"),
    path("services/<str:product_id>/slots/", views.slots, name="console_slots"),
    path("services/<str:product_id>/slots/<str:slot_id>/", views.slot_toggle, name="console_slot_toggle"),
    path("orders/", views_ops.orders, name="console_orders"),
    path("orders/<str:order_id>/", views_ops.order, name="console_order"),
    path("orders/<str:order_id>/ship/", views_ops.order_ship, name="console_order_ship"),
    path("after-sales/", views_ops.after_sales, name="console_after_sales"),
    path("after-sales/<str:ret_id>/", views_ops.after_sale_decide, name="console_after_sale_decide"),
    path("redemptions/", views_ops.redemptions, name="console_redemptions"),
    path("money/", views_ops.money, name="console_money"),
    path("staff/", views_staff.staff, name="console_staff"),
    path("staff/add/", views_staff.staff_add, name="console_staff_add"),
    path("staff/invite/", views_staff.invite, name="console_staff_invite"),
    path("staff/invitations/<str:invitation_id>/revoke/", views_staff.invitation_revoke,
         name="console_invitation_revoke"),
    path("staff/<str:staff_id>/remove/", views_staff.staff_remove, name="console_staff_remove"),
    path("tokens/", views_ops.tokens, name="console_tokens"),
    path("tokens/create/", views_ops.token_create, name="console_token_create"),
    path("tokens/<str:token_id>/revoke/", views_ops.token_revoke, name="console_token_revoke"),
]
