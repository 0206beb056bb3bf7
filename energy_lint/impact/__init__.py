"""What the joules mean: CO2e on a grid (carbon.py), quality per unit of energy (quality.py), and
the same model priced on several hardware profiles (hardware_comparison.py)."""
