package model

import (
	"fmt"
	"math"
	"runtime"

	"github.com/iplgpu/iplgpu/internal/sysmem"
)

// Implied is what a configuration implies beyond its keys: the slab, the
// candidate contacts, the steps of a trial, the trials of the protocol and the
// bytes of every large array. Validate refuses a configuration whose
// implications cannot run (no contacts, more than the indices hold, a frame
// shorter than a step, a slab too wide for float32 positions) before any work;
// CheckMemory and CheckDisk compare the bytes with the machine.
//
// Everything is computed in float64 from the keys alone (and, for the
// analysis's bootstrap, this machine's cores), without building or allocating
// anything, so that an absurd configuration gives absurd numbers instead of
// overflowing.
type Implied struct {
	Neurons, Spines float64
	SlabUm          [3]float64 // slab extent x, y, z (um)
	// SpineDensity is the spine density in the slab (per um^3): the largest
	// local density of the spine cloud, since the spines' Gaussian spread
	// around their somata only thins it.
	SpineDensity float64
	// Contacts is an upper estimate of the expected candidate contacts: with
	// contact_distance_um set, every spine sees at most SpineDensity x the
	// ball of radius d_c; with it 0, contacts_per_spine x spines / 2. Both are
	// capped by the pairs of spines of different neurons (MaxPairs).
	Contacts float64
	MaxPairs float64 // spine pairs of different neurons: S (S - M) / 2

	FrameSteps, BinSteps, ITISteps, TrialSteps float64
	Bins                                       float64 // bins per trial

	Blocks    float64 // blocks of the expanded protocol
	Trials    float64 // trials of the protocol
	Recorded  float64 // recorded trials (rows of responses.npy)
	MaxBlock  float64 // recorded trials of the largest recorded block
	Snapshots float64 // rows of w_sessions.npy (0 when output.w_snapshots is off)

	Run      []Part // host memory while iplgpu run simulates
	Analysis []Part // host memory of the analysis of the finished run
	Disk     []Part // bytes the run directory gets
}

// Part is one large allocation or file: what it is, the keys that size it,
// and its bytes (saturated at math.MaxInt64).
type Part struct {
	What  string
	Keys  string
	Bytes int64
}

// Total adds the parts' bytes (saturating).
func Total(parts []Part) int64 {
	var t int64
	for _, p := range parts {
		t = sysmem.Add(t, p.Bytes)
	}
	return t
}

// Largest returns the part with the most bytes.
func Largest(parts []Part) Part {
	var b Part
	for _, p := range parts {
		if p.Bytes > b.Bytes {
			b = p
		}
	}
	return b
}

// Limits of what a run can index and represent.
const (
	// MaxContacts bounds the candidate contacts: the CSR adjacency holds 2 x
	// contacts int32 entries, and edges are int32 in edges.npy.
	MaxContacts = math.MaxInt32 / 2
	// MaxSlabUm bounds the slab's extent: positions are float32, whose
	// spacing at 1e7 um is 1 um, already coarse next to contact distances of
	// a few um.
	MaxSlabUm = 1e7
	// MaxStepsPerTrial bounds the steps of a trial and of an inter-trial
	// interval: a segment's step count and the backends' loop indices are
	// int32 on the GPU.
	MaxStepsPerTrial = math.MaxInt32
)

// Host bytes per element, beyond BytesPerSpine and BytesPerContact: what the
// run copies while it writes (the state read back for snapshots, the network
// files' interleaved copies, the .npy append buffer) and what the analysis
// holds (see Imply).
const (
	// The largest transient per spine and per contact on top of the
	// network (they come one after the other, not together): per spine the
	// network files' interleaved copies (20; the build's grid takes 8, a
	// state read-back 9), per contact the d_c search's distances
	// (buildPerContact; the files' copy takes 8, a state read-back and a
	// snapshot 12).
	runPerSpine    = BytesPerSpine + 20
	runPerContact  = BytesPerContact + buildPerContact
	runPerNeuron   = 64
	planPerTrial   = 64 // a Trial, its slice header and the block's bookkeeping
	csvPerTrial    = 80 // a line of trials.csv
	recordPerTrial = 160
)

// Imply derives what c implies. c must have passed the range checks of
// Validate (positive sizes and times); Validate calls it for the checks that
// need it.
func Imply(c *Config) *Implied {
	n, s, p := &c.Network, &c.Stimulus, &c.Protocol
	im := &Implied{Neurons: float64(n.Neurons), Spines: float64(n.Neurons) * float64(n.SpinesPerNeuron)}
	im.SlabUm = SlabSize(n, n.Neurons)
	im.SpineDensity = float64(n.SpinesPerNeuron) * n.DensityPerMM3 * 1e-9
	M := float64(n.SpinesPerNeuron)
	im.MaxPairs = im.Spines * (im.Spines - M) / 2
	if d := n.ContactDistanceUm; d > 0 {
		perSpine := im.SpineDensity * 4 / 3 * math.Pi * d * d * d
		im.Contacts = im.Spines * perSpine / 2
	} else {
		im.Contacts = n.ContactsPerSpine * im.Spines / 2
	}
	im.Contacts = math.Min(im.Contacts, im.MaxPairs)

	dt := c.Dynamics.DtMs
	im.FrameSteps = math.Round(s.FrameMs / dt)
	im.BinSteps = math.Round(s.BinMs / dt)
	im.ITISteps = math.Round(s.ITIMs / dt)
	im.TrialSteps = im.FrameSteps * float64(s.Frames)
	if im.BinSteps > 0 {
		im.Bins = math.Floor(im.TrialSteps / im.BinSteps)
	}

	sessions := map[int]bool{}
	add := func(session int, b *BlockConfig) {
		t := float64(b.Trials)
		im.Blocks++
		im.Trials += t
		if b.Record {
			im.Recorded += t
			im.MaxBlock = math.Max(im.MaxBlock, t)
		}
		sessions[session] = true
	}
	for i := range p.Before {
		add(0, &p.Before[i])
	}
	if p.Baseline {
		for i := range p.Session {
			if !p.Session[i].Learning {
				add(0, &p.Session[i])
			}
		}
	}
	// Every session runs the same blocks: count one and multiply.
	var perSession Implied
	for i := range p.Session {
		b := &p.Session[i]
		perSession.Blocks++
		perSession.Trials += float64(b.Trials)
		if b.Record {
			perSession.Recorded += float64(b.Trials)
			im.MaxBlock = math.Max(im.MaxBlock, float64(b.Trials))
		}
	}
	S := float64(p.Sessions)
	im.Blocks += S * perSession.Blocks
	im.Trials += S * perSession.Trials
	im.Recorded += S * perSession.Recorded
	for range max(p.AfterRepeat, 1) {
		for i := range p.After {
			add(p.Sessions+1, &p.After[i])
		}
	}
	if c.Output.WSnapshots {
		// One row after each session that ran: session 0 (when it has
		// blocks), 1..S when the session has blocks, and the blocks after.
		im.Snapshots = float64(len(sessions))
		if len(p.Session) > 0 {
			im.Snapshots += S
		}
	}

	N, E, F := im.Neurons, im.Contacts, float64(s.Frames)
	row := im.Bins * N * 2 // one trial's counts (uint16)
	keysNet := "network.neurons, network.spines_per_neuron"
	keysContacts := "network.neurons, network.spines_per_neuron, network.contact_distance_um, network.contacts_per_spine, network.density_per_mm3"
	keysTrials := "protocol (sessions, blocks' trials)"
	keysTrial := "stimulus.frames, stimulus.frame_ms, stimulus.bin_ms, network.neurons"
	mb := func(f ...float64) int64 { return sysmem.Mul(f...) }
	// The run's parts are live data; the Go heap runs up to gcHeadroom times
	// above it (see gcHeadroom).
	h := float64(gcHeadroom)
	im.Run = []Part{
		{"the spines", keysNet, mb(h, im.Spines, runPerSpine)},
		{"the neurons", "network.neurons", mb(h, N, runPerNeuron)},
		{fmt.Sprintf("about %.3g candidate contacts", E), keysContacts, mb(h, E, runPerContact)},
		{fmt.Sprintf("the protocol plan (%.3g trials of %d frames)", im.Trials, s.Frames), keysTrials + ", stimulus.frames", mb(h, im.Trials, F*4+planPerTrial)},
		{fmt.Sprintf("one trial's counts (%.3g bins x %.3g neurons x 2 bytes, twice)", im.Bins, N), keysTrial, mb(h, 2, row)},
		{fmt.Sprintf("one trial's gate (%.3g steps)", math.Max(im.TrialSteps, im.ITISteps)), "stimulus.frames, stimulus.frame_ms, stimulus.iti_ms, dynamics.dt_ms", mb(h, math.Max(im.TrialSteps, im.ITISteps), 4)},
	}
	// The analysis holds the recording, the trial table, the frames, the
	// network arrays and the snapshots, and for one block at a time the summed
	// counts of its trials, the N x N noise covariance (with the centred
	// counts of its Gemm) and a subset's estimates.
	// The covariance-based analyses see at most AnalysisNeurons neurons.
	NF := math.Min(N, AnalysisNeurons)
	im.Analysis = []Part{
		{fmt.Sprintf("the recording (%.3g recorded trials x %.3g bins x %.3g neurons x 2 bytes)", im.Recorded, im.Bins, N), keysTrials + ", " + keysTrial, mb(im.Recorded, row)},
		{fmt.Sprintf("the trial table and frames (%.3g trials)", im.Trials), keysTrials, mb(im.Trials, F*4+recordPerTrial)},
		{"the network arrays", keysNet + ", " + keysContacts, sysmem.Add(mb(im.Spines, 20), mb(E, 8), mb(N, 24))},
		{fmt.Sprintf("the w snapshots (%.3g x %.3g contacts x 4 bytes)", im.Snapshots, E), "output.w_snapshots, protocol.sessions, " + keysContacts, mb(im.Snapshots, E, 4)},
		{fmt.Sprintf("a block's summed counts (%.3g trials x %.3g neurons x 8 bytes, twice)", im.MaxBlock, N), "protocol blocks' trials, network.neurons", mb(4, im.MaxBlock, N, 8)},
		{fmt.Sprintf("the noise covariance of %.3g neurons (N x N x 8 bytes, twice)", NF), "network.neurons", mb(2, NF, NF, 8)},
		// The bootstrap over trials keeps an N x N covariance cache per
		// worker goroutine (one per core here, and one for the data).
		{fmt.Sprintf("the bootstrap's covariance caches (%d x %.3g x %.3g neurons x 8 bytes)", runtime.GOMAXPROCS(0)+1, NF, NF), "network.neurons", mb(float64(runtime.GOMAXPROCS(0)+1), NF, NF, 8)},
	}
	im.Disk = []Part{
		{fmt.Sprintf("responses.npy (%.3g recorded trials x %.3g bins x %.3g neurons x 2 bytes)", im.Recorded, im.Bins, N), keysTrials + ", " + keysTrial, mb(im.Recorded, row)},
		{fmt.Sprintf("frames.npy and trials.csv (%.3g trials)", im.Trials), keysTrials, mb(im.Trials, F*4+csvPerTrial)},
		{fmt.Sprintf("w_sessions.npy (%.3g snapshots x %.3g contacts x 4 bytes)", im.Snapshots, E), "output.w_snapshots, protocol.sessions, " + keysContacts, mb(im.Snapshots, E, 4)},
		{"the network files", keysNet + ", " + keysContacts, sysmem.Add(mb(im.Spines, 24), mb(E, 12), mb(N, 24))},
		// The backend's state (s and the events per spine, w and e per
		// contact, b and h per neuron) and the host's (homeostasis); the
		// atomic write holds the old file and the new one for a moment.
		{"checkpoint.npz (the state, twice while it is replaced)", keysNet + ", " + keysContacts, mb(2, im.Spines*5+E*8+N*36)},
	}
	return im
}

// validateImplied refuses what the keys imply but no range of a single key
// catches. It runs after the range checks, on a config that passed them.
func (c *Config) validateImplied() error {
	v := &validator{}
	n, s, d := &c.Network, &c.Stimulus, &c.Dynamics
	im := Imply(c)

	// The slab: float32 positions (and a finite grid) need a finite, modest
	// extent. side = sqrt(N / density / depth).
	if side := im.SlabUm[0]; !(side <= MaxSlabUm) {
		minDensity := float64(n.Neurons) * 1e9 / (n.DepthUm * MaxSlabUm * MaxSlabUm)
		if minDensity <= 1e7 { // the density key's upper bound: a density can fix it
			v.why("network.density_per_mm3", n.DensityPerMM3,
				fmt.Sprintf("gives a slab %.3g um wide for %d neurons %g um deep (positions are float32: beyond %g um they lose the precision the contact search needs)", side, n.Neurons, n.DepthUm, MaxSlabUm),
				fmt.Sprintf("at least %.3g per mm3 for this many neurons and this depth", minDensity))
		} else {
			v.why("network.depth_um", n.DepthUm,
				fmt.Sprintf("gives a slab %.3g um wide for %d neurons at %g per mm3 (positions are float32: beyond %g um they lose the precision the contact search needs)", side, n.Neurons, n.DensityPerMM3, MaxSlabUm),
				fmt.Sprintf("at least %.3g um for this many neurons and this density", float64(n.Neurons)*1e9/(n.DensityPerMM3*MaxSlabUm*MaxSlabUm)))
		}
	}

	// Contacts: at most what the int32 indices hold and what the spines can
	// form; a run needs at least one (CheckRunnable: a network without
	// contacts is built, for the backends' tests, but not run).
	if dc := n.ContactDistanceUm; dc > 0 {
		if im.Contacts > MaxContacts {
			v.why("network.contact_distance_um", dc,
				fmt.Sprintf("gives about %.3g candidate contacts among %.0f spines", im.Contacts, im.Spines),
				fmt.Sprintf("at most %d contacts (int32 indices): a shorter distance", MaxContacts))
		}
	} else {
		cps := n.ContactsPerSpine
		maxPerSpine := im.Spines - float64(n.SpinesPerNeuron) // every spine of another neuron
		switch {
		case cps*im.Spines/2 < 1:
			v.why("network.contacts_per_spine", cps,
				fmt.Sprintf("gives %.2g candidate contacts in total among %.0f spines", cps*im.Spines/2, im.Spines),
				fmt.Sprintf("at least %.3g (one contact)", 2/im.Spines))
		case cps > maxPerSpine:
			v.why("network.contacts_per_spine", cps,
				fmt.Sprintf("asks for more contacts than %d neurons x %d spines can form (a spine can touch the %.0f spines of the other neurons)", n.Neurons, n.SpinesPerNeuron, maxPerSpine),
				fmt.Sprintf("at most %.0f", maxPerSpine))
		case im.Contacts > MaxContacts:
			v.why("network.contacts_per_spine", cps,
				fmt.Sprintf("gives about %.3g candidate contacts among %.0f spines", im.Contacts, im.Spines),
				fmt.Sprintf("at most %d contacts in total (int32 indices)", MaxContacts))
		}
	}

	// Steps: a frame and a bin are whole steps (at least one), a trial fits
	// the segments' step counts.
	switch {
	case im.FrameSteps < 1:
		v.why("stimulus.frame_ms", s.FrameMs, "is shorter than one step", fmt.Sprintf("at least dynamics.dt_ms = %g", d.DtMs))
	case im.BinSteps < 1:
		v.why("stimulus.bin_ms", s.BinMs, "is shorter than one step", fmt.Sprintf("at least dynamics.dt_ms = %g", d.DtMs))
	case im.TrialSteps > MaxStepsPerTrial:
		v.why("stimulus.frame_ms", s.FrameMs,
			fmt.Sprintf("makes a trial of %d frames %.3g steps of dynamics.dt_ms = %g", s.Frames, im.TrialSteps, d.DtMs),
			fmt.Sprintf("at most %d steps per trial: fewer or shorter frames, or a longer step", MaxStepsPerTrial))
	case im.ITISteps > MaxStepsPerTrial:
		v.why("stimulus.iti_ms", s.ITIMs,
			fmt.Sprintf("is %.3g steps of dynamics.dt_ms = %g", im.ITISteps, d.DtMs),
			fmt.Sprintf("at most %d steps", MaxStepsPerTrial))
	}
	return v.err
}

// CheckRunnable refuses a valid configuration that cannot make a run: one
// whose contact distance gives no candidate contact (expected: fewer than
// one; engine.Simulate also refuses a network built without any). Validate
// lets it pass, since a network without contacts is a case the backends are
// tested on.
func (c *Config) CheckRunnable() error {
	n := &c.Network
	im := Imply(c)
	if dc := n.ContactDistanceUm; dc > 0 && im.Contacts < 1 {
		need := math.Cbrt(3 / (2 * math.Pi * im.Spines * im.SpineDensity))
		return &ConfigError{Key: "network.contact_distance_um", Value: dc,
			Why:     fmt.Sprintf("gives no candidate contacts: at most %.2g expected among %.0f spines at %.3g spines per um3", im.Contacts, im.Spines, im.SpineDensity),
			Allowed: fmt.Sprintf("at least about %.3g um for one expected contact (or 0: derive it from network.contacts_per_spine)", need)}
	}
	return nil
}

// CheckMemory refuses a configuration whose run would not fit in the memory
// this process can allocate now (sysmem: MemAvailable, the cgroup limit and
// ulimit -v), before any work starts. The message names the largest
// allocation and the keys that size it.
func CheckMemory(cfg *Config) error {
	return checkParts(cfg, Imply(cfg).Run, "the run")
}

// CheckAnalysisMemory refuses a configuration whose analysis (iplgpu run's,
// or iplgpu analyse's later) would not fit in memory.
func CheckAnalysisMemory(cfg *Config) error {
	return checkParts(cfg, Imply(cfg).Analysis, "the analysis of the run")
}

func checkParts(cfg *Config, parts []Part, what string) error {
	need := Total(parts)
	lim, ok := sysmem.Available()
	if !ok || need <= lim.Bytes {
		return nil
	}
	im := Imply(cfg)
	big := Largest(parts)
	return fmt.Errorf("config: network.neurons x network.spines_per_neuron = %d x %d = %.0f spines with about %.3g candidate contacts, %.3g trials (%.3g recorded): %s needs about %s of memory, but %s can be allocated (%s); the largest part is %s: %s (keys %s)",
		cfg.Network.Neurons, cfg.Network.SpinesPerNeuron, im.Spines, im.Contacts, im.Trials, im.Recorded,
		what, sysmem.Bytes(need), sysmem.Bytes(lim.Bytes), lim.Source, big.What, sysmem.Bytes(big.Bytes), big.Keys)
}
