"""What the layout tests make long, and how they measure a page that got too wide."""

from __future__ import annotations

from playwright.sync_api import Page

# A name without a space, a compound of the kind German titles have, an address.
LONG_NAME = "Z" * 100
LONG_WORD = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft" * 2
LONG_ADDRESS = (
    "https://www.bamf.de/SharedDocs/Anlagen/DE/Integration/Integrationskurse/" + "a" * 120
)
PHONE, DESKTOP = 390, 1280


def widest(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def sticking_out(page: Page) -> list[str]:
    """The innermost elements that reach past the viewport's right edge (for the message)."""
    return page.evaluate(
        """() => {
            const out = e => e.getBoundingClientRect().right > innerWidth + 1;
            return [...document.body.querySelectorAll("*")]
                .filter(e => out(e) && ![...e.children].some(out))
                .map(e => `${e.tagName} ${e.className}: ${e.getBoundingClientRect().right}`)
                .slice(0, 5);
        }"""
    )
