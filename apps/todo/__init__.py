"""The example app: a ToDo list, as Frappe ships it, served by maju."""
