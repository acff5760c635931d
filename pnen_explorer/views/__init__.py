"""Widgets that show a :class:`pnen_explorer.Session`: the form, one class per tab, downloads.

They hold no logic of their own: every rule, filter and text comes from the library.
"""
