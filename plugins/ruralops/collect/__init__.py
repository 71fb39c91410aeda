"""Collection (要素归集): landing files into the ``raw`` schema, every line accounted for."""
