"""Forms of the enrollment pages. They check shapes and give messages; services change data."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cvms.widgets import QuickSelect
from enrollment.enums import ApplicationStatus, OrganizationKind, OrganizationStatus
from enrollment.models import (
    ApplicationLocation,
    County,
    EnrollmentApplication,
    Location,
    PriorityGroup,
)
from enrollment.selectors import (
    CONTACT_NAME_NOT_A_NAME,
    ORGANIZATION_ROLES,
    counties_for_zip,
    county_options,
    duplicate_tax_id_message,
    pin_taken,
    tax_id_holder,
)
from enrollment.validators import (
    looks_like_a_name,
    normalize_licence,
    normalize_phone,
    normalize_tax_id,
    signature_error,
    validate_licence_number,
    validate_phone,
    validate_tax_id,
    validate_vfc_pin,
    validate_zip,
)

UNKNOWN_COUNTY = _("“%(value)s” isn't a county of North Carolina. Choose the county from the list.")


class CountyField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", County.objects.all())
        kwargs.setdefault("empty_label", _("Choose a county"))
        super().__init__(error_messages={"invalid_choice": UNKNOWN_COUNTY}, **kwargs)


class DraftStepForm(forms.ModelForm):
    """A step of the application. Fields may stay empty in a draft (submission checks they are
    all there); what is filled in must have the right shape."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def clean_zip_code(self):
        value = self.cleaned_data.get("zip_code", "").strip()
        if value:
            validate_zip(value)
        return value


class ProviderOrganizationForm(DraftStepForm):
    county = CountyField(label=_("County"))
    priority_group = forms.ModelChoiceField(
        queryset=PriorityGroup.objects.all(),
        label=_("Priority group you will vaccinate first"),
        help_text=_("The state reviews applications in the order of the priority groups they serve."),
    )

    class Meta:
        model = EnrollmentApplication
        fields = [
            "legal_name",
            "provider_type",
            "address",
            "city",
            "zip_code",
            "county",
            "tax_id",
            "licence_number",
            "licensing_authority",
            "prescriber_name",
            "prescriber_credential",
            "vfc_pin",
            "priority_group",
        ]
        labels = {"licence_number": _("Licence or credential number")}
        help_texts = {
            "tax_id": _("The federal employer identification number, such as 56-1234567."),
            "licence_number": _("As issued by the licensing authority: 4 to 10 letters or digits."),
            "prescriber_name": _(
                "The chief medical officer (or equivalent) who signs the CDC COVID-19 Vaccination Program "
                "Provider Agreement and holds the prescribing authority."
            ),
            "vfc_pin": _(
                "If you take part in Vaccines for Children, your 6-digit VFC PIN becomes your state PIN."
            ),
        }

    def __init__(self, *args, application=None, **kwargs):
        self.application = application
        super().__init__(*args, **kwargs)

    def clean_tax_id(self):
        value = self.cleaned_data.get("tax_id", "").strip()
        if not value:
            return value
        validate_tax_id(value)
        value = normalize_tax_id(value)
        holder = tax_id_holder(value, exclude_application=self.application)
        if holder:
            raise forms.ValidationError(duplicate_tax_id_message(value, holder))
        return value

    def clean_licence_number(self):
        value = normalize_licence(self.cleaned_data.get("licence_number", ""))
        if value:
            validate_licence_number(value)
        return value

    def clean_vfc_pin(self):
        value = self.cleaned_data.get("vfc_pin", "").strip()
        validate_vfc_pin(value)
        if value and pin_taken(value):
            raise forms.ValidationError(_("This VFC PIN is already the PIN of another provider."))
        return value


class EmployerOrganizationForm(ProviderOrganizationForm):
    priority_group = forms.ModelChoiceField(
        queryset=PriorityGroup.objects.all(),
        label=_("Priority group your people belong to"),
        help_text=_("The state reviews applications in the order of the priority groups they serve."),
    )

    class Meta(ProviderOrganizationForm.Meta):
        fields = [
            "legal_name",
            "employer_type",
            "address",
            "city",
            "zip_code",
            "county",
            "tax_id",
            "employee_count",
            "resident_count",
            "priority_group",
        ]


class ContactForm(DraftStepForm):
    class Meta:
        model = EnrollmentApplication
        fields = ["contact_name", "contact_email", "contact_phone"]
        help_texts = {
            "contact_name": _("The one person the state contacts with questions about this application.")
        }

    def clean_contact_name(self):
        value = " ".join(self.cleaned_data.get("contact_name", "").split())
        if value and not looks_like_a_name(value):
            raise forms.ValidationError(CONTACT_NAME_NOT_A_NAME)
        return value

    def clean_contact_phone(self):
        value = self.cleaned_data.get("contact_phone", "").strip()
        if value:
            validate_phone(value)
            value = normalize_phone(value)
        return value


class LocationForm(forms.ModelForm):
    county = CountyField(label=_("County"))

    class Meta:
        model = ApplicationLocation
        fields = [
            "name",
            "address",
            "city",
            "zip_code",
            "county",
            "site_type",
            "iis_facility_id",
            "hours",
            "weekly_throughput",
            "ultra_cold_capacity",
            "frozen_capacity",
            "refrigerated_capacity",
        ]
        help_texts = {
            "site_type": _("As in the CDC provider agreement; reported with every dose given here."),
            "hours": _("For example: Mon-Fri 8:00-17:00"),
            "ultra_cold_capacity": _("-90 °C to -60 °C"),
            "frozen_capacity": _("-50 °C to -15 °C"),
            "refrigerated_capacity": _("2 °C to 8 °C"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site_type"].required = True  # blank only for locations enrolled before it was asked

    def clean_zip_code(self):
        value = self.cleaned_data.get("zip_code", "").strip()
        validate_zip(value)
        return value

    def clean(self):
        cleaned = super().clean()
        zip_code, county = cleaned.get("zip_code"), cleaned.get("county")
        if zip_code and county is not None:
            counties = counties_for_zip(zip_code)
            # A ZIP the reference doesn't know (a new or a PO-box-only one) is taken as written.
            if counties and county.pk not in counties:
                self.add_error(
                    "zip_code",
                    _("ZIP code %(zip)s is not in %(county)s: check the ZIP code or the county.")
                    % {"zip": zip_code, "county": county.display_name},
                )
        return cleaned


LocationFormSet = forms.formset_factory(LocationForm, extra=1, can_delete=True, max_num=50, validate_max=True)


def location_initial(application: EnrollmentApplication) -> list[dict]:
    return list(
        application.locations.values(
            *[name for name in LocationForm.base_fields if name != "county"], "county"
        )
    )


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ReadinessForm(forms.Form):
    def __init__(self, *args, items, answers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            answer = answers.get(str(item.pk))
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.display_text,
                help_text=item.display_help_text,
                choices=YES_NO,
                widget=forms.RadioSelect,
                required=False,
                initial=None if answer is None else ("yes" if answer else "no"),
            )

    def answers(self) -> dict:
        return {
            str(item.pk): self.cleaned_data[f"item_{item.pk}"] == "yes"
            for item in self.items
            if self.cleaned_data.get(f"item_{item.pk}")
        }


class SubmitForm(forms.Form):
    """The agreement's signature (the signer's own name) and, for an application the state sent
    back, the answer to what it asked."""

    response = forms.CharField(
        label=_("Your answer to the state"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Answer what the state asked; say what you changed in the application, if anything."),
        max_length=4000,
    )
    agree = forms.BooleanField(
        label=_(
            "I have read the agreement and I am authorized to sign it for this organization; the "
            "answers of this application are true."
        )
    )
    attested_name = forms.CharField(
        label=_("Your full name, as signature"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args, signer, asks_response: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.signer = signer
        if not asks_response:
            del self.fields["response"]
        if signer.real_name:
            self.fields["attested_name"].help_text = _("Type your name as on your account: %(name)s.") % {
                "name": signer.real_name
            }

    def clean_attested_name(self):
        value = " ".join(self.cleaned_data["attested_name"].split())
        error = signature_error(value, signer_name=self.signer.real_name)
        if error:
            raise forms.ValidationError(error)
        return value


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    notes = forms.CharField(
        label=_("Notes to the applicant"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class FilterForm(forms.Form):
    """A GET form of a list page, styled for Bootstrap."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"


class QueueFilterForm(FilterForm):
    # QuickSelect and only what the options show: the review queue's filters drew slower than
    # its rows (issue 18).
    q = forms.CharField(label=_("Search by name"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))]
        + [c for c in ApplicationStatus.choices if c[0] != ApplicationStatus.DRAFT],
        widget=QuickSelect,
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Any type")), *OrganizationKind.choices],
        widget=QuickSelect,
    )
    county = forms.ModelChoiceField(
        label=_("County"),
        required=False,
        queryset=County.objects.only("name", "name_es"),
        empty_label=_("Any county"),
        widget=QuickSelect(option_rows=county_options),
    )
    phase = forms.ModelChoiceField(
        label=_("Phase"),
        required=False,
        queryset=PriorityGroup.objects.only("code", "label", "label_es"),
        to_field_name="code",
        empty_label=_("Any phase"),
        widget=QuickSelect,
    )


class OrganizationFilterForm(FilterForm):
    q = forms.CharField(label=_("Search by name or PIN"), required=False)
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Any type")), *OrganizationKind.choices],
        widget=QuickSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *OrganizationStatus.choices],
        widget=QuickSelect,
    )


def role_choices(kind: str) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in ORGANIZATION_ROLES[kind]]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(organization.kind)


class PersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    locations = forms.ModelMultipleChoiceField(
        label=_("Locations where this vaccinator works"),
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Administrators work at every location."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(organization.kind)
        # Only this organization's locations: an id of another organization's location is refused.
        self.fields["locations"].queryset = Location.objects.filter(organization=organization)
        if organization.kind != OrganizationKind.PROVIDER:
            del self.fields["locations"]
