from django.contrib import admin

from o2o.search.models import Listing, SearchDocument, SearchTerm


@admin.register(SearchDocument)
class SearchDocumentAdmin(admin.ModelAdmin):
    list_display = ("public_id", "doc_type", "title", "kind", "min_price_fen", "rating_bayes",
                    "sales_recent", "updated_at")
    list_filter = ("doc_type", "kind")
    search_fields = ("public_id", "title", "merchant_public_id")


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ("product_public_id", "store_public_id", "title", "store_name", "price_fen", "lat", "lng")
    list_filter = ("kind", "booking_mode")
    search_fields = ("product_public_id", "store_public_id", "title", "store_name", "h3_r8")


@admin.register(SearchTerm)
class SearchTermAdmin(admin.ModelAdmin):
    list_display = ("term", "length", "doc_count")
    list_filter = ("length",)
    search_fields = ("term",)
