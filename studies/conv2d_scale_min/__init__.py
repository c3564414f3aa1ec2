"""Kernel research for conv2d_scale_min: variant kernels, their timing tables and the kept loop runs."""
