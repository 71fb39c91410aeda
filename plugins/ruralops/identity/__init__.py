"""Identity resolution: the identifier graph resolved into customers with stable ids."""
