"""A fixed little world for relevance tests: merchants, stores around Nanshan, products
in Chinese and English, categories; indexed through search.services."""

from __future__ import annotations

from dataclasses import dataclass, field

from o2o.catalog.models import Category, Product, ProductKind
from o2o.merchants.models import Merchant
from o2o.search import services as search
from tests import factories

HOURS_DAY = {d: [["10:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def category(slug: str, name: str, parent: Category | None = None) -> Category:
    return Category.objects.create(slug=slug, name=name, name_en=slug, parent=parent)


@dataclass
class World:
    products: dict[str, Product] = field(default_factory=dict)
    merchants: dict[str, Merchant] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)


def build() -> World:
    w = World()
    food = category("food", "美食")
    w.categories = {"food": food, "hotpot": category("hotpot", "火锅", food),
                    "beauty": (beauty := category("beauty", "丽人")), "nails": category("nails", "美甲", beauty),
                    "snacks": category("snacks", "小吃", food)}
    specs = [
        # merchant key, name, name_en, [(product key, kind, title, title_en, price, category)]
        ("hotpot", "重庆老火锅", "Chongqing Hotpot House", [
            ("cq_set", ProductKind.SERVICE, "重庆火锅套餐", "Chongqing hotpot set for two", 19800, "hotpot"),
            ("beef", ProductKind.SERVICE, "鲜切牛肉双人餐", "Fresh beef meal for two", 26800, "hotpot")]),
        ("nails", "丽人美甲沙龙", "Lily Nail Salon", [
            ("gel", ProductKind.SERVICE, "日式美甲", "Japanese gel nails", 12800, "nails"),
            ("care", ProductKind.SERVICE, "手部护理美甲套餐", "Hand care and manicure", 9900, "nails")]),
        ("food", "美食广场", "Food Court", [
            ("snack", ProductKind.SERVICE, "美食街小吃拼盘", "Street food platter", 5900, "snacks")]),
        ("shop", "川味特产店", "Sichuan Pantry", [
            ("base", ProductKind.GOODS, "四川火锅底料", "Sichuan hotpot soup base", 2990, "hotpot"),
            ("tea", ProductKind.GOODS, "蒙顶山绿茶", "Mengding green tea", 8800, None)]),
    ]
    for i, (key, name, name_en, products) in enumerate(specs):
        m = factories.merchant(name)
        m.name_en = name_en
        m.save(update_fields=["name_en"])
        w.merchants[key] = m
        factories.store(m, lat=f"{22.533 + i * 0.004:.6f}", lng="113.930000", name=f"{name}店",
                        opening_hours=HOURS_DAY)
        for pkey, kind, title, title_en, price, cat in products:
            w.products[pkey] = factories.product(m, kind=kind, title=title, title_en=title_en, price_fen=price,
                                                 category=w.categories[cat] if cat else None)
        search.reindex_merchant(m.pk)
    return w


def ids(results: list[dict]) -> list[str]:
    return [r["id"] for r in results]
