"""Building the warehouse layers (staging, identity, features, tags, marts) with dbt."""
