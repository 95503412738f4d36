"""Rules that change rosters and invitations, one module per step of the flow.

A roster goes through three steps: the person sends a file (`uploads.roster_upload_create`: it is
checked as a whole and queued); a worker reads it row by row into a staging table and records
every error (`staging.roster_upload_validate`); then the person chooses `uploads.roster_upload_import`
(a worker moves every valid row onto the roster in one transaction: `imports.roster_rows_import`)
or `uploads.roster_upload_discard` (nothing). The import only puts people on the roster; the send
task then makes the new people's invitations batch by batch (`invitations.invitations_make_and_send`)
and e-mails them with `invitations.invitations_send`, which claims each one before sending it so
that no one gets the same invitation twice.

What the people of a roster do next (open their link, register, book, get vaccinated) is recorded
by `progress`; the recipients and administration apps (higher layers) reach it through
`employers.interface`.
"""
