package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/iplgpu/iplgpu/internal/yamlkeys"
	"go.yaml.in/yaml/v3"
)

// Spec is a sweep file. Its YAML form:
//
//	name: glat-scan              # optional: job name (default: the sweep directory's name)
//	preset: learning             # optional: the preset every point starts from
//	config: base.yaml            # optional: base config file, relative to the sweep file
//	set:                         # optional: overrides applied to every point, in order
//	  - network.neurons=200
//	seeds: [1, 2, 3]             # required: every grid point runs once per seed
//	combine: crossed             # crossed (every combination, the default) | zipped
//	grid:                        # -set keys and their values, in the order given
//	  dynamics.g_lat: [0.1, 0.5, 1.0]
//	  dynamics.eta_w: [0.01, 0.02]
//	resources:                   # per point (one Slurm array task, one Kubernetes pod)
//	  cpus: 2                    # default 2
//	  memory: 4G                 # default 4G (K, M, G, T: binary units, as Slurm reads them)
//	  time: 24h                  # default 24h (a Go duration: 90m, 1h30m, 48h)
//	  gpus: 0                    # default 0
//	slurm:
//	  partition: ""              # optional
//	  account: ""                # optional
//	  qos: ""                    # optional
//	  limit: 8                   # array tasks at once (--array=0-K%limit); default min(points, 8)
//	  signal_seconds: 120        # USR1 this long before the time limit: checkpoint and requeue
//	  extra: ["--constraint=a100"]  # further sbatch options, verbatim
//	kubernetes:
//	  image: iplgpu:latest       # container image holding the iplgpu binary on its PATH
//	  namespace: ""              # optional
//	  parallelism: 8             # pods at once; default as slurm.limit
//	  claim: iplgpu-sweeps       # PersistentVolumeClaim that holds the sweep directory
//	  mount: /sweeps             # where the claim is mounted in the container
//	  dir: ""                    # the sweep directory in the container; default mount/<name of SWEEPDIR>
//	  retries: 3                 # failed pods allowed per index (backoffLimitPerIndex)
//
// Unknown keys are refused with the key named; grid values are kept as written
// (0.50 stays 0.50) and passed to the run as `-set key=value`.
type Spec struct {
	Name       string    `yaml:"name"`
	Preset     string    `yaml:"preset"`
	Config     string    `yaml:"config"`
	Set        []string  `yaml:"set"`
	Seeds      []uint64  `yaml:"seeds"`
	Combine    string    `yaml:"combine"`
	Grid       Grid      `yaml:"grid"`
	Resources  Resources `yaml:"resources"`
	Slurm      SlurmSpec `yaml:"slurm"`
	Kubernetes KubeSpec  `yaml:"kubernetes"`

	source string // the file it was read from ("" when parsed from bytes)
	raw    []byte // the file's bytes, copied verbatim into the sweep directory
}

// Combine modes.
const (
	Crossed = "crossed"
	Zipped  = "zipped"
)

// Param is one grid key and its values, as written in the sweep file.
type Param struct {
	Key    string
	Values []string
}

// Grid is the sweep file's grid: keys in the order written.
type Grid []Param

// Resources is what one point gets (one Slurm array task, one Kubernetes pod).
type Resources struct {
	CPUs   int    `yaml:"cpus"`
	Memory string `yaml:"memory"`
	Time   string `yaml:"time"`
	GPUs   int    `yaml:"gpus"`

	memMiB int64
	limit  time.Duration
}

// SlurmSpec holds the Slurm-only settings.
type SlurmSpec struct {
	Partition     string   `yaml:"partition"`
	Account       string   `yaml:"account"`
	QOS           string   `yaml:"qos"`
	Limit         int      `yaml:"limit"`
	SignalSeconds int      `yaml:"signal_seconds"`
	Extra         []string `yaml:"extra"`
}

// KubeSpec holds the Kubernetes-only settings.
type KubeSpec struct {
	Image       string `yaml:"image"`
	Namespace   string `yaml:"namespace"`
	Parallelism int    `yaml:"parallelism"`
	Claim       string `yaml:"claim"`
	Mount       string `yaml:"mount"`
	Dir         string `yaml:"dir"`
	Retries     int    `yaml:"retries"`
}

// Defaults.
const (
	DefaultCPUs          = 2
	DefaultMemory        = "4G"
	DefaultTime          = "24h"
	DefaultLimit         = 8
	DefaultSignalSeconds = 120
	DefaultImage         = "iplgpu:latest"
	DefaultClaim         = "iplgpu-sweeps"
	DefaultMount         = "/sweeps"
	DefaultRetries       = 3
	// MaxPoints bounds a sweep: Kubernetes allows at most 100,000 completions of
	// an Indexed Job; Slurm's MaxArraySize (default 1001) is usually lower.
	MaxPoints = 100000
)

// Load reads and validates a sweep file. A relative config path in it is
// resolved against the file's directory.
func Load(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep file: %w", err)
	}
	s, err := Parse(path, b)
	if err != nil {
		return nil, err
	}
	if s.Config != "" && !filepath.IsAbs(s.Config) {
		s.Config = filepath.Join(filepath.Dir(path), s.Config)
	}
	return s, nil
}

// Parse decodes and validates a sweep file; source names it in errors. Unknown
// keys, malformed YAML and invalid values are errors naming the key.
func Parse(source string, data []byte) (*Spec, error) {
	s := &Spec{source: source, raw: append([]byte(nil), data...)}
	fail := func(err error) (*Spec, error) { return nil, fmt.Errorf("sweep file %s: %w", source, err) }
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fail(fmt.Errorf("malformed YAML: %s", yamlkeys.CleanError(err)))
	}
	if len(root.Content) == 0 {
		return fail(errors.New("empty: it needs at least seeds"))
	}
	if err := specKeys.Check(root.Content[0], reflect.TypeOf(*s)); err != nil {
		return fail(err)
	}
	if err := checkSeeds(root.Content[0]); err != nil {
		return fail(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(s); err != nil && !errors.Is(err, io.EOF) {
		return fail(errors.New(yamlkeys.CleanError(err)))
	}
	if err := s.validate(); err != nil {
		return fail(err)
	}
	return s, nil
}

// checkSeeds applies the config loader's integer rules to the seeds: plain
// decimal literals that fit a uint64 (no fraction, exponent, octal, hex or
// overflow, which the decoder would truncate, reinterpret or wrap).
func checkSeeds(root *yaml.Node) error {
	if root.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "seeds" || root.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for _, e := range root.Content[i+1].Content {
			if e.Kind != yaml.ScalarNode || e.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
				continue // not a number: the decoder's type error says so
			}
			if why, _ := yamlkeys.IntProblem(e.Value, 64, true); why != "" {
				return fmt.Errorf("line %d: seeds: %s %s", e.Line, shortValue(e.Value), why)
			}
		}
	}
	return nil
}

func shortValue(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "?") + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

// sameValue is the key by which two grid values are the same: a number by
// its value (0.5 and 0.50 are one value), anything else by its text.
func sameValue(v string) string {
	if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
		return "n:" + strconv.FormatFloat(f, 'g', -1, 64)
	}
	return "s:" + v
}

// UnmarshalYAML reads the grid mapping, keeping the keys in the order written and
// each value's text as written.
func (g *Grid) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		*g = nil
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: grid must be a mapping of -set keys to value lists, e.g. dynamics.g_lat: [0.1, 0.5]", n.Line)
	}
	var out Grid
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := Param{Key: k.Value}
		if v.Kind != yaml.SequenceNode {
			return fmt.Errorf("line %d: grid key %s must have a list of values, e.g. %s: [%s]", v.Line, k.Value, k.Value, v.Value)
		}
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode || e.Tag == "!!null" {
				return fmt.Errorf("line %d: grid key %s: each value must be a single value (quote a list, e.g. \"[0.1, 0.2]\")", e.Line, k.Value)
			}
			p.Values = append(p.Values, e.Value)
		}
		out = append(out, p)
	}
	*g = out
	return nil
}

// MarshalYAML writes the grid back as a mapping in its order.
func (g Grid) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, p := range g {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, v := range p.Values {
			seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: v})
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: p.Key}, seq)
	}
	return n, nil
}

var (
	keyRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	memRE  = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([KkMmGgTt]?)(?:i?[Bb])?$`)
	wordRE = regexp.MustCompile(`^[A-Za-z0-9._:/@+=,-]*$`)
)

func (s *Spec) validate() error {
	if s.Name != "" && !nameRE.MatchString(s.Name) {
		return fmt.Errorf("name = %q: allowed 1 to 64 letters, digits, '.', '_', '-', starting with a letter or digit", s.Name)
	}
	if s.Preset != "" && !nameRE.MatchString(s.Preset) {
		return fmt.Errorf("preset = %q is not a preset name", s.Preset)
	}
	if len(s.Seeds) == 0 {
		return errors.New("seeds: give at least one seed, e.g. seeds: [1, 2, 3]")
	}
	seen := map[uint64]bool{}
	for _, sd := range s.Seeds {
		if seen[sd] {
			return fmt.Errorf("seeds: %d appears twice", sd)
		}
		seen[sd] = true
	}
	fixed := map[string]bool{}
	for i, kv := range s.Set {
		k, _, err := splitSet(kv)
		if err != nil {
			return fmt.Errorf("set[%d]: %w", i, err)
		}
		fixed[k] = true
	}
	switch s.Combine {
	case "":
		s.Combine = Crossed
	case Crossed, Zipped:
	default:
		return fmt.Errorf("combine = %q: allowed crossed or zipped", s.Combine)
	}
	keys := map[string]bool{}
	for _, p := range s.Grid {
		if err := checkKey(p.Key); err != nil {
			return fmt.Errorf("grid: %w", err)
		}
		if keys[p.Key] {
			return fmt.Errorf("grid: key %s appears twice", p.Key)
		}
		keys[p.Key] = true
		if fixed[p.Key] {
			return fmt.Errorf("grid: key %s is also in set: give it in one place", p.Key)
		}
		if len(p.Values) == 0 {
			return fmt.Errorf("grid: key %s has no values", p.Key)
		}
		vals := map[string]bool{}
		for _, v := range p.Values {
			if err := checkValue(v); err != nil {
				return fmt.Errorf("grid: key %s: %w", p.Key, err)
			}
			if s.Combine == Crossed && vals[sameValue(v)] {
				return fmt.Errorf("grid: key %s: value %s appears twice (by value)", p.Key, v)
			}
			vals[sameValue(v)] = true
		}
	}
	if s.Combine == Zipped && len(s.Grid) > 0 {
		n := len(s.Grid[0].Values)
		tuples := map[string]bool{}
		for _, p := range s.Grid {
			if len(p.Values) != n {
				return fmt.Errorf("grid: combine zipped needs lists of one length: %s has %d values, %s has %d", s.Grid[0].Key, n, p.Key, len(p.Values))
			}
		}
		for i := 0; i < n; i++ {
			var t, same []string
			for _, p := range s.Grid {
				t = append(t, p.Values[i])
				same = append(same, sameValue(p.Values[i]))
			}
			k := strings.Join(same, "\x00")
			if tuples[k] {
				return fmt.Errorf("grid: combine zipped: combination %d (%s) appears twice", i, strings.Join(t, ", "))
			}
			tuples[k] = true
		}
	}
	if n, exact := s.points(); n > MaxPoints {
		if !exact {
			return fmt.Errorf("the sweep has more than %d points; at most %d", uint64(math.MaxInt64), MaxPoints)
		}
		return fmt.Errorf("the sweep has %d points (%s); at most %d", n, s.pointsProduct(), MaxPoints)
	}
	if err := s.Resources.validate(); err != nil {
		return fmt.Errorf("resources.%w", err)
	}
	if err := s.Slurm.validate(s.Resources.limit); err != nil {
		return fmt.Errorf("slurm.%w", err)
	}
	if err := s.Kubernetes.validate(); err != nil {
		return fmt.Errorf("kubernetes.%w", err)
	}
	return nil
}

// points is the number of points (conditions x seeds), exact unless it
// exceeds MaxInt64 (then exact is false).
func (s *Spec) points() (n uint64, exact bool) {
	n = uint64(len(s.Seeds))
	factors := []int{}
	if s.Combine == Zipped && len(s.Grid) > 0 {
		factors = append(factors, len(s.Grid[0].Values))
	} else {
		for _, p := range s.Grid {
			factors = append(factors, len(p.Values))
		}
	}
	for _, f := range factors {
		hi, lo := bits.Mul64(n, uint64(f))
		if hi != 0 || lo > math.MaxInt64 {
			return math.MaxInt64, false
		}
		n = lo
	}
	return n, true
}

// pointsProduct says how the number of points comes about, e.g. "10 x 10
// values x 3 seeds".
func (s *Spec) pointsProduct() string {
	var f []string
	if s.Combine == Zipped && len(s.Grid) > 0 {
		f = append(f, fmt.Sprintf("%d zipped", len(s.Grid[0].Values)))
	} else {
		for _, p := range s.Grid {
			f = append(f, strconv.Itoa(len(p.Values)))
		}
	}
	if len(f) > 0 {
		f[len(f)-1] += " values"
	}
	return strings.Join(append(f, fmt.Sprintf("%d seeds", len(s.Seeds))), " x ")
}

// conditions is the number of grid combinations (1 for an empty grid).
func (s *Spec) conditions() int {
	if len(s.Grid) == 0 {
		return 1
	}
	if s.Combine == Zipped {
		return len(s.Grid[0].Values)
	}
	n := 1
	for _, p := range s.Grid {
		n *= len(p.Values)
		if n > MaxPoints {
			return MaxPoints + 1
		}
	}
	return n
}

func checkKey(k string) error {
	if !keyRE.MatchString(k) {
		return fmt.Errorf("key %q: want a -set key such as dynamics.g_lat", k)
	}
	if k == "seed" {
		return errors.New("key seed: give the seeds in seeds, not in set or grid")
	}
	return nil
}

func checkValue(v string) error {
	if strings.ContainsAny(v, "\n\r") {
		return fmt.Errorf("value %q spans lines", v)
	}
	if strings.TrimSpace(v) == "" {
		return errors.New("empty value")
	}
	return nil
}

// splitSet splits "key=value" and checks both halves.
func splitSet(kv string) (key, val string, err error) {
	k, v, ok := strings.Cut(kv, "=")
	k = strings.TrimSpace(k)
	if !ok {
		return "", "", fmt.Errorf("%q: want key=value, e.g. network.neurons=500", kv)
	}
	if err := checkKey(k); err != nil {
		return "", "", err
	}
	v = strings.TrimSpace(v)
	if err := checkValue(v); err != nil {
		return "", "", fmt.Errorf("%s: %w", k, err)
	}
	return k, v, nil
}

func (r *Resources) validate() error {
	if r.CPUs == 0 {
		r.CPUs = DefaultCPUs
	}
	if r.CPUs < 1 || r.CPUs > 4096 {
		return fmt.Errorf("cpus = %d: allowed 1 to 4096", r.CPUs)
	}
	if r.Memory == "" {
		r.Memory = DefaultMemory
	}
	mib, err := parseMemory(r.Memory)
	if err != nil {
		return fmt.Errorf("memory = %q: %v", r.Memory, err)
	}
	r.memMiB = mib
	if r.Time == "" {
		r.Time = DefaultTime
	}
	d, err := time.ParseDuration(r.Time)
	if err != nil || d < time.Minute {
		return fmt.Errorf("time = %q: want a duration of at least a minute, such as 90m, 24h or 1h30m", r.Time)
	}
	r.limit = d
	if r.GPUs < 0 || r.GPUs > 64 {
		return fmt.Errorf("gpus = %d: allowed 0 to 64", r.GPUs)
	}
	return nil
}

// parseMemory reads "4G", "512M", "1.5T", "4096" (MiB, Slurm's default unit).
func parseMemory(s string) (int64, error) {
	m := memRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, errors.New("want a size such as 512M, 4G or 1T")
	}
	x, _ := strconv.ParseFloat(m[1], 64)
	mul := map[string]float64{"": 1, "K": 1.0 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[strings.ToUpper(m[2])]
	mib := int64(x*mul + 0.999999)
	if mib < 1 {
		return 0, errors.New("less than 1 MiB")
	}
	return mib, nil
}

func (sl *SlurmSpec) validate(limit time.Duration) error {
	for _, f := range []struct{ k, v string }{{"partition", sl.Partition}, {"account", sl.Account}, {"qos", sl.QOS}} {
		if !wordRE.MatchString(f.v) {
			return fmt.Errorf("%s = %q: letters, digits and ._:/@+=,- only", f.k, f.v)
		}
	}
	if sl.Limit < 0 {
		return fmt.Errorf("limit = %d: at least 1 (0 for the default)", sl.Limit)
	}
	if sl.SignalSeconds == 0 {
		sl.SignalSeconds = DefaultSignalSeconds
	}
	if sl.SignalSeconds < 10 || time.Duration(sl.SignalSeconds)*time.Second >= limit {
		return fmt.Errorf("signal_seconds = %d: allowed 10 up to the time limit (%s)", sl.SignalSeconds, limit)
	}
	for i, e := range sl.Extra {
		if !strings.HasPrefix(e, "-") || strings.ContainsAny(e, "\n\r") {
			return fmt.Errorf("extra[%d] = %q: want one sbatch option on one line, e.g. --constraint=a100", i, e)
		}
	}
	return nil
}

func (k *KubeSpec) validate() error {
	if k.Image == "" {
		k.Image = DefaultImage
	}
	if strings.ContainsAny(k.Image, " \t\n\r\"'") {
		return fmt.Errorf("image = %q: no spaces or quotes", k.Image)
	}
	if k.Namespace != "" && !dnsLabelRE.MatchString(k.Namespace) {
		return fmt.Errorf("namespace = %q: want a DNS label (lower-case letters, digits, '-')", k.Namespace)
	}
	if k.Parallelism < 0 || k.Parallelism > MaxPoints {
		return fmt.Errorf("parallelism = %d: allowed 1 to %d (0 for the default)", k.Parallelism, MaxPoints)
	}
	if k.Claim == "" {
		k.Claim = DefaultClaim
	}
	if !dnsSubdomainRE.MatchString(k.Claim) || len(k.Claim) > 253 {
		return fmt.Errorf("claim = %q: want a PersistentVolumeClaim name (lower-case letters, digits, '-', '.')", k.Claim)
	}
	if k.Mount == "" {
		k.Mount = DefaultMount
	}
	if err := checkPath("mount", k.Mount); err != nil {
		return err
	}
	if k.Dir != "" {
		if err := checkPath("dir", k.Dir); err != nil {
			return err
		}
	}
	if k.Retries == 0 {
		k.Retries = DefaultRetries
	}
	if k.Retries < 0 || k.Retries > 100 {
		return fmt.Errorf("retries = %d: allowed 1 to 100 (0 for the default)", k.Retries)
	}
	return nil
}

var (
	dnsLabelRE     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	dnsSubdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	pathRE         = regexp.MustCompile(`^/[A-Za-z0-9._/+@=,-]*$`)
)

func checkPath(key, p string) error {
	if !pathRE.MatchString(p) {
		return fmt.Errorf("%s = %q: want an absolute path of letters, digits and ._/+@=,- (no spaces or %%)", key, p)
	}
	return nil
}

// specKeys names the first unknown key of a sweep file with the keys
// allowed where it stands.
var specKeys = yamlkeys.Walker{
	NotMapping: func(n *yaml.Node, key string) error {
		if key == "" {
			key = "the sweep file"
		}
		return fmt.Errorf("line %d: %s must be a mapping of keys", n.Line, key)
	},
	Unknown: func(line int, k, key string, allowed []string) error {
		where := "at the top level"
		if key != "" {
			where = "in " + key
		}
		return fmt.Errorf("line %d: unknown key %q %s (allowed keys: %s)", line, k, where, strings.Join(allowed, ", "))
	},
}
