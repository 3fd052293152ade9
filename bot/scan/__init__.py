"""History audits (`leekguard scan`): exported chat history through the engine, platform-neutral.

    scanner.py  Scanner: export records in, ScanResults out, in input order; ScanSummary counts them
    pool.py     the engine in forked worker processes, results kept in input order
    images.py   the photos an export includes, analysed as `check --image` does
    record.py   flagged messages written to the incident log (source "scan"), without duplicates
    rows.py     results as CSV / JSON Lines rows            summary.py  the printed summary
    report.py   the self-contained HTML report

The export readers themselves are adapters (adapters/exports/); they yield leekguard_types.ExportRecord.
"""
