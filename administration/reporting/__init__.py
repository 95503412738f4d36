"""Reporting formats: CDC CVRS files, HL7 v2.5.1 VXU messages and SMART Health Cards.

These modules are plain Python over plain rows (`rows.DoseReport`): they import no model, so they
can be tested against the reference documents on their own and stream any number of rows.
"""
