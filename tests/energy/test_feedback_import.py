"""A case system's CSV export of feedback: every row judged on its own, no text makes the
parser fail."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from energy.feedback import Category, working_days
from energy.feedback_import import parse_feedback_csv

ZONE = "Europe/Stockholm"
BUILDINGS = {"hus-a"}


def test_rows_in_swedish_with_windows_line_ends_and_a_broken_quote() -> None:
    text = (
        "\ufeffärende;inkommen;byggnad;kategori;synpunkt\r\n"
        "A-1;2025-03-03 08:00;hus-a;För kallt;Kallt\r\n"
        'A-2;2025-03-03 09:00;hus-a;beröm;"Tack, ""bra""\r\njobbat"\r\n'
        "A-3;2025-03-03 10:00;hus-b;drag;Drar\r\n"
        'A-4;2025-03-03 11:00;hus-a;drag;"aldrig stängd\r\n'
    )
    rows, problems = parse_feedback_csv(text, zone=ZONE, buildings=BUILDINGS)
    assert [(r.case_ref, r.category) for r in rows] == [
        ("A-1", Category.TOO_COLD),
        ("A-2", Category.PRAISE),
    ]
    assert rows[1].text == 'Tack, "bra"\njobbat'  # a quoted line break stays in the text
    assert rows[0].received_at.isoformat() == "2025-03-03T08:00:00+01:00"
    assert problems[0] == (5, "building 'hus-b' is not in the configuration")
    assert problems[1][0] == 6
    assert len(problems) == 2


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_no_text_makes_the_parser_fail(text: str) -> None:
    header = "case_ref;received_at;building;category;text\n"
    for body in (text, header + text):
        rows, problems = parse_feedback_csv(body, zone=ZONE, buildings=BUILDINGS)
        assert all(row.building in BUILDINGS for row in rows)
        assert all(line >= 1 for line, _ in problems)


def test_working_days_skip_weekends() -> None:
    friday, monday = date(2025, 3, 7), date(2025, 3, 10)
    assert working_days(friday, monday) == 1
    assert working_days(friday, friday) == 0
    assert working_days(monday, date(2025, 3, 24)) == 10
