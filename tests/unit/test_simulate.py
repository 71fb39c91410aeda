"""The first simulator: reproducible, valid identifiers, control files that match."""

import datetime as dt
import gzip
import hashlib
import re

import pytest
from stdnum.cn import ric

from ruralops.exchange.batchfile import Control, control_path, md5_of
from ruralops.exchange.contracts import all_contracts
from ruralops.simulate import CLEAN, Dirt, simulate

pytestmark = pytest.mark.unit
DAY = dt.date(2026, 11, 1)


def _digest(folder):
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path):
    simulate(DAY, 2, 300, 7, tmp_path / "a" / "landing")
    simulate(DAY, 2, 300, 7, tmp_path / "b" / "landing")
    simulate(DAY, 2, 300, 8, tmp_path / "c" / "landing")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")  # landing and truth alike
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_a_date_does_not_depend_on_how_many_days_were_simulated(tmp_path):
    simulate(DAY, 1, 300, 7, tmp_path / "one" / "landing")
    simulate(DAY, 3, 300, 7, tmp_path / "three" / "landing")
    day = "20261101"
    for system in ("core", "ebank", "loan", "wealth", "crm"):
        one = sorted((tmp_path / "one" / "landing" / system / day).iterdir())
        three = sorted((tmp_path / "three" / "landing" / system / day).iterdir())
        assert [p.read_bytes() for p in one] == [p.read_bytes() for p in three]


def test_every_file_has_a_matching_control_file_and_flag(tmp_path):
    result = simulate(DAY, 1, 300, 7, tmp_path / "landing")
    assert len(result.files) == len(all_contracts())
    for c in all_contracts().values():
        data = c.folder(tmp_path / "landing", DAY) / c.file_name(DAY)
        control = Control.parse(control_path(data).read_bytes())
        assert control.md5 == md5_of(data)
        assert control.byte_size == data.stat().st_size
        content = data.read_bytes()
        if c.compression == "gzip":
            content = gzip.decompress(content)
        assert control.record_count == content.count(b"\n")
        assert control.business_date == DAY
        assert data.with_suffix(".ok").exists()


def test_without_dirt_id_numbers_pass_gb11643_and_mobiles_the_mainland_pattern(tmp_path):
    simulate(DAY, 1, 500, 7, tmp_path / "landing", dirt=CLEAN)
    lines = (tmp_path / "landing" / "core" / "20261101" / "CORE_CUST_20261101.dat").read_bytes().decode("gbk").splitlines()
    fields = [line.split("|") for line in lines]
    assert len(fields) == 500
    assert all(ric.is_valid(f[3]) for f in fields)
    assert all(re.fullmatch(r"1[3-9]\d{9}", f[6]) for f in fields)
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", f[1]) for f in fields)
