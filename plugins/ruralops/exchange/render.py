"""Render a frame as the bytes of a delimited batch file, in its contract's column order."""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from ruralops.exchange.contracts import Contract


def _text_columns(frame: pd.DataFrame, names: list[str]) -> list[list[str]]:
    return [frame[name].fillna("").astype(str).tolist() for name in names]


def delimited_bytes(frame: pd.DataFrame, contract: Contract) -> bytes:
    """Join columns with the contract's delimiter.

    Lines are joined by ``map``/``str.join`` over column lists (C-level iteration; measured 4x
    faster than pandas string concatenation without pyarrow). A value containing the delimiter
    or a line break would corrupt the layout, so it is refused here rather than discovered by
    the receiver.
    """
    if frame.empty:
        return b""
    columns = _text_columns(frame, contract.column_names)
    text = "\n".join(map(contract.delimiter.join, zip(*columns))) + "\n"
    # Cheap whole-text counts first; find the offending column only when they disagree.
    expected_delimiters = len(frame) * (len(columns) - 1)
    if text.count(contract.delimiter) != expected_delimiters or text.count("\n") != len(frame) \
            or "\r" in text:
        for name, column in zip(contract.column_names, columns):
            bad = sum(contract.delimiter in v or "\n" in v or "\r" in v for v in column)
            if bad:
                raise ValueError(f"{contract.name}.{name}: {bad} value(s) contain the "
                                 f"delimiter or a line break")
    return text.encode(contract.encoding)


def fixed_width_bytes(frame: pd.DataFrame, contract: Contract) -> bytes:
    """Pad every field with spaces to its width in *bytes* of the contract's encoding.

    Chinese characters take two bytes in GBK, so each value is padded to
    ``width - (encoded length - character count)`` characters. A value longer than its field
    is refused rather than silently cut.
    """
    if frame.empty:
        return b""
    encode = operator.methodcaller("encode", contract.encoding)
    padded_columns = []
    for column, values in zip(contract.columns, _text_columns(frame, contract.column_names)):
        encoded_length = np.fromiter(map(len, map(encode, values)), dtype=np.int64, count=len(values))
        too_long = encoded_length > column.width
        if too_long.any():
            raise ValueError(f"{contract.name}.{column.name}: {int(too_long.sum())} value(s) longer "
                             f"than {column.width} bytes")
        characters = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        targets = (column.width - encoded_length + characters).tolist()
        padded_columns.append(list(map(str.ljust, values, targets)))
    return ("\n".join(map("".join, zip(*padded_columns))) + "\n").encode(contract.encoding)
