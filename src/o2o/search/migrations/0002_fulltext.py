"""The database's own full-text index over SearchDocument (not expressible in the ORM).

SQLite: an FTS5 external-content table `search_fts` (rowid = SearchDocument.id) kept
in step by triggers. PostgreSQL: a generated tsvector column `tsv` built from the
pre-tokenized text with array_to_tsvector (lexemes as-is, no parser or stemming, so
Chinese words and Latin words match exactly as tokenized by jieba), title words at
weight A, plus a GIN index.
"""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, title_tokens, content='search_searchdocument', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_doc_ai AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(rowid, tokens, title_tokens) VALUES (new.id, new.tokens, new.title_tokens); END",
    "CREATE TRIGGER search_doc_ad AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens, title_tokens) "
    "VALUES ('delete', old.id, old.tokens, old.title_tokens); END",
    "CREATE TRIGGER search_doc_au AFTER UPDATE OF tokens, title_tokens ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens, title_tokens) "
    "VALUES ('delete', old.id, old.tokens, old.title_tokens); "
    "INSERT INTO search_fts(rowid, tokens, title_tokens) VALUES (new.id, new.tokens, new.title_tokens); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_doc_au", "DROP TRIGGER IF EXISTS search_doc_ad",
    "DROP TRIGGER IF EXISTS search_doc_ai", "DROP TABLE IF EXISTS search_fts",
]
PG_UP = [
    "ALTER TABLE search_searchdocument ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(array_to_tsvector(string_to_array(title_tokens, ' ')), 'A') || "
    "array_to_tsvector(string_to_array(tokens, ' '))) STORED",
    "CREATE INDEX search_doc_tsv ON search_searchdocument USING gin (tsv)",
]
PG_DOWN = ["DROP INDEX IF EXISTS search_doc_tsv", "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS tsv"]


def _run(statements: dict):
    def run(apps, schema_editor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
                             _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN})),
    ]
