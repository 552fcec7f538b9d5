"""The admin of the appeals app, by what a page is about: the appeals themselves, the records the
system writes about them, and the reference tables. Importing the modules registers them."""

from . import appeal, records, reference  # noqa: F401
