"""File formats: how plans, rosters and calendars are read from and written to files.

The domain core (model, rules, calendar, eligibility, fairness, checker) lives beside this
package in roster/; everything here turns the core's objects into files and back.
"""
