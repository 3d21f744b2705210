"""Accessibility probes for the browser tests: axe-core, horizontal overflow, focus.

axe-core is vendored under tests/e2e/vendor/ (never under static/, never fetched at run
time). It is evaluated through the DevTools protocol, which the app's strict
Content-Security-Policy does not govern, so the page under test is the page users get.
"""

from dataclasses import dataclass
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[1] / "e2e" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

# WCAG 2.0, 2.1 and 2.2 A and AA, plus axe's best practices (landmarks, one h1,
# headings in order, region): the "every page" findings include some of both.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        where = ", ".join(self.targets[:3]) + (" …" if len(self.targets) > 3 else "")
        return f"{self.impact} {self.rule}: {self.help} [{where}]"


def axe_violations(page) -> list[Violation]:
    """Run axe on the page as it is now; every violation, whatever its impact."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' '))}));
        }""",
        AXE_TAGS,
    )
    return [
        Violation(v["rule"], v["impact"] or "minor", v["help"], tuple(v["targets"]))
        for v in results
    ]


def blocking(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.impact in BLOCKING]


# Visible elements whose right edge lies past the viewport, or that are wider than their
# own scrolling box would show: content a phone user cannot see without zooming out.
OVERFLOW_JS = """() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        const box = el.getBoundingClientRect();
        if (box.width <= 1 || box.height <= 1) continue;  // visually-hidden helpers
        if (el.closest('[hidden], .visually-hidden, .visually-hidden-focusable')) continue;
        if (box.right > width + 1 || box.left < -1) {
            out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
                     `${el.className && typeof el.className === 'string'
                        ? '.' + el.className.trim().split(/\\s+/).join('.') : ''}` +
                     ` (${Math.round(box.left)}..${Math.round(box.right)} of ${width})`);
        }
    }
    if (document.documentElement.scrollWidth > width + 1) {
        out.unshift(`page scrolls sideways (${document.documentElement.scrollWidth} > ${width})`);
    }
    return out;
}"""


def horizontal_overflow(page) -> list[str]:
    return page.evaluate(OVERFLOW_JS)


FOCUS_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    if (!el.dataset.focusSeen) el.dataset.focusSeen = String(Math.random()).slice(2);
    const style = getComputedStyle(el);
    const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const box = el.getBoundingClientRect();
    const label = (el.getAttribute('aria-label') || (el.labels && el.labels[0]
                   && el.labels[0].innerText) || el.innerText || el.value || el.id || '')
                  .trim().replace(/\\s+/g, ' ').slice(0, 80);
    return {key: el.dataset.focusSeen, tag: el.tagName.toLowerCase(), id: el.id || '',
            label, ring, inMain: !!el.closest('main'),
            top: box.top + window.scrollY, left: box.left + window.scrollX,
            visible: box.width > 0 && box.height > 0};
}"""


def focused(page) -> dict | None:
    """The focused element: tag, id, a label, page position, and whether it shows a ring
    (an outline of 2 px or more; the app's is 3 px #ffbf47)."""
    return page.evaluate(FOCUS_JS)


def tab_until(page, predicate, limit=400) -> list[dict]:
    """Press Tab until the focused element satisfies predicate; every stop on the way.

    Fails if focus comes back to an element already visited (a trap or a loop) or leaves
    the page before predicate holds."""
    stops, seen = [], set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = focused(page)
        assert here is not None, f"focus left the page after {len(stops)} stops"
        if stops and here["key"] == stops[-1]["key"]:
            continue  # the next part of one control (a date input's month, day, year)
        assert here["key"] not in seen, f"focus came back to {here} (a keyboard trap)"
        seen.add(here["key"])
        stops.append(here)
        if predicate(here):
            return stops
    raise AssertionError(f"{limit} Tabs did not reach the element; last: {stops[-3:]}")


def tab_off_the_page(page, limit=400) -> list[dict]:
    """Tab from where focus is until it leaves the document: proves there is no trap."""
    stops, seen = [], set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = focused(page)
        if here is None:
            return stops
        if stops and here["key"] == stops[-1]["key"]:
            continue
        assert here["key"] not in seen, f"focus came back to {here} (a keyboard trap)"
        seen.add(here["key"])
        stops.append(here)
    raise AssertionError(f"focus never left the page in {limit} Tabs (a trap)")


def reading_order_problems(stops: list[dict]) -> list[str]:
    """Focus that goes back up the page in the same or an earlier column, or leftwards
    within a line, in main. (Up and to the right is the next column of a row.)"""
    main = [s for s in stops if s["inMain"] and s["visible"]]
    problems = []
    for before, after in zip(main, main[1:], strict=False):
        dy, dx = after["top"] - before["top"], after["left"] - before["left"]
        if (dy < -4 and dx <= 0) or (abs(dy) <= 4 and dx < 0):
            problems.append(f"{before['label']!r} then {after['label']!r}")
    return problems


def without_ring(stops: list[dict]) -> list[str]:
    return [f"{s['tag']} {s['label']!r}" for s in stops if s["visible"] and not s["ring"]]
