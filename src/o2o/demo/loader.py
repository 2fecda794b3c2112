"""Load the demo shop through the same services the API uses. Idempotent: every
entity is looked up by a natural key first, so running it twice adds nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from o2o.accounts import services as accounts
from o2o.accounts.models import ApiToken, Role, User
from o2o.catalog import services as catalog
from o2o.catalog.models import Category, Product
from o2o.core import clock, events
from o2o.demo import data, offers
from o2o.inventory import services as inventory
from o2o.inventory.models import Schedule, StockLocation
from o2o.merchants import services as merchants
from o2o.merchants.models import Merchant, MerchantStatus, StaffMember, Store

DEMO_TOKEN_NAME = "demo"  # noqa: S105 - a label


@dataclass
class Summary:
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, username, token)
    merchants: list[Merchant] = field(default_factory=list)
    products: int = 0
    stores: int = 0
    slots: int = 0
    offers: int = 0  # coupons, spend tiers and limited-time prices added


def _user(username: str, role: str, display_name: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = accounts.create_user(username, data.DEMO_PASSWORD, role=role,
                                    display_name=display_name, check_password=False)
    return user


def _fresh_token(user: User) -> str:
    """One active demo token per user: the old one is revoked, a new secret is shown."""
    for token in ApiToken.objects.filter(user=user, name=DEMO_TOKEN_NAME, revoked_at__isnull=True):
        accounts.revoke_token(user, token.public_id)
    _, secret = accounts.create_token(user, DEMO_TOKEN_NAME)
    return secret


def _categories(operator: User) -> dict[str, Category]:
    by_slug = {c.slug: c for c in Category.objects.all()}
    for slug, name, name_en, parent in data.CATEGORIES:
        if slug not in by_slug:
            payload = {"slug": slug, "name": name, "name_en": name_en}
            if parent:
                payload["parent_id"] = by_slug[parent].public_id
            by_slug[slug] = catalog.create_category(operator, payload)
    return by_slug


def _merchant(spec: dict, operator: User) -> Merchant:
    owner = _user(spec["owner"]["username"], Role.CUSTOMER, spec["owner"]["display_name"])
    member = StaffMember.objects.select_related("merchant").filter(user=owner).first()
    if member is not None:
        merchant = member.merchant
    else:
        merchant = merchants.apply_merchant(
            owner, spec["name"], name_en=spec["name_en"], description=spec["description"],
            business_type=spec["business_type"])
    if merchant.status == MerchantStatus.PENDING:
        merchant = merchants.approve(operator, merchant.public_id)
    return merchant


def _stores(merchant: Merchant, spec: dict) -> dict[str, Store]:
    stores: dict[str, Store] = {}
    for s in spec["stores"]:
        store = Store.objects.filter(merchant=merchant, name=s["name"]).first()
        if store is None:
            store = merchants.create_store(
                merchant, name=s["name"], name_en=s["name_en"], address=s["address"], city="深圳",
                latitude=s["lat"], longitude=s["lng"], phone=s["phone"], time_zone="Asia/Shanghai",
                opening_hours=s["hours"])
        stores[s["key"]] = store
    return stores


def _staff(merchant: Merchant, spec: dict, stores: dict[str, Store]) -> list[User]:
    users = []
    for s in spec["staff"]:
        user = User.objects.filter(username=s["username"]).first()
        if user is None:
            member = merchants.add_staff(merchant, s["username"], data.DEMO_PASSWORD,
                                         stores=[stores[k].public_id for k in s["stores"]],
                                         display_name=s["display_name"])
            user = member.user
        users.append(user)
    return users


def _product(merchant: Merchant, spec: dict, stores: dict[str, Store],
             categories: dict[str, Category], warehouse: StockLocation | None) -> tuple[Product, int]:
    product = Product.objects.filter(merchant=merchant, title=spec["title"]).first()
    slots = 0
    if product is None:
        payload: dict = {
            "kind": spec["kind"], "title": spec["title"], "title_en": spec.get("title_en", ""),
            "description": spec.get("description", ""),
            "category_id": categories[data.PRODUCT_CATEGORY[spec["title"]]].public_id,
        }
        if spec["kind"] == "GOODS":
            payload["weight_grams"] = spec.get("weight")
        else:
            payload.update(booking_mode=spec["booking_mode"], validity_days=spec["validity_days"],
                           uses_per_voucher=spec.get("uses", 1))
            if spec.get("duration_minutes"):
                payload["duration_minutes"] = spec["duration_minutes"]
            if spec.get("stores"):
                payload.update(all_stores=False, store_ids=[stores[k].public_id for k in spec["stores"]])
        product = catalog.create_product(merchant, payload)
        variants = spec.get("variants") or [{"name": "标准 Standard", "attributes": {},
                                             "price": spec["price"]}]
        for position, v in enumerate(variants):
            sku = {"name": v["name"], "attributes": v["attributes"], "price_fen": v["price"],
                   "position": position}
            if spec.get("original") and spec["original"] >= v["price"]:
                sku["original_price_fen"] = spec["original"]
            catalog.add_sku(merchant, product.public_id, sku)
        catalog.publish(merchant, product.public_id)
        if spec["kind"] == "GOODS" and warehouse is not None:
            for sku in product.skus.all():
                inventory.set_stock(merchant, sku.public_id, warehouse.public_id, spec.get("stock", 100))
                # A few on the shelf of each store, for pick-up in store.
                for shelf in StockLocation.objects.filter(merchant=merchant, kind="store"):
                    inventory.set_stock(merchant, sku.public_id, shelf.public_id,
                                        min(spec.get("stock", 100), 20))
        if spec.get("quota"):
            inventory.set_quota(merchant, product.public_id, spec["quota"])
    if spec.get("schedule"):
        sched = spec["schedule"]
        usable = [stores[k] for k in spec["stores"]] if spec.get("stores") else list(stores.values())
        for store in usable:
            schedule = Schedule.objects.filter(product=product, store=store).first()
            if schedule is None:
                schedule = inventory.create_schedule(
                    merchant, product_public_id=product.public_id, store_public_id=store.public_id,
                    weekdays=[1, 2, 3, 4, 5, 6, 7],
                    start_time=dt.time.fromisoformat(sched["start"]),
                    end_time=dt.time.fromisoformat(sched["end"]), slot_minutes=sched["slot"],
                    capacity=sched["capacity"], valid_from=clock.now().date())
            slots += inventory.generate_slots(schedule, days_ahead=14)
    return product, slots


def _warehouse(merchant: Merchant, spec: dict, stores: dict[str, Store]) -> StockLocation | None:
    if not any(p["kind"] == "GOODS" for p in spec["products"]):
        return None
    location = StockLocation.objects.filter(merchant=merchant, name="中心仓 Main warehouse").first()
    if location is None:
        location = inventory.create_location(merchant, name="中心仓 Main warehouse")
    for store in stores.values():
        if not StockLocation.objects.filter(merchant=merchant, store=store).exists():
            inventory.create_location(merchant, name=f"{store.name} 货架", kind="store",
                                      store_public_id=store.public_id)
    return location


def load(*, tokens: bool = True) -> Summary:
    summary = Summary()
    with transaction.atomic():
        operator = _user(data.OPERATOR["username"], Role.OPERATOR, data.OPERATOR["display_name"])
        categories = _categories(operator)
        summary.logins.append(("operator", operator.username, ""))
        by_key: dict[str, Merchant] = {}
        for spec in data.MERCHANTS:
            merchant = by_key[spec["key"]] = _merchant(spec, operator)
            stores = _stores(merchant, spec)
            staff = _staff(merchant, spec, stores)
            warehouse = _warehouse(merchant, spec, stores)
            for p in spec["products"]:
                _, slots = _product(merchant, p, stores, categories, warehouse)
                summary.slots += slots
            summary.merchants.append(merchant)
            summary.logins.append((f"owner of {spec['name_en']}", merchant.owner.username, ""))
            for user in staff:
                summary.logins.append((f"staff of {spec['name_en']}", user.username, ""))
        for c in data.CUSTOMERS:
            user = _user(c["username"], Role.CUSTOMER, c["display_name"])
            summary.logins.append(("customer", user.username, ""))
        summary.offers = offers.load(operator, by_key)
    if tokens:
        summary.logins = [(role, name, _fresh_token(User.objects.get(username=name)))
                          for role, name, _ in summary.logins]
    # Hand the new events to their subscribers now (search index, ledger), so the demo
    # answers searches at once, before the worker's first relay.
    while events.relay():
        pass
    summary.products = Product.objects.filter(merchant__in=summary.merchants).count()
    summary.stores = Store.objects.filter(merchant__in=summary.merchants).count()
    return summary
