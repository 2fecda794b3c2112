"""Coupons and promotions: coupon templates, claimed coupons, spend tiers, limited-time
SKU prices, and the one pricing pipeline that orders call (marketing.pricing)."""
