from django import forms
from django.contrib.auth import password_validation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from enrollment.models import County
from helpdesk import selectors
from helpdesk.enums import ANY_OPEN, Category, Priority, Status
from helpdesk.files import ALLOWED_DESCRIPTION, attachment_content_type
from helpdesk.models import Article, Team

MAX_FILES = 5


class RegistrationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("Business e-mail"), help_text=_("Your username: we send your temporary password here.")
    )
    code = forms.CharField(
        label=_("Registration code"),
        max_length=32,
        help_text=_("Your provider PIN (for example NCA650001), or the code the state gave you."),
    )


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("New password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


# Formatted when shown, in the reader's language (a `%` on a lazy string would fix it in English
# when the form class is defined).
_attachments_help = lazy(
    lambda: _("Up to %(count)s files: %(types)s.") % {"count": MAX_FILES, "types": ALLOWED_DESCRIPTION}, str
)


class AttachmentsField(forms.FileField):
    """Several files; each is checked by its content. Cleans to [(upload, content type)]."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        kwargs.setdefault("help_text", _attachments_help())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(_("Attach at most %(count)s files.") % {"count": MAX_FILES})
        errors, cleaned = [], []
        for upload in uploads:
            single = super().clean(upload, initial)
            try:
                cleaned.append((single, attachment_content_type(single)))
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class IntakeForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}))
    location = forms.ModelChoiceField(
        label=_("Location concerned"), queryset=None, required=False, empty_label=_("None in particular")
    )
    organization_name = forms.CharField(label=_("Organization concerned"), max_length=200, required=False)
    county = forms.ModelChoiceField(
        label=_("County"), queryset=County.objects.all(), required=False, empty_label=_("Not county-specific")
    )
    attachments = AttachmentsField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        profile = selectors.requester_profile(user)
        self.organization = profile.organization if profile else None
        self.fields["location"].queryset = selectors.requester_locations(user)
        if self.organization is None:
            del self.fields["location"]
        else:
            del self.fields["organization_name"]
            self.fields["county"].help_text = _("Filled in from the location when you choose one.")


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = AttachmentsField()


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))
    is_internal = forms.BooleanField(label=_("Internal (agents only)"), required=False, initial=True)


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class StatusForm(VersionedForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(value, label) for value, label in Status.choices if value != Status.RESOLVED],
    )


class AssignForm(VersionedForm):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = selectors.team_colleagues(case)


class MoveForm(VersionedForm):
    team = forms.ModelChoiceField(label=_("Move to team"), queryset=None, empty_label=_("Choose a team"))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.exclude(pk=case.team_id)


class ResolveForm(VersionedForm):
    note = forms.CharField(
        label=_("Resolution note (e-mailed to the requester)"), widget=forms.Textarea(attrs={"rows": 4})
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), (ANY_OPEN, _("Open")), *Status.choices]
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("Any")), *Priority.choices]
    )
    age = forms.ChoiceField(
        label=_("Age"),
        required=False,
        choices=[
            ("", _("Any")),
            ("1", _("Older than 1 day")),
            ("3", _("Older than 3 days")),
            ("7", _("Older than a week")),
            ("30", _("Older than a month")),
        ],
    )


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "category", "language", "translation_of", "body", "is_published"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def clean(self):
        cleaned = super().clean()
        original = cleaned.get("translation_of")
        if original is not None and original.language == cleaned.get("language"):
            self.add_error("language", _("A translation is in another language than its original."))
        if original is not None and self.instance.pk and original.pk == self.instance.pk:
            self.add_error("translation_of", _("An article can't be a translation of itself."))
        return cleaned


class TrainingForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=15, max_value=480, initial=60
    )
    join_info = forms.CharField(
        label=_("How to join"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A meeting link, a phone number, a room."),
    )
