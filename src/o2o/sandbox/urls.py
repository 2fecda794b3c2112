"""The sandbox gateway's URLs, mounted under /sandbox/wechatpay/ (or at / when standalone)."""

from django.urls import path

from o2o.sandbox import jsapi, views

app_name = "sandbox"

urlpatterns = [
    path("", views.root, name="root"),
    path("v3/pay/transactions/<str:channel>", views.prepay, name="prepay"),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>", views.query, name="query"),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>/close", views.close, name="close"),
    path("v3/refund/domestic/refunds", views.refunds, name="refunds"),
    path("v3/refund/domestic/refunds/<str:out_refund_no>", views.refund_query, name="refund-query"),
    path("v3/bill/tradebill", views.tradebill, name="tradebill"),
    path("v3/billdownload/file", views.bill_download, name="bill-download"),
    path("cashier/<str:token>", views.cashier, name="cashier"),
    path("jsapi/sheet", jsapi.sheet, name="jsapi-sheet"),
    path("jsapi/pay", jsapi.pay, name="jsapi-pay"),
]
