"""Pure work on survey files: the DXF's indicators, the certificate PDF, the generated sample.
No database, no blob store; ``indicators.measure_file`` reads a local path for the CLI."""
