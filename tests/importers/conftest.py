from tests.cartography.seeding import reference_data, seeded  # noqa: F401 (fixtures)
