"""Window exports: the Export menu and the plot/report writers."""
