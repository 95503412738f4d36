"""How a week's supply of a product is shared out among locations: the arithmetic of an
allocation proposal, apart from the database, so that each figure can be checked by hand.

For each location:

- demand: the people waiting near it (registered, eligible, no dose yet). People are counted
  for the locations of their own ZIP code, or, where their ZIP has none, for the locations of
  their county, shared equally among them;
- weight = demand × (1 + the county's SVI): the Social Vulnerability Index (0 to 1) raises a
  vulnerable county's weight up to twice an equal demand elsewhere (an unknown SVI counts as 0);
- cap = the smaller of its storage room (capacity less what is on hand or expected in that
  storage class) and its need: its demonstrated weekly throughput (the best of the last four
  full weeks, or the throughput it declared at enrollment when it has recorded none) less the
  doses of the product on hand and expected. In whole vials, rounded down.

The supply, in whole vials, is shared in proportion to the weights. A location whose share
reaches its cap gets its cap, and the rest is shared again among the others (so nothing is
lost to a capped location); the last vials go to the largest remainders (then the heavier
weight, then the lower location id). What no location can take stays unallocated.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


@dataclass(frozen=True)
class Candidate:
    """What is known of one location when the proposal is made."""

    location_id: int
    county_id: str
    zip_code: str
    svi: Decimal | None
    storage_room: int
    throughput: int
    throughput_declared: bool
    on_hand: int


@dataclass
class Line:
    candidate: Candidate
    waiting: Fraction = Fraction(0)
    weight: Fraction = Fraction(0)
    cap: int = 0
    vials: int = 0
    doses: int = 0
    capped: bool = False

    @property
    def need(self) -> int:
        return max(self.candidate.throughput - self.candidate.on_hand, 0)

    @property
    def waiting_decimal(self) -> Decimal:
        return _decimal(self.waiting, "0.01")

    @property
    def weight_decimal(self) -> Decimal:
        return _decimal(self.weight, "0.0001")


@dataclass
class Proposal:
    supply: int
    doses_per_vial: int
    lines: list[Line] = field(default_factory=list)

    @property
    def allocated(self) -> int:
        return sum(line.doses for line in self.lines)

    @property
    def unallocated(self) -> int:
        return self.supply - self.allocated


def _decimal(value: Fraction, places: str) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal(places), rounding=ROUND_HALF_UP
    )


def waiting_near(candidates: list[Candidate], waiting: Iterable[tuple[str, str, int]]) -> dict[int, Fraction]:
    """People waiting counted for each location: `waiting` is (county, ZIP, people) groups.
    A group goes to the locations of its ZIP, else to those of its county, equally."""
    by_zip: dict[str, list[int]] = {}
    by_county: dict[str, list[int]] = {}
    for candidate in candidates:
        by_zip.setdefault(candidate.zip_code[:5], []).append(candidate.location_id)
        by_county.setdefault(candidate.county_id, []).append(candidate.location_id)
    near: dict[int, Fraction] = {candidate.location_id: Fraction(0) for candidate in candidates}
    for county_id, zip_code, people in waiting:
        receivers = by_zip.get(zip_code[:5]) or by_county.get(county_id) or []
        for location_id in receivers:
            near[location_id] += Fraction(people, len(receivers))
    return near


def propose(
    *, supply: int, doses_per_vial: int, candidates: list[Candidate], waiting: Iterable[tuple[str, str, int]]
) -> Proposal:
    """Share `supply` doses among `candidates` (see the module's text)."""
    per_vial = max(doses_per_vial or 1, 1)
    near = waiting_near(candidates, waiting)
    proposal = Proposal(supply=supply, doses_per_vial=per_vial)
    for candidate in candidates:
        line = Line(candidate=candidate, waiting=near[candidate.location_id])
        line.weight = line.waiting * (1 + Fraction(candidate.svi or 0))
        line.cap = min(max(candidate.storage_room, 0), line.need) // per_vial * per_vial
        proposal.lines.append(line)
    _share(proposal.lines, vials=supply // per_vial, per_vial=per_vial)
    for line in proposal.lines:
        line.doses = line.vials * per_vial
    return proposal


def _share(lines: list[Line], *, vials: int, per_vial: int) -> None:
    open_lines = [line for line in lines if line.weight > 0 and line.cap >= per_vial]
    remaining = vials
    # Give the capped their cap, and share the rest again, until no share reaches a cap.
    while open_lines and remaining > 0:
        total = sum(line.weight for line in open_lines)
        capped = [line for line in open_lines if remaining * line.weight / total >= line.cap // per_vial]
        if not capped:
            break
        for line in capped:
            line.vials = line.cap // per_vial
            line.capped = True
            remaining -= line.vials
            open_lines.remove(line)
    if not open_lines or remaining <= 0:
        return
    total = sum(line.weight for line in open_lines)
    exact = {id(line): remaining * line.weight / total for line in open_lines}
    for line in open_lines:
        line.vials = int(exact[id(line)])  # floor: the shares are positive
    left = remaining - sum(line.vials for line in open_lines)
    by_remainder = sorted(
        open_lines,
        key=lambda line: (-(exact[id(line)] - line.vials), -line.weight, line.candidate.location_id),
    )
    for line in by_remainder[:left]:
        line.vials += 1
