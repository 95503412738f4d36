"""Template tags of the administration app ({% load health_cards %})."""
