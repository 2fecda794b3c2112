"""Reading the gateway's trade bill: backticks, yuan to exact fen, columns by name, summary checks."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.payments.reconciliation import SHANGHAI, BillFormatError, parse_trade_bill, yuan_to_fen
from o2o.sandbox import services as sandbox

HEADER = sandbox.BILL_COLUMNS
SUMMARY = sandbox.SUMMARY_COLUMNS


def _row(**over) -> str:
    cols = HEADER.split(",")
    values = dict.fromkeys(cols, "")
    values.update({"交易时间": "2026-03-01 10:15:00", "公众账号ID": "wxapp", "商户号": "1900000001",
                   "特约商户号": "0", "微信订单号": "4200000001", "商户订单号": "P1", "交易类型": "NATIVE",
                   "交易状态": "SUCCESS", "货币种类": "CNY", "应结订单金额": "0.01", "代金券金额": "0.00",
                   "微信退款单号": "0", "商户退款单号": "0", "退款金额": "0.00", "充值券退款金额": "0.00",
                   "手续费": "0.00", "费率": "0.60%", "订单金额": "0.01", "申请退款金额": "0.00"})
    values.update(over)
    return ",".join("`" + values[c] for c in cols)


def _bill(rows: list[str], summary: list[str] | None) -> bytes:
    lines = [HEADER, *rows]
    if summary is not None:
        lines += [SUMMARY, ",".join("`" + v for v in summary)]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.mark.parametrize(("text", "fen"), [
    ("0.01", 1), ("`0.01", 1), ("1234.50", 123450), ("1234.5", 123450), ("7", 700), ("0.00", 0),
    ("-0.05", -5), ("`-12.34", -1234), ("  `99999999.99 ", 9999999999), ("", 0), ("0.1", 10),
    ("19.99", 1999), ("0.29", 29), ("1.10", 110),
])
def test_yuan_strings_become_exact_fen(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("text", ["0.001", "1.234", "abc", "1e", "NaN", "Infinity", "1.2.3"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(BillFormatError):
        yuan_to_fen(text)


def test_payment_and_refund_rows_parse_to_fen():
    rows = [
        _row(**{"应结订单金额": "1234.50", "订单金额": "1234.50", "手续费": "7.41"}),
        _row(**{"微信订单号": "4200000002", "商户订单号": "P2", "应结订单金额": "0.01", "订单金额": "0.01"}),
        _row(**{"交易时间": "2026-03-01 23:59:59", "交易状态": "REFUND", "应结订单金额": "0.00",
                "订单金额": "1234.50", "微信退款单号": "5000001", "商户退款单号": "R1", "退款金额": "0.30",
                "申请退款金额": "0.30", "退款类型": "ORIGINAL", "退款状态": "SUCCESS", "手续费": "-0.00"}),
    ]
    bill = parse_trade_bill(_bill(rows, ["3", "1234.51", "0.30", "0.00", "7.41", "1234.51", "0.30"]))
    pay1, pay2, refund = bill.lines
    assert (pay1.type, pay1.amount_fen, pay1.out_trade_no, pay1.transaction_id, pay1.fee_fen) == \
        ("payment", 123450, "P1", "4200000001", 741)
    assert (pay2.amount_fen, pay2.trade_state, pay2.out_refund_no) == (1, "SUCCESS", "")
    assert (refund.type, refund.amount_fen, refund.out_refund_no, refund.refund_id, refund.refund_status) == \
        ("refund", 30, "R1", "5000001", "SUCCESS")
    assert refund.trade_time == dt.datetime(2026, 3, 1, 23, 59, 59, tzinfo=SHANGHAI)
    assert refund.raw == rows[2] and refund.line_no == 3
    assert bill.summary["总交易单数"] == "3" and bill.summary["应结订单总金额"] == "1234.51"


def test_columns_are_found_by_name_and_bom_and_blank_lines_are_tolerated():
    cols = HEADER.split(",")
    reordered = list(reversed(cols))
    row = _row(**{"应结订单金额": "88.80", "订单金额": "88.80"})
    values = dict(zip(cols, row.split(","), strict=True))
    text = "\ufeff" + ",".join(reordered) + "\n\n" + ",".join(values[c] for c in reordered) + "\n"
    (line,) = parse_trade_bill(text.encode()).lines
    assert line.amount_fen == 8880 and line.out_trade_no == "P1"


def test_sandbox_bill_round_trip(db):
    """The sandbox writes what the parser reads, with its own summary."""
    from o2o.core import clock
    from o2o.payments.keys import demo_keys
    from o2o.sandbox.models import SandboxMerchant, SandboxRefund, SandboxTransaction

    k = demo_keys()
    now = clock.now()
    m = SandboxMerchant.objects.create(mchid=k.mchid, appid=k.appid, cert_serial_no=k.cert_serial_no,
                                       public_key_pem=k.merchant_public_pem, apiv3_key=k.apiv3_key, created_at=now)
    for i, fen in enumerate((1, 123450, 1999)):
        t = SandboxTransaction.objects.create(
            merchant=m, out_trade_no=f"PT{i:06d}", trade_type="NATIVE", params_digest="x", appid=k.appid,
            description="测试", notify_url="http://x/n", amount_fen=fen, prepay_id=f"wx{i}", code=f"c{i}",
            trade_state="SUCCESS", transaction_id=f"42000{i}", success_time=now, created_at=now, updated_at=now)
    SandboxRefund.objects.create(transaction=t, out_refund_no="RF1", refund_id="5001", amount_fen=999,
                                 status="SUCCESS", success_time=now, created_at=now)
    bill = parse_trade_bill(sandbox.trade_bill(m, now.astimezone(SHANGHAI).date()))
    assert sorted(ln.amount_fen for ln in bill.lines if ln.type == "payment") == [1, 1999, 123450]
    assert [(ln.amount_fen, ln.out_refund_no) for ln in bill.lines if ln.type == "refund"] == [(999, "RF1")]


def test_summary_that_does_not_add_up_is_refused():
    rows = [_row(**{"应结订单金额": "10.00", "订单金额": "10.00"})]
    with pytest.raises(BillFormatError, match="counts 2"):
        parse_trade_bill(_bill(rows, ["2", "10.00", "0.00", "0.00", "0.00", "10.00", "0.00"]))
    with pytest.raises(BillFormatError, match="应结订单总金额"):
        parse_trade_bill(_bill(rows, ["1", "10.01", "0.00", "0.00", "0.00", "10.01", "0.00"]))
    assert parse_trade_bill(_bill(rows, ["1", "10.00", "0.00", "0.00", "0.00", "10.00", "0.00"])).lines


@pytest.mark.parametrize("content", [
    b"",
    b"\r\n\r\n",
    "交易时间,商户订单号\r\n`2026-03-01 10:00:00,`P1\r\n".encode(),  # required columns missing
])
def test_unreadable_bills_are_refused(content):
    with pytest.raises(BillFormatError):
        parse_trade_bill(content)


def test_short_rows_and_bad_times_are_refused():
    good = _row()
    with pytest.raises(BillFormatError, match="values"):
        parse_trade_bill(_bill([good.rsplit(",", 2)[0]], None))
    with pytest.raises(BillFormatError, match="trade time"):
        parse_trade_bill(_bill([_row(**{"交易时间": "yesterday"})], None))


def test_empty_day_has_only_the_summary():
    bill = parse_trade_bill(_bill([], ["0", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"]))
    assert bill.lines == [] and bill.summary["总交易单数"] == "0"


def test_gbk_encoded_bill_is_read():
    rows = [_row(**{"应结订单金额": "5.20", "订单金额": "5.20", "商品名称": "理发"})]
    content = ("\r\n".join([HEADER, *rows, SUMMARY, "`1,`5.20,`0.00,`0.00,`0.00,`5.20,`0.00"])).encode("gb18030")
    (line,) = parse_trade_bill(content).lines
    assert line.amount_fen == 520
