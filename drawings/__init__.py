"""一套图纸 — the one set of drawings: each project's single, versioned register of CAD (DXF, DWG)
and PDF sheets, processed in isolation, previewed, compared, reviewed, stamped and archived."""
