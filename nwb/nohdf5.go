//go:build !hdf5

package nwb

import (
	"github.com/iplgpu/iplgpu/recording"
	"github.com/iplgpu/iplgpu/rundir"
)

// Available says whether this build reads and writes NWB files.
const Available = false

// ExportStats says what Export wrote.
type ExportStats struct {
	Units, Trials, Electrodes int
	Spikes                    int64
	Bytes                     int64
}

// OpenOptions are the choices of Open.
type OpenOptions struct {
	BinMs float64 // bin width of the counts (ms); 0: 50
}

// Open needs -tags hdf5.
func Open(path string, roles Roles, opt OpenOptions) (*File, error) { return nil, ErrNoHDF5 }

// ReadProtocol needs -tags hdf5.
func ReadProtocol(path string) (string, error) { return "", ErrNoHDF5 }

// Export needs -tags hdf5.
func Export(d *rundir.Run, path string) (ExportStats, error) { return ExportStats{}, ErrNoHDF5 }

// Open needs -tags hdf5.

// File is an NWB file read as a recording.
type File struct {
	recording.Recording
	Protocol            string
	Owner, EdgeA, EdgeB []int32
	WSnapshots          [][]float32
	WFinalOnly          bool
}
