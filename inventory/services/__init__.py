"""Rules that change inventory, one module per flow: `ledger` (the one way stock moves, and the
doses given or given back), `catalogue` (products and lots), `allocations`, `shipments`,
`transfers`, `counts` (the inventory levels form) and `expiry` (the warnings of lots about to
expire).

Stock moves only through `ledger.move` (and a transfer's pair of moves), which locks the `Stock`
row and writes the ledger line in the caller's transaction; a dose given
(`ledger.stock_administer`) writes its line and takes the balance by a conditional UPDATE
instead, without reading it. Every service runs in `transaction.atomic`; when the caller already
holds a transaction (administration recording a dose), the movement commits or rolls back with
it. The apps above call what `inventory.interface` offers.
"""
