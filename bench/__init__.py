"""The benchmark harness of issue 6: our publisher against its peers, and a scale generator.

`python -m bench` (make bench) runs the peer comparison; `python -m bench.scale`
(make bench-scale) the scale section; `python -m bench.synth N DIR` writes a dataset.
"""
