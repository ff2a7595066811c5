package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/iplgpu/iplgpu/assets"
	"github.com/iplgpu/iplgpu/engine/rng"
	"github.com/iplgpu/iplgpu/internal/yamlkeys"
)

// Config is the whole description of a run. Its YAML form is assets/default.yaml,
// which documents every key with its unit.
type Config struct {
	Seed        uint64            `yaml:"seed"`
	Network     NetworkConfig     `yaml:"network"`
	Dynamics    DynamicsConfig    `yaml:"dynamics"`
	Homeostasis HomeostasisConfig `yaml:"homeostasis"`
	Stimulus    StimulusConfig    `yaml:"stimulus"`
	Protocol    ProtocolConfig    `yaml:"protocol"`
	Output      OutputConfig      `yaml:"output"`
	// Mechanism says what raises redundancy with learning (docs/model.md
	// section 7): ipl (the spine links), feedback (a fed-back belief, no links) or
	// both.
	Mechanism string         `yaml:"mechanism"`
	Feedback  FeedbackConfig `yaml:"feedback"`
}

// FeedbackConfig is the feedback-only generative-inference model (docs/model.md
// section 7): a per-trial belief delta about A vs B,
// d delta = dt/tau_d (-delta + k_e u(frame)) + sigma_d sqrt(2 dt/tau_d) xi,
// fed back as V_i += k_fb m delta u(theta_i), with k_fb growing over training
// trials towards k_max.
type FeedbackConfig struct {
	Evidence string  `yaml:"evidence"` // frame: the belief integrates u of the shown frame
	TauDMs   float64 `yaml:"tau_d_ms"` // belief time constant (ms)
	KE       float64 `yaml:"k_e"`      // evidence gain (belief units per unit u)
	SigmaD   float64 `yaml:"sigma_d"`  // stationary sd of the belief's own noise (belief units)
	KMax     float64 `yaml:"k_max"`    // final feedback gain (potential units per belief unit)
	EtaFb    float64 `yaml:"eta_fb"`   // k_fb += eta_fb (k_max - k_fb) per training trial
}

// NetworkConfig is the anatomy (docs/model.md section 3).
type NetworkConfig struct {
	Neurons           int     `yaml:"neurons"`
	SpinesPerNeuron   int     `yaml:"spines_per_neuron"`
	DensityPerMM3     float64 `yaml:"density_per_mm3"`
	DepthUm           float64 `yaml:"depth_um"`
	Tuning            string  `yaml:"tuning"`
	MapPeriodUm       float64 `yaml:"map_period_um"`
	SpineSdUm         float64 `yaml:"spine_sd_um"`
	SpineJitterDeg    float64 `yaml:"spine_jitter_deg"`
	ContactsPerSpine  float64 `yaml:"contacts_per_spine"`
	ContactDistanceUm float64 `yaml:"contact_distance_um"`
}

// DynamicsConfig holds the constants of the continuous-time dynamics (docs/model.md
// sections 5 and 6): rates in Hz, time constants with their unit in the
// key, dimensionless jumps per event or per coincidence. dt_ms is the numerical
// step only; the results converge as it shrinks.
type DynamicsConfig struct {
	DtMs            float64 `yaml:"dt_ms"`
	TauSMs          float64 `yaml:"tau_s_ms"`
	EventJump       float64 `yaml:"event_jump"`
	AfferentRateHz  float64 `yaml:"afferent_rate_hz"`
	AfferentPeakHz  float64 `yaml:"afferent_peak_hz"`
	Kappa           float64 `yaml:"kappa"`
	Beta            float64 `yaml:"beta"`
	GLat            float64 `yaml:"g_lat"`
	Coupling        string  `yaml:"coupling"`
	CoincidenceMs   float64 `yaml:"coincidence_ms"`
	WInit           float64 `yaml:"w_init"`
	EtaW            float64 `yaml:"eta_w"`
	LambdaWPerS     float64 `yaml:"lambda_w_per_s"`
	MPassive        float64 `yaml:"m_passive"`
	TauMS           float64 `yaml:"tau_m_s"`
	JE              float64 `yaml:"j_e"`
	TauEMs          float64 `yaml:"tau_e_ms"`
	BackgroundSd    float64 `yaml:"background_sd"`
	BackgroundTauMs float64 `yaml:"background_tau_ms"`
	SharedSdTask    float64 `yaml:"shared_sd_task"`
	SharedSdPassive float64 `yaml:"shared_sd_passive"`
	SharedTauMs     float64 `yaml:"shared_tau_ms"`
	RateGainHz      float64 `yaml:"rate_gain_hz"`
	RateThreshold   float64 `yaml:"rate_threshold"`
}

// HomeostasisConfig is the slow per-neuron gain h_i.
type HomeostasisConfig struct {
	Enabled         bool    `yaml:"enabled"`
	ReferenceTrials int     `yaml:"reference_trials"`
	TauTrials       float64 `yaml:"tau_trials"`
	Rate            float64 `yaml:"rate"`
	MinGain         float64 `yaml:"min_gain"`
	MaxGain         float64 `yaml:"max_gain"`
}

// StimulusConfig is the trial structure (docs/model.md section 4).
type StimulusConfig struct {
	TaskOrientationDeg float64 `yaml:"task_orientation_deg"`
	Frames             int     `yaml:"frames"`
	FrameMs            float64 `yaml:"frame_ms"`
	ITIMs              float64 `yaml:"iti_ms"`
	ITI                string  `yaml:"iti"`
	BinMs              float64 `yaml:"bin_ms"`
}

// ProtocolConfig is sessions of blocks of trials.
type ProtocolConfig struct {
	Sessions int           `yaml:"sessions"`
	Baseline bool          `yaml:"baseline"`
	Before   []BlockConfig `yaml:"before"`
	Session  []BlockConfig `yaml:"session"`
	After    []BlockConfig `yaml:"after"`
	// AfterRepeat runs the after blocks this many times in order (0 or 1:
	// once): many short alternating blocks for the switch analysis of
	// reversibility without a long list.
	AfterRepeat int `yaml:"after_repeat,omitempty"`
}

// BlockConfig is one block of trials with fixed mode and switches.
type BlockConfig struct {
	Name       string    `yaml:"name"`
	Mode       string    `yaml:"mode"`
	Trials     int       `yaml:"trials"`
	Coherences []float64 `yaml:"coherences"`
	Learning   bool      `yaml:"learning"`
	Ablation   string    `yaml:"ablation,omitempty"`
	Record     bool      `yaml:"record"`
	Frames     string    `yaml:"frames,omitempty"`
	// Persistence is rho of frames: persistent, the probability that a frame
	// repeats the previous frame's kind (signal or noise); see makeFrames.
	Persistence float64 `yaml:"persistence,omitempty"`
	// TaskGain keeps the task gain g in a passive block, so that it differs
	// from a task block in the gate m alone (reversibility, docs/model.md section 10.3).
	TaskGain bool `yaml:"task_gain,omitempty"`
	// Sequences is, for frames: frozen, the number of distinct frame
	// sequences per signed condition: every trial of a condition shows one of
	// them (in turn), so that the covariance within a sequence is internal
	// (docs/model.md section 10.7, holding the stimulus fixed).
	Sequences int `yaml:"sequences,omitempty"`
}

// OutputConfig says what the run directory gets beyond the essentials.
type OutputConfig struct {
	WSnapshots bool `yaml:"w_snapshots"`
	// CheckpointTrials: a checkpoint (the whole state, for iplgpu run
	// -resume) every this many trials; 0: only before the first trial and
	// when the run is stopped by a signal.
	CheckpointTrials int `yaml:"checkpoint_trials"`
}

// ConfigError is a validation error: the key, the value and what is allowed.
type ConfigError struct {
	Key     string
	Value   any
	Allowed string
	// Why, when set, says what is wrong with a value inside its range (what
	// it implies), replacing "is out of range".
	Why string
}

func (e *ConfigError) Error() string {
	why := e.Why
	if why == "" {
		why = "is out of range"
	}
	return fmt.Sprintf("config: %s = %s %s: allowed %s", e.Key, Shorten(fmt.Sprint(e.Value)), why, e.Allowed)
}

// DefaultConfig returns the embedded defaults, validated.
func DefaultConfig() *Config {
	c, err := LoadConfig("", "", nil)
	if err != nil {
		panic("embedded default config is invalid: " + err.Error())
	}
	return c
}

// LoadConfig resolves a configuration: the embedded defaults, then a preset overlay
// (if preset is not empty), then the file at path (if not empty), then each
// "key.path=value" override. Unknown keys, malformed YAML and out-of-range values
// are errors naming the source and key. The result is validated.
func LoadConfig(preset, path string, sets []string) (*Config, error) {
	cfg := &Config{}
	if err := decodeStrict("embedded default config", assets.Default(), cfg); err != nil {
		return nil, err
	}
	if preset != "" {
		b, err := assets.Preset(preset)
		if err != nil {
			return nil, err
		}
		if err := decodeStrict("preset "+preset, b, cfg); err != nil {
			return nil, err
		}
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config file: %w", err)
		}
		if err := decodeStrict("config file "+path, b, cfg); err != nil {
			return nil, err
		}
	}
	for _, s := range sets {
		if err := applySet(cfg, s); err != nil {
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// applySet applies one "a.b.c=value" override by decoding it as a YAML overlay.
func applySet(cfg *Config, s string) error {
	key, val, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return fmt.Errorf("-set %q: want key.path=value, e.g. -set network.neurons=500", Shorten(s))
	}
	if err := checkSet(key, val); err != nil {
		return err
	}
	parts := strings.Split(key, ".")
	var b strings.Builder
	for i, p := range parts {
		b.WriteString(strings.Repeat("  ", i))
		b.WriteString(p)
		b.WriteString(":")
		if i < len(parts)-1 {
			b.WriteString("\n")
		}
	}
	b.WriteString(" ")
	b.WriteString(strings.TrimSpace(val))
	b.WriteString("\n")
	return decodeStrict("-set "+Shorten(key), []byte(b.String()), cfg)
}

// decodeStrict decodes YAML on top of cfg; unknown keys are reported with the list
// of allowed keys of their section.
func decodeStrict(source string, data []byte, cfg *Config) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fmt.Errorf("%s: malformed YAML: %v", source, yamlkeys.CleanError(err))
	}
	if err := checkOneDocument(data); err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	if len(root.Content) == 0 {
		return nil // empty document: nothing to change
	}
	if err := configKeys.Check(root.Content[0], reflect.TypeOf(*cfg)); err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %v", source, yamlkeys.CleanError(err))
	}
	return nil
}

// configKeys checks a config document's keys and integers before the
// decoder reads it.
var configKeys = yamlkeys.Walker{
	Scalar: checkScalar,
	NotMapping: func(n *yaml.Node, key string) error {
		return fmt.Errorf("line %d: %s must be a mapping of keys, not %q", n.Line, nameOr(key, "the document"), Shorten(n.Value))
	},
	Unknown: func(line int, k, key string, allowed []string) error {
		return fmt.Errorf("line %d: unknown key %q in %s (allowed keys: %s)", line, Shorten(k), nameOr(key, "the top level"), strings.Join(allowed, ", "))
	},
}

func nameOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return "section " + s
}

// YAML returns the resolved configuration as YAML (without the comments of the
// embedded file), suitable to pass back with -config.
func (c *Config) YAML() []byte {
	b, err := yaml.Marshal(c)
	if err != nil {
		panic(err)
	}
	return b
}

// validator collects the first range error.
type validator struct{ err error }

func (v *validator) fail(key string, val any, allowed string) {
	if v.err == nil {
		v.err = &ConfigError{Key: key, Value: val, Allowed: allowed}
	}
}

// why records a value that is in range but implies something that cannot run.
func (v *validator) why(key string, val any, why, allowed string) {
	if v.err == nil {
		v.err = &ConfigError{Key: key, Value: val, Allowed: allowed, Why: why}
	}
}

func (v *validator) rng(key string, x, lo, hi float64, loOpen bool) {
	bad := math.IsNaN(x) || x > hi || x < lo || (loOpen && x == lo)
	if bad {
		l := "["
		if loOpen {
			l = "("
		}
		v.fail(key, x, fmt.Sprintf("%s%g, %g]", l, lo, hi))
	}
}

func (v *validator) irng(key string, x, lo, hi int) {
	if x < lo || x > hi {
		v.fail(key, x, fmt.Sprintf("integers in [%d, %d]", lo, hi))
	}
}

func (v *validator) oneOf(key, x string, allowed ...string) {
	for _, a := range allowed {
		if x == a {
			return
		}
	}
	v.fail(key, fmt.Sprintf("%q", x), "one of "+strings.Join(allowed, ", "))
}

// MaxSpines bounds N x M so that a typo cannot ask for more memory than a
// workstation holds (about 200 bytes per spine with its contacts).
const MaxSpines = 1 << 28

// Validate checks every value against its allowed range and returns the first
// violation as a *ConfigError.
func (c *Config) Validate() error {
	v := &validator{}
	n := &c.Network
	v.irng("network.neurons", n.Neurons, 2, 10_000_000)
	v.irng("network.spines_per_neuron", n.SpinesPerNeuron, 1, 4096)
	if v.err == nil && n.Neurons*n.SpinesPerNeuron > MaxSpines {
		v.fail("network.neurons x network.spines_per_neuron", n.Neurons*n.SpinesPerNeuron, fmt.Sprintf("at most %d spines (memory)", MaxSpines))
	}
	v.rng("network.density_per_mm3", n.DensityPerMM3, 0, 1e7, true)
	v.rng("network.depth_um", n.DepthUm, 0, 1e5, true)
	v.oneOf("network.tuning", n.Tuning, "random", "map")
	v.rng("network.map_period_um", n.MapPeriodUm, 0, 1e5, true)
	v.rng("network.spine_sd_um", n.SpineSdUm, 0, 1e4, true)
	v.rng("network.spine_jitter_deg", n.SpineJitterDeg, 0, 180, false)
	v.rng("network.contacts_per_spine", n.ContactsPerSpine, 0, 1000, true)
	v.rng("network.contact_distance_um", n.ContactDistanceUm, 0, 1e4, false)

	d := &c.Dynamics
	v.rng("dynamics.dt_ms", d.DtMs, 0, 100, true)
	v.rng("dynamics.tau_s_ms", d.TauSMs, 0, 1e5, true)
	v.rng("dynamics.coincidence_ms", d.CoincidenceMs, 0, 1e4, true)
	if v.err == nil && d.DtMs > d.TauSMs {
		v.fail("dynamics.dt_ms", d.DtMs, fmt.Sprintf("at most dynamics.tau_s_ms = %g (the lateral input is held over a step)", d.TauSMs))
	}
	v.rng("dynamics.event_jump", d.EventJump, 0, 100, false)
	v.rng("dynamics.afferent_rate_hz", d.AfferentRateHz, 0, 1e4, false)
	v.rng("dynamics.afferent_peak_hz", d.AfferentPeakHz, 0, 1e4, false)
	if v.err == nil && (d.AfferentRateHz+d.AfferentPeakHz*(1+d.Beta))*d.DtMs/1000 > rng.PoissonLambdaMax/2 {
		v.fail("dynamics.afferent_peak_hz", d.AfferentPeakHz, fmt.Sprintf("a peak event count per step (rate x (1 + beta) x dt) below %d", rng.PoissonLambdaMax/2))
	}
	v.rng("dynamics.kappa", d.Kappa, 0, 1000, false)
	v.rng("dynamics.beta", d.Beta, 0, 100, false)
	v.rng("dynamics.g_lat", d.GLat, 0, 1, false)
	v.oneOf("dynamics.coupling", d.Coupling, "additive", "diffusive")
	v.rng("dynamics.w_init", d.WInit, 0, 1, false)
	v.rng("dynamics.eta_w", d.EtaW, 0, 1, false)
	v.rng("dynamics.lambda_w_per_s", d.LambdaWPerS, 0, 1000, false)
	v.rng("dynamics.m_passive", d.MPassive, 0, 1, false)
	v.rng("dynamics.tau_m_s", d.TauMS, 0, 1e6, true)
	v.rng("dynamics.j_e", d.JE, 0, 1, false)
	v.rng("dynamics.tau_e_ms", d.TauEMs, 0, 1e7, true)
	v.rng("dynamics.background_sd", d.BackgroundSd, 0, 100, false)
	v.rng("dynamics.background_tau_ms", d.BackgroundTauMs, 0, 1e7, true)
	v.rng("dynamics.shared_sd_task", d.SharedSdTask, 0, 2, false)
	v.rng("dynamics.shared_sd_passive", d.SharedSdPassive, 0, 2, false)
	v.rng("dynamics.shared_tau_ms", d.SharedTauMs, 0, 1e7, true)
	v.rng("dynamics.rate_gain_hz", d.RateGainHz, 0, 1e4, false)
	v.rng("dynamics.rate_threshold", d.RateThreshold, -100, 100, false)

	v.irng("output.checkpoint_trials", c.Output.CheckpointTrials, 0, 1_000_000_000)

	h := &c.Homeostasis
	v.irng("homeostasis.reference_trials", h.ReferenceTrials, 1, 1_000_000)
	v.rng("homeostasis.tau_trials", h.TauTrials, 1, 1e6, false)
	v.rng("homeostasis.rate", h.Rate, 0, 1, false)
	v.rng("homeostasis.min_gain", h.MinGain, 0, 1, true)
	v.rng("homeostasis.max_gain", h.MaxGain, 1, 1000, false)

	s := &c.Stimulus
	v.rng("stimulus.task_orientation_deg", s.TaskOrientationDeg, 0, 180, false)
	v.irng("stimulus.frames", s.Frames, 1, 10000)
	v.rng("stimulus.frame_ms", s.FrameMs, 0, 1e5, true)
	v.rng("stimulus.iti_ms", s.ITIMs, 0, 1e6, false)
	v.oneOf("stimulus.iti", s.ITI, "decay", "simulate")
	v.rng("stimulus.bin_ms", s.BinMs, 0, 1e5, true)
	if v.err == nil {
		dt := d.DtMs
		if !isMultiple(s.FrameMs, dt) {
			v.fail("stimulus.frame_ms", s.FrameMs, fmt.Sprintf("a multiple of dynamics.dt_ms = %g", dt))
		} else if !isMultiple(s.BinMs, dt) {
			v.fail("stimulus.bin_ms", s.BinMs, fmt.Sprintf("a multiple of dynamics.dt_ms = %g", dt))
		} else if !isMultiple(s.ITIMs, dt) {
			v.fail("stimulus.iti_ms", s.ITIMs, fmt.Sprintf("a multiple of dynamics.dt_ms = %g", dt))
		} else if !isMultiple(float64(s.Frames)*s.FrameMs, s.BinMs) {
			v.fail("stimulus.bin_ms", s.BinMs, fmt.Sprintf("a divisor of the trial length %g ms", float64(s.Frames)*s.FrameMs))
		}
	}

	v.oneOf("mechanism", c.Mechanism, "ipl", "feedback", "both")
	f := &c.Feedback
	v.oneOf("feedback.evidence", f.Evidence, "frame")
	v.rng("feedback.tau_d_ms", f.TauDMs, 0, 1e6, true)
	v.rng("feedback.k_e", f.KE, 0, 1e3, false)
	v.rng("feedback.sigma_d", f.SigmaD, 0, 1e3, false)
	v.rng("feedback.k_max", f.KMax, 0, 100, false)
	v.rng("feedback.eta_fb", f.EtaFb, 0, 1, false)
	if v.err == nil && c.Mechanism != "ipl" && f.KMax == 0 {
		v.why("feedback.k_max", f.KMax, fmt.Sprintf("gives no feedback under mechanism %s", c.Mechanism), "(0, 100] with mechanism feedback or both (iplgpu calibrate sets it)")
	}

	p := &c.Protocol
	v.irng("protocol.sessions", p.Sessions, 0, 100000)
	v.irng("protocol.after_repeat", p.AfterRepeat, 0, 100000)
	nblocks := 0
	for _, grp := range []struct {
		name   string
		blocks []BlockConfig
	}{{"before", p.Before}, {"session", p.Session}, {"after", p.After}} {
		for i := range grp.blocks {
			validateBlock(v, fmt.Sprintf("protocol.%s[%d]", grp.name, i), &grp.blocks[i])
			nblocks++
		}
	}
	if v.err == nil && nblocks == 0 {
		v.fail("protocol", "no blocks", "at least one block in before, session or after")
	}
	if v.err == nil {
		return c.validateImplied()
	}
	return v.err
}

func validateBlock(v *validator, key string, b *BlockConfig) {
	if b.Name == "" {
		v.fail(key+".name", `""`, "a non-empty name")
	}
	v.oneOf(key+".mode", b.Mode, "task", "passive")
	v.irng(key+".trials", b.Trials, 1, 10_000_000)
	if len(b.Coherences) == 0 {
		v.fail(key+".coherences", "[]", "a list of coherence levels in [0, 1]")
	}
	for j, c := range b.Coherences {
		v.rng(fmt.Sprintf("%s.coherences[%d]", key, j), c, 0, 1, false)
	}
	if b.Ablation == "" {
		b.Ablation = "none"
	}
	v.oneOf(key+".ablation", b.Ablation, "none", "formation", "lateral")
	if b.Frames == "" {
		b.Frames = "noise"
	}
	v.oneOf(key+".frames", b.Frames, "noise", "consistent", "persistent", "frozen")
	if b.Frames == "frozen" {
		v.irng(key+".sequences", b.Sequences, 1, 10000)
	} else if b.Sequences != 0 {
		v.fail(key+".sequences", b.Sequences, "0 (sequences goes with frames: frozen)")
	}
	if b.Frames == "persistent" {
		// rho = 1 would fix the kind of every frame by the first one: a
		// trial-level draw, the confound of the old consistent frames.
		if r := b.Persistence; math.IsNaN(r) || r < 0 || r >= 1 {
			v.fail(key+".persistence", r, "[0, 1)")
		}
	} else if b.Persistence != 0 {
		v.fail(key+".persistence", b.Persistence, "0 (persistence goes with frames: persistent)")
	}
	if b.TaskGain && b.Mode != "passive" {
		v.fail(key+".task_gain", b.TaskGain, "false (task_gain keeps the task gain in a passive block; task blocks have it anyway)")
	}
	if v.err == nil && b.Trials%conditionsPerLevel(b.Coherences) != 0 {
		v.fail(key+".trials", b.Trials, fmt.Sprintf("a multiple of %d (one trial per signed coherence %v)", conditionsPerLevel(b.Coherences), b.Coherences))
	}
}

// conditionsPerLevel counts the signed conditions of a coherence list: +c and -c
// for each c > 0, one for c = 0.
func conditionsPerLevel(cs []float64) int {
	n := 0
	for _, c := range cs {
		if c == 0 {
			n++
		} else {
			n += 2
		}
	}
	if n == 0 {
		return 1
	}
	return n
}

func isMultiple(x, unit float64) bool {
	r := x / unit
	return math.Abs(r-math.Round(r)) < 1e-9*math.Max(1, r)
}

// ResolvedYAML is the config as written into a run directory: the resolved values
// with a header naming the engine version and the seed.
func ResolvedYAML(cfg *Config) []byte {
	head := fmt.Sprintf("# iplgpu %s resolved configuration (seed %d).\n# Rerun with: iplgpu run -config config.yaml\n", Version, cfg.Seed)
	return append([]byte(head), cfg.YAML()...)
}
