"""Pure joint-survey rules: no I/O, no Piccolo, no Litestar."""
