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
