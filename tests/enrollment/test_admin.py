"""The operators' admin: finding the locations whose type of site is still unknown."""

from tests.factories import LocationFactory


def test_locations_of_unknown_type_can_be_listed_to_fix_them(admin_client, db):
    LocationFactory(name="Old clinic", site_type="")
    LocationFactory(name="New pharmacy", site_type="17")

    unknown = admin_client.get("/admin/enrollment/location/", {"site_type__exact": ""})
    pharmacies = admin_client.get("/admin/enrollment/location/", {"site_type__exact": "17"})

    assert [location.name for location in unknown.context["cl"].result_list] == ["Old clinic"]
    assert [location.name for location in pharmacies.context["cl"].result_list] == ["New pharmacy"]
    assert "Pharmacy: chain" in pharmacies.content.decode()
