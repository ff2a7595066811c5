// Package nwb writes a run as an NWB 2.x file (Neurodata Without Borders,
// the format of the DANDI archive) and reads NWB files as recordings
// (package recording), so that the analysis runs on a laboratory's data as it
// does on a simulated run.
//
// # What export writes
//
// One file per run directory (NWB 2.9.0 layout; pynwb opens it):
//
//   - units: one unit per neuron, its spike times (s), soma_x, soma_y,
//     soma_z (um), preferred_orientation (rad) and electrodes (the virtual
//     Utah array's electrodes whose recording disc holds the soma). The run
//     records spike counts per bin; each count's spike times are drawn
//     uniformly within the bin (inside [0.001, 0.999] of it, so binning
//     them again gives the counts back exactly) from a PCG generator seeded
//     with the run's seed and the unit index (math/rand/v2), so that the same
//     run always gives the same file.
//   - intervals/trials: every column of trials.csv, start_time the trial's
//     stimulus onset and stop_time its end, trial k starting at k times
//     (stimulus + inter-trial interval) from the session start.
//   - general/devices, general/extracellular_ephys: the virtual Utah array
//     (analysis.UtahArray: its electrodes with their position in um).
//   - stimulus/presentation/frame_orientation: the orientation (deg) of every
//     frame of the trials, with timestamps.
//   - general/protocol: the resolved config.yaml; general/notes: the engine
//     version, seed and bin width; session_id the seed.
//
// Spike times are written unit by unit in chunks (an extendible HDF5
// dataset), so the counts are the only copy of the recording in memory.
//
// # What Open reads
//
// Any NWB 2.x file with a units table (spike_times) and a trials table: the
// spike times are binned within each trial's [start_time, start_time +
// bins x bin) into counts (trials x bins x units), streamed unit by unit.
// Roles map the trials table's columns to what the analysis needs (the
// signed stimulus, the condition, the mode); a missing or ill-typed column is
// refused before any spike is read, naming it and what was expected.
//
// The HDF5 C library is reached through cgo (internal/hdf5), built with
// -tags hdf5; a build without it refuses NWB files with a message that says
// so.
package nwb
