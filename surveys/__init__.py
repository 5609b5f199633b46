"""Joint survey (联合测绘 / 多测合一): one commission, one shared result package, every
department's check.

Pure modules: ``convention`` (DXF layer convention), ``indicators`` (areas, FAR, coverage, green
ratio, setbacks from a DXF), ``sample`` (a generated survey DXF with exact answers), ``checks``
(versioned department rule sets with tolerances), ``sections`` (package sections and their
hashes), ``package`` (figures a check reads), ``rules`` (commission and check life cycle),
``certificates`` (PDF certificates). I/O: ``services``, ``files``, ``tables``, ``routes``,
``demo``, ``cli``.
"""
