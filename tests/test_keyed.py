"""The keyed file the indexer keeps derived data in (archive/keyed.py), on a real SQLite file."""

from archive.keyed import KeyedValues


def test_values_are_read_back_in_part_and_replaced_by_key(tmp_path):
    kept = KeyedValues(tmp_path / "kept.sqlite")
    kept.put_many({f"k{n}": {"n": n, "words": ("a", "b")} for n in range(2000)})
    kept.put_many({"k5": "new"})
    found = kept.get_many(["k5", "k1999", "missing", "k5"])
    assert found == {"k5": "new", "k1999": {"n": 1999, "words": ("a", "b")}}
    assert len(kept.get_many(f"k{n}" for n in range(2000))) == 2000  # more than one chunk


def test_keep_only_deletes_every_other_entry(tmp_path):
    kept = KeyedValues(tmp_path / "kept.sqlite")
    kept.put_many({"a": 1, "b": 2, "c": 3})
    assert kept.keep_only(["a", "c", "not-kept"]) == 1
    assert kept.keys() == {"a", "c"}
    assert KeyedValues(tmp_path / "kept.sqlite").get_many(["a", "b"]) == {"a": 1}


def test_a_missing_file_reads_empty_and_is_not_created_by_reading(tmp_path):
    kept = KeyedValues(tmp_path / "none.sqlite")
    assert kept.get_many(["a"]) == {} and kept.keys() == set() and kept.keep_only([]) == 0
    assert not (tmp_path / "none.sqlite").exists()


def test_a_damaged_file_reads_empty_and_is_replaced_on_the_next_write(tmp_path):
    path = tmp_path / "kept.sqlite"
    path.write_bytes(b"not a database, a torn copy" * 100)
    kept = KeyedValues(path)
    assert kept.get_many(["a"]) == {}
    kept.put_many({"a": 1})
    assert kept.get_many(["a"]) == {"a": 1}


def test_an_unwritable_place_loses_only_the_work(tmp_path):
    (tmp_path / "file").write_text("a file where a folder should be")
    kept = KeyedValues(tmp_path / "file" / "kept.sqlite")
    kept.put_many({"a": 1})  # no exception: the caller computes it again next time
    assert kept.get_many(["a"]) == {}
