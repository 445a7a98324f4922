"""Builders for the files in samples/; run samples/make_samples.py, not these."""
