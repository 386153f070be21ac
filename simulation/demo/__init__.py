"""``enms demo``: the simulated portfolio run end to end on one machine, no servers."""
