"""Pure work on drawing files (no database, no blob store): recognising the format, analysing
DXF / DWG / PDF, diffing revisions, stamping PDFs, QR codes, the archive zip and preview geometry.
The analysers run inside the isolated child of ``drawings.isolation``."""
