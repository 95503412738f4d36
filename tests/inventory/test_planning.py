"""Allocation planning (issue 15, acceptance 2): the proposal number for number on a small known
scenario, then published, partly declined, and the declined doses reallocated."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cvms.models import AuditEvent, OutboundEmail
from cvms.roles import Role
from enrollment.models import County, PriorityGroup
from inventory import planning
from inventory.enums import AllocationStatus, OfferStatus, PlanStatus, StorageClass
from inventory.models import Allocation
from inventory.proposals import Candidate, propose
from inventory.services.allocations import allocation_cancel, allocation_create, week_start
from inventory.services.errors import InventoryError
from inventory.services.ledger import stock_administer
from inventory.services.planning import (
    PlanError,
    offer_respond,
    plan_create,
    plan_line_adjust,
    plan_publish,
    plan_reallocate,
)
from tests.factories import LocationFactory, UserFactory, member
from tests.inventory.factories import LotFactory, ProductFactory, stock
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NEXT_WEEK = week_start(TODAY) + timedelta(weeks=1)
LAST_WEEK = week_start(TODAY) - timedelta(days=3)  # a day of the last full week


@pytest.fixture
def official():
    return UserFactory(roles=[Role.STATE_OFFICIAL])


def waiting(count: int, *, zip_code: str, county_id: str, group: str = "1"):
    for _n in range(count):
        RecipientFactory(user=None, zip_code=zip_code, county_id=county_id, group=group)


def svi(county_id: str, value: str):
    County.objects.filter(fips=county_id).update(svi_overall=Decimal(value))


@pytest.fixture
def scenario():
    """Five locations and 1,015 doses of a 10-dose vial product (101 whole vials):

    - A, Wake (SVI 0.25), ZIP 27601: 3 people waiting there, and half of the one in 27610 (a
      Wake ZIP with no location: Wake's two locations share them): 3.5 × 1.25 = weight 4.375;
      room for 10,000; declared throughput 1,000 and nothing on hand: cap 1,000.
    - B, Durham (0.50): 4 waiting, weight 6; room for 205 doses: cap 200 (whole vials).
    - C, Robeson (1.00): 2 waiting, weight 4; gave 300 doses last week (its declared 50 is
      ignored) and has 130 left: cap 170.
    - D, Orange (0.00): nobody waiting (one person, in a closed group): weight 0.
    - E, Wake (0.25), ZIP 27603: 2 waiting and half of 27610's: 2.5 × 1.25 = 3.125; cap 500.

    Shares of 101 vials by weight (17.5): A 25.25, B 34.63 ≥ 20 (capped), C 23.09 ≥ 17
    (capped), E 18.04. The 64 vials left go to A and E by weight (7 : 5): 37.33 and 26.67;
    the last vial goes to the larger remainder (E). So A 370, B 200, C 170, D 0, E 270; 5
    doses (less than a vial) stay unallocated.
    """
    PriorityGroup.objects.filter(code="1").update(is_open=True)
    PriorityGroup.objects.filter(code="5").update(is_open=False)
    for county_id, value in [("37183", "0.25"), ("37063", "0.50"), ("37155", "1.00"), ("37135", "0.00")]:
        svi(county_id, value)
    product = ProductFactory(doses_per_vial=10, storage_class=StorageClass.REFRIGERATED)

    def location(name, county_id, zip_code, **fields):
        return LocationFactory(name=name, county_id=county_id, zip_code=zip_code, **fields)

    a = location("A", "37183", "27601", refrigerated_capacity=10000, weekly_throughput=1000)
    b = location("B", "37063", "27701", refrigerated_capacity=205, weekly_throughput=1000)
    c = location("C", "37155", "28358", refrigerated_capacity=5000, weekly_throughput=50)
    d = location("D", "37135", "27514", refrigerated_capacity=5000, weekly_throughput=500)
    e = location("E", "37183", "27603", refrigerated_capacity=10000, weekly_throughput=500)
    waiting(3, zip_code="27601", county_id="37183")
    waiting(1, zip_code="27610", county_id="37183")
    waiting(4, zip_code="27701", county_id="37063")
    waiting(2, zip_code="28358", county_id="37155")
    waiting(1, zip_code="27514", county_id="37135", group="5")
    waiting(2, zip_code="27603", county_id="37183")
    # C gave 300 doses last week and has 130 left.
    _c, lot = stock(location=c, lot=LotFactory(product=product), doses=430)
    stock_administer(
        location=c,
        lot=lot,
        doses=300,
        by=None,
        at=timezone.make_aware(timezone.datetime.combine(LAST_WEEK, timezone.datetime.min.time())),
    )
    return product, {"A": a, "B": b, "C": c, "D": d, "E": e}


def lines_by_name(plan, round=1):
    return {line.location.name: line for line in plan.lines.filter(round=round).select_related("location")}


def test_proposal_number_for_number(scenario, official):
    product, _locations = scenario

    plan = plan_create(week=NEXT_WEEK, product=product, supply=1015, by=official)

    lines = lines_by_name(plan)
    figures = {
        name: (
            line.waiting,
            line.svi,
            line.weight,
            line.storage_room,
            line.throughput,
            line.throughput_declared,
            line.on_hand,
            line.cap,
            line.proposed,
        )
        for name, line in lines.items()
    }
    assert figures == {
        "A": (Decimal("3.50"), Decimal("0.2500"), Decimal("4.3750"), 10000, 1000, True, 0, 1000, 370),
        "B": (Decimal("4.00"), Decimal("0.5000"), Decimal("6.0000"), 205, 1000, True, 0, 200, 200),
        "C": (Decimal("2.00"), Decimal("1.0000"), Decimal("4.0000"), 4870, 300, False, 130, 170, 170),
        "D": (Decimal("0.00"), Decimal("0.0000"), Decimal("0.0000"), 5000, 500, True, 0, 500, 0),
        "E": (Decimal("2.50"), Decimal("0.2500"), Decimal("3.1250"), 10000, 500, True, 0, 500, 270),
    }
    assert {name: line.doses for name, line in lines.items()} == {
        "A": 370,
        "B": 200,
        "C": 170,
        "D": 0,
        "E": 270,
    }
    assert planning.plan_pool(plan=plan) == 1015  # nothing offered or allocated yet
    assert plan.status == PlanStatus.DRAFT
    assert AuditEvent.objects.get(action="inventory.plan.proposed").data["proposed"] == 1010


def test_proposal_of_whole_vials_shares_by_weight_with_the_largest_remainder():
    """Without the database: three equal weights share 10 vials 4-3-3 (the tie goes to the
    lower location id), and a supply short of a vial allocates nothing."""
    candidates = [
        Candidate(
            location_id=n,
            county_id="37183",
            zip_code=f"2760{n}",
            svi=None,
            storage_room=1000,
            throughput=1000,
            throughput_declared=True,
            on_hand=0,
        )
        for n in (1, 2, 3)
    ]
    people = [("37183", f"2760{n}", 5) for n in (1, 2, 3)]

    proposal = propose(supply=105, doses_per_vial=10, candidates=candidates, waiting=people)
    short = propose(supply=9, doses_per_vial=10, candidates=candidates, waiting=people)

    assert [line.doses for line in proposal.lines] == [40, 30, 30]
    assert proposal.unallocated == 5
    assert [line.doses for line in short.lines] == [0, 0, 0]


def test_county_people_are_shared_among_the_county_locations_without_their_zip():
    candidates = [
        Candidate(n, "37183", zip_code, None, 1000, 1000, True, 0)
        for n, zip_code in [(1, "27601"), (2, "27603")]
    ]
    proposal = propose(
        supply=0,
        doses_per_vial=1,
        candidates=candidates,
        waiting=[("37183", "27610", 3), ("37183", "27601", 1)],
    )
    assert [line.waiting_decimal for line in proposal.lines] == [Decimal("2.50"), Decimal("1.50")]
    assert proposal.allocated == 0


def test_publish_decline_part_and_reallocate(scenario, official):
    product, locations = scenario
    admins = {
        name: member(location.organization, Role.PROVIDER_ADMIN) for name, location in locations.items()
    }
    plan = plan_create(week=NEXT_WEEK, product=product, supply=1015, by=official)
    respond_by = timezone.now() + timedelta(days=2)

    plan_publish(plan=plan, respond_by=respond_by, by=official)

    lines = lines_by_name(plan)
    assert {name: line.status for name, line in lines.items()} == {
        "A": OfferStatus.OFFERED,
        "B": OfferStatus.OFFERED,
        "C": OfferStatus.OFFERED,
        "D": OfferStatus.PROPOSED,  # nothing to offer
        "E": OfferStatus.OFFERED,
    }
    told = sorted(address for email in OutboundEmail.objects.all() for address in email.to)
    assert told == sorted(admins[name].email for name in "ABCE")
    assert "370 doses" in OutboundEmail.objects.get(to=[admins["A"].email]).text

    offer_respond(line=lines["A"], doses=370, by=admins["A"])
    offer_respond(line=lines["B"], doses=100, by=admins["B"])  # half: not enough staff
    offer_respond(line=lines["C"], doses=170, by=admins["C"])
    offer_respond(line=lines["E"], doses=0, by=admins["E"])

    allocated = dict(
        Allocation.objects.filter(plan=plan, status=AllocationStatus.ACTIVE).values_list(
            "location__name", "doses"
        )
    )
    assert allocated == {"A": 370, "B": 100, "C": 170}
    assert planning.plan_pool(plan=plan) == 1015 - 640  # B's 100 and E's 270 declined, 5 left over

    second = plan_reallocate(plan=plan, respond_by=respond_by, by=official)

    # B took part and E none: they are passed by. C's need is met (300 − 130 on hand − 170
    # expected). A still needs 1,000 − 370 = 630: it is offered the 37 whole vials.
    assert [(line.location.name, line.round, line.doses, line.cap) for line in second] == [("A", 2, 370, 630)]
    assert planning.plan_pool(plan=plan) == 5
    offer_respond(line=second[0], doses=370, by=admins["A"])
    allocation = Allocation.objects.get(plan=plan, location=locations["A"])
    assert (allocation.doses, allocation.shipment.doses_expected) == (740, 740)
    assert AuditEvent.objects.filter(action="inventory.plan.reallocated").get().data["offered"] == 370


def test_cancelled_allocation_of_a_plan_returns_its_doses_to_the_pool(scenario, official):
    product, _locations = scenario
    plan = plan_create(week=NEXT_WEEK, product=product, supply=1015, by=official)
    plan_publish(plan=plan, respond_by=timezone.now() + timedelta(days=1), by=official)
    line = lines_by_name(plan)["B"]
    offer_respond(line=line, doses=200, by=official)
    for other in ("A", "C", "E"):
        offer_respond(line=lines_by_name(plan)[other], doses=0, by=official)

    line.refresh_from_db()
    allocation_cancel(allocation=line.allocation, reason="Freezer broke", by=official)

    assert planning.plan_pool(plan=plan) == 1015


def test_offer_answered_after_the_deadline_is_refused_and_lapses_at_reallocation(scenario, official):
    product, locations = scenario
    plan = plan_create(week=NEXT_WEEK, product=product, supply=1015, by=official)
    plan_publish(plan=plan, respond_by=timezone.now() + timedelta(days=1), by=official)
    lines = lines_by_name(plan)
    for name in "BCE":
        offer_respond(line=lines[name], doses=lines[name].doses, by=official)
    plan.lines.filter(location=locations["A"]).update(respond_by=timezone.now() - timedelta(seconds=1))

    with pytest.raises(PlanError, match="deadline"):
        offer_respond(line=lines["A"], doses=370, by=official)

    second = plan_reallocate(plan=plan, respond_by=timezone.now() + timedelta(days=1), by=official)

    assert lines_by_name(plan)["A"].status == OfferStatus.LAPSED
    # A's 370 (and the 5 left over) are offered again; A is passed by. B's fridge is full
    # (205 − 200), C's need is met, nobody waits near D: E may take 500 − 270 = 230 more.
    assert [(line.location.name, line.doses) for line in second] == [("E", 230)]


def test_adjustments_are_whole_vials_within_storage_and_publishing_within_supply(scenario, official):
    product, _locations = scenario
    plan = plan_create(week=NEXT_WEEK, product=product, supply=1015, by=official)
    lines = lines_by_name(plan)

    with pytest.raises(PlanError, match="whole vials"):
        plan_line_adjust(line=lines["A"], doses=375, by=official)
    with pytest.raises(PlanError, match="room for 205"):
        plan_line_adjust(line=lines["B"], doses=210, by=official)
    plan_line_adjust(line=lines["D"], doses=100, by=official)  # the official knows better
    with pytest.raises(PlanError, match="1110 doses, more than the 1015"):
        plan_publish(plan=plan, respond_by=timezone.now() + timedelta(days=1), by=official)
    plan_line_adjust(line=lines["A"], doses=270, by=official)
    plan_publish(plan=plan, respond_by=timezone.now() + timedelta(days=1), by=official)

    assert lines_by_name(plan)["D"].status == OfferStatus.OFFERED
    with pytest.raises(PlanError, match="published"):
        plan_line_adjust(line=lines["A"], doses=370, by=official)


def test_offer_accepting_more_than_offered_or_part_of_a_vial_is_refused(scenario, official):
    product, _locations = scenario
    plan = plan_create(week=NEXT_WEEK, product=product, supply=1015, by=official)
    plan_publish(plan=plan, respond_by=timezone.now() + timedelta(days=1), by=official)
    line = lines_by_name(plan)["A"]

    with pytest.raises(PlanError, match="between 0 and 370"):
        offer_respond(line=line, doses=380, by=official)
    with pytest.raises(PlanError, match="whole vials"):
        offer_respond(line=line, doses=365, by=official)
    offer_respond(line=line, doses=370, by=official)
    with pytest.raises(PlanError, match="already answered"):
        offer_respond(line=line, doses=0, by=official)


def test_reallocation_with_nothing_declined_is_refused(scenario, official):
    product, _locations = scenario
    plan = plan_create(week=NEXT_WEEK, product=product, supply=1010, by=official)
    plan_publish(plan=plan, respond_by=timezone.now() + timedelta(days=1), by=official)

    with pytest.raises(PlanError, match="No declined doses"):
        plan_reallocate(plan=plan, respond_by=timezone.now() + timedelta(days=1), by=official)


def test_plan_for_nothing_or_in_the_past_is_refused(scenario, official):
    product, _locations = scenario
    with pytest.raises(PlanError, match="doses to allocate"):
        plan_create(week=NEXT_WEEK, product=product, supply=0, by=official)
    plan = plan_create(week=NEXT_WEEK, product=product, supply=1015, by=official)
    with pytest.raises(PlanError, match="future"):
        plan_publish(plan=plan, respond_by=timezone.now() - timedelta(minutes=1), by=official)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_a_location_allocated_by_hand_for_the_week_is_left_out_and_its_offer_refused(scenario, official):
    product, locations = scenario
    allocation_create(week=NEXT_WEEK, product=product, location=locations["B"], doses=50, by=official)

    plan = plan_create(week=NEXT_WEEK, product=product, supply=1015, by=official)

    assert "B" not in lines_by_name(plan)
    plan_publish(plan=plan, respond_by=timezone.now() + timedelta(days=1), by=official)
    line = lines_by_name(plan)["C"]
    allocation_create(week=NEXT_WEEK, product=product, location=locations["C"], doses=10, by=official)
    with pytest.raises(InventoryError, match="already has an allocation"):
        offer_respond(line=line, doses=line.doses, by=official)
