"""Airflow wiring: the nightly run's task bodies and the Airflow environment of a checkout."""
