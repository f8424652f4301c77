"""Counting what a person does in a browser test: every click, fill, check, choice of an
option or a file and key press made through `Interactions.locator(...)` (and the locators
derived from it) adds one. Everything else passes through to the page and its locators."""

ACTIONS = frozenset(
    {
        "click",
        "dblclick",
        "tap",
        "fill",
        "type",
        "press",
        "press_sequentially",
        "check",
        "uncheck",
        "set_checked",
        "select_option",
        "set_input_files",
        "drag_to",
    }
)
# Locator methods and properties that lead to other locators (still counted).
DERIVED = frozenset({"locator", "nth", "first", "last", "filter", "get_by_role", "get_by_label"})


def raw(obj):
    """The Playwright object behind a counted one (for `expect`)."""
    return getattr(obj, "raw", obj)


class Interactions:
    """The page of a person whose interactions are counted: `count` and `log` (in order)."""

    def __init__(self, page) -> None:
        self.raw = page
        self.count = 0
        self.log: list[str] = []

    def locator(self, selector: str, **options) -> "CountedLocator":
        return CountedLocator(self, self.raw.locator(selector, **options), selector)

    def __getattr__(self, name):
        return getattr(self.raw, name)


class CountedLocator:
    def __init__(self, counter: Interactions, locator, description: str) -> None:
        self._counter = counter
        self.raw = locator
        self._description = description

    def __getattr__(self, name):
        attribute = getattr(self.raw, name)
        if name in ACTIONS:

            def act(*args, **kwargs):
                self._counter.count += 1
                self._counter.log.append(f"{name} {self._description}")
                return attribute(*args, **kwargs)

            return act
        if name in DERIVED:
            if callable(attribute):
                return lambda *args, **kwargs: CountedLocator(
                    self._counter,
                    attribute(*(raw(a) for a in args), **kwargs),
                    f"{self._description} >> {name}{args or ''}",
                )
            return CountedLocator(self._counter, attribute, f"{self._description} >> {name}")
        return attribute
