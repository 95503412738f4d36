"""Back-fill: the doses given on paper forms while offline, copied in later, keyed by form number."""
