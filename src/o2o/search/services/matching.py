"""Turning a query into a full-text match for the database in use, with prefix matching
and typo correction of Latin words against the vocabulary (SearchTerm)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from o2o.search import text
from o2o.search.models import SearchTerm


@dataclass
class Match:
    terms: list[tuple[str, bool]]  # (token, is_prefix)
    corrections: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def expression(self, *, any_term: bool = False) -> str:
        """FTS5 MATCH string or PostgreSQL tsquery text. Tokens are word characters only."""
        if connection.vendor == "postgresql":
            parts = [f"'{t}':*" if prefix else f"'{t}'" for t, prefix in self.terms]
            return (" | " if any_term else " & ").join(parts)
        parts = [f'"{t}"*' if prefix else f'"{t}"' for t, prefix in self.terms]
        return (" OR " if any_term else " AND ").join(parts)

    def title_hits(self, title_tokens: list[str]) -> float:
        """Share of query terms present in the title (prefix-aware)."""
        if not self.terms:
            return 0.0
        hits = 0
        for term, prefix in self.terms:
            if any(tok == term or (prefix and tok.startswith(term)) for tok in title_tokens):
                hits += 1
        return hits / len(self.terms)


def _correct(token: str) -> str | None:
    """The closest indexed Latin word (edit distance 1, or 2 for words of 6+ letters),
    compared with the whole word and with its prefix of the same length."""
    limit = 1 if len(token) <= 5 else 2
    candidates = SearchTerm.objects.filter(
        first__in={token[0], token[1] if len(token) > 1 else token[0]},
        length__gte=len(token) - limit, length__lte=len(token) + 12,
    ).values_list("term", "doc_count")[:5000]
    best: tuple[int, int, str] | None = None
    for term, doc_count in candidates:
        d = min(text.edit_distance(token, term, limit), text.edit_distance(token, term[:len(token)], limit))
        if d <= limit:
            key = (d, -doc_count, term)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def build(query: str) -> Match:
    terms: list[tuple[str, bool]] = []
    corrections: dict[str, str] = {}
    for token in text.query_tokens(query):
        if text.is_latin(token) and not token.isdigit():
            known = SearchTerm.objects.filter(term__startswith=token).exists() or len(token) < 3
            if not known:
                fixed = _correct(token)
                if fixed:
                    corrections[token] = fixed
                    token = fixed
            terms.append((token, True))
        else:
            terms.append((token, False))
    return Match(terms, corrections)
