"""Merchant webhooks: endpoints, signed delivery of outbox events with retries, replay."""
