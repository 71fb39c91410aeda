"""Knobs of the simulated bank: presets, and the real-world dirt each rate controls.

Every rate is a probability per person (or per record, or per file, as named) and has a sane
default: the record-level dirt a real rural credit union's data carries, and no file-level
incidents (those are switched on by tests and drills). ``--dirt name=value`` overrides one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Dirt:
    # identity dirt
    second_customer_no: float = 0.03       # person also holds an older customer number at another branch
    legacy_id15: float = 0.30              # a record opened before 2000 keeps the 15-digit legacy ID number
    lowercase_x: float = 0.30              # an ID ending in X is written with a lower-case x
    id_typo: float = 0.002                 # one digit of the ID number mistyped (check digit fails)
    name_variant: float = 0.25             # the older record spells the name with a variant character
    mobile_format: float = 0.05            # mobile typed with +86, spaces or dashes
    family_shared_mobile: float = 0.04     # person uses a family member's mobile
    placeholder_mobile: float = 0.005      # staff typed a placeholder such as 13800000000
    missing_field: float = 0.01            # optional field (mobile, address, birth date) left empty
    malformed_log_lines: float = 0.002     # gateway log lines cut short by the log shipper
    # file incidents (per file and date), off by default
    resent_file: float = 0.0               # the file is delivered twice (same content, flag rewritten)
    truncated_file: float = 0.0            # data file cut short after the control file was written
    late_file: float = 0.0                 # the file arrives with the next date's files
    malformed_lines: float = 0.0           # share of lines with a missing field
    bad_encoding_lines: float = 0.0        # share of lines with bytes that are not GBK

    def override(self, assignments: list[str]) -> "Dirt":
        """Apply ``name=value`` strings (from the command line)."""
        known = {f.name for f in dataclasses.fields(self)}
        changes = {}
        for assignment in assignments:
            name, _, value = assignment.partition("=")
            if name not in known:
                raise ValueError(f"unknown dirt knob {name!r}; knobs: {', '.join(sorted(known))}")
            rate = float(value)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"dirt knob {name} must be a rate between 0 and 1, got {value}")
            changes[name] = rate
        return dataclasses.replace(self, **changes)


CLEAN = Dirt(**{f.name: 0.0 for f in dataclasses.fields(Dirt)})


@dataclass(frozen=True)
class Preset:
    customers: int
    days: int
    description: str
    dirt: Dirt = field(default_factory=Dirt)


PRESETS = {
    "tiny": Preset(300, 2, "tests: a village branch, under 10 s"),
    "small": Preset(5_000, 3, "the demo: a township credit union"),
    "province": Preset(1_000_000, 1, "scale: a provincial union's county network"),
}
