"""The pure parts of ranking from the postings (the ranking itself is compared with
Whoosh's on the real corpus in test_search.py)."""

from whoosh import query

from archive.scoring import _in_order_within, plain_words


def test_words_count_as_near_in_order_and_within_the_slop():
    assert _in_order_within([[1, 20], [5], [9]], 8)
    assert not _in_order_within([[5], [1]], 8), "order matters, as in Whoosh's sloppy phrase"
    assert not _in_order_within([[1], [20]], 8)
    assert not _in_order_within([[3], [3]], 8), "one position cannot be two words"


def test_only_and_of_or_of_terms_is_plain():
    word = query.Or([query.Term("title_de", "sich"), query.Term("body_de", "sich")])
    assert plain_words(query.And([word, query.Term("body_de", "fenst")])) == (
        (("title_de", "sich"), ("body_de", "sich")),
        (("body_de", "fenst"),),
    )
    assert plain_words(query.Phrase("body_de", ["a", "b"])) is None
    assert plain_words(query.AndNot(word, query.Term("body_de", "x"))) is None


def test_best_scores_come_first_and_ties_go_to_the_lower_number():
    import numpy as np

    from archive.scoring import _best

    docs, scores = np.array([5, 3, 9, 1]), np.array([1.0, 2.0, 2.0, 0.5])
    assert _best(docs, scores, 2) == [(3, 2.0), (9, 2.0)]
    assert _best(docs, scores, 3) == [(3, 2.0), (9, 2.0), (5, 1.0)]
    assert _best(docs, scores, 10) == [(3, 2.0), (9, 2.0), (5, 1.0), (1, 0.5)]
    assert _best(docs[:0], scores[:0], 3) == []
