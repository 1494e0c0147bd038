"""The use cases: import, digest, reminders, suggestions, search. They call rules and the store;
they hold no SQL and print nothing."""
