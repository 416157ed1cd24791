"""convcalc: exact shapes, parameter counts, MACs and receptive fields of convolutional networks.

The library: `load_spec` reads and validates a YAML spec, `analyze` computes a `Report`,
`check_spec` compares a spec with its published figures. The command line lives in `convcalc.cli`.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
