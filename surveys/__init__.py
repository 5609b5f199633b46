"""Joint survey (联合测绘 / 多测合一): one commission, one shared result package, every
department's check. Other packages import ``surveys.api`` only (docs/architecture.md)."""
