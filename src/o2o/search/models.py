"""Search tables. They are a derived, denormalized copy of the catalog, merchants and
reviews: rebuilt by `o2o search reindex`, kept current by services.reindex_* which the
outbox subscribers in handlers.py call. They hold plain integer keys (no foreign keys
to other apps) so the index can be loaded in bulk and rebuilt independently.

The full-text index itself lives outside the ORM (migration 0002): on SQLite an FTS5
external-content table `search_fts` over SearchDocument.tokens kept in step by
triggers; on PostgreSQL a generated tsvector column `tsv` with a GIN index.
"""

from __future__ import annotations

from django.db import models


class DocType(models.TextChoices):
    PRODUCT = "product", "Product"
    MERCHANT = "merchant", "Merchant"


class SearchDocument(models.Model):
    """One searchable thing: a public product of an active merchant, or an active merchant."""

    doc_type = models.CharField(max_length=8, choices=DocType.choices)
    object_pk = models.BigIntegerField()
    public_id = models.CharField(max_length=24)
    merchant_pk = models.BigIntegerField(db_index=True)
    merchant_public_id = models.CharField(max_length=24)
    title = models.CharField(max_length=200)
    subtitle = models.CharField(max_length=200, blank=True, default="")
    # Space-separated distinct tokens (see text.py): what the full-text index reads.
    tokens = models.TextField(blank=True, default="")
    title_tokens = models.TextField(blank=True, default="")
    kind = models.CharField(max_length=8, blank=True, default="")
    booking_mode = models.CharField(max_length=8, blank=True, default="")
    category_pk = models.BigIntegerField(null=True, blank=True)
    category_public_id = models.CharField(max_length=24, blank=True, default="")
    min_price_fen = models.PositiveIntegerField(null=True, blank=True)  # the "from" price
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_bayes = models.FloatField(default=0.0)
    sales_recent = models.PositiveIntegerField(default=0)
    cover_url = models.CharField(max_length=500, blank=True, default="")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["doc_type", "object_pk"], name="search_doc_unique")]
        indexes = [models.Index(fields=["doc_type", "kind", "category_pk"], name="search_doc_kind_cat")]

    def __str__(self) -> str:
        return f"{self.doc_type} {self.public_id} {self.title}"


class Listing(models.Model):
    """A public service product at one store where it can be used: what "nearby" returns.
    Carries the store's position (with its H3 cells at three resolutions), hours and
    time zone, and the product's price, rating and sales, so a nearby query reads one table."""

    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="listings")
    product_pk = models.BigIntegerField(db_index=True)
    store_pk = models.BigIntegerField(db_index=True)
    merchant_pk = models.BigIntegerField(db_index=True)
    product_public_id = models.CharField(max_length=24)
    store_public_id = models.CharField(max_length=24)
    title = models.CharField(max_length=200)
    store_name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8)
    booking_mode = models.CharField(max_length=8, blank=True, default="")
    category_pk = models.BigIntegerField(null=True, blank=True)
    price_fen = models.PositiveIntegerField(null=True, blank=True)
    lat = models.FloatField()
    lng = models.FloatField()
    h3_r8 = models.CharField(max_length=16)
    h3_r7 = models.CharField(max_length=16)
    h3_r5 = models.CharField(max_length=16)
    time_zone = models.CharField(max_length=50, default="Asia/Shanghai")
    opening_hours = models.JSONField(default=dict, blank=True)
    rating_bayes = models.FloatField(default=0.0)
    rating_count = models.PositiveIntegerField(default=0)
    sales_recent = models.PositiveIntegerField(default=0)
    # The document's tokens again: on PostgreSQL a generated tsvector `tsv` over them
    # (migration 0004) is tested on the disk's rows without a join to the documents.
    tokens = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["product_pk", "store_pk"], name="search_listing_unique")]
        # Covering indexes: the cell lookup, the distance prefilter and the ordering read
        # only the index; the full rows are fetched for the page alone.
        indexes = [
            models.Index(fields=["h3_r8", "lat", "lng", "document_id", "id"], name="search_lst_r8c"),
            models.Index(fields=["h3_r7", "lat", "lng"], name="search_lst_r7"),
            models.Index(fields=["h3_r5", "lat", "lng"], name="search_lst_r5"),
        ]

    def __str__(self) -> str:
        return f"{self.title} @ {self.store_name}"


class SearchTerm(models.Model):
    """Vocabulary of indexed Latin words, for typo correction of queries."""

    term = models.CharField(max_length=40, unique=True)
    first = models.CharField(max_length=1, db_index=True)
    length = models.PositiveSmallIntegerField()
    doc_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term
