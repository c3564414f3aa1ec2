"""Shared: trusted data and pure helpers, with no process of their own; imported wherever needed.

Problems and their derived shapes, input draws and seeded weights, precision policies, results, GPU cards,
winners per GPU model, files and paths, timing, and the typed wire between the processes (wire, and the
inbox outputs are handed over in: handover). Every other folder may import these; they import only each
other (tests/test_architecture.py).
"""
