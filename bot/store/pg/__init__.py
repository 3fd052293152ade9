"""The PostgreSQL backend of the incident store (psycopg 3, async; the `postgres` extra).

    backend.py  PostgresBackend: connections, error classes (outage vs bad data), transactions
    conn.py     a psycopg connection with the small aiosqlite-like API the shared store code uses
    schema.py   the schema, versioned, migrated at start-up under an advisory lock
    copy.py     `leekguard incidents migrate`: copy a SQLite store into PostgreSQL
"""
