"""The incident store: the durable log of every verdict and what was done about it (SQLite, WAL; or PostgreSQL).

    service.py  IncidentStore: open, record (durable before any action), review, samples, exemptions, settings
    types.py    the dataclasses it takes and gives back (NewIncident, Incident, RecordResult, StoreError...)
    schema.py   schema versions and forward migrations        sql.py     SQL text and row <-> dataclass mapping
    writer.py   the group-commit writer task                   queue.py   the retry outbox behind it
    review.py   review, samples, exemptions, chat settings     text.py    text safe for SQLite, excerpts
    backup.py   online backup                                  export.py  streaming CSV / JSONL export
    backend.py  what a database provides; SQLite's, backend_for  dialect.py the SQL that differs between them
    dburl.py    path or postgresql:// URL; passwords hidden     pg/        the PostgreSQL backend (psycopg 3)

Import from the module that defines a name: `from bot.store.service import IncidentStore`.
"""
