"""Offline work: the printed forms (numbers, PDFs) and their back-fill."""
