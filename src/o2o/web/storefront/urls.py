from __future__ import annotations

from django.urls import path

from o2o.web.storefront import account, browse, checkout, coupons, privacy, shop, wechat_pay

urlpatterns: list = [
    path("", browse.home, name="home"),
    path("m/<str:merchant_id>/", browse.merchant, name="merchant"),
    path("p/<str:product_id>/", browse.product, name="product"),
    path("p/<str:product_id>/slots/", browse.slots, name="slots"),
    path("cart/", shop.cart, name="cart"),
    path("cart/add/", shop.cart_add, name="cart_add"),
    path("cart/lines/<str:line_id>/", shop.cart_line, name="cart_line"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("coupons/", coupons.centre, name="coupons"),
    path("coupons/claim/", coupons.claim, name="coupon_claim"),
    path("me/coupons/", coupons.wallet, name="wallet"),
    path("account/", privacy.page, name="account"),
    path("account/code/<str:purpose>/", privacy.send_code, name="account_code"),
    path("account/phone/", privacy.bind, name="account_bind"),
    path("account/merge/", privacy.merge, name="account_merge"),
    path("account/export.json", privacy.export, name="account_export"),
    path("account/delete/", privacy.delete, name="account_delete"),
    path("orders/", account.order_list, name="orders"),
    path("orders/<str:order_id>/", account.order_detail, name="order"),
    path("orders/<str:order_id>/pay/", shop.pay, name="pay"),
    path("orders/<str:order_id>/pay/wechat/", wechat_pay.pay_jsapi, name="pay_jsapi"),
    path("orders/<str:order_id>/status/", account.order_status, name="order_status"),
    path("orders/<str:order_id>/cancel/", account.order_cancel, name="order_cancel"),
    path("orders/<str:order_id>/confirm/", account.order_confirm, name="order_confirm"),
    path("vouchers/", account.voucher_list, name="vouchers"),
    path("vouchers/<str:voucher_id>/", account.voucher_detail, name="voucher"),
    path("vouchers/<str:voucher_id>/refund/", account.voucher_refund, name="voucher_refund"),
    path("reviews/new", account.review_new, name="review_new"),
]
