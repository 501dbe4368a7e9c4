"""Majlis audio: the Opus codec wrapper (constant-size packets), per-speaker playout with loss
concealment and FEC recovery, the mixer, and WAV files.

Everything here is sans-I/O: no clocks, threads or devices. The caller feeds packets and drives a
20 ms tick, so the same code runs under asyncio, in tests and in benchmarks. Errors: see
`audio.errors`.
"""
