"""Render a frame as the bytes of a delimited batch file, in its contract's column order."""

from __future__ import annotations

import pandas as pd

from ruralops.exchange.contracts import Contract


def delimited_bytes(frame: pd.DataFrame, contract: Contract) -> bytes:
    """Join columns with the contract's delimiter (vectorised string concatenation).

    A value containing the delimiter or a line break would corrupt the layout, so it is
    refused here rather than discovered by the receiver.
    """
    if frame.empty:
        return b""
    columns = [frame[name].fillna("").astype(str) for name in contract.column_names]
    line = columns[0]
    for column in columns[1:]:
        line = line + contract.delimiter + column
    text = "\n".join(line.tolist()) + "\n"
    # Cheap whole-text counts first; find the offending column only when they disagree.
    expected_delimiters = len(frame) * (len(columns) - 1)
    if text.count(contract.delimiter) != expected_delimiters or text.count("\n") != len(frame) \
            or "\r" in text:
        for name, column in zip(contract.column_names, columns):
            bad = column.str.contains(f"[{contract.delimiter}\\r\\n]", regex=True)
            if bad.any():
                raise ValueError(f"{contract.name}.{name}: {int(bad.sum())} value(s) contain the "
                                 f"delimiter or a line break")
    return text.encode(contract.encoding)


def fixed_width_bytes(frame: pd.DataFrame, contract: Contract) -> bytes:
    """Pad every field with spaces to its width in *bytes* of the contract's encoding.

    Chinese characters take two bytes in GBK, so padding is computed on the encoded length.
    A value longer than its field is refused rather than silently cut.
    """
    if frame.empty:
        return b""
    line = None
    for column in contract.columns:
        values = frame[column.name].fillna("").astype(str)
        encoded_length = values.str.encode(contract.encoding).str.len()
        too_long = encoded_length > column.width
        if too_long.any():
            raise ValueError(f"{contract.name}.{column.name}: {int(too_long.sum())} value(s) longer "
                             f"than {column.width} bytes")
        padded = values + pd.Series(" ", index=values.index).str.repeat((column.width - encoded_length).to_numpy())
        line = padded if line is None else line + padded
    return ("\n".join(line.tolist()) + "\n").encode(contract.encoding)
