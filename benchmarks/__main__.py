"""``python -m benchmarks``: run every benchmark and print the tables."""

from __future__ import annotations

from benchmarks.run import main

raise SystemExit(main())
