import pytest

from catalog.years import format_year, parse_year


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1890", (1890, False)),
        ("c. 1890", (1890, True)),
        ("ca 1890", (1890, True)),
        ("circa 1890", (1890, True)),
        ("1890s", (1890, True)),
        ("1500-1510", (1500, True)),
        ("1890?", (1890, True)),
        ("", (None, False)),
        ("unknown", (None, False)),
        (None, (None, False)),
        (1650, (1650, False)),
    ],
)
def test_it_parses_the_ways_catalogs_write_years(text, expected):
    assert parse_year(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "19th century", "99999", "c."])
def test_it_rejects_text_that_is_not_a_year_with_a_readable_message(text):
    with pytest.raises(ValueError, match="year|outside"):
        parse_year(text)


def test_it_formats_years_for_people():
    assert format_year(1890, True) == "c. 1890"
    assert format_year(1890, False) == "1890"
    assert format_year(None, False) == "Unknown"
    assert format_year(-500, False) == "500 BCE"
