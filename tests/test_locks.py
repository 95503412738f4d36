"""Every lock in the code has a thread test and a control test (tests/concurrency.py).

The lock sites are found by reading the source: each function of the project (tests and the
helpers' own module aside) that calls `lock_one`, `lock_one_or_none`, `lock_all`, `hold_one` or
`select_for_update`. `LOCK_TESTS` names, for each, the test that races real threads through it
and the control that runs the same race with the locks taken away (`locks_disabled`) and shows it
going wrong. A new lock without its two tests fails here; so does an entry whose lock is gone.

The order in which the locks are taken is written down in docs/architecture.md ("Locks").
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCKING_CALLS = {"lock_one", "lock_one_or_none", "lock_all", "hold_one", "select_for_update"}
SKIPPED_DIRS = {"tests", "migrations", "node_modules", "bench"}

A = "tests/administration/test_concurrency.py"
R = "tests/administration/test_concurrency_records.py"
BF = "tests/administration/test_backfill.py"
REG = "tests/administration/test_concurrency_registry.py"
EMP = "tests/employers/test_concurrency.py"
ENR = "tests/enrollment/test_concurrency.py"
HD = "tests/helpdesk/test_concurrency.py"
INV = "tests/inventory/test_concurrency.py"
REC = "tests/recipients/test_concurrency.py"
DASH = "tests/dashboards/test_concurrency.py"
INVB = "tests/inventory/test_concurrency_bulk.py"

# lock site (file::function) → (thread test, control test), each as file::test.
LOCK_TESTS = {
    "administration/services/historical.py::historical_dose_record": (
        f"{R}::test_two_doses_from_a_card_entered_at_once_are_doses_1_and_2",
        f"{R}::test_without_the_lock_two_doses_from_a_card_are_both_taken_for_dose_1",
    ),
    "administration/services/booking.py::_clinic_held_open": (
        f"{A}::test_a_booking_while_its_clinic_is_cancelled_is_cancelled_with_the_others",
        f"{A}::test_a_booking_without_the_clinic_lock_lands_in_a_cancelled_clinic",
    ),
    "administration/services/booking.py::appointment_reschedule": (
        f"{A}::test_one_appointment_moved_twice_at_once_moves_once",
        f"{A}::test_without_the_lock_both_moves_pass_the_status_check",
    ),
    "administration/services/booking.py::appointment_cancel": (
        f"{A}::test_one_appointment_cancelled_twice_at_once_gives_its_place_back_once",
        f"{A}::test_without_the_lock_a_double_cancel_gives_two_places_back",
    ),
    "administration/services/booking.py::appointment_no_show": (
        f"{R}::test_a_no_show_marked_while_the_dose_is_recorded_never_overwrites_the_visit",
        f"{R}::test_without_the_lock_a_no_show_overwrites_the_visit_being_recorded",
    ),
    "administration/services/booking.py::appointment_check_in": (
        f"{A}::test_one_code_checked_in_twice_at_once_is_checked_in_once",
        f"{A}::test_without_the_lock_one_code_is_checked_in_twice",
    ),
    "administration/services/clinics.py::clinic_cancel": (
        f"{A}::test_a_clinic_cancelled_by_two_people_at_once_is_cancelled_once",
        f"{A}::test_without_the_lock_a_clinic_is_cancelled_twice",
    ),
    "administration/services/recording.py::dose_record": (
        f"{R}::test_two_first_doses_recorded_for_one_person_at_once_make_one_record",
        f"{R}::test_without_the_lock_two_first_doses_both_pass_the_series_check",
    ),
    "administration/services/recording.py::_appointment_locked": (
        f"{R}::test_a_person_cancelling_while_their_dose_is_recorded_is_told_it_is_too_late",
        f"{R}::test_without_the_lock_an_appointment_is_cancelled_while_its_dose_is_recorded",
    ),
    "administration/services/recording.py::_locked": (
        f"{R}::test_one_record_voided_twice_at_once_puts_one_dose_back",
        f"{R}::test_without_the_lock_one_void_puts_two_doses_back",
    ),
    "administration/services/recording.py::dose_correct": (
        f"{R}::test_two_corrections_swapping_lots_at_once_both_go_through",
        f"{R}::test_without_the_locks_two_corrections_swapping_lots_deadlock",
    ),
    "inventory/services/ledger.py::stock_rows_lock": (
        f"{R}::test_two_corrections_swapping_lots_at_once_both_go_through",
        f"{R}::test_without_the_locks_two_corrections_swapping_lots_deadlock",
    ),
    "administration/services/backfill.py::_claim_form": (
        f"{BF}::test_a_printed_form_entered_by_three_people_at_once_is_recorded_once",
        f"{BF}::test_without_the_lock_a_printed_form_entered_at_once_is_not_recorded_once",
    ),
    "enrollment/services/decisions.py::_locked_for_decision": (
        f"{ENR}::test_two_concurrent_approvals_leave_one_decision_one_pin_one_audit_event",
        f"{ENR}::test_without_the_lock_two_approvals_both_go_through",
    ),
    "helpdesk/services.py::_locked": (
        f"{HD}::test_two_agents_changing_a_case_from_the_same_page_one_wins_the_other_is_refused",
        f"{HD}::test_without_the_lock_two_agents_both_change_the_case",
    ),
    "inventory/services/allocations.py::_location_locked_allocatable": (
        f"{INV}::test_two_officials_allocating_to_one_location_at_once_stay_within_its_capacity",
        f"{INV}::test_without_the_lock_two_allocations_overfill_the_location",
    ),
    "inventory/services/ledger.py::move": (
        f"{INV}::test_twenty_threads_moving_one_dose_out_of_ten_leave_zero_and_ten_refusals",
        f"{INV}::test_without_the_lock_threads_taking_the_last_doses_hit_the_databases_check",
    ),
    "inventory/services/transfers.py::_transfer_execute": (
        f"{INV}::test_opposite_transfers_at_once_neither_deadlock_nor_lose_doses",
        f"{INV}::test_without_the_locks_opposite_transfers_deadlock",
    ),
    "administration/services/registry.py::_import_chunk": (
        f"{REG}::test_one_ack_file_imported_twice_at_once_is_counted_once",
        f"{REG}::test_without_the_lock_one_ack_file_imported_twice_is_counted_twice",
    ),
    "administration/services/registry.py::hl7_resend": (
        f"{REG}::test_a_refused_record_sent_again_by_two_officials_at_once_is_sent_again_once",
        f"{REG}::test_without_the_lock_a_refused_record_is_sent_again_twice",
    ),
    "employers/services/imports.py::roster_rows_import": (
        f"{EMP}::test_an_import_task_delivered_twice_at_once_imports_once",
        f"{EMP}::test_without_the_lock_an_import_task_delivered_twice_imports_twice",
    ),
    "employers/services/invitations.py::_invitations_make": (
        f"{EMP}::test_an_imports_invitation_made_while_the_person_is_sent_a_link_leaves_one_link",
        f"{EMP}::test_without_the_lock_an_import_and_a_resend_leave_two_links",
    ),
    "employers/services/invitations.py::invitations_resend": (
        f"{EMP}::test_a_person_sent_a_new_link_by_two_administrators_at_once_has_one_link_that_works",
        f"{EMP}::test_without_the_lock_two_resends_leave_two_links_that_work",
    ),
    "enrollment/services/applications.py::_locked_editable": (
        f"{ENR}::test_an_application_submitted_from_two_tabs_at_once_is_submitted_once",
        f"{ENR}::test_without_the_lock_an_application_is_submitted_twice",
    ),
    "enrollment/services/organizations.py::organization_suspend": (
        f"{ENR}::test_an_organization_suspended_or_reinstated_by_two_officials_at_once_is_switched_once",
        f"{ENR}::test_without_the_lock_an_organization_is_switched_twice",
    ),
    "enrollment/services/organizations.py::organization_reinstate": (
        f"{ENR}::test_an_organization_suspended_or_reinstated_by_two_officials_at_once_is_switched_once",
        f"{ENR}::test_without_the_lock_an_organization_is_switched_twice",
    ),
    "enrollment/services/people.py::invitation_accept": (
        f"{ENR}::test_a_colleague_invitation_accepted_from_two_tabs_at_once_is_used_once",
        f"{ENR}::test_without_the_lock_a_colleague_invitation_is_used_twice",
    ),
    "enrollment/services/people.py::_locked_with_organization": (
        f"{ENR}::test_two_administrators_removing_or_demoting_each_other_at_once_leave_one",
        f"{ENR}::test_without_the_lock_two_administrators_leave_the_organization_without_one",
    ),
    "inventory/services/bulk.py::stock_administer_many": (
        f"{INVB}::test_two_batches_at_once_take_turns_on_the_balance",
        f"{INVB}::test_without_the_lock_two_batches_both_pass_the_check_and_the_database_refuses_one",
    ),
    "dashboards/services.py::summaries_refresh": (
        f"{DASH}::test_two_refreshes_at_once_take_turns_and_leave_one_set_of_rows",
        f"{DASH}::test_without_the_lock_two_refreshes_at_once_double_the_rows",
    ),
    "inventory/services/counts.py::inventory_report_submit": (
        f"{INV}::test_two_counts_of_one_lot_at_once_adjust_it_once",
        f"{INV}::test_without_the_lock_two_counts_of_one_lot_adjust_it_twice",
    ),
    "inventory/services/ledger.py::stock_return": (
        f"{INV}::test_two_returns_of_the_one_dose_given_at_once_return_it_once",
        f"{INV}::test_without_the_lock_the_one_dose_given_is_returned_twice",
    ),
    "inventory/services/shipments.py::shipment_receive": (
        f"{INV}::test_one_shipment_received_twice_at_once_is_received_once",
        f"{INV}::test_without_the_lock_one_shipment_is_received_twice",
    ),
    "inventory/services/allocations.py::_shipment_locked_changeable": (
        f"{INV}::test_an_allocation_cancelled_twice_at_once_is_cancelled_once",
        f"{INV}::test_without_the_shipments_lock_an_allocation_is_cancelled_twice",
    ),
    "inventory/services/planning.py::_plan_locked": (
        f"{INV}::test_an_offer_answered_twice_at_once_is_answered_once",
        f"{INV}::test_without_the_plans_lock_an_offer_is_answered_twice",
    ),
    "inventory/services/redistribution.py::_posting_locked": (
        f"{INV}::test_two_approvals_of_the_same_posted_doses_move_no_more_than_posted",
        f"{INV}::test_race_on_posted_doses_happens_if_we_disable_locks",
    ),
    "inventory/services/transfers.py::_transfer_locked_awaiting": (
        f"{INV}::test_one_transfer_approved_twice_at_once_moves_its_doses_once",
        f"{INV}::test_without_the_lock_one_transfer_approved_twice_moves_its_doses_twice",
    ),
    "recipients/services/groups.py::priority_group_open": (
        f"{REC}::test_a_group_opened_or_closed_by_two_officials_at_once_is_switched_once",
        f"{REC}::test_without_the_lock_a_group_is_switched_twice",
    ),
    "recipients/services/groups.py::priority_group_close": (
        f"{REC}::test_a_group_opened_or_closed_by_two_officials_at_once_is_switched_once",
        f"{REC}::test_without_the_lock_a_group_is_switched_twice",
    ),
    "recipients/services/registration.py::recipient_self_register": (
        f"{REC}::test_a_self_registration_while_the_state_closes_it_finishes_before_the_switch",
        f"{REC}::test_without_the_lock_a_self_registration_lands_after_the_state_closed_it",
    ),
    "recipients/services/registration.py::self_registration_set": (
        f"{REC}::test_a_self_registration_while_the_state_closes_it_finishes_before_the_switch",
        f"{REC}::test_without_the_lock_a_self_registration_lands_after_the_state_closed_it",
    ),
    "recipients/services/merging.py::recipient_merge": (
        f"{REC}::test_two_officials_merging_one_pair_both_ways_at_once_leave_one_person",
        f"{REC}::test_without_the_locks_a_merge_both_ways_goes_wrong",
    ),
    "recipients/services/merging.py::recipient_merge_undo": (
        f"{REC}::test_two_officials_undoing_one_merge_at_once_restore_the_record_once",
        f"{REC}::test_without_the_lock_the_second_undo_trips_over_the_first",
    ),
    "recipients/services/groups.py::priority_group_schedule": (
        f"{REC}::test_a_time_set_while_the_group_opens_is_refused",
        f"{REC}::test_without_the_lock_a_time_is_set_on_a_group_already_open",
    ),
}


def _python_files():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if any(part.startswith(".") or part in SKIPPED_DIRS for part in parts):
            continue
        if parts == ("cvms", "locking.py"):
            continue
        yield path


def _called_name(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)


def lock_sites() -> dict[str, list[int]]:
    """Each function that takes a row lock, as "path::function", with the lines it takes them."""
    sites: dict[str, list[int]] = {}
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and _called_name(node) in LOCKING_CALLS:
                    site = f"{path.relative_to(ROOT).as_posix()}::{function.name}"
                    sites.setdefault(site, []).append(node.lineno)
    return sites


def _test_function(node_id: str) -> ast.FunctionDef | None:
    path, name = node_id.split("::")
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name), None)


def _names_used(function: ast.FunctionDef) -> set[str]:
    return {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}


def test_the_scan_finds_the_locks_it_is_meant_to_find():
    sites = lock_sites()

    assert "administration/services/booking.py::_clinic_held_open" in sites  # hold_one
    assert "inventory/services/allocations.py::_location_locked_allocatable" in sites  # select_for_update()
    assert not [site for site in sites if site.startswith(("tests/", "cvms/locking.py"))]


def test_every_lock_site_has_a_thread_test_and_a_control_listed():
    sites = lock_sites()

    missing = sorted(
        f"{site} (line {', '.join(map(str, lines))})"
        for site, lines in sites.items()
        if site not in LOCK_TESTS
    )
    gone = sorted(site for site in LOCK_TESTS if site not in sites)
    assert not missing, (
        "Lock sites without a thread test and a control in tests/test_locks.py:\n" + "\n".join(missing)
    )
    assert not gone, "Listed in tests/test_locks.py, but no lock is taken there any more:\n" + "\n".join(gone)


@pytest.mark.parametrize("site", sorted(LOCK_TESTS))
def test_each_listed_thread_test_races_threads_and_its_control_disables_the_locks(site):
    thread_test, control = LOCK_TESTS[site]
    racing, controlling = _test_function(thread_test), _test_function(control)

    assert racing is not None, f"{thread_test} doesn't exist"
    assert controlling is not None, f"{control} doesn't exist"
    assert _names_used(racing) & {"run_together", "run_many"}, f"{thread_test} runs no threads"
    assert _names_used(controlling) & {"run_together", "run_many"}, f"{control} runs no threads"
    assert "locks_disabled" in _names_used(controlling), f"{control} doesn't take the locks away"
    assert "locks_disabled" not in _names_used(racing), f"{thread_test} takes the locks away"


# The scarce counters a booking takes by a conditional UPDATE rather than under a lock (the
# location's doses reserved): each with a thread test, and a control that replaces the UPDATE's
# condition by a read then a write and shows the race going wrong.
COUNTER_TESTS = {
    "administration/services/reservations.py::dose_take": (
        f"{A}::test_twice_as_many_bookings_as_doses_left_across_slots_book_exactly_the_doses",
        f"{A}::test_bookings_without_the_conditional_update_promise_more_doses_than_the_location_has",
    ),
}


@pytest.mark.parametrize("site", sorted(COUNTER_TESTS))
def test_each_counter_has_a_thread_test_and_a_control_that_races_threads(site):
    path, function = site.split("::")
    thread_test, control = COUNTER_TESTS[site]
    racing, controlling = _test_function(thread_test), _test_function(control)

    assert f"def {function}(" in (ROOT / path).read_text(encoding="utf-8"), f"{site} is gone"
    assert racing is not None and controlling is not None, (thread_test, control)
    assert _names_used(racing) & {"run_together", "run_many"}, f"{thread_test} runs no threads"
    assert _names_used(controlling) & {"run_together", "run_many"}, f"{control} runs no threads"
