package rundir

// Check cross-checks a Run assembled from another source (an NWB file
// export wrote) as Open checks a run directory: config against the arrays,
// every trial against the protocol, the recorded rows in order.
func (d *Run) Check() error { return d.crossCheck() }
