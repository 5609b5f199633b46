"""Running OneSet's production topology on one machine: servers and the cluster launcher."""
