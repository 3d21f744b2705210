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
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const label = (el.getAttribute('aria-label') || el.innerText || el.value ||
                   el.name || el.id || '').trim().slice(0, 60);
    return {tag: el.tagName.toLowerCase(), label, ring, outline: style.outlineColor,
            inMain: !!el.closest('main'), id: el.id || ''};
}"""


def focused(page) -> dict | None:
    """The focused element: its tag, a label, and whether it shows a 2 px+ outline."""
    return page.evaluate(FOCUS_JS)
