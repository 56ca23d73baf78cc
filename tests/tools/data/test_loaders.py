import pytest

from resonant_tools.data import DatasetError, load_emobank, load_goemotions, load_reccon


def test_goemotions_rows_and_label_names(goemotions_dir):
    examples, names = load_goemotions(goemotions_dir, "dev")
    assert len(names) == 28
    assert examples[0].labels == ("sadness",)
    assert examples[0].id == "id0"


def test_malformed_goemotions_row_names_file_and_line(goemotions_dir):
    dev = goemotions_dir / "original" / "dev.tsv"
    dev.write_text("fine text\t25\tid0\nbroken row without tabs\n")
    with pytest.raises(DatasetError, match=r"dev\.tsv:2"):
        load_goemotions(goemotions_dir, "dev")


def test_label_id_out_of_range_is_reported(goemotions_dir):
    (goemotions_dir / "original" / "dev.tsv").write_text("text\t99\tid0\n")
    with pytest.raises(DatasetError, match=r"dev\.tsv:1"):
        load_goemotions(goemotions_dir, "dev")


def test_missing_dataset_says_where_to_get_it(tmp_path):
    with pytest.raises(DatasetError, match="google-research"):
        load_goemotions(tmp_path / "nowhere", "dev")
    with pytest.raises(DatasetError, match="JULIELab/EmoBank"):
        load_emobank(tmp_path, "dev")


def test_emobank_maps_ratings_onto_minus_one_to_one(emobank_dir):
    rows = load_emobank(emobank_dir, "dev")
    assert len(rows) == 4
    assert rows[0].vad.v == pytest.approx((4.4 - 3) / 2)


def test_malformed_emobank_row_names_the_line(emobank_dir):
    path = emobank_dir / "emobank.csv"
    path.write_text("id,split,V,A,D,text\ne1,dev,3.0,x,3.0,hello\n")
    with pytest.raises(DatasetError, match=r"emobank\.csv:2"):
        load_emobank(emobank_dir, "dev")


def test_reccon_turns_and_causes(reccon_file):
    dialogues = load_reccon(reccon_file.parent, "valid")
    turn = dialogues["dd_1"][1]
    assert turn.emotion == "sadness"
    assert turn.cause_turns == (1,)
    assert turn.cause_spans == ("I lost my wallet",)


def test_invalid_reccon_json_names_the_line(tmp_path):
    (tmp_path / "dailydialog_valid.json").write_text('{\n  "dd_1": [\n oops')
    with pytest.raises(DatasetError, match=r"dailydialog_valid\.json:3"):
        load_reccon(tmp_path, "valid")


def test_hub_datasets_fail_clearly_when_offline(monkeypatch):
    from resonant_tools.data.loaders import resolve_data

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DatasetError, match="Hugging Face hub"):
        resolve_data("hf:someone/go_emotions-original")


def test_local_paths_pass_through(tmp_path):
    from resonant_tools.data.loaders import resolve_data

    assert resolve_data(tmp_path) == tmp_path
