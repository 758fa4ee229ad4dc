"""A product whose name or kind matches the query ranks above one that only mentions the word in its
description ("haldi" must not put a painting coloured with turmeric above turmeric powders)."""

from marketplace.search import services

from . import factories
from .test_search_backends import backend  # noqa: F401  (Whoosh, and PostgreSQL when there)


def test_name_and_kind_matches_rank_above_description_only_matches(backend, geo):  # noqa: F811
    org = factories.seller(geo["Kahara"], name="Mithila Art Cluster")
    spices = factories.make_category("spices-r", name_en="Spices", name_hi="मसाले")
    paintings = factories.make_category("paintings-r", name_en="Folk paintings", name_hi="लोक चित्रकला")
    painting = factories.make_product(
        org, paintings, title_en="Madhubani painting of a peacock", title_hi="मोर की मधुबनी पेंटिंग",
        description_en="Natural colours: turmeric (haldi) yellow, turmeric with lime for red, haldi again and "
                       "again, turmeric turmeric turmeric.", description_hi="हल्दी का पीला रंग, हल्दी और चूना")
    powders = [factories.make_product(org, spices, title_en=f"Turmeric powder {n} g", title_hi=f"हल्दी पाउडर {n}",
                                      description_en="Ground in the village.") for n in (100, 200, 500, 1000)]
    unnamed = factories.make_product(org, spices, title_en="Lakadong root, ground", title_hi="लकाडोंग जड़",
                                     tags="haldi", description_en="A strong yellow spice.")
    services.reindex()
    for query in ("haldi", "turmeric", "हल्दी"):
        found = [h.id for h in services.search(query).hits]
        assert painting.id in found, query  # still found ...
        assert found.index(painting.id) == len(found) - 1, (query, found)  # ... but after every named one
        assert {p.id for p in powders} <= set(found[:5]) and unnamed.id in found
