package sweep

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/iplgpu/iplgpu/internal/fsutil"
)

// File names in the sweep directory.
const (
	SpecFile     = "sweep.yaml"
	BaseConfig   = "base-config.yaml"
	ManifestJSON = "manifest.json"
	ManifestCSV  = "manifest.csv"
	SbatchFile   = "sweep.sbatch"
	KubeJobFile  = "job.yaml"
	LogsDir      = "logs"
	LocksDir     = "locks"
)

// ManifestFormat is the version of manifest.json's layout.
const ManifestFormat = 1

// Manifest is the plan of a written sweep (manifest.json): what each point runs.
// A point runs the base (Preset, then the Config file, then Set), then its grid
// overrides, with its seed, in its run directory.
type Manifest struct {
	Format  int      `json:"format"`
	Name    string   `json:"name"`
	Preset  string   `json:"preset,omitempty"`
	Config  string   `json:"config,omitempty"` // relative to the sweep directory
	Set     []string `json:"set,omitempty"`
	Combine string   `json:"combine"`
	Params  []string `json:"params"` // the grid keys, in order
	Seeds   []uint64 `json:"seeds"`
	Points  []Point  `json:"points"`
}

// Point returns point i, or an error that says the valid range.
func (m *Manifest) Point(i int) (Point, error) {
	if i < 0 || i >= len(m.Points) {
		return Point{}, fmt.Errorf("index %d is outside the sweep %s: its points are 0 to %d", i, m.Name, len(m.Points)-1)
	}
	return m.Points[i], nil
}

// Overrides returns every -set of point p, in the order to apply them: the
// sweep's fixed set, then the point's grid values.
func (m *Manifest) Overrides(p Point) []string {
	return append(append([]string(nil), m.Set...), p.Sets()...)
}

// ConfigPath returns the base config file of the sweep in dir ("" for none).
func (m *Manifest) ConfigPath(dir string) string {
	if m.Config == "" {
		return ""
	}
	return filepath.Join(dir, filepath.FromSlash(m.Config))
}

// RunDir returns the run directory of point p of the sweep in dir.
func (m *Manifest) RunDir(dir string, p Point) string {
	return filepath.Join(dir, filepath.FromSlash(p.Dir))
}

// CheckFunc validates one point's configuration: the preset (may be empty), the
// base config file (may be empty), the overrides in order, and the seed. The
// CLI passes a function around the engine's config loader.
type CheckFunc func(preset, config string, sets []string, seed uint64) error

// WriteOptions says what Write cannot know by itself.
type WriteOptions struct {
	// Exe is the program the Slurm tasks run, an absolute path visible on the
	// compute nodes; default: this program (os.Executable).
	Exe string
	// RunArgs are Exe's arguments before -dir DIR -index I; default: sweep run.
	RunArgs []string
	// Check, if not nil, validates every point before anything is written.
	Check CheckFunc
}

// Write lays out the sweep directory dir for s (see the package comment) and
// returns its manifest. Writing the same sweep into the same directory again
// changes nothing; a directory that holds anything else is refused.
func Write(dir string, s *Spec, opt WriteOptions) (*Manifest, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := checkPath("sweep directory", abs); err != nil {
		return nil, fmt.Errorf("%w: Slurm's #SBATCH lines cannot quote it", err)
	}
	if opt.Exe == "" {
		if opt.Exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("sweep: the program's own path: %w", err)
		}
	}
	if len(opt.RunArgs) == 0 {
		opt.RunArgs = []string{"sweep", "run"}
	}
	m := s.manifest(filepath.Base(abs))
	if opt.Check != nil {
		for _, p := range m.Points {
			if err := opt.Check(s.Preset, s.Config, m.Overrides(p), p.Seed); err != nil {
				return nil, fmt.Errorf("sweep point %d (%s): %w", p.Index, p.Dir, err)
			}
		}
	}
	files := map[string][]byte{SpecFile: s.raw}
	if s.Config != "" {
		b, err := os.ReadFile(s.Config)
		if err != nil {
			return nil, fmt.Errorf("sweep base config: %w", err)
		}
		files[BaseConfig] = b
	}
	if files[ManifestJSON], err = m.JSON(); err != nil {
		return nil, err
	}
	files[ManifestCSV] = m.CSV()
	files[SbatchFile] = SlurmScript(m, s, abs, opt.Exe, opt.RunArgs)
	files[KubeJobFile] = KubernetesJob(m, s, abs)

	if _, err := os.Stat(filepath.Join(abs, ManifestJSON)); err == nil {
		// The same sweep again: its plan must be the same; the scripts are
		// written anew (the program's path may have changed).
		for _, name := range []string{ManifestJSON, SpecFile, BaseConfig} {
			cur, err := os.ReadFile(filepath.Join(abs, name))
			if b, ok := files[name]; (ok || err == nil) && (err != nil || !bytes.Equal(cur, b)) {
				return nil, fmt.Errorf("sweep directory %s already holds a different sweep (its %s differs): choose another directory", abs, name)
			}
		}
	} else if ents, _ := os.ReadDir(abs); len(ents) > 0 {
		return nil, fmt.Errorf("sweep directory %s already holds %d entries and no %s: choose another directory", abs, len(ents), ManifestJSON)
	}
	for _, d := range []string{RunsDir, LogsDir, LocksDir} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o755); err != nil {
			return nil, err
		}
	}
	// The manifest last: a directory with a manifest is a complete sweep.
	for _, name := range []string{SpecFile, BaseConfig, ManifestCSV, SbatchFile, KubeJobFile, ManifestJSON} {
		b, ok := files[name]
		if !ok {
			continue
		}
		if cur, err := os.ReadFile(filepath.Join(abs, name)); err == nil && bytes.Equal(cur, b) {
			continue
		}
		mode := os.FileMode(0o644)
		if name == SbatchFile {
			mode = 0o755
		}
		if err := writeAtomic(filepath.Join(abs, name), b, mode); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// manifest builds the manifest of s for a sweep directory named base.
func (s *Spec) manifest(base string) *Manifest {
	name := s.Name
	if name == "" {
		name = base
		if !nameRE.MatchString(name) {
			name = "sweep"
		}
	}
	m := &Manifest{Format: ManifestFormat, Name: name, Preset: s.Preset, Set: canonicalSets(s.Set),
		Combine: s.Combine, Params: []string{}, Seeds: s.Seeds, Points: s.Plan()}
	if s.Config != "" {
		m.Config = BaseConfig
	}
	for _, p := range s.Grid {
		m.Params = append(m.Params, p.Key)
	}
	return m
}

// canonicalSets trims the space around keys and values (validated already).
func canonicalSets(sets []string) []string {
	var out []string
	for _, kv := range sets {
		k, v, _ := splitSet(kv)
		out = append(out, k+"="+v)
	}
	return out
}

// JSON is manifest.json's content.
func (m *Manifest) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// CSV is manifest.csv's content: index, dir, seed, then one column per grid key.
func (m *Manifest) CSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(append([]string{"index", "dir", "seed"}, m.Params...))
	for _, p := range m.Points {
		row := []string{strconv.Itoa(p.Index), p.Dir, strconv.FormatUint(p.Seed, 10)}
		for _, o := range p.Grid {
			row = append(row, o.Value)
		}
		w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// ReadManifest reads the manifest of the sweep directory dir and checks it.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestJSON))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is not a sweep directory: it has no %s", dir, ManifestJSON)
		}
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	m := &Manifest{}
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestJSON), err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("%s: format %d, this program reads format %d", filepath.Join(dir, ManifestJSON), m.Format, ManifestFormat)
	}
	for i, p := range m.Points {
		if p.Index != i || !pointDirRE.MatchString(p.Dir) {
			return nil, fmt.Errorf("%s: point %d is malformed (index %d, dir %q)", filepath.Join(dir, ManifestJSON), i, p.Index, p.Dir)
		}
	}
	return m, nil
}

var pointDirRE = regexp.MustCompile(`^` + RunsDir + `/[0-9]{4,}[A-Za-z0-9._+=-]*$`)

// writeAtomic writes a file whole or not at all (fsutil.WriteAtomic).
func writeAtomic(path string, b []byte, mode os.FileMode) error {
	return fsutil.WriteAtomic(path, mode, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/+@=,:-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
