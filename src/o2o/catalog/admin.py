from __future__ import annotations

from django.contrib import admin

from o2o.catalog.models import Category, Product, ProductImage, Sku


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("tree_name", "slug", "public_id", "position", "commission_rate_bp")
    list_filter = ("parent",)
    search_fields = ("name", "name_en", "slug", "public_id")
    readonly_fields = ("public_id",)
    list_select_related = ("parent", "parent__parent")
    autocomplete_fields = ("parent",)

    @admin.display(description="category")
    def tree_name(self, obj: Category) -> str:
        """The name with its ancestors, so the flat list reads like the tree."""
        names, node, seen = [obj.name], obj.parent, {obj.pk}
        while node is not None and node.pk not in seen and len(names) < 6:
            names.append(node.name)
            seen.add(node.pk)
            node = node.parent
        return " › ".join(reversed(names))


class SkuInline(admin.TabularInline):
    model = Sku
    extra = 0
    fields = ("public_id", "name", "code", "price_fen", "original_price_fen", "attributes",
              "is_active", "position", "created_at", "updated_at")
    readonly_fields = ("public_id",)


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ("public_id", "url", "file", "alt", "position")
    readonly_fields = ("public_id",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("title", "public_id", "kind", "status", "merchant", "category", "published_at")
    list_filter = ("kind", "status", "booking_mode", "merchant")
    search_fields = ("title", "title_en", "public_id", "merchant__name")
    readonly_fields = ("public_id",)
    list_select_related = ("merchant", "category")
    autocomplete_fields = ("category",)
    filter_horizontal = ("stores",)
    inlines = (SkuInline, ProductImageInline)


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ("__str__", "public_id", "code", "price_fen", "original_price_fen", "is_active")
    list_filter = ("is_active", "currency", "product__kind")
    search_fields = ("public_id", "code", "name", "product__title")
    readonly_fields = ("public_id",)
    list_select_related = ("product",)
    raw_id_fields = ("product",)


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    list_display = ("__str__", "public_id", "product", "position")
    list_filter = ("product__kind",)
    search_fields = ("public_id", "url", "alt", "product__title")
    readonly_fields = ("public_id",)
    list_select_related = ("product",)
    raw_id_fields = ("product",)
