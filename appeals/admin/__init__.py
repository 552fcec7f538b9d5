"""The back-office admin, by what a page is about: the appeals themselves, the records the system
writes about them (and the access log), the people and accounts, and the reference tables. The
models of ``ministries`` and ``audit`` are shown here: those apps stay below ``appeals`` and import
nothing of it. Importing the modules registers them."""

from . import access_log, answering, appeal, people, records, reference, routing_model  # noqa: F401
