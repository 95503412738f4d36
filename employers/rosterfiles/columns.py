"""The columns of a roster: the template's headers, and the headers people actually write."""

import re

# Columns of a roster, in the template's order, with the headers people actually write.
COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "date_of_birth",
    "priority_group",
    "occupation",
    "language",
]
REQUIRED = ["first_name", "last_name", "email", "date_of_birth"]
TEMPLATE_HEADERS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "E-mail",
    "phone": "Phone",
    "date_of_birth": "Date of birth",
    "priority_group": "Priority group",
    "occupation": "Occupation",
    "language": "Preferred language",
}
SYNONYMS = {
    "first_name": ["firstname", "first", "givenname", "forename", "fname", "nombre"],
    "last_name": ["lastname", "last", "surname", "familyname", "lname", "apellido", "apellidos"],
    "email": ["email", "emailaddress", "mail", "emailaddr", "correo", "correoelectronico"],
    "phone": ["phone", "phonenumber", "telephone", "tel", "mobile", "cell", "cellphone", "mobilephone"],
    "date_of_birth": ["dateofbirth", "dob", "birthdate", "birthday", "born", "fechadenacimiento"],
    "priority_group": ["prioritygroup", "group", "priority", "vaccinegroup", "groupcode"],
    "occupation": ["occupation", "jobtitle", "job", "title", "position", "role"],
    "language": ["preferredlanguage", "language", "lang", "idioma"],
}
_HEADER_LOOKUP = {synonym: column for column, synonyms in SYNONYMS.items() for synonym in synonyms}


def normalize_header(text) -> str:
    return re.sub(r"[^a-z0-9ñ]", "", str(text or "").strip().lower().replace("-", ""))


def match_headers(cells: list) -> dict[str, int]:
    """Map each known column to its position in the header row (first match wins)."""
    found: dict[str, int] = {}
    for position, cell in enumerate(cells):
        column = _HEADER_LOOKUP.get(normalize_header(cell))
        if column and column not in found:
            found[column] = position
    return found
