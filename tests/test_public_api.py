import resonant


def test_all_names_exist_and_are_exported():
    for name in resonant.__all__:
        assert hasattr(resonant, name), name
    public = {n for n in vars(resonant) if not n.startswith("_") and n[0].isupper()}
    assert public <= set(resonant.__all__), public - set(resonant.__all__)
