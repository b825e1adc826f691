"""The legevakt domain: model, rules as dated data, calendar, staff import, checker, fairness.

Pure Python: imports no solver and no web framework.
"""
