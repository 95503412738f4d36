"""Rules that change enrollment data, one module per flow: `applications` (the applicant's draft
and its submission), `decisions` (the state approves, denies or asks for more), `pins` (the
provider's PIN, issued once), `organizations` (suspended and reinstated) and `people` (colleagues
invited, their roles, where vaccinators work).

The apps above call what `enrollment.interface` offers.
"""
