"""Run reports for data stewards: what each stage did for a business date, and what the gates said."""
