import pytest

from consult.drafts.parser import DraftParseError, parse_draft, split_heading


def keys(source: str) -> list[str]:
    return [clause.key for clause in parse_draft(source)]


def test_numbered_headings_become_clauses_with_their_keys():
    source = "# 9 Human rights\n\ntext\n\n## 9.4 Consent\n\nbody\n\n### 9.4.1 Process\n\nmore\n"
    clauses = parse_draft(source)
    assert [c.key for c in clauses] == ["9", "9.4", "9.4.1"]
    assert [c.parent_key for c in clauses] == [None, "9", "9.4"]
    assert clauses[1].title == "Consent"
    assert clauses[1].body_markdown == "body"


def test_principle_headings_take_their_number_and_keep_their_heading():
    clauses = parse_draft("# Principle 9: Human Rights\n\nRespect them.\n\n## 9.1 Due diligence\n")
    assert clauses[0].key == "9"
    assert clauses[0].heading == "Principle 9: Human Rights"
    assert clauses[1].parent_key == "9"


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("9.4 Free, prior and informed consent", ("9.4", "Free, prior and informed consent")),
        ("9.4. Consent", ("9.4", "Consent")),
        ("Principle 2 - Policy", ("2", "Policy")),
        ("10", ("10", "10")),
        ("Introduction", (None, "Introduction")),
        ("2026 targets are ambitious", ("2026", "targets are ambitious")),
    ],
)
def test_split_heading(heading, expected):
    assert split_heading(heading) == expected


def test_unnumbered_headings_are_sections_that_can_be_commented_on():
    clauses = parse_draft("# Introduction\n\nHello\n\n# Scope\n\nAll\n\n# Glossary\n\nTerms\n")
    assert [(c.key, c.number) for c in clauses] == [
        ("introduction", None),
        ("scope", None),
        ("glossary", None),
    ]


def test_repeated_unnumbered_headings_get_distinct_keys():
    assert keys("# 1 A\n## Guidance\nx\n# 2 B\n## Guidance\ny\n") == [
        "1",
        "guidance",
        "2",
        "guidance-2",
    ]


def test_text_before_the_first_heading_is_a_preamble():
    clauses = parse_draft("Foreword text.\n\n# 1 First\n")
    assert clauses[0].key == "preamble"
    assert clauses[0].body_markdown == "Foreword text."


def test_text_runs_to_the_next_heading_of_any_level():
    clauses = parse_draft("# 1 A\none\n\n## 1.1 B\ntwo\n\n# 2 C\nthree\n")
    assert [c.body_markdown for c in clauses] == ["one", "two", "three"]


def test_setext_headings_count():
    clauses = parse_draft("5.1 Reporting\n-------------\n\nReport yearly.\n")
    assert clauses[0].key == "5.1"
    assert clauses[0].body_markdown == "Report yearly."


def test_duplicate_key_is_an_error_naming_the_line():
    with pytest.raises(DraftParseError) as caught:
        parse_draft("# 9 A\n\n## 9.4 B\n\ntext\n\n## 9.4 C\n")
    assert caught.value.line == 7
    assert "9.4" in str(caught.value.message)
    assert "line 3" in str(caught.value.message)


def test_a_draft_without_headings_is_refused():
    with pytest.raises(DraftParseError, match="no headings"):
        parse_draft("Just a paragraph.\n")


def test_binary_content_is_refused():
    with pytest.raises(DraftParseError, match="not a text file"):
        parse_draft("# 1 A\n\x00\x01")


def test_raw_html_is_never_rendered_but_links_and_tables_are():
    source = (
        "# 1 Clause\n\n<script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
        "[ASI](https://aluminium-stewardship.org) [bad](javascript:alert(1))\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    html = parse_draft(source)[0].body_html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert '<a href="https://aluminium-stewardship.org">ASI</a>' in html
    assert "javascript:" not in html.replace("[bad](javascript:alert(1))", "")
    assert "<table" in html and "<td>1</td>" in html


def test_headings_inside_code_blocks_are_not_clauses():
    assert keys("# 1 A\n\n```\n# 2 not a heading\n```\n") == ["1"]
