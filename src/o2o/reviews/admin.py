from django.contrib import admin

from o2o.reviews.models import Review, ReviewAggregate


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("public_id", "product", "merchant", "rating", "status", "created_at", "replied_at")
    list_filter = ("status", "rating")
    search_fields = ("public_id", "text", "product__title", "merchant__name")
    raw_id_fields = ("order_line", "order", "product", "merchant", "store", "customer", "hidden_by",
                     "replied_by")


@admin.register(ReviewAggregate)
class ReviewAggregateAdmin(admin.ModelAdmin):
    list_display = ("scope", "object_pk", "count", "total", "updated_at")
    list_filter = ("scope",)
    search_fields = ("object_pk",)
