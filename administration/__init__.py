"""Vaccine administration: clinics and booking, dose records (recording, back-fill), and the files
made from them (registry exports, SMART Health Cards, printed forms). Each of models/, services/,
selectors/, forms/ and views/ is split by those domains; reporting/ and offline/ hold the formats."""
