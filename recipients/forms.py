from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cvms.inputs import is_ascii_digits
from enrollment.enums import GroupAttestation
from enrollment.interface import counties_for_zip
from enrollment.models import County, PriorityGroup
from recipients.enums import Race, YesNoUnknown
from recipients.models import ADULT_AGE, Recipient, age_on
from recipients.selectors import group_age_refusal, screening_questions
from recipients.services import PERSON_FIELDS

ANSWERS = [("no", _("No")), ("yes", _("Yes"))]


def group_choice_label(group: PriorityGroup) -> str:
    return f"{group.code}: {group.display_label}"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AddressMixin:
    """ZIP code and county agree (a ZIP may touch several counties); the county is found from
    the ZIP when it touches only one."""

    def clean(self):
        cleaned = super().clean()
        zip_code = (cleaned.get("zip_code") or "").strip()
        county = cleaned.get("county")
        if zip_code:
            counties = counties_for_zip(zip_code)
            if county is None and len(counties) == 1:
                cleaned["county"] = County.objects.get(pk=counties[0])
            elif county is not None and counties and county.pk not in counties:
                self.add_error(
                    "county",
                    _("ZIP code %(zip)s is not in %(county)s: check the ZIP code or the county.")
                    % {"zip": zip_code, "county": county.display_name},
                )
        return cleaned

    def clean_zip_code(self):
        value = self.cleaned_data["zip_code"].strip()
        digits = value.replace("-", "")
        if not is_ascii_digits(digits) or len(digits) not in (5, 9):
            raise forms.ValidationError(_("Enter a ZIP code of 5 digits (or 5+4)."))
        return value


def attest_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_(
            "I confirm that the group I chose describes me (by my occupation, a medical condition or "
            "where I live or work, when the group asks it)."
        ),
        help_text=_("Your confirmation is kept with your record, with the date."),
        required=False,
    )


class GroupChoiceMixin:
    """A person chooses the priority group that describes them: their age (from the date of
    birth) must be the group's, and a group of occupations, conditions or settings asks them to
    confirm it (recipients' services keep the confirmation as an attestation)."""

    def _clean_group(self, cleaned: dict, date_of_birth) -> None:
        group = cleaned.get("priority_group")
        cleaned["attested"] = bool(cleaned.get("attest"))
        if group is None or date_of_birth is None:
            return
        if refusal := group_age_refusal(group, date_of_birth=date_of_birth):
            self.add_error("priority_group", refusal)
            return
        if group.attestation and not cleaned["attested"]:
            self.add_error(
                "attest",
                _("Group %(code)s is for people who confirm that it describes them: tick this to confirm.")
                % {"code": group.code},
            )
        if group.attestation == GroupAttestation.OCCUPATION and not (cleaned.get("occupation") or "").strip():
            self.add_error(
                "occupation",
                _("Group %(code)s is chosen by occupation: give yours.") % {"code": group.code},
            )


class RegistrationForm(GroupChoiceMixin, AddressMixin, forms.ModelForm):
    """What state reporting needs about a person, and the state's screening questions."""

    races = forms.MultipleChoiceField(
        label=_("Race (choose all that apply)"), choices=Race.choices, widget=forms.CheckboxSelectMultiple
    )
    county = forms.ModelChoiceField(
        label=_("County"),
        queryset=County.objects.all(),
        required=False,
        help_text=_("Found from your ZIP code when left empty."),
    )
    priority_group = forms.ModelChoiceField(
        label=_("Which group describes you best?"),
        queryset=PriorityGroup.objects.all(),
        widget=forms.RadioSelect,
        required=False,
        empty_label=None,
    )
    comorbidity = forms.ChoiceField(
        label=_("Do you have a medical condition that puts you at high risk from COVID-19?"),
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Recipient
        # Every person field but the screening answers, which have questions of their own.
        # (The country is the US here: an address abroad comes only on a paper form.)
        fields = [name for name in PERSON_FIELDS if name not in ("screening_answers", "country")]
        widgets = {
            "date_of_birth": DateInput(),
            "sex": forms.RadioSelect,
            "ethnicity": forms.RadioSelect,
            "language": forms.RadioSelect,
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "street": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "street_2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "zip_code": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        }

    def __init__(self, *args, with_password: bool = False, group_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sex"].choices = self.fields["sex"].choices[1:]  # no empty choice with radios
        self.fields["ethnicity"].choices = self.fields["ethnicity"].choices[1:]
        self.fields["priority_group"].required = group_required
        self.fields["priority_group"].label_from_instance = group_choice_label
        self.fields["attest"] = attest_field()
        order = list(self.fields)
        order.remove("attest")
        order.insert(order.index("occupation") + 1, "attest")
        self.order_fields(order)
        language = get_language() or "en"
        self.questions = list(screening_questions())
        for question in self.questions:
            self.fields[f"screening_{question.code}"] = forms.ChoiceField(
                label=question.text(language), choices=ANSWERS, widget=forms.RadioSelect
            )
        if with_password:
            self.fields["password1"] = forms.CharField(
                label=_("Choose a password"),
                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                help_text=password_validation.password_validators_help_text_html(),
            )
            self.fields["password2"] = forms.CharField(
                label=_("Repeat the password"),
                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            )

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth can't be in the future."))
        if value.year < 1900:
            raise forms.ValidationError(_("Enter a date of birth after 1900."))
        return value

    def _clean_guardian(self, cleaned: dict) -> None:
        """A minor registers with a parent or guardian: the registry receives them with the doses."""
        born = cleaned.get("date_of_birth")
        if born is None or age_on(born, timezone.localdate()) >= ADULT_AGE:
            return
        for name in ("guardian_first_name", "guardian_last_name", "guardian_relationship"):
            if not (cleaned.get(name) or "").strip():
                self.add_error(
                    name,
                    _("A person under %(age)s registers with a parent or guardian: give this.")
                    % {"age": ADULT_AGE},
                )

    def clean_races(self):
        races = self.cleaned_data["races"]
        if len(races) > 1 and {"UNK", "POL"} & set(races):
            raise forms.ValidationError(_("Choose races, or “Unknown” or “Prefer not to say”, not both."))
        if len(races) > 6:
            raise forms.ValidationError(_("Choose at most six."))
        return races

    def clean(self):
        cleaned = super().clean()
        if "password1" in self.fields:
            first, second = cleaned.get("password1"), cleaned.get("password2")
            if first and second and first != second:
                self.add_error("password2", _("The two passwords differ."))
            elif first:
                try:
                    password_validation.validate_password(first)
                except forms.ValidationError as error:
                    self.add_error("password1", error)
        self._clean_guardian(cleaned)
        self._clean_group(cleaned, cleaned.get("date_of_birth"))
        cleaned["screening_answers"] = {
            q.code: cleaned.get(f"screening_{q.code}")
            for q in self.questions
            if cleaned.get(f"screening_{q.code}")
        }
        return cleaned


class ContactForm(AddressMixin, forms.ModelForm):
    county = forms.ModelChoiceField(label=_("County"), queryset=County.objects.all(), required=False)

    class Meta:
        model = Recipient
        fields = ["email", "phone", "street", "street_2", "city", "state", "zip_code", "county", "language"]
        widgets = {"language": forms.RadioSelect, "phone": forms.TextInput(attrs={"type": "tel"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = self.fields["language"].choices


class PriorityGroupForm(GroupChoiceMixin, forms.Form):
    priority_group = forms.ModelChoiceField(
        label=_("Which group describes you best?"),
        queryset=PriorityGroup.objects.all(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    occupation = forms.CharField(label=_("Occupation"), max_length=200, required=False)

    def __init__(self, *args, date_of_birth, **kwargs):
        super().__init__(*args, **kwargs)
        self.date_of_birth = date_of_birth
        self.fields["priority_group"].label_from_instance = group_choice_label
        self.fields["attest"] = attest_field()

    def clean(self):
        cleaned = super().clean()
        self._clean_group(cleaned, self.date_of_birth)
        return cleaned


class SelfRegistrationSettingForm(forms.Form):
    self_registration_open = forms.BooleanField(label=_("Self-registration is open"), required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name, e-mail or date of birth (YYYY-MM-DD)"), required=False)


class BirthDateProofForm(forms.Form):
    """The holder of an invitation link shows it is theirs by their date of birth."""

    date_of_birth = forms.DateField(label=_("Your date of birth"), widget=DateInput())


class CodeProofForm(forms.Form):
    """...or by the code e-mailed to the address the invitation was sent to."""

    code = forms.CharField(
        label=_("The code from the e-mail"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class GroupScheduleForm(forms.Form):
    """The state sets ahead when a group opens (empty: no time set)."""

    opens_at = forms.DateTimeField(
        label=_("Opens on"),
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control form-control-sm"}, format="%Y-%m-%dT%H:%M"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
