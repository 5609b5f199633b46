"""Pure rules of the drawing set (no I/O, no Piccolo, no Litestar): revision states, access,
project codes, sheets, review comments, design changes, search text and every display label."""
