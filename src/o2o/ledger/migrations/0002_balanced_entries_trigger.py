"""PostgreSQL: a deferred constraint trigger refuses, at commit, any journal entry whose
lines do not sum to zero per currency -- a guard beneath ledger.services.post(), which
checks the same before writing. SQLite has no deferred triggers; there the service and
`o2o ledger check` are the guard."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ledger_entry_balanced() RETURNS trigger AS $$
DECLARE
    eid bigint;
    off bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN eid := OLD.entry_id; ELSE eid := NEW.entry_id; END IF;
    SELECT SUM(amount_fen) INTO off FROM (
        SELECT currency, SUM(amount_fen) AS amount_fen FROM ledger_journalline
        WHERE entry_id = eid GROUP BY currency HAVING SUM(amount_fen) <> 0) unbalanced;
    IF off IS NOT NULL THEN
        RAISE EXCEPTION 'journal entry % does not balance (off by % fen)', eid, off
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_journalline;
CREATE CONSTRAINT TRIGGER ledger_entry_balanced
    AFTER INSERT OR UPDATE OR DELETE ON ledger_journalline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced();
"""

DROP = """
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_journalline;
DROP FUNCTION IF EXISTS ledger_entry_balanced();
"""


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # raw: the body has literal % signs
            cursor.execute(CREATE)


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
