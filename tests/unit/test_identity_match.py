"""The fuzzy matcher on small lists of person records, and the match command."""

import pandas as pd
import pytest

from ruralops.identity.match import match

pytestmark = pytest.mark.unit

VILLAGE_EVENT = pd.DataFrame([
    # record_id, name, birth_date, id_no, mobile, address
    ("F1", "张文国", "2001-01-23", "341321200101234140", "155 6998 3835", "安徽省宿州市砀山县李庄镇王楼村3组"),
    ("F2", "张文帼", "20010123", "341321200101237140", "+86 15569983835", "安徽省宿州市砀山县李庄镇王楼村3组"),  # variant name, ID typo
    ("F3", "张文国", "1975-06-02", "341321197506021234", "13912345678", "安徽省宿州市砀山县李庄镇王楼村5组"),  # namesake
    ("F4", "李秀英", "2001-01-23", "341321200101235555", "13600000001", "安徽省宿州市萧县"),              # same birthday
], columns=["record_id", "name", "birth_date", "id_no", "mobile", "address"])


def test_a_variant_name_and_a_mistyped_id_match_and_namesakes_do_not():
    pairs = match(VILLAGE_EVENT)
    assert list(zip(pairs["left_id"], pairs["right_id"])) == [("F1", "F2")]
    [row] = pairs.to_dict("records")
    assert (row["name_score"], row["id_no_score"], row["mobile_score"], row["birth_date_score"]) == (0.8, 0.8, 1.0, 1.0)
    assert row["score"] == 0.88  # (0.3*0.8 + 0.2 + 0.3*0.8 + 0.1 + 0.1) / 1.0


def test_matching_against_another_list_pairs_across_only():
    customers = VILLAGE_EVENT.iloc[[1]].assign(record_id="880000000001")
    pairs = match(VILLAGE_EVENT.iloc[[0, 2, 3]], customers)
    assert list(zip(pairs["left_id"], pairs["right_id"])) == [("F1", "880000000001")]


def test_the_match_command_writes_scored_pairs(tmp_path, capsys):
    from ruralops.cli.main import main

    source = tmp_path / "farmers.csv"
    VILLAGE_EVENT.rename(columns={"record_id": "编号", "name": "姓名"}).to_csv(source, index=False)
    out = tmp_path / "pairs.csv"
    argv = ["identity", "match", "--input", str(source), "--output", str(out), "--map", "编号=id",
            "--map", "姓名=name", "--map", "birth_date=birth_date", "--map", "id_no=id_no", "--map", "mobile=mobile"]
    assert main(argv) == 0
    assert "4 records matched against each other: 1 pairs" in capsys.readouterr().out
    assert pd.read_csv(out, dtype=str)[["left_id", "right_id"]].values.tolist() == [["F1", "F2"]]
    assert main(argv[:-2] + ["--map", "nope=mobile"]) == 2
    assert main(["identity", "match", "--input", str(source), "--output", str(out), "--map", "姓名=name"]) == 2
