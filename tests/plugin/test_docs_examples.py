"""The Python examples in docs/ pages that promise it run, each as a test file, and pass."""

from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
# the guide pages whose examples run; the toolkit pages (docs/toolkit/) are all in, as each is added
PAGES = (
    "clock.md",
    "lifecycle.md",
    "cors-website.md",
    "https.md",
    "outside-pytest.md",
    *sorted(f"toolkit/{page.name}" for page in (DOCS / "toolkit").glob("*.md")),
)


def _examples(page: str) -> list[str]:
    """The ```python blocks of ``page``, in order."""
    blocks: list[str] = []
    current: list[str] | None = None
    for line in (DOCS / page).read_text().splitlines():
        if current is None and line.strip() == "```python":
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append("\n".join(current) + "\n")
            current = None
        elif current is not None:
            current.append(line)
    return blocks


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_examples_pass(pytester: pytest.Pytester, page: str) -> None:
    examples = _examples(page)
    assert examples, f"docs/{page} has no python examples"
    files = {f"test_example_{number}": text for number, text in enumerate(examples)}
    pytester.makepyfile(**files)
    result = pytester.runpytest("-p", "no:cacheprovider")
    # test functions, and test methods of the examples' Test classes
    tests = sum(line.lstrip().startswith("def test_") for text in examples for line in text.splitlines())
    result.assert_outcomes(passed=tests)
