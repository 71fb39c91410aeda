"""Quality gates: Great Expectations suites, declared once under expectations/, run per business date."""
