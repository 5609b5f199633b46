"""Pure marketplace rules: no I/O, no Piccolo, no Litestar (one module per topic)."""
